import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ReleaseError } from '../errors';
import type { ReleaseManifest } from '../manifest';
import type { LocalFile } from '../upload/types';

const CONTENT_TYPES: Record<string, string> = {
  shell: 'text/x-shellscript; charset=utf-8',
  powershell: 'text/plain; charset=utf-8',
  homebrew: 'text/x-ruby; charset=utf-8',
  scoop: 'application/json',
};

/**
 * The manifest's installers as files to upload, checked by size like the archives (the driver
 * checks the sha256 of whatever it is about to send). Releases without installers give none.
 */
export async function installerUploadFiles(manifest: ReleaseManifest, releaseDir: string): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  for (const installer of manifest.installers ?? []) {
    const path = join(releaseDir, installer.fileName);
    const size = (await stat(path).catch(() => undefined))?.size;
    if (size !== installer.size) {
      throw new ReleaseError(`${path} does not match manifest.json (size ${size ?? 'missing'}, expected ${installer.size}); rebuild with the bundle target`);
    }
    files.push({ fileName: installer.fileName, path, size, sha256: installer.sha256, contentType: CONTENT_TYPES[installer.kind], immutable: true });
  }
  return files;
}
