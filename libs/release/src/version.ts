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
export function normalizeVersion(raw: string, from = 'version'): string {
  const trimmed = raw.trim();
  const candidate = trimmed.startsWith('v') ? trimmed.slice(1) : trimmed;
  if (valid(candidate) !== candidate) {
    throw new ReleaseError(`invalid ${from} "${raw}": expected semver such as 1.2.3 or v1.2.3`);
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
