import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheRoot, versionDir } from './cache-dir';
import { DEFAULT_DOWNLOAD_OPTIONS, type DownloadOptions } from './download';
import { LauncherError, describeError } from './errors';
import { type InstallPlan, installBinary, isInstalled, planInstall } from './install';
import { selectAsset } from './platform';
import { readReleaseInfo } from './release-info';

/**
 * The package root, found at run time from the running entry file (`<package>/bin/*.js`):
 * a bundler freezes `__dirname` at build time. npm links bin files, so the link is resolved.
 */
export function packageDir(): string {
  const entry = require.main?.filename ?? process.argv[1];
  return join(dirname(realpathSync(entry)), '..');
}

export function downloadOptions(version: string, env: NodeJS.ProcessEnv = process.env): DownloadOptions {
  const timeout = Number(env.CODEBUFF_DOWNLOAD_TIMEOUT_MS);
  return {
    ...DEFAULT_DOWNLOAD_OPTIONS,
    userAgent: `codebuff-launcher/${version} node/${process.versions.node} (${process.platform}-${process.arch})`,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_DOWNLOAD_OPTIONS.timeoutMs,
  };
}

export function currentPlan(root: string = packageDir(), env: NodeJS.ProcessEnv = process.env): InstallPlan {
  const info = readReleaseInfo(root);
  const asset = selectAsset(info);
  return planInstall(info, asset, versionDir(cacheRoot(env), info.version), env);
}

export function log(line: string): void {
  process.stderr.write(`codebuff: ${line}\n`);
}

/** Ensures the binary is installed; returns its path. */
export async function ensureBinary(plan: InstallPlan, verifyBinary: boolean): Promise<string> {
  if (!verifyBinary && (await isInstalled(plan))) return plan.binaryPath;
  await installBinary(plan, {
    download: downloadOptions(plan.info.version),
    lock: { waitMs: 10 * 60_000, pollMs: 250 },
    verifyBinary,
    log,
  });
  return plan.binaryPath;
}

/** Prints a launcher failure as the user should see it: what failed, then how to repair it. */
export function reportFailure(error: unknown): void {
  if (error instanceof LauncherError) {
    log(`error: ${error.message}`);
    if (error.repair) log(`to repair: ${error.repair}`);
  } else {
    log(`error: ${describeError(error)}`);
  }
}
