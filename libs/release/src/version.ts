import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { valid } from 'semver';
import { ReleaseError } from './errors';

export interface VersionSources {
  /** An explicit `--version` option. */
  option?: string;
  /** The `VERSION` environment variable (the release tag on CI, e.g. `v1.2.3`). */
  env?: string;
  /** The version in the CLI's own package.json. */
  packageVersion?: string;
}

/** Accepts `1.2.3` and the tag form `v1.2.3`; anything else that is not semver is refused. */
/**
 * The longest version every file name it ends up in allows: a release folder is named after the
 * version, and it is built under `.<version>.<pid>.<8 hex>.tmp` (fs-atomic.ts), which must stay
 * within the 255 bytes of a file name: 255 - 1 - 1 - 7 (a pid) - 1 - 8 - 4 = 233.
 */
export const MAX_VERSION_LENGTH = 233;

export function normalizeVersion(raw: string, from = 'version'): string {
  const trimmed = raw.trim();
  const candidate = trimmed.startsWith('v') ? trimmed.slice(1) : trimmed;
  const shown = raw.length > 60 ? `${raw.slice(0, 40)}…` : raw;
  if (Buffer.byteLength(candidate) > MAX_VERSION_LENGTH) {
    throw new ReleaseError(
      `invalid ${from} "${shown}": ${Buffer.byteLength(candidate)} characters, more than the ${MAX_VERSION_LENGTH} a release folder's name can hold`,
    );
  }
  const build = /^[^+]+\+(.+)$/.exec(candidate);
  if (build && valid(candidate)) {
    // Valid semver, but npm publishes 1.2.3+abc as 1.2.3: the tag v1.2.3+abc, the asset URLs under
    // it and the npm package's version would disagree.
    throw new ReleaseError(
      `invalid ${from} "${shown}": build metadata (+${build[1]}) is dropped by npm, which would publish ${valid(candidate)} while the tag and asset URLs say v${candidate}; use a prerelease such as ${valid(candidate)}-${build[1]}`,
    );
  }
  if (valid(candidate) !== candidate) {
    throw new ReleaseError(`invalid ${from} "${shown}": expected semver such as 1.2.3 or v1.2.3`);
  }
  return candidate;
}

/** The first of option, VERSION, package.json that is set; the chosen one must be semver. */
export function resolveVersion(sources: VersionSources): string {
  if (sources.option) return normalizeVersion(sources.option, '--version');
  if (sources.env) return normalizeVersion(sources.env, 'VERSION');
  if (sources.packageVersion) return normalizeVersion(sources.packageVersion, 'package.json version');
  throw new ReleaseError('no version: pass --version, set VERSION, or set "version" in package.json');
}

/** The `version` of `<dir>/package.json`, or undefined when there is none to read. */
export function readPackageVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

export function releaseTag(version: string): string {
  return `v${version}`;
}
