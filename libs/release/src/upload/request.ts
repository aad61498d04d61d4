import { ReleaseError } from '../errors';
import type { ReleaseProjectConfig } from '../config';
import { DEFAULT_UPLOAD_DIR } from '../pipeline';
import { DEFAULT_PREFIX } from './s3/options';

/** Where a release is uploaded: `--target` on the command line, CODEBUFF_UPLOAD_DESTINATION, the executor's `destination`. */
export type Destination = 'github' | 's3' | 'local';
export const DESTINATIONS: readonly Destination[] = ['github', 's3', 'local'];

/** What the user asked for, from command line, environment and release.config.json. */
export interface UploadCommand {
  destination?: string;
  repo?: string;
  draft?: boolean;
  prerelease?: boolean;
  replace?: boolean;
  bucket?: string;
  region?: string;
  prefix?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  dir?: string;
}

export type UploadRequest =
  | { destination: 'github'; repo: string; draft: boolean; prerelease: boolean; replace: boolean }
  | {
      destination: 's3';
      bucket: string;
      region?: string;
      prefix: string;
      endpoint?: string;
      forcePathStyle?: boolean;
      replace: boolean;
      draft: boolean;
    }
  | { destination: 'local'; dir: string; replace: boolean; draft: boolean };

/**
 * Decides where an upload goes, or refuses. Each destination's required settings are checked
 * here, before anything is read or sent; a missing one is an error, never a quiet fallback to
 * another destination.
 */
export function resolveUploadRequest(
  command: UploadCommand,
  config: ReleaseProjectConfig['upload'] = {},
  env: NodeJS.ProcessEnv = process.env,
): UploadRequest {
  const destination = command.destination ?? 'local';
  const replace = command.replace ?? false;
  const draft = command.draft ?? false;
  switch (destination) {
    case 'github': {
      const repo = command.repo ?? config.github?.repo ?? env.GITHUB_REPOSITORY;
      if (!repo)
        throw new ReleaseError(
          '--target=github needs --repo owner/name (or upload.github.repo in release.config.json, or GITHUB_REPOSITORY)',
        );
      if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) throw new ReleaseError(`invalid --repo "${repo}": expected owner/name`);
      return { destination, repo, draft, prerelease: command.prerelease ?? false, replace };
    }
    case 's3': {
      const bucket = command.bucket ?? config.s3?.bucket;
      if (!bucket) throw new ReleaseError('--target=s3 needs --bucket NAME (or upload.s3.bucket in release.config.json)');
      return {
        destination,
        bucket,
        region: command.region ?? config.s3?.region,
        prefix: command.prefix ?? config.s3?.prefix ?? DEFAULT_PREFIX,
        endpoint: command.endpoint ?? config.s3?.endpoint,
        forcePathStyle: command.forcePathStyle,
        replace,
        draft,
      };
    }
    case 'local':
      return { destination, dir: command.dir ?? config.local?.dir ?? DEFAULT_UPLOAD_DIR, replace, draft };
    default:
      throw new ReleaseError(`unknown upload target "${destination}": expected ${DESTINATIONS.join(', ')}`);
  }
}
