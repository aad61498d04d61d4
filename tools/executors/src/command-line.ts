import { dirname, join } from 'node:path';
import { type LoadedReleaseConfig, loadReleaseConfig } from '@codebuff/release/config';
import { checkUploadRequest } from '@codebuff/release/upload/check-request';
import type { UploadCommand } from '@codebuff/release/upload/request';
import { platformRowEnvName, platformRowFingerprint, readPlatformTable } from '@codebuff/release/platforms';
import { normalizeVersion, readPackageVersion } from '@codebuff/release/version';
import { projectName } from './project-name';

export const UPLOAD_DESTINATION_ENV = 'CODEBUFF_UPLOAD_DESTINATION';

/**
 * The value of `--name=value` or `--name value`; the last one wins, as with yargs. Arguments after
 * `--` count too: Nx would hand them to the requested target alone, not to its dependencies.
 */
export function readFlag(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
    else if (arg === `--${name}` && i + 1 < argv.length && !argv[i + 1].startsWith('-')) value = argv[++i];
  }
  return value;
}

/** True when the command runs an upload target: `nx run p:upload`, `nx upload`, `nx run-many -t upload`. */
function runsUpload(argv: readonly string[]): boolean {
  return argv.some(
    (a) =>
      a === 'upload' ||
      a.endsWith(':upload') ||
      a === '--target=upload' ||
      a === '-t=upload' ||
      /(^|,)upload(,|$)/.test(a.replace(/^--?(t|targets?)=/, '')),
  );
}

export function applyCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv, workspaceRoot?: string): void {
  env.CODEBUFF_NX_HOOK = '1';
  const version = readFlag(argv, 'version');
  if (version !== undefined) env.VERSION = normalizeVersion(version, '--version');
  else if (env.VERSION) env.VERSION = normalizeVersion(env.VERSION, 'VERSION');
  // VERSION=1.0.0 and no VERSION build the same bytes when package.json says 1.0.0; emptying
  // the redundant variable keeps both on one cache entry. (Nx passes on what the hook assigns,
  // not what it deletes, hence '' rather than delete.)
  if (env.VERSION && workspaceRoot && packageVersions(workspaceRoot).every((v) => v === env.VERSION)) env.VERSION = '';
  const target = readFlag(argv, 'target');
  if (target !== undefined && runsUpload(argv) && target !== 'upload') env[UPLOAD_DESTINATION_ENV] = target;
  if (workspaceRoot && runsUpload(argv)) checkUploadDestination(argv, env, workspaceRoot);
}

/**
 * Refuses an upload whose destination lacks what it needs (`--target=s3` without a bucket, an
 * unknown target, GitHub without a repository or token) now, before Nx runs the build it depends
 * on: the check the upload executor makes again when it runs, with the same function.
 */
function checkUploadDestination(argv: readonly string[], env: NodeJS.ProcessEnv, workspaceRoot: string): void {
  // The executor takes --destination, then --target after `--`, then what the hook passed on.
  const target = readFlag(argv, 'target');
  const command: UploadCommand = {
    destination: readFlag(argv, 'destination') ?? (target === 'upload' ? undefined : target),
    repo: readFlag(argv, 'repo'),
    bucket: readFlag(argv, 'bucket'),
    region: readFlag(argv, 'region'),
    prefix: readFlag(argv, 'prefix'),
    endpoint: readFlag(argv, 'endpoint'),
    dir: readFlag(argv, 'dir'),
  };
  // Inside the Nx daemon (and its plugin workers) GITHUB_* variables are withheld.
  const githubVariablesHidden = env.NX_DAEMON_PROCESS === 'true';
  for (const projectRoot of uploadedProjects(argv, workspaceRoot)) {
    checkUploadRequest(command, loadReleaseConfig(workspaceRoot, projectRoot).upload, env, { githubVariablesHidden, workspaceRoot });
  }
}

/** Roots of the releasable projects the command uploads: those named `<project>:upload`, else all. */
function uploadedProjects(argv: readonly string[], workspaceRoot: string): string[] {
  const roots = releasableProjectRoots(workspaceRoot);
  const named = new Set(argv.filter((a) => a.endsWith(':upload')).map((a) => a.slice(0, -':upload'.length)));
  if (named.size === 0) return roots;
  return roots.filter((root) => named.has(projectName(workspaceRoot, root)));
}

/** One variable per platform row, each an input of that platform's tasks only. */
export function exportPlatformRows(env: NodeJS.ProcessEnv): void {
  for (const row of readPlatformTable()) env[platformRowEnvName(row.key)] = platformRowFingerprint(row);
}

/** The release config of every releasable project. */
export function releasableConfigs(workspaceRoot: string): LoadedReleaseConfig[] {
  return releasableProjectRoots(workspaceRoot).map((root) => loadReleaseConfig(workspaceRoot, root));
}

/** Roots of every releasable project (those with a release.config.json). */
function releasableProjectRoots(workspaceRoot: string): string[] {
  // Required here, not at the top: the upload executor imports this module for a constant.
  const fg = require('fast-glob') as typeof import('fast-glob');
  return fg
    .sync('**/release.config.json', { cwd: workspaceRoot, ignore: ['**/node_modules/**', 'dist/**', 'tmp/**'], deep: 4 })
    .map((file) => dirname(file));
}

/** The package.json versions of every releasable project. */
function packageVersions(workspaceRoot: string): string[] {
  return releasableProjectRoots(workspaceRoot).map((root) => readPackageVersion(join(workspaceRoot, root)) ?? '');
}
