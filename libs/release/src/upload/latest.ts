import { gt, prerelease, valid } from 'semver';
import type { ReleaseManifest } from '../manifest';

export const LATEST_FILE = 'latest.json';

/** The pointer readers follow to the current release; written only after every asset verified. */
export interface LatestPointer {
  name: string;
  version: string;
  tag: string;
  manifest: ReleaseManifest;
}

export function latestPointer(manifest: ReleaseManifest): LatestPointer {
  return { name: manifest.name, version: manifest.version, tag: manifest.tag, manifest };
}

export function latestPointerJson(manifest: ReleaseManifest): string {
  return `${JSON.stringify(latestPointer(manifest), null, 2)}\n`;
}

function pointedVersion(currentPointerText: string | undefined): string | undefined {
  if (currentPointerText === undefined) return undefined;
  try {
    const current = (JSON.parse(currentPointerText) as Partial<LatestPointer>).version;
    return current && valid(current) ? current : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether publishing `version` should move the pointer: not when the pointer already names a
 * newer version, so re-running an old release (to repair a mirror, say) never moves users back;
 * never to a semver prerelease, which is not "latest" anywhere (GitHub refuses it as Latest too).
 */
export function pointerShouldMove(currentPointerText: string | undefined, version: string): boolean {
  if (prerelease(version)) return false;
  const current = pointedVersion(currentPointerText);
  return !current || !gt(current, version);
}

/** One line saying what publishing `version` would do to the pointer at `where`. */
export function pointerPlan(currentPointerText: string | undefined, version: string, where: string): string {
  if (pointerShouldMove(currentPointerText, version)) return `write ${where} → ${version}`;
  const current = pointedVersion(currentPointerText);
  return prerelease(version) ? `leave ${where} as it is (${version} is a prerelease)` : `leave ${where} at ${current} (a higher version)`;
}
