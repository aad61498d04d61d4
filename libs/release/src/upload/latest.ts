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
