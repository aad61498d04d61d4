import { join } from 'node:path';
import { bunVersion } from '../compile/bun';
import type { LoadedReleaseConfig } from '../config';
import { ReleaseError } from '../errors';
import type { PlatformRow } from '../platforms';
import { packageDirIn, readNativeRecord } from './fetch';
import { type BundledNpm, bundledNpmFor } from './bundled-npm';
import { type Lockfile, readLockfile } from './lockfile';
import { nativeFingerprint, type NativeSet, nativeSetFor, type PinnedPackage, runtimeFileOf } from './native-set';

const envKey = (key: string) => key.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** Hash input of a platform's native and compile tasks: its own platform packages' pins and exclusions. */
export const nativeEnvName = (key: string) => `CODEBUFF_NATIVE_${envKey(key)}`;
/** Hash input of a platform's compile: the npm packages its binary can bundle (bundled-npm.ts). */
export const npmEnvName = (key: string) => `CODEBUFF_NPM_${envKey(key)}`;
/** Hash input of a platform's runtime-chunks task: Bun's runtime pin alone. */
export const runtimeEnvName = (key: string) => `CODEBUFF_RUNTIME_${envKey(key)}`;

export const runtimeFingerprint = (runtime: PinnedPackage) => JSON.stringify([runtime.name, runtime.version, runtime.integrity]);

/** One platform's native set, from package-lock.json, Bun's version and the project's exclusions. */
export function projectNativeSet(
  workspaceRoot: string,
  config: LoadedReleaseConfig,
  row: PlatformRow,
  lock: Lockfile = readLockfile(workspaceRoot),
): NativeSet {
  return nativeSetFor(lock, row, bunVersion(), config.nativeExclusions?.[row.key] ?? {});
}

/** One platform's bundled npm packages: from the lockfile, the CLI's imports and the project's exclusions. */
export function projectBundledNpm(
  workspaceRoot: string,
  config: LoadedReleaseConfig,
  row: PlatformRow,
  imported: readonly string[],
  lock: Lockfile = readLockfile(workspaceRoot),
): BundledNpm {
  return bundledNpmFor(lock, imported, row.key, config.nativeExclusions?.[row.key] ?? {});
}

export const npmFingerprint = (npm: BundledNpm) => JSON.stringify(npm.pins);

/**
 * Puts every platform's fingerprints into the environment (the Nx hook does this before hashing):
 * its platform packages and runtime, and the npm packages its binary can bundle.
 */
export function exportNativeFingerprints(
  workspaceRoot: string,
  projects: readonly { config: LoadedReleaseConfig; imported: readonly string[] }[],
  env: NodeJS.ProcessEnv,
): void {
  if (projects.length === 0) return;
  const lock = readLockfile(workspaceRoot);
  for (const { config, imported } of projects) {
    for (const row of config.resolvedPlatforms) {
      const set = projectNativeSet(workspaceRoot, config, row, lock);
      env[nativeEnvName(row.key)] = nativeFingerprint(set);
      env[runtimeEnvName(row.key)] = runtimeFingerprint(set.runtime);
      env[npmEnvName(row.key)] = npmFingerprint(projectBundledNpm(workspaceRoot, config, row, imported, lock));
    }
  }
}

/** Refuses to run on a lockfile that changed after Nx hashed the task. */
export function checkHashedNativeSet(set: NativeSet, env: NodeJS.ProcessEnv = process.env): void {
  checkHashed(env[nativeEnvName(set.platform)], nativeFingerprint(set), set.platform);
}

export function checkHashedBundledNpm(npm: BundledNpm, platform: string, env: NodeJS.ProcessEnv = process.env): void {
  checkHashed(env[npmEnvName(platform)], npmFingerprint(npm), platform);
}

function checkHashed(hashed: string | undefined, now: string, platform: string): void {
  if (hashed !== undefined && hashed !== now) {
    throw new ReleaseError(
      `package-lock.json or nativeExclusions changed while Nx was running (platform ${platform}); run the command again`,
    );
  }
}

/** The native folder the native task left, checked to hold exactly this set (a stale or foreign one is refused). */
export async function openNativeDir(nativeDir: string, set: NativeSet): Promise<void> {
  const record = await readNativeRecord(nativeDir, set.platform);
  if (nativeFingerprint(record) !== nativeFingerprint(set)) {
    throw new ReleaseError(
      `${nativeDir} holds other packages than package-lock.json pins for ${set.platform}; rerun native-${set.platform} with --skip-nx-cache`,
    );
  }
}

/** Bun's runtime executable for the set's target, in the native folder, after checking the folder holds that pin. */
export async function runtimeIn(nativeDir: string, set: NativeSet): Promise<string> {
  const record = await readNativeRecord(nativeDir, set.platform);
  if (runtimeFingerprint(record.runtime) !== runtimeFingerprint(set.runtime)) {
    throw new ReleaseError(
      `${nativeDir} holds ${record.runtime.name}@${record.runtime.version}, not the ${set.runtime.name}@${set.runtime.version} package-lock.json pins; rerun native-${set.platform}`,
    );
  }
  return join(packageDirIn(nativeDir, set.runtime.name), runtimeFileOf(set.platform));
}
