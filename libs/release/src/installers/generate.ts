import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../checksums';
import { writeFileAtomic } from '../fs-atomic';
import type { InstallerFile, ReleaseManifest } from '../manifest';
import { homebrewFormula } from './homebrew';
import { powershellInstaller } from './powershell';
import { scoopManifest } from './scoop';
import type { InstallerSettings } from './settings';
import { shellInstaller } from './shell';

export type InstallerKind = InstallerFile['kind'];

/** File names as users and package managers expect them: `codebuff-installer.sh`, `codebuff.rb`, ... */
export function installerFileName(kind: InstallerKind, name: string): string {
  switch (kind) {
    case 'shell':
      return `${name}-installer.sh`;
    case 'powershell':
      return `${name}-installer.ps1`;
    case 'homebrew':
      return `${name}.rb`;
    case 'scoop':
      return `${name}.json`;
  }
}

export interface GeneratedInstaller {
  kind: InstallerKind;
  fileName: string;
  text: string;
}

const GENERATORS: ReadonlyArray<[InstallerKind, (m: ReleaseManifest, s: InstallerSettings) => string | undefined]> = [
  ['shell', (m, s) => (m.assets.some((a) => a.archive === 'tar.gz') ? shellInstaller(m, s) : undefined)],
  ['powershell', powershellInstaller],
  ['homebrew', homebrewFormula],
  ['scoop', scoopManifest],
];

/**
 * Every installer the release's assets allow (a release without Windows zips gets no PowerShell
 * installer or Scoop manifest), as text. Plain function of the manifest's assets and the settings.
 */
export function generateInstallers(manifest: ReleaseManifest, settings: InstallerSettings): GeneratedInstaller[] {
  const out: GeneratedInstaller[] = [];
  for (const [kind, generate] of GENERATORS) {
    const text = generate(manifest, settings);
    if (text !== undefined) out.push({ kind, fileName: installerFileName(kind, manifest.name), text });
  }
  return out;
}

/** Writes the installers into a release directory (each atomically) and returns their manifest entries. */
export async function writeInstallers(dir: string, manifest: ReleaseManifest, settings: InstallerSettings): Promise<InstallerFile[]> {
  const files: InstallerFile[] = [];
  for (const installer of generateInstallers(manifest, settings)) {
    const path = join(dir, installer.fileName);
    await writeFileAtomic(path, installer.text);
    files.push({ kind: installer.kind, fileName: installer.fileName, size: (await stat(path)).size, sha256: await sha256File(path) });
  }
  return files;
}
