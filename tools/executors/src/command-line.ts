import { dirname, join } from 'node:path';
import fg from 'fast-glob';
import { platformRowEnvName, platformRowFingerprint, readPlatformTable } from '../../../libs/release/src/platforms';
import { normalizeVersion, readPackageVersion } from '../../../libs/release/src/version';

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
  return argv.some((a) => a === 'upload' || a.endsWith(':upload') || a === '--target=upload' || a === '-t=upload' || /(^|,)upload(,|$)/.test(a.replace(/^--?(t|targets?)=/, '')));
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
}

/** One variable per platform row, each an input of that platform's tasks only. */
export function exportPlatformRows(env: NodeJS.ProcessEnv): void {
  for (const row of readPlatformTable()) env[platformRowEnvName(row.key)] = platformRowFingerprint(row);
}

/** The package.json versions of every releasable project (those with a release.config.json). */
function packageVersions(workspaceRoot: string): string[] {
  const configs = fg.sync('**/release.config.json', { cwd: workspaceRoot, ignore: ['**/node_modules/**', 'dist/**', 'tmp/**'], deep: 4 });
  return configs.map((file) => readPackageVersion(join(workspaceRoot, dirname(file))) ?? '');
}
