import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../checksums';
import { COMPILE_RECORD, type CompileRecord } from '../compile/compile';
import { ReleaseError } from '../errors';
import { replaceDirectory, tempPathFor, writeJsonAtomic } from '../fs-atomic';
import { assetName, type PlatformSpec } from '../platforms';
import { createArchive } from './archive';

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
}

export async function readCompileRecord(binDir: string, platformKey: string): Promise<CompileRecord> {
  try {
    return JSON.parse(await readFile(join(binDir, COMPILE_RECORD), 'utf8')) as CompileRecord;
  } catch {
    throw new ReleaseError(`no compiled binary for ${platformKey} in ${binDir}: run compile-${platformKey} first`);
  }
}

/**
 * Packs one platform's binary. The binary is checked against the sha256 that compile
 * recorded, because a cache restore can hand back a truncated or stale file (nx#32620).
 */
export async function bundlePlatform(options: BundleOptions): Promise<BundleRecord> {
  const { platform, binDir, outDir } = options;
  const compiled = await readCompileRecord(binDir, platform.key);
  if (compiled.platform !== platform.key) {
    throw new ReleaseError(`${binDir} holds a build for ${compiled.platform}, not ${platform.key}`);
  }
  const binaryPath = join(binDir, platform.binaryName);
  const actual = await sha256File(binaryPath).catch(() => 'missing');
  if (actual !== compiled.sha256) {
    throw new ReleaseError(
      `binary for ${platform.key} does not match what compile recorded (sha256 ${actual}, expected ${compiled.sha256}); rerun compile-${platform.key} with --skip-nx-cache`,
    );
  }
  const fileName = assetName(platform, options.baseName);
  const staging = tempPathFor(outDir);
  await mkdir(staging, { recursive: true });
  try {
    const archivePath = join(staging, fileName);
    await createArchive(platform.archive, {
      binaryPath,
      entryName: platform.binaryName,
      outPath: archivePath,
      mtime: options.sourceDateEpoch,
      level: options.level,
    });
    const record: BundleRecord = {
      platform: platform.key,
      version: compiled.version,
      fileName,
      archive: platform.archive,
      binaryName: platform.binaryName,
      binarySha256: compiled.sha256,
      size: (await stat(archivePath)).size,
      sha256: await sha256File(archivePath),
      sourceDateEpoch: options.sourceDateEpoch,
    };
    await writeJsonAtomic(join(staging, BUNDLE_RECORD), record);
    await replaceDirectory(staging, outDir);
    return record;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
