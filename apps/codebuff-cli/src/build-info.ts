import { prerelease } from 'semver';
import semverPackage from 'semver/package.json';

// Replaced by Bun's `define` at compile time; absent when run from source.
declare const CODEBUFF_VERSION: string | undefined;
declare const CODEBUFF_PLATFORM: string | undefined;

export interface BuildInfo {
  version: string;
  /** `prerelease` for versions such as 1.2.0-beta.1, else `stable`. */
  channel: 'stable' | 'prerelease';
  /** The platform this binary was compiled for, e.g. `linux-x64`. */
  builtFor: string;
  /** The version of the semver package Bun bundled: shows which lockfile a binary was built from. */
  semverVersion: string;
}

export function buildInfo(): BuildInfo {
  const version = typeof CODEBUFF_VERSION === 'string' ? CODEBUFF_VERSION : '0.0.0-dev';
  return {
    version,
    channel: prerelease(version) ? 'prerelease' : 'stable',
    builtFor: typeof CODEBUFF_PLATFORM === 'string' ? CODEBUFF_PLATFORM : `${process.platform}-${process.arch} (from source)`,
    semverVersion: semverPackage.version,
  };
}
