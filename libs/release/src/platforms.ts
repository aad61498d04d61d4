/**
 * The platform table: the one place that says which platforms Codebuff ships for.
 * Everything else (Nx targets, archive names, the launcher's asset lookup) derives from it,
 * so adding a platform is one row here.
 *
 * Keys are Node's `${process.platform}-${process.arch}`, so a launcher finds its asset from
 * those two values alone. x64 targets use Bun's `-baseline` runtimes: they run on CPUs without
 * AVX2, where the default build dies with SIGILL / 0xC000001D.
 */
import { ReleaseError } from './errors';

export type ArchiveFormat = 'tar.gz' | 'zip';

export interface PlatformSpec {
  /** `${process.platform}-${process.arch}` of the machines that run this build. */
  readonly key: string;
  /** Bun's `--target` for `bun build --compile`. */
  readonly bunTarget: string;
  readonly archive: ArchiveFormat;
  /** File name of the executable inside the archive. */
  readonly binaryName: string;
}

export const PLATFORMS = [
  { key: 'linux-x64', bunTarget: 'bun-linux-x64-baseline', archive: 'tar.gz', binaryName: 'codebuff' },
  { key: 'linux-arm64', bunTarget: 'bun-linux-arm64', archive: 'tar.gz', binaryName: 'codebuff' },
  { key: 'darwin-x64', bunTarget: 'bun-darwin-x64-baseline', archive: 'tar.gz', binaryName: 'codebuff' },
  { key: 'darwin-arm64', bunTarget: 'bun-darwin-arm64', archive: 'tar.gz', binaryName: 'codebuff' },
  { key: 'win32-x64', bunTarget: 'bun-windows-x64-baseline', archive: 'zip', binaryName: 'codebuff.exe' },
] as const satisfies readonly PlatformSpec[];

export type PlatformKey = (typeof PLATFORMS)[number]['key'];

export const PLATFORM_KEYS: readonly PlatformKey[] = PLATFORMS.map((p) => p.key);

export function isPlatformKey(value: string): value is PlatformKey {
  return (PLATFORM_KEYS as readonly string[]).includes(value);
}

export function getPlatform(key: string): PlatformSpec {
  const found = PLATFORMS.find((p) => p.key === key);
  if (!found) {
    throw new ReleaseError(`unknown platform "${key}"; valid platforms: ${PLATFORM_KEYS.join(', ')}`);
  }
  return found;
}

/** Asset file name for a platform: `codebuff-linux-x64.tar.gz`. */
export function assetName(platform: PlatformSpec, baseName = 'codebuff'): string {
  return `${baseName}-${platform.key}.${platform.archive}`;
}

/**
 * Validates a user's platform selection: every key known, none repeated.
 * Order is kept so messages and builds follow what the user wrote.
 */
export function selectPlatforms(keys: readonly string[] | undefined): PlatformSpec[] {
  if (keys === undefined) return [...PLATFORMS];
  if (keys.length === 0) throw new ReleaseError('no platforms selected');
  const seen = new Set<string>();
  return keys.map((key) => {
    if (seen.has(key)) throw new ReleaseError(`platform "${key}" is listed twice`);
    seen.add(key);
    return getPlatform(key);
  });
}
