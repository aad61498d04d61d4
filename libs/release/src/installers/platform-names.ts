import { ReleaseError } from '../errors';
import type { ReleaseAsset, ReleaseManifest } from '../manifest';

/**
 * Platform keys are Node's `${process.platform}-${process.arch}` (platform-table.json). The
 * installers never list platforms themselves: they take the keys of the manifest's assets and
 * translate each half into what the installing system calls it. These tables are Node's names
 * against other tools' names for the same thing — vocabulary, not a list of what we ship.
 */
export interface SplitKey {
  os: string;
  arch: string;
}

export function splitKey(key: string): SplitKey {
  const match = /^([a-z0-9]+)-([a-z0-9]+)$/.exec(key);
  if (!match) throw new ReleaseError(`platform key "${key}" is not <process.platform>-<process.arch>`);
  return { os: match[1], arch: match[2] };
}

/** `uname -s` patterns (shell `case` syntax) for each Node platform name. */
export const UNAME_OS: Readonly<Record<string, string>> = {
  linux: 'Linux',
  darwin: 'Darwin',
  freebsd: 'FreeBSD',
  openbsd: 'OpenBSD',
  netbsd: 'NetBSD',
  sunos: 'SunOS',
  aix: 'AIX',
  android: 'Android',
};

/** `uname -m` patterns (shell `case` syntax) for each Node arch name. */
export const UNAME_ARCH: Readonly<Record<string, string>> = {
  x64: 'x86_64 | amd64',
  // armv8l/armv8b: a 32-bit userland on a 64-bit CPU, which cannot run an arm64 binary.
  arm64: 'aarch64 | arm64',
  arm: 'armv6* | armv7* | armv8l | armv8b',
  ia32: 'i386 | i486 | i586 | i686 | x86',
  ppc64: 'ppc64le | ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loongarch64',
  mips64el: 'mips64',
};

/** `$env:PROCESSOR_ARCHITECTURE` values on Windows. */
export const WINDOWS_ARCH: Readonly<Record<string, string>> = {
  x64: 'AMD64',
  arm64: 'ARM64',
  ia32: 'x86',
};

/** Homebrew's blocks: `on_macos`/`on_linux` and `on_intel`/`on_arm`. */
export const HOMEBREW_OS: Readonly<Record<string, string>> = { darwin: 'on_macos', linux: 'on_linux' };
export const HOMEBREW_ARCH: Readonly<Record<string, string>> = { x64: 'on_intel', arm64: 'on_arm' };

/** Scoop's architecture names. */
export const SCOOP_ARCH: Readonly<Record<string, string>> = { x64: '64bit', ia32: '32bit', arm64: 'arm64' };

/** Assets an installer can offer: its OS, an arch it knows, an archive format it unpacks. */
export function assetsFor(
  manifest: ReleaseManifest,
  accept: (split: SplitKey, asset: ReleaseAsset) => boolean,
): Array<ReleaseAsset & SplitKey> {
  return manifest.assets.map((asset) => ({ ...asset, ...splitKey(asset.platform) })).filter((a) => accept(a, a));
}
