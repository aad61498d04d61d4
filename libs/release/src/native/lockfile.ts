import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReleaseError } from '../errors';

/** One entry of package-lock.json's `packages`. */
export interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface Lockfile {
  /** `''` is the workspace root; `node_modules/a/node_modules/b` is b as a needs it. */
  packages: Record<string, LockEntry>;
}

export function readLockfile(workspaceRoot: string): Lockfile {
  try {
    const parsed = JSON.parse(readFileSync(join(workspaceRoot, 'package-lock.json'), 'utf8')) as Partial<Lockfile>;
    if (!parsed.packages) throw new Error('no "packages" (lockfileVersion 2 or later is needed)');
    return parsed as Lockfile;
  } catch (error) {
    throw new ReleaseError(`cannot read package-lock.json: ${(error as Error).message}`);
  }
}

/** The package a name resolves to from `fromKey`, by Node's rule: nearest node_modules first. */
export function resolveKey(lock: Lockfile, fromKey: string, name: string): string | undefined {
  let base = fromKey;
  for (;;) {
    const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (!base) return undefined;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}

/** The package's name: its key's last `node_modules/` segment (aliases keep their `name` field). */
export function nameOfKey(key: string): string {
  return key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

/** Whether an entry is native code for some machines only (npm's `os`/`cpu`/`libc`). */
export const isPlatformSpecific = (entry: LockEntry) => Boolean(entry.os?.length || entry.cpu?.length || entry.libc?.length);

export interface PlatformEdge {
  /** The package that names it (`@opentui/core`), its lockfile key, and the range it asks for. */
  parentKey: string;
  range: string;
  name: string;
  /** Where the lockfile has it; undefined when the lockfile lacks it (not on the registry, or removed). */
  key?: string;
}

/**
 * Every platform-specific package that the workspace's runtime dependencies reach, as the edges
 * that name them: the lockfile walked from the root's `dependencies` (dev tooling left out), through
 * dependencies, optional and peer dependencies.
 */
export function platformEdges(lock: Lockfile): PlatformEdge[] {
  const root = lock.packages[''] ?? {};
  const edges: PlatformEdge[] = [];
  const seen = new Set<string>();
  const queue = Object.keys(root.dependencies ?? {}).flatMap((name) => resolveKey(lock, '', name) ?? []);
  while (queue.length > 0) {
    const key = queue.pop() as string;
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = lock.packages[key];
    const named = { ...entry.peerDependencies, ...entry.dependencies, ...entry.optionalDependencies };
    for (const [name, range] of Object.entries(named)) {
      const target = resolveKey(lock, key, name);
      const optional = Boolean(entry.optionalDependencies?.[name]);
      if (target && isPlatformSpecific(lock.packages[target])) edges.push({ parentKey: key, range, name, key: target });
      else if (!target && optional) edges.push({ parentKey: key, range, name });
      if (target && !isPlatformSpecific(lock.packages[target])) queue.push(target);
    }
  }
  return edges.sort((a, b) => (a.name + a.parentKey).localeCompare(b.name + b.parentKey));
}
