import type { ReleaseProjectConfig } from '../config';
import { missingGitHubTokenError, resolveGitHubSettings } from './github/options';
import { resolveUploadRequest, type UploadCommand, type UploadRequest } from './request';
import { checkLocalUploadDir } from './local-dir';
import { resolveS3Options } from './s3/options';

export interface PartialEnvironment {
  /**
   * The Nx daemon never receives `GITHUB_*` variables (nx/src/daemon/client/daemon-environment.js),
   * so a plugin hook running there cannot tell a missing `GITHUB_TOKEN` or `GITHUB_REPOSITORY` from
   * a withheld one: those two checks are left to the executor, which has the user's environment.
   */
  githubVariablesHidden: boolean;
}

export interface CheckContext {
  /** Where a relative local `--dir` is resolved from, and what it must not be (or be inside the build output of). */
  workspaceRoot?: string;
}

/**
 * Everything about a destination that can be checked without reading the release or using the
 * network: the destination is known, its required settings are there (bucket; repository and
 * token), and names and URLs are well-formed (bucket name, prefix, endpoint; owner/name, API URL).
 * One implementation for the seed CLI, the Nx plugin hook (before any task runs) and the upload
 * executor. Throws a one-line ReleaseError that never contains a secret. Returns undefined only
 * when `githubVariablesHidden` leaves nothing to check (GitHub, repository from the environment).
 */
export function checkUploadRequest(
  command: UploadCommand,
  config: ReleaseProjectConfig['upload'] | undefined,
  env: NodeJS.ProcessEnv,
  context?: CheckContext,
): UploadRequest;
export function checkUploadRequest(
  command: UploadCommand,
  config: ReleaseProjectConfig['upload'] | undefined,
  env: NodeJS.ProcessEnv,
  context: CheckContext & PartialEnvironment,
): UploadRequest | undefined;
export function checkUploadRequest(
  command: UploadCommand,
  config: ReleaseProjectConfig['upload'] = {},
  env: NodeJS.ProcessEnv,
  { githubVariablesHidden = false, workspaceRoot }: CheckContext & Partial<PartialEnvironment> = {},
): UploadRequest | undefined {
  if (githubVariablesHidden && command.destination === 'github' && !command.repo && !config.github?.repo) return undefined;
  const request = resolveUploadRequest(command, config, env);
  switch (request.destination) {
    case 's3':
      resolveS3Options(
        {
          bucket: request.bucket,
          region: request.region,
          prefix: request.prefix,
          endpoint: request.endpoint,
          forcePathStyle: request.forcePathStyle,
        },
        env,
      );
      break;
    case 'github': {
      const settings = resolveGitHubSettings({ repo: request.repo, env });
      if (!settings.token && !githubVariablesHidden) throw missingGitHubTokenError(settings.fullName);
      break;
    }
    case 'local':
      if (workspaceRoot) checkLocalUploadDir(request.dir, workspaceRoot);
      break;
  }
  return request;
}
