import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheRoot, versionDir } from './cache-dir';
import { DEFAULT_DOWNLOAD_OPTIONS, type DownloadOptions, LIMIT_ENV } from './download';
import { formatMs } from '@codebuff/release/units';
import { LauncherError, describeError } from './errors';
import { type InstallPlan, installBinary, isInstalled, planInstall } from './install';
import { type LockOptions, describeHolder } from './lock';
import { selectAsset } from './platform';
import { statusOutput } from './progress';
import { readReleaseInfo } from './release-info';

/**
 * The package root, found at run time from the running entry file (`<package>/bin/*.js`):
 * a bundler freezes `__dirname` at build time. npm links bin files, so the link is resolved.
 */
export function packageDir(): string {
  const entry = require.main?.filename ?? process.argv[1];
  return join(dirname(realpathSync(entry)), '..');
}

/** A limit from the environment: a whole number (0 allowed where `zeroOk`), else the default. */
function limit(env: NodeJS.ProcessEnv, name: string, fallback: number, zeroOk = false): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  return Number.isSafeInteger(value) && (value > 0 || (zeroOk && value === 0)) ? value : fallback;
}

export function downloadOptions(version: string, env: NodeJS.ProcessEnv = process.env): DownloadOptions {
  const d = DEFAULT_DOWNLOAD_OPTIONS;
  return {
    ...d,
    userAgent: `codebuff-launcher/${version} node/${process.versions.node} (${process.platform}-${process.arch})`,
    timeoutMs: limit(env, LIMIT_ENV.timeoutMs, d.timeoutMs),
    minBytesPerSec: limit(env, LIMIT_ENV.minBytesPerSec, d.minBytesPerSec, true),
    lowSpeedMs: limit(env, LIMIT_ENV.lowSpeedMs, d.lowSpeedMs),
    deadlineMs: limit(env, LIMIT_ENV.deadlineMs, d.deadlineMs),
  };
}

/** How long a lock's heartbeat may stop before the lock counts as abandoned (tests shorten it). */
export const LOCK_STALE_ENV = 'CODEBUFF_LOCK_STALE_MS';

export function lockOptions(download: DownloadOptions, env: NodeJS.ProcessEnv = process.env): LockOptions {
  return {
    // The holder's download ends by its deadline; unpacking and hashing take seconds more.
    waitMs: download.deadlineMs + 5 * 60_000,
    pollMs: 250,
    staleMs: limit(env, LOCK_STALE_ENV, 30_000),
    onWait: (holder) =>
      log(
        `waiting for another codebuff process (${describeHolder(holder)}) that is installing into ${dirname(holder.path)}; ` +
          `its lock ${holder.path} was refreshed ${formatMs(holder.ageMs)} ago, and is taken over if not refreshed for ${formatMs(limit(env, LOCK_STALE_ENV, 30_000))}`,
      ),
  };
}

export function currentPlan(root: string = packageDir(), env: NodeJS.ProcessEnv = process.env): InstallPlan {
  const info = readReleaseInfo(root);
  const asset = selectAsset(info);
  return planInstall(info, asset, versionDir(cacheRoot(env), info.version), env);
}

const status = statusOutput();

export function log(line: string): void {
  status.log(line);
}

/** Ensures the binary is installed; returns its path. */
export async function ensureBinary(plan: InstallPlan, verifyBinary: boolean): Promise<string> {
  if (!verifyBinary && (await isInstalled(plan))) return plan.binaryPath;
  const download = downloadOptions(plan.info.version);
  await installBinary(plan, {
    download,
    lock: lockOptions(download),
    verifyBinary,
    log,
    progress: status.progress,
    progressDone: status.done,
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
