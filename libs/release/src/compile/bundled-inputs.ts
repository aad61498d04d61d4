import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ReleaseError } from '../errors';
import type { PlatformSpec } from '../platforms';

/**
 * What a compile's cache key covers, as Nx hashes it: workspace files, and npm packages at the
 * versions the lockfile pins (a package's transitive dependencies included).
 */
export interface DeclaredInputs {
  /** The task, for messages: `codebuff-cli:compile-linux-x64`. */
  task: string;
  /** Workspace-relative paths with `/` separators. */
  files: ReadonlySet<string>;
  /** Package name → the versions of it the task's hash covers. */
  packages: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The part of `bun build --metafile` this check reads. */
export interface BunMetafile {
  inputs: Record<string, unknown>;
}

interface PackageJson {
  name?: string;
  version?: string;
  os?: string[];
  cpu?: string[];
}

/**
 * Proves a compile's cache key: every file Bun bundled must be one the task hashes, and every npm
 * package it bundled must be hashed at the version that is installed (a node_modules that drifted
 * from the lockfile would otherwise hash one version and ship another). A package whose `os`/`cpu`
 * rule out the target platform is native code for another machine (npm installs only the host's
 * platform packages) and would crash on users' machines. Each failure is one line naming the file
 * or package; nothing is written.
 *
 * `inputs` are Bun's metafile keys: paths relative to `cwd` (or absolute).
 */
export function checkBundledInputs(options: {
  metafile: BunMetafile;
  cwd: string;
  workspaceRoot: string;
  declared: DeclaredInputs;
  platform: PlatformSpec;
  /** The target's fetched platform packages: covered by their own hash input, proven by native-guard.ts. */
  nativeDir?: string;
}): void {
  const { metafile, cwd, workspaceRoot, declared, platform, nativeDir } = options;
  const packagesChecked = new Set<string>();
  const lockfile = readLockfile(workspaceRoot);
  for (const input of Object.keys(metafile.inputs)) {
    const absolute = isAbsolute(input) ? input : resolve(cwd, input);
    const packageRoot = packageRootOf(absolute);
    if (packageRoot) {
      if (packagesChecked.has(packageRoot) || (nativeDir && packageRoot.startsWith(`${nativeDir}/`))) continue;
      packagesChecked.add(packageRoot);
      checkPackage(packageRoot, declared, platform, lockfile);
      continue;
    }
    const path = relative(workspaceRoot, absolute).split('\\').join('/');
    if (path.startsWith('../') || isAbsolute(path)) {
      throw new ReleaseError(
        `${declared.task}: Bun bundled ${absolute}, which is outside the workspace, so no cache input can cover it; move it into the project`,
      );
    }
    if (!declared.files.has(path)) {
      throw new ReleaseError(
        `${declared.task}: Bun bundled ${path}, which is not an input of the task (a change to it would not rebuild the binary); move it into the project or a library it imports, or add it to the target's inputs`,
      );
    }
  }
}

/** `/w/node_modules/@scope/name/lib/x.js` → `/w/node_modules/@scope/name` (the innermost package). */
export function packageRootOf(absolutePath: string): string | undefined {
  const parts = absolutePath.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const length = parts[at + 1].startsWith('@') ? 2 : 1;
  return parts.slice(0, at + 1 + length).join('/');
}

/** package-lock.json's `packages`: where each package is installed, at which version. */
type LockfilePackages = Record<string, { version?: string } | undefined>;

function readLockfile(workspaceRoot: string): LockfilePackages | undefined {
  try {
    return (JSON.parse(readFileSync(join(workspaceRoot, 'package-lock.json'), 'utf8')) as { packages?: LockfilePackages }).packages;
  } catch {
    return undefined;
  }
}

/** `/w/node_modules/a/node_modules/b` → `node_modules/a/node_modules/b`, the package's key in package-lock.json. */
/** `/w/node_modules/a/node_modules/b` → `node_modules/a/node_modules/b`, its key in package-lock.json. */
export function lockfileKeyOf(packageRoot: string): string {
  const parts = packageRoot.split('/');
  return parts.slice(parts.indexOf('node_modules')).join('/');
}

function checkPackage(packageRoot: string, declared: DeclaredInputs, platform: PlatformSpec, lockfile: LockfilePackages | undefined): void {
  const shown = lockfileKeyOf(packageRoot);
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    throw new ReleaseError(`${declared.task}: Bun bundled files of ${shown}, which has no readable package.json`);
  }
  const name = pkg.name ?? shown;
  const [os, cpu] = splitPlatformKey(platform.key);
  if (!allows(pkg.os, os) || !allows(pkg.cpu, cpu)) {
    throw new ReleaseError(
      `${declared.task}: ${name}@${pkg.version} is native code for ${describe(pkg)}, not ${platform.key}: npm installed the host's build; build ${platform.key} with that platform's package installed (npm install --os=${os} --cpu=${cpu}) or on a ${platform.key} runner`,
    );
  }
  const pinnedHere = lockfile?.[shown]?.version;
  if (lockfile && pinnedHere !== pkg.version) {
    throw new ReleaseError(
      `${declared.task}: ${shown} is ${name}@${pkg.version}, but package-lock.json pins ${pinnedHere ?? 'nothing'} there; run npm ci so node_modules matches the lockfile`,
    );
  }
  const versions = declared.packages.get(name);
  if (!versions) {
    throw new ReleaseError(
      `${declared.task}: Bun bundled the npm package ${name} (${shown}), which is not an input of the task; import it from the CLI or a library it imports, or list it in the project's package.json dependencies`,
    );
  }
  if (pkg.version === undefined || !versions.has(pkg.version)) {
    throw new ReleaseError(
      `${declared.task}: ${shown} is ${name}@${pkg.version}, but the task hashes ${name} at ${[...versions].join(', ')}; run npm ci so node_modules matches the lockfile`,
    );
  }
}

/** `linux-x64` → [`linux`, `x64`]; `linux-x64-musl` → [`linux`, `x64`]. */
export function splitPlatformKey(key: string): [string, string] {
  const [os, cpu] = key.split('-');
  return [os, cpu];
}

/** npm's rule for `os` and `cpu`: `!x` excludes x; any plain entry means "only these". */
export function allows(list: readonly string[] | undefined, value: string): boolean {
  if (!list || list.length === 0) return true;
  if (list.includes(`!${value}`)) return false;
  const positive = list.filter((entry) => !entry.startsWith('!'));
  return positive.length === 0 || positive.includes(value);
}

function describe(pkg: PackageJson): string {
  return [pkg.os?.join('/'), pkg.cpu?.join('/')].filter(Boolean).join(' ');
}
