import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../fs-atomic';
import type { BinaryScan } from './binary-scan';
import { type CompressedChunk, compressChunks, compressorId } from './compress-chunks';

/**
 * A chunk store: compressed chunks keyed by the sha256 of their uncompressed bytes, for one
 * compressor identity (libdeflate level and Bun version). Two files: `chunks.pack` (the deflate
 * streams end to end) and `chunks.json` (the index). A store only ever saves work: a chunk's
 * compressed bytes are a function of its bytes and the compressor, so an archive is the same
 * byte for byte whether its chunks came from a store or were compressed on the spot.
 */
export const STORE_PACK = 'chunks.pack';
export const STORE_INDEX = 'chunks.json';

export interface StoreIndex {
  compressor: string;
  chunks: CompressedChunk[];
}

/** Where one compressed chunk's bytes are: a range of a pack file. */
export interface ChunkSource {
  packPath: string;
  entry: CompressedChunk;
}

async function readIndex(dir: string): Promise<StoreIndex | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, STORE_INDEX), 'utf8')) as StoreIndex;
  } catch {
    return undefined;
  }
}

/**
 * The chunks `wanted` (by key) that `dir` holds for this compressor, from its index. Their bytes
 * are read (and checked against the sha256 the index gives) only when the archive is written.
 */
export async function storedChunks(dir: string, compressor: string, wanted: ReadonlySet<string>): Promise<Map<string, ChunkSource>> {
  const found = new Map<string, ChunkSource>();
  const index = await readIndex(dir);
  if (!index || index.compressor !== compressor) return found;
  const packPath = join(dir, STORE_PACK);
  const packSize = await stat(packPath).then(
    (s) => s.size,
    () => -1,
  );
  for (const entry of index.chunks) {
    // An entry without final-block positions (written before every archive needed them) is compressed again.
    if (
      !wanted.has(entry.sha256) ||
      found.has(entry.sha256) ||
      entry.endBit === undefined ||
      entry.packOffset + entry.packLength > packSize
    )
      continue;
    found.set(entry.sha256, { packPath, entry });
  }
  return found;
}

export interface GatherOptions {
  binaryPath: string;
  scan: BinaryScan;
  level: number;
  /** Stores to read from, first match wins. */
  stores: readonly string[];
  /** Where the chunks compressed now are written: the pack of a new store, or a scratch file. */
  packPath: string;
}

/** Every distinct chunk of the binary, compressed: from the stores where possible, else by Bun now. */
export async function gatherChunks(options: GatherOptions): Promise<{ sources: Map<string, ChunkSource>; compressed: CompressedChunk[] }> {
  const compressor = compressorId(options.level);
  const wanted = new Set(options.scan.chunks.map((c) => c.sha256));
  const sources = new Map<string, ChunkSource>();
  for (const dir of options.stores) {
    const missing = new Set([...wanted].filter((k) => !sources.has(k)));
    if (missing.size === 0) break;
    for (const [key, source] of await storedChunks(dir, compressor, missing)) sources.set(key, source);
  }
  const toCompress = new Map(options.scan.chunks.filter((c) => !sources.has(c.sha256)).map((c) => [c.sha256, c]));
  let compressed: CompressedChunk[] = [];
  if (toCompress.size > 0) {
    compressed = await compressChunks({
      binaryPath: options.binaryPath,
      packPath: options.packPath,
      level: options.level,
      chunks: [...toCompress.values()].map(({ offset, size, sha256: key }) => ({ offset, size, sha256: key })),
    });
    for (const entry of compressed) sources.set(entry.sha256, { packPath: options.packPath, entry });
  }
  return { sources, compressed };
}

/** Writes a store holding every chunk of a binary (the pack is written by Bun, then indexed). */
export async function writeStore(dir: string, binaryPath: string, scan: BinaryScan, level: number): Promise<StoreIndex> {
  const packPath = join(dir, STORE_PACK);
  await rm(packPath, { force: true });
  const { compressed } = await gatherChunks({ binaryPath, scan, level, stores: [], packPath });
  const index: StoreIndex = { compressor: compressorId(level), chunks: compressed };
  await writeJsonAtomic(join(dir, STORE_INDEX), index);
  return index;
}
