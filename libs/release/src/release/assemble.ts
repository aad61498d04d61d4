import { copyFile, link, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_RECORD, type BundleRecord } from '../bundle/bundle';
import { hashIfUntouched, rememberHash } from '../bundle/hashed-files';
import { formatSha256Sums, sha256File } from '../checksums';
import { ReleaseError } from '../errors';
import { replaceDirectory, tempPathFor, writeFileAtomic } from '../fs-atomic';
import { writeInstallers } from '../installers/generate';
import type { InstallerSettings } from '../installers/settings';
import { CHECKSUMS_FILE, checksummedArtifacts, type ReleaseManifest, writeManifest } from '../manifest';
import type { PlatformSpec } from '../platforms';
import { releaseTag } from '../version';

export interface AssembleOptions {
  name: string;
  /** The version every bundle must carry; by default the one they all agree on. */
  version?: string;
  platforms: readonly PlatformSpec[];
  /** bundle output directory of each platform, by platform key. */
  bundleDirs: Readonly<Record<string, string>>;
  /** `dist/release`: receives `<version>/`; other versions are cleared, like GoReleaser's dist. */
  releaseRoot: string;
  /** When given, the installers (shell, PowerShell, Homebrew, Scoop) are made from the manifest too. */
  installers?: InstallerSettings;
}

async function readBundleRecord(dir: string, key: string): Promise<BundleRecord> {
  try {
    return JSON.parse(await readFile(join(dir, BUNDLE_RECORD), 'utf8')) as BundleRecord;
  } catch {
    throw new ReleaseError(`no bundle for ${key} in ${dir}: run bundle-${key} first`);
  }
}

/**
 * Gathers the platform archives into `dist/release/<version>/` with SHA256SUMS and
 * manifest.json. The directory is built aside and swapped in whole, so a reader (or an
 * upload) never sees a release with some archives missing.
 */
export async function assembleRelease(options: AssembleOptions): Promise<ReleaseManifest> {
  const { releaseRoot } = options;
  const loaded: Array<{ platform: PlatformSpec; record: BundleRecord }> = [];
  for (const platform of options.platforms)
    loaded.push({ platform, record: await readBundleRecord(options.bundleDirs[platform.key], platform.key) });
  const versions = [...new Set(loaded.map((l) => l.record.version))];
  if (options.version === undefined && versions.length > 1)
    throw new ReleaseError(`platform bundles disagree on the version: ${versions.join(', ')}`);
  const version = options.version ?? versions[0];
  const records: BundleRecord[] = [];
  for (const { platform, record } of loaded) {
    const dir = options.bundleDirs[platform.key];
    if (record.version !== version) {
      throw new ReleaseError(`bundle for ${platform.key} is version ${record.version}, expected ${version}`);
    }
    // Read again only if the archive changed since its bytes were hashed (a cache restore, an edit).
    const archive = join(dir, record.fileName);
    const actual = (await hashIfUntouched(dir, archive)) ?? (await sha256File(archive).catch(() => 'missing'));
    if (actual !== record.sha256) {
      throw new ReleaseError(
        `archive ${record.fileName} does not match its bundle record (sha256 ${actual}); rerun bundle-${platform.key}`,
      );
    }
    records.push(record);
  }
  const epochs = new Set(records.map((r) => r.sourceDateEpoch));
  const target = join(releaseRoot, version);
  await mkdir(releaseRoot, { recursive: true });
  const staging = tempPathFor(target);
  await mkdir(staging);
  try {
    for (const record of records) {
      const archive = join(options.bundleDirs[record.platform], record.fileName);
      await linkOrCopy(archive, join(staging, record.fileName));
      // A new link changes the archive's ctime; its bytes were just checked, so say so again.
      await rememberHash(options.bundleDirs[record.platform], archive, record.sha256);
      if (record.sbom) await copySbom(options.bundleDirs[record.platform], record, staging);
    }
    const manifest: ReleaseManifest = {
      schemaVersion: 1,
      name: options.name,
      version,
      tag: releaseTag(version),
      sourceDateEpoch: Math.max(...epochs),
      checksumsFile: CHECKSUMS_FILE,
      assets: records.map((r) => ({
        platform: r.platform,
        fileName: r.fileName,
        archive: r.archive,
        binaryName: r.binaryName,
        size: r.size,
        sha256: r.sha256,
        ...(r.files && r.files.length > 0 ? { files: r.files } : {}),
        ...(r.sbom ? { sbom: r.sbom } : {}),
      })),
    };
    // Installers embed the archives' hashes; SHA256SUMS and the manifest then list the installers too.
    if (options.installers) manifest.installers = await writeInstallers(staging, manifest, options.installers);
    await writeFileAtomic(join(staging, CHECKSUMS_FILE), formatSha256Sums(checksummedArtifacts(manifest)));
    await writeManifest(staging, manifest);
    await replaceDirectory(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  for (const entry of await readdir(releaseRoot)) {
    if (entry !== version) await rm(join(releaseRoot, entry), { recursive: true, force: true });
  }
  return readManifestFrom(target);
}

async function readManifestFrom(dir: string): Promise<ReleaseManifest> {
  return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ReleaseManifest;
}

/** A platform's SBOM into the release, checked against its bundle record (it is small: read it whole). */
async function copySbom(bundleDir: string, record: BundleRecord, staging: string): Promise<void> {
  const sbom = record.sbom as NonNullable<BundleRecord['sbom']>;
  const from = join(bundleDir, sbom.fileName);
  const actual = await sha256File(from).catch(() => 'missing');
  if (actual !== sbom.sha256)
    throw new ReleaseError(`${sbom.fileName} does not match its bundle record (sha256 ${actual}); rerun bundle-${record.platform}`);
  await copyFile(from, join(staging, sbom.fileName));
}

/** A hard link costs nothing for 100 MB archives; across devices fall back to a copy. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}
