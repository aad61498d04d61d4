import { type Lockfile, isPlatformSpecific, nameOfKey, resolveKey } from './lockfile';
import { admits } from './native-set';

/** The npm packages one platform's binary can bundle, as package-lock.json pins them. */
export interface BundledNpm {
  /** `<lockfile key>@<version> <integrity>`, sorted: what the platform's compile hashes. */
  pins: string[];
  /** Package name → versions, for the compile's guard. */
  packages: Map<string, Set<string>>;
}

/**
 * Walks package-lock.json from the packages the CLI imports, through their dependencies (optional
 * and peer ones included), keeping a platform-specific package only when its os/cpu admit the
 * platform and the release config does not exclude it. Nx's own hash of an npm package takes in
 * every package it names, each platform's native build included, so one platform package's
 * change would rebuild all five; this walk is the compile's npm input instead (see targets.ts).
 */
export function bundledNpmFor(
  lock: Lockfile,
  imported: readonly string[],
  platform: string,
  excluded: Readonly<Record<string, string>> = {},
): BundledNpm {
  const seen = new Set<string>();
  const queue = imported.flatMap((name) => resolveKey(lock, '', name) ?? []);
  while (queue.length > 0) {
    const key = queue.pop() as string;
    if (seen.has(key)) continue;
    const entry = lock.packages[key];
    if (isPlatformSpecific(entry) && (!admits(entry, platform) || excluded[entry.name ?? nameOfKey(key)] !== undefined)) continue;
    seen.add(key);
    for (const name of Object.keys({ ...entry.peerDependencies, ...entry.dependencies, ...entry.optionalDependencies })) {
      const target = resolveKey(lock, key, name);
      if (target) queue.push(target);
    }
  }
  const keys = [...seen].sort();
  const packages = new Map<string, Set<string>>();
  for (const key of keys) {
    const name = lock.packages[key].name ?? nameOfKey(key);
    packages.set(name, (packages.get(name) ?? new Set()).add(lock.packages[key].version ?? ''));
  }
  return { pins: keys.map((key) => `${key}@${lock.packages[key].version} ${lock.packages[key].integrity ?? ''}`), packages };
}
