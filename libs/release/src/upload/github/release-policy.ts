import { gt, prerelease, valid } from 'semver';
import type { Release } from './releases';

/**
 * What people see on a release page, decided here: a semver prerelease (1.2.0-beta.1) is
 * marked prerelease whatever the flags say, and Latest goes only to the highest version.
 */

/** `--prerelease`, or a version with a prerelease part. */
export function isPrerelease(version: string, flag: boolean): boolean {
  return flag || (prerelease(version)?.length ?? 0) > 0;
}

const versionOf = (tag: string) => valid(tag.replace(/^v/, ''));

/**
 * GitHub's `make_latest` for publishing `version`: 'false' for a prerelease (GitHub refuses
 * one as Latest) and when a published, non-prerelease release has a higher version (re-releasing
 * 1.4.2 after 2.0.0 must not send users back); 'true' otherwise. Left to GitHub's default, a newly
 * published release always takes Latest.
 */
export function makeLatest(
  version: string,
  prereleaseFlag: boolean,
  releases: readonly Release[],
): { value: 'true' | 'false'; newer?: string } {
  if (isPrerelease(version, prereleaseFlag)) return { value: 'false' };
  const newer = releases
    .filter((r) => !r.draft && !r.prerelease && versionOf(r.tag_name) && gt(versionOf(r.tag_name)!, version))
    .map((r) => r.tag_name)
    .sort((a, b) => (gt(versionOf(a)!, versionOf(b)!) ? -1 : 1))[0];
  return newer ? { value: 'false', newer } : { value: 'true' };
}
