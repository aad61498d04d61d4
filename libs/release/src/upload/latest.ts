import { gt, valid } from 'semver';
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
  return JSON.stringify(latestPointer(manifest), null, 2) + '\n';
}

/**
 * Whether publishing `version` should move the pointer: not when the pointer already names a
 * newer version, so re-running an old release (to repair a mirror, say) never moves users back.
 */
export function pointerShouldMove(currentPointerText: string | undefined, version: string): boolean {
  if (currentPointerText === undefined) return true;
  try {
    const current = (JSON.parse(currentPointerText) as Partial<LatestPointer>).version;
    return !current || !valid(current) || !gt(current, version);
  } catch {
    return true;
  }
}
