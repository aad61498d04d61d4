import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ReleaseError } from './errors';
import { writeJsonAtomic } from './fs-atomic';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');

/** A file the archive carries beside the binary (release.config.json's `files`). */
export const ArchiveFileSchema = z.object({ name: z.string(), size: z.number().int().nonnegative(), sha256 });

/** A platform's CycloneDX SBOM, uploaded beside its archive (libs/release/src/sbom). */
export const SbomFileSchema = z.object({ fileName: z.string(), size: z.number().int().nonnegative(), sha256 });

export const ReleaseAssetSchema = z.object({
  platform: z.string(),
  fileName: z.string(),
  archive: z.enum(['tar.gz', 'zip']),
  binaryName: z.string(),
  size: z.number().int().nonnegative(),
  sha256,
  /** What lies beside the binary once unpacked; absent in releases made before siblings existed. */
  files: z.array(ArchiveFileSchema).optional(),
  /** What is in the binary; absent in releases made before SBOMs existed. */
  sbom: SbomFileSchema.optional(),
});

/** Kinds of installer a release can carry besides the npm launcher (see installers/). */
export const INSTALLER_KINDS = ['shell', 'powershell', 'homebrew', 'scoop'] as const;

/** A text file made from the assets (an installer, a formula), uploaded with them. */
export const InstallerFileSchema = z.object({
  kind: z.enum(INSTALLER_KINDS),
  fileName: z.string(),
  size: z.number().int().nonnegative(),
  sha256,
});

/**
 * The release manifest: the one list of artifacts every stage reads. Bundle writes it,
 * upload verifies destinations against it, the npm launcher embeds it to check downloads.
 */
export const ReleaseManifestSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  version: z.string(),
  tag: z.string(),
  sourceDateEpoch: z.number().int(),
  checksumsFile: z.string(),
  assets: z.array(ReleaseAssetSchema).min(1),
  /** Absent in releases made before installers existed, or without a repository to download from. */
  installers: z.array(InstallerFileSchema).optional(),
});

export type ReleaseAsset = z.infer<typeof ReleaseAssetSchema>;
export type ArchiveFile = z.infer<typeof ArchiveFileSchema>;
export type SbomFile = z.infer<typeof SbomFileSchema>;
export type InstallerFile = z.infer<typeof InstallerFileSchema>;
export type ReleaseManifest = z.infer<typeof ReleaseManifestSchema>;

export const MANIFEST_FILE = 'manifest.json';
export const CHECKSUMS_FILE = 'SHA256SUMS';

export function parseManifest(value: unknown, where = 'manifest.json'): ReleaseManifest {
  const result = ReleaseManifestSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ReleaseError(`invalid ${where}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data;
}

export async function readManifest(releaseDir: string): Promise<ReleaseManifest> {
  const path = join(releaseDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ReleaseError(`no release manifest at ${path}: run the bundle target first`);
  }
  return parseManifest(JSON.parse(text), path);
}

export async function writeManifest(releaseDir: string, manifest: ReleaseManifest): Promise<void> {
  await writeJsonAtomic(join(releaseDir, MANIFEST_FILE), manifest);
}

/**
 * One file of a release as the manifest describes it. SHA256SUMS and manifest.json describe the
 * others, so they carry no size or sha256 of their own here.
 */
export interface ReleaseArtifact {
  fileName: string;
  contentType: string;
  /** The platform an archive or its SBOM belongs to. */
  platform?: string;
  size?: number;
  sha256?: string;
}

const CONTENT_TYPES = {
  'tar.gz': 'application/gzip',
  zip: 'application/zip',
  sbom: 'application/vnd.cyclonedx+json',
  shell: 'text/x-shellscript; charset=utf-8',
  powershell: 'text/plain; charset=utf-8',
  homebrew: 'text/x-ruby; charset=utf-8',
  scoop: 'application/json',
  checksums: 'text/plain; charset=utf-8',
  manifest: 'application/json',
} as const;

/**
 * The one list of a release's files, in upload order: archives, SBOMs, installers, then
 * SHA256SUMS, then manifest.json (last, so a manifest that can be read never names a missing file).
 * SHA256SUMS, the upload, its verification and the GitHub preflight all read it.
 */
export function releaseArtifacts(manifest: ReleaseManifest): ReleaseArtifact[] {
  return [
    ...manifest.assets.map((a) => ({
      fileName: a.fileName,
      contentType: CONTENT_TYPES[a.archive],
      platform: a.platform,
      size: a.size,
      sha256: a.sha256,
    })),
    ...manifest.assets.flatMap((a) => (a.sbom ? [{ ...a.sbom, contentType: CONTENT_TYPES.sbom, platform: a.platform }] : [])),
    ...(manifest.installers ?? []).map((i) => ({
      fileName: i.fileName,
      contentType: CONTENT_TYPES[i.kind],
      size: i.size,
      sha256: i.sha256,
    })),
    { fileName: manifest.checksumsFile, contentType: CONTENT_TYPES.checksums },
    { fileName: MANIFEST_FILE, contentType: CONTENT_TYPES.manifest },
  ];
}

/** The files SHA256SUMS lists: every artifact the manifest gives a sha256. */
export function checksummedArtifacts(manifest: ReleaseManifest): { fileName: string; sha256: string }[] {
  return releaseArtifacts(manifest).flatMap((a) => (a.sha256 ? [{ fileName: a.fileName, sha256: a.sha256 }] : []));
}

export function releaseFiles(manifest: ReleaseManifest): string[] {
  return releaseArtifacts(manifest).map((a) => a.fileName);
}
