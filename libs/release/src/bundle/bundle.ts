import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { COMPILE_RECORD, type CompileRecord } from '../compile/compile-record';
import { ReleaseError } from '../errors';
import { sbomFileName } from '../sbom/file-names';
import type { ArchiveFile, SbomFile } from '../manifest';
import { replaceDirectory, sweepDeadTemps, tempPathFor, writeJsonAtomic } from '../fs-atomic';
import { assetName, type PlatformSpec } from '../platforms';
import { type ArchiveSibling, createArchive } from './archive';
import { rememberHash } from './hashed-files';
import { sha256Hex } from '../checksums';
import { DEFAULT_RELEASE_NAME } from '../pipeline';

export const BUNDLE_RECORD = 'bundle.json';

export interface BundleRecord {
  platform: string;
  version: string;
  fileName: string;
  archive: PlatformSpec['archive'];
  binaryName: string;
  binarySha256: string;
  size: number;
  sha256: string;
  sourceDateEpoch: number;
  /** The files packed beside the binary. */
  files?: ArchiveFile[];
  /** The platform's CycloneDX SBOM, beside the archive (`codebuff-<platform>.cdx.json`), when compile made one. */
  sbom?: SbomFile;
}

/** A file to pack beside the binary: its name in the archive and where it is read from. */
export interface SiblingFile {
  name: string;
  path: string;
}

export interface BundleOptions {
  platform: PlatformSpec;
  /** compile's output directory: the binary and compile.json. */
  binDir: string;
  /** Directory that will hold exactly the archive and bundle.json. */
  outDir: string;
  sourceDateEpoch: number;
  baseName?: string;
  level?: number;
  /** Chunk stores (e.g. the runtime's compressed chunks) to reuse; the archive is the same without them. */
  chunkStores?: readonly string[];
  /** Files to pack beside the binary (release.config.json's `files`). */
  files?: readonly SiblingFile[];
}

export async function readCompileRecord(binDir: string, platformKey: string): Promise<CompileRecord> {
  try {
    return JSON.parse(await readFile(join(binDir, COMPILE_RECORD), 'utf8')) as CompileRecord;
  } catch {
    throw new ReleaseError(`no compiled binary for ${platformKey} in ${binDir}: run compile-${platformKey} first`);
  }
}

/**
 * Packs one platform's binary. The binary is checked against the sha256 that compile recorded,
 * because a cache restore can hand back a truncated or stale file (nx#32620); the check comes
 * from the same single read that chunks it, before anything is compressed. The archive's sha256
 * is computed from the bytes as they are written.
 */
export async function bundlePlatform(options: BundleOptions): Promise<BundleRecord & { chunks: { distinct: number; reused: number } }> {
  const { platform, binDir, outDir } = options;
  const compiled = await readCompileRecord(binDir, platform.key);
  if (compiled.platform !== platform.key) {
    throw new ReleaseError(`${binDir} holds a build for ${compiled.platform}, not ${platform.key}`);
  }
  const binaryPath = join(binDir, platform.binaryName);
  const fileName = assetName(platform, options.baseName);
  // compile's THIRD-PARTY-NOTICES travels beside the binary, after release.config.json's files.
  const siblings = await readSiblings(options.files ?? [], platform);
  if (compiled.notices) {
    if (siblings.some((f) => f.name === compiled.notices?.fileName))
      throw new ReleaseError(`${platform.key}: two files would be named ${compiled.notices.fileName} in the archive`);
    siblings.push({ name: compiled.notices.fileName, bytes: await readMade(platform.key, binDir, compiled.notices) });
  }
  const sbom = compiled.sbom ? await readMade(platform.key, binDir, compiled.sbom) : undefined;
  await sweepDeadTemps(dirname(outDir));
  const staging = tempPathFor(outDir);
  await mkdir(staging, { recursive: true });
  try {
    const archive = await createArchive(platform.archive, {
      binaryPath,
      entryName: platform.binaryName,
      outPath: join(staging, fileName),
      mtime: options.sourceDateEpoch,
      level: options.level,
      stores: options.chunkStores,
      siblings,
      checkBinary: (scan) => {
        if (scan.sha256 !== compiled.sha256) throw mismatch(platform.key, scan.sha256, compiled.sha256);
      },
    }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? mismatch(platform.key, 'missing', compiled.sha256) : error;
    });
    const sbomFile = sbom
      ? { fileName: sbomFileName(options.baseName ?? DEFAULT_RELEASE_NAME, platform.key), size: sbom.length, sha256: sha256Hex(sbom) }
      : undefined;
    if (sbom && sbomFile) await writeFile(join(staging, sbomFile.fileName), sbom);
    const record: BundleRecord = {
      platform: platform.key,
      version: compiled.version,
      fileName,
      archive: platform.archive,
      binaryName: platform.binaryName,
      binarySha256: compiled.sha256,
      size: archive.size,
      sha256: archive.sha256,
      sourceDateEpoch: options.sourceDateEpoch,
      files: siblings.map((f) => ({ name: f.name, size: f.bytes.length, sha256: sha256Hex(f.bytes) })),
      ...(sbomFile ? { sbom: sbomFile } : {}),
    };
    await writeJsonAtomic(join(staging, BUNDLE_RECORD), record);
    await replaceDirectory(staging, outDir);
    // assemble can then trust this sha256 without reading the archive again, while it is untouched.
    await rememberHash(outDir, join(outDir, fileName), archive.sha256);
    return { ...record, chunks: archive.chunks };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Reads the sibling files before any work; a missing one or a name clash is one line. */
async function readSiblings(files: readonly SiblingFile[], platform: PlatformSpec): Promise<ArchiveSibling[]> {
  const names = new Set([platform.binaryName]);
  const siblings: ArchiveSibling[] = [];
  for (const file of files) {
    if (names.has(file.name)) throw new ReleaseError(`${platform.key}: two files would be named ${file.name} in the archive`);
    names.add(file.name);
    const bytes = await readFile(file.path).catch((error: NodeJS.ErrnoException) => {
      throw new ReleaseError(
        `${platform.key}: cannot read ${file.path}, listed in release.config.json's files: ${error.code ?? error.message}`,
      );
    });
    siblings.push({ name: file.name, bytes });
  }
  return siblings;
}

/** A file compile made beside the binary must still be the one compile.json names (a cache restore can hand back another). */
function checkMade(key: string, made: { fileName: string; sha256: string }, bytes: Buffer | undefined): void {
  const actual = bytes ? sha256Hex(bytes) : 'missing';
  if (actual !== made.sha256) {
    throw new ReleaseError(
      `${made.fileName} for ${key} does not match what compile recorded (sha256 ${actual}, expected ${made.sha256}); rerun compile-${key} with --skip-nx-cache`,
    );
  }
}

async function readMade(key: string, binDir: string, made: { fileName: string; sha256: string }): Promise<Buffer> {
  const bytes = await readFile(join(binDir, made.fileName)).catch(() => undefined);
  checkMade(key, made, bytes);
  return bytes as Buffer;
}

function mismatch(key: string, actual: string, expected: string): ReleaseError {
  return new ReleaseError(
    `binary for ${key} does not match what compile recorded (sha256 ${actual}, expected ${expected}); rerun compile-${key} with --skip-nx-cache`,
  );
}
