import semver from 'semver';
import { allows, splitPlatformKey } from '../compile/bundled-inputs';
import { ReleaseError } from '../errors';
import type { PlatformRow } from '../platforms';
import { type LockEntry, type Lockfile, nameOfKey, platformEdges, resolveKey } from './lockfile';

/** A package a platform's compile needs that npm did not install: fetched by the lockfile's pin. */
export interface PinnedPackage {
  name: string;
  version: string;
  integrity: string;
  /** Its key in package-lock.json. */
  lockKey: string;
  /** Who asks for it (`@opentui/core`, or `bun` for the runtime), for messages. */
  requiredBy: string;
}

/** What one platform's compile takes from the registry, pinned by package-lock.json. */
export interface NativeSet {
  platform: string;
  /** Platform packages whose os/cpu admit the target (libc variants of one os/cpu alike). */
  packages: PinnedPackage[];
  /** Bun's runtime for the target: `@oven/bun-<os>-<arch>[-baseline]` at Bun's own version. */
  runtime: PinnedPackage;
  /** Every platform-specific name the code can import (any target's), so a compile can refuse the wrong ones. */
  platformNames: string[];
  /** Names release.config.json leaves out of this target (name → reason): never fetched, external in the binary. */
  excluded: Record<string, string>;
}

/** `bun-linux-arm64` → `@oven/bun-linux-aarch64`: Bun's runtime packages spell arm64 as aarch64. */
export function runtimePackageName(bunTarget: string): string {
  return `@oven/${bunTarget.replace(/-arm64(?=-|$)/, '-aarch64')}`;
}

/** The runtime executable inside its package. */
export const runtimeFileOf = (platformKey: string) => (platformKey.startsWith('win32-') ? 'bin/bun.exe' : 'bin/bun');

export const admits = (entry: Pick<LockEntry, 'os' | 'cpu'>, key: string) => {
  const [os, cpu] = splitPlatformKey(key);
  return allows(entry.os, os) && allows(entry.cpu, cpu);
};

/**
 * The platform packages and runtime one platform's compile needs, read from the lockfile alone.
 * Refused with one line naming the package and the platform: a pin without integrity, a platform
 * package at a version its parent does not ask for, a runtime missing or at another Bun version.
 */
export function nativeSetFor(lock: Lockfile, row: PlatformRow, bunVersion: string, excluded: Record<string, string> = {}): NativeSet {
  const edges = platformEdges(lock);
  const platformNames = [...new Set(edges.map((e) => e.name))].sort();
  for (const name of Object.keys(excluded)) {
    if (!platformNames.includes(name)) {
      throw new ReleaseError(
        `${row.key}: nativeExclusions names ${name}, which is no platform package of any dependency in package-lock.json; remove it from release.config.json`,
      );
    }
  }
  const packages: PinnedPackage[] = [];
  for (const edge of edges) {
    if (!edge.key || excluded[edge.name] !== undefined) continue;
    const entry = lock.packages[edge.key];
    if (!admits(entry, row.key)) continue;
    const parent = lock.packages[edge.parentKey].name ?? nameOfKey(edge.parentKey);
    if (!entry.version || !semver.satisfies(entry.version, edge.range)) {
      throw new ReleaseError(
        `${row.key}: package-lock.json pins ${edge.name}@${entry.version}, but ${parent} requires ${edge.range}; run npm install so the lockfile agrees`,
      );
    }
    packages.push(pinned(edge.key, entry, row.key, parent));
  }
  const runtimeName = runtimePackageName(row.bunTarget);
  const runtimeKey = resolveKey(lock, '', runtimeName);
  if (!runtimeKey) {
    throw new ReleaseError(
      `${row.key}: package-lock.json has no ${runtimeName} (Bun's runtime for ${row.bunTarget}); add it with npm install --save-optional --save-exact ${runtimeName}@${bunVersion}`,
    );
  }
  const runtimeEntry = lock.packages[runtimeKey];
  if (runtimeEntry.version !== bunVersion) {
    throw new ReleaseError(
      `${row.key}: package-lock.json pins ${runtimeName}@${runtimeEntry.version}, but Bun is ${bunVersion}; pin the runtime at Bun's version`,
    );
  }
  const runtime = pinned(runtimeKey, runtimeEntry, row.key, 'bun');
  return { platform: row.key, packages: dedupe(packages), runtime, platformNames, excluded };
}

function pinned(lockKey: string, entry: LockEntry, platform: string, requiredBy: string): PinnedPackage {
  const name = entry.name ?? nameOfKey(lockKey);
  if (!entry.integrity || !entry.version) {
    throw new ReleaseError(
      `${platform}: package-lock.json has no version or integrity for ${name} (${lockKey}); run npm install to record them`,
    );
  }
  return { name, version: entry.version, integrity: entry.integrity, lockKey, requiredBy };
}

function dedupe(packages: PinnedPackage[]): PinnedPackage[] {
  const byName = new Map<string, PinnedPackage>();
  for (const p of packages) {
    const other = byName.get(p.name);
    if (other && other.version !== p.version) {
      throw new ReleaseError(`${p.name} is needed at ${other.version} and ${p.version}; one compile can embed only one of them`);
    }
    byName.set(p.name, p);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * What of the lockfile a platform's tasks depend on: its own platform packages' and runtime's
 * pins, and no other platform's. The Nx plugin puts it into that platform's hash.
 */
export function nativeFingerprint(set: NativeSet): string {
  const pin = (p: PinnedPackage) => [p.name, p.version, p.integrity];
  return JSON.stringify({ packages: set.packages.map(pin), runtime: pin(set.runtime), names: set.platformNames, excluded: set.excluded });
}
