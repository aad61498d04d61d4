import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { formatSha256Sums } from '../checksums';
import { CHECKSUMS_FILE, writeManifest, type ReleaseManifest } from '../manifest';
import { assetName, getPlatform, platformKeys } from '../platforms';
import { sbomFileName } from '../sbom/file-names';

/** Writes `size` random bytes in 1 MiB chunks; returns their sha256. */
async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = size; left > 0; ) {
    const chunk = randomBytes(Math.min(left, 1 << 20));
    hash.update(chunk);
    left -= chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

/**
 * A release directory as the bundle step leaves it (archives of random bytes, with `sboms` their SBOMs,
 * SHA256SUMS, manifest.json), for upload tests. `sizes` maps platform to archive size in bytes.
 */
export async function writeTestRelease(
  dir: string,
  version: string,
  sizes: Record<string, number>,
  options: { sboms?: boolean } = {},
): Promise<ReleaseManifest> {
  await mkdir(dir, { recursive: true });
  const assets: ReleaseManifest['assets'] = [];
  for (const [key, size] of Object.entries(sizes)) {
    const platform = getPlatform(key);
    const fileName = assetName(platform);
    const sha256 = await writeRandomFile(join(dir, fileName), size);
    if (!options.sboms) {
      assets.push({ platform: key, fileName, archive: platform.archive, binaryName: platform.binaryName, size, sha256 });
      continue;
    }
    // Its SBOM beside it, as assemble leaves it: uploaded and verified like every release file.
    const sbomText = `${JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', platform: key, version })}\n`;
    const sbom = {
      fileName: sbomFileName('codebuff', key),
      size: Buffer.byteLength(sbomText),
      sha256: createHash('sha256').update(sbomText).digest('hex'),
    };
    await writeFile(join(dir, sbom.fileName), sbomText);
    assets.push({ platform: key, fileName, archive: platform.archive, binaryName: platform.binaryName, size, sha256, sbom });
  }
  await writeFile(join(dir, CHECKSUMS_FILE), formatSha256Sums([...assets, ...assets.flatMap((a) => (a.sbom ? [a.sbom] : []))]));
  const manifest: ReleaseManifest = {
    schemaVersion: 1,
    name: 'codebuff',
    version,
    tag: `v${version}`,
    sourceDateEpoch: 0,
    checksumsFile: CHECKSUMS_FILE,
    assets,
  };
  await writeManifest(dir, manifest);
  return manifest;
}

/** Every platform of the table, 64 KiB each (or `sizes`), in a fresh temp directory. */
export async function makeTestRelease(
  version = '1.2.3',
  sizes: Record<string, number> = {},
  options: { sboms?: boolean } = {},
): Promise<{ releaseDir: string; manifest: ReleaseManifest }> {
  const releaseDir = join(mkdtempSync(join(tmpdir(), 'release-')), version);
  const all = Object.fromEntries(platformKeys().map((key) => [key, sizes[key] ?? 64 * 1024]));
  return { releaseDir, manifest: await writeTestRelease(releaseDir, version, all, options) };
}
