import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSha256Sums, sha256File } from '../checksums';
import { type ReleaseManifest } from '../manifest';
import { PLATFORMS, assetName } from '../platforms';

/**
 * A release directory shaped exactly like the bundle target's output, with random archive
 * bytes, for upload tests that do not need real binaries.
 */
export async function makeTestRelease(version = '1.2.3', sizes: Record<string, number> = {}): Promise<{ releaseDir: string; manifest: ReleaseManifest }> {
  const releaseDir = join(mkdtempSync(join(tmpdir(), 'release-')), version);
  mkdirSync(releaseDir, { recursive: true });
  const assets = [];
  for (const platform of PLATFORMS) {
    const fileName = assetName(platform);
    const path = join(releaseDir, fileName);
    writeFileSync(path, randomBytes(sizes[platform.key] ?? 64 * 1024));
    const sha256 = await sha256File(path);
    assets.push({ platform: platform.key, fileName, archive: platform.archive, binaryName: platform.binaryName, size: (await import('node:fs')).statSync(path).size, sha256 });
  }
  writeFileSync(join(releaseDir, 'SHA256SUMS'), formatSha256Sums(assets));
  const manifest: ReleaseManifest = { schemaVersion: 1, name: 'codebuff', version, tag: `v${version}`, sourceDateEpoch: 315532800, checksumsFile: 'SHA256SUMS', assets };
  writeFileSync(join(releaseDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { releaseDir, manifest };
}
