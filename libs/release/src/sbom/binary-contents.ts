import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { BunMetafile } from '../compile/bundled-inputs';
import { lockfileKeyOf, packageRootOf } from '../compile/bundled-inputs';
import { ReleaseError } from '../errors';
import { type Lockfile, nameOfKey, resolveKey } from '../native/lockfile';
import type { NativeSet, PinnedPackage } from '../native/native-set';
import { packageDirIn } from '../native/fetch';

/** An npm package with code or files in the binary (or Bun's runtime, which the binary is built on). */
export interface BundledPackage {
  name: string;
  version: string;
  /** The lockfile's integrity (`sha512-<base64>`), when it records one. */
  integrity?: string;
  /** Its key in package-lock.json: what its dependency edges are resolved from. */
  lockKey: string;
  /** Where its files are, to read its package.json and license files. */
  dir: string;
  /** The `license` its package.json declares, as written; undefined when it declares none. */
  license?: string;
  /** Lockfile keys of the bundled packages it depends on (the lockfile's edges, kept to what is in the binary). */
  dependsOn: string[];
}

/** A workspace project whose files are in the binary (`@codebuff/common`), by its package.json. */
export interface WorkspaceLibrary {
  name: string;
  version: string;
  /** Workspace-relative folder. */
  root: string;
}

export interface BinaryContents {
  packages: BundledPackage[];
  libraries: WorkspaceLibrary[];
  /** Bun's runtime for the target (`@oven/bun-*`), when the compile used the pinned one. */
  runtime?: BundledPackage;
  /** Lockfile keys of the bundled packages the CLI and its libraries import by name. */
  direct: string[];
}

interface PackageJson {
  name?: string;
  version?: string;
  license?: unknown;
  licenses?: unknown;
}

/**
 * What one binary is made of, from Bun's metafile (every file Bun compiled in) and
 * package-lock.json: each npm package with files in it, each workspace library, and the runtime.
 * Nothing is taken from what is merely installed: a package appears only if Bun read one of its
 * files for this target.
 */
export function binaryContents(options: {
  metafile: BunMetafile;
  /** Bun's working directory: metafile paths are relative to it. */
  cwd: string;
  workspaceRoot: string;
  /** The CLI's own project folder (workspace-relative): its files are the binary, not a library. */
  projectRoot: string;
  lock: Lockfile;
  native?: { dir: string; set: NativeSet };
  /** npm package names the CLI and its libraries import. */
  imported?: readonly string[];
}): BinaryContents {
  const { metafile, cwd, workspaceRoot, lock, native } = options;
  const nativeModules = native ? `${join(native.dir, 'node_modules')}/` : undefined;
  const byKey = new Map<string, BundledPackage>();
  const libraries = new Map<string, WorkspaceLibrary>();
  for (const input of Object.keys(metafile.inputs)) {
    const absolute = isAbsolute(input) ? input : resolve(cwd, input);
    const root = packageRootOf(absolute);
    if (root) {
      const fromNative = nativeModules !== undefined && root.startsWith(nativeModules);
      const pinned = fromNative ? native?.set.packages.find((p) => p.name === nameOfKey(root)) : undefined;
      const lockKey = pinned?.lockKey ?? lockfileKeyOf(root);
      if (!byKey.has(lockKey)) byKey.set(lockKey, describePackage(root, lockKey, lock, pinned));
      continue;
    }
    const library = libraryOf(workspaceRoot, absolute, options.projectRoot);
    if (library) libraries.set(library.root, library);
  }
  // Edges as the lockfile gives them, kept to packages that are in this binary.
  for (const pkg of byKey.values()) {
    const entry = lock.packages[pkg.lockKey] ?? {};
    const names = Object.keys({ ...entry.peerDependencies, ...entry.dependencies, ...entry.optionalDependencies });
    const edges = names
      .map((name) => nativeKeyFor(name, native?.set) ?? resolveKey(lock, pkg.lockKey, name))
      .filter((key): key is string => key !== undefined && byKey.has(key));
    pkg.dependsOn = [...new Set(edges)].sort();
  }
  const direct = (options.imported ?? []).flatMap((name) => resolveKey(lock, '', name) ?? []).filter((key) => byKey.has(key));
  const runtime = native
    ? describePackage(packageDirIn(native.dir, native.set.runtime.name), native.set.runtime.lockKey, lock, native.set.runtime)
    : undefined;
  return {
    packages: [...byKey.values()].sort((a, b) => a.lockKey.localeCompare(b.lockKey)),
    libraries: [...libraries.values()].sort((a, b) => a.name.localeCompare(b.name)),
    runtime,
    direct: [...new Set(direct)].sort(),
  };
}

/** A platform package is fetched into the native folder; its edge points at the pin the compile used. */
function nativeKeyFor(name: string, set: NativeSet | undefined): string | undefined {
  return set?.packages.find((p) => p.name === name)?.lockKey;
}

function describePackage(dir: string, lockKey: string, lock: Lockfile, pinned?: PinnedPackage): BundledPackage {
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    throw new ReleaseError(`Bun bundled files of ${lockKey}, which has no readable package.json`);
  }
  const entry = lock.packages[lockKey];
  return {
    name: pkg.name ?? entry?.name ?? nameOfKey(lockKey),
    version: pkg.version ?? entry?.version ?? '',
    integrity: pinned?.integrity ?? entry?.integrity,
    lockKey,
    dir,
    license: declaredLicense(pkg),
    dependsOn: [],
  };
}

/**
 * The license a package.json declares, as an SPDX expression: `license` as written, or the
 * deprecated `{ "type": ... }` and `"licenses": [...]` forms (several licenses: any of them).
 */
export function declaredLicense(pkg: PackageJson): string | undefined {
  const typeOf = (value: unknown) =>
    typeof value === 'string'
      ? value
      : typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
        ? (value as { type: string }).type
        : undefined;
  const single = typeOf(pkg.license);
  if (single !== undefined && single.trim() !== '') return single.trim();
  if (Array.isArray(pkg.licenses)) {
    const all = pkg.licenses.map(typeOf).filter((t): t is string => t !== undefined && t.trim() !== '');
    if (all.length === 1) return all[0];
    if (all.length > 1) return `(${all.join(' OR ')})`;
  }
  return undefined;
}

/** The workspace project (nearest package.json below the workspace root) a bundled file belongs to. */
function libraryOf(workspaceRoot: string, file: string, projectRoot: string): WorkspaceLibrary | undefined {
  for (let dir = dirname(file); dir.startsWith(`${workspaceRoot}/`); dir = dirname(dir)) {
    let pkg: PackageJson;
    try {
      pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    } catch {
      continue;
    }
    const root = relative(workspaceRoot, dir).split('\\').join('/');
    if (root === projectRoot || !pkg.name) return undefined;
    return { name: pkg.name, version: pkg.version ?? '0.0.0', root };
  }
  return undefined;
}
