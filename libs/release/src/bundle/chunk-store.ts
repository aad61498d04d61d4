import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../fs-atomic';
import type { BinaryScan } from './binary-scan';
import { type CompressedChunk, compressChunks, compressorId } from './compress-chunks';
import type { FinalBlock } from './deflate-blocks';

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

export interface ChunkBytes {
  deflate: Buffer;
  final?: FinalBlock;
}

async function readIndex(dir: string): Promise<StoreIndex | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, STORE_INDEX), 'utf8')) as StoreIndex;
  } catch {
    return undefined;
  }
}

/**
 * Reads the chunks `wanted` (by key) that `dir` holds for this compressor. An entry whose bytes
 * do not hash to what the index says (a damaged restore) is left out: it gets compressed again.
 */
export async function readStoredChunks(dir: string, compressor: string, wanted: ReadonlySet<string>): Promise<Map<string, ChunkBytes>> {
  const found = new Map<string, ChunkBytes>();
  const index = await readIndex(dir);
  if (!index || index.compressor !== compressor) return found;
  const pack = await readFile(join(dir, STORE_PACK)).catch(() => undefined);
  if (!pack) return found;
  for (const entry of index.chunks) {
    if (!wanted.has(entry.sha256) || found.has(entry.sha256)) continue;
    if (entry.packOffset + entry.packLength > pack.length) continue;
    const deflate = pack.subarray(entry.packOffset, entry.packOffset + entry.packLength);
    if (createHash('sha256').update(deflate).digest('hex') !== entry.deflateSha256) continue;
    const final = entry.finalBlockBit !== undefined && entry.endBit !== undefined ? { finalBlockBit: entry.finalBlockBit, endBit: entry.endBit } : undefined;
    found.set(entry.sha256, { deflate, final });
  }
  return found;
}

export interface GatherOptions {
  binaryPath: string;
  scan: BinaryScan;
  level: number;
  finalBlocks: boolean;
  /** Stores to read from, first match wins. */
  stores: readonly string[];
  /** Where the chunks compressed now are written: the pack of a new store, or a scratch file. */
  packPath: string;
}

/** Every distinct chunk of the binary, compressed: from the stores where possible, else by Bun now. */
export async function gatherChunks(options: GatherOptions): Promise<{ chunks: Map<string, ChunkBytes>; compressed: CompressedChunk[] }> {
  const compressor = compressorId(options.level);
  const wanted = new Set(options.scan.chunks.map((c) => c.sha256));
  const chunks = new Map<string, ChunkBytes>();
  for (const dir of options.stores) {
    const missing = new Set([...wanted].filter((k) => !chunks.has(k)));
    if (missing.size === 0) break;
    for (const [key, bytes] of await readStoredChunks(dir, compressor, missing)) chunks.set(key, bytes);
  }
  const toCompress = new Map(options.scan.chunks.filter((c) => !chunks.has(c.sha256)).map((c) => [c.sha256, c]));
  let compressed: CompressedChunk[] = [];
  if (toCompress.size > 0) {
    compressed = await compressChunks({
      binaryPath: options.binaryPath,
      packPath: options.packPath,
      level: options.level,
      finalBlocks: options.finalBlocks,
      chunks: [...toCompress.values()].map(({ offset, size, sha256: key }) => ({ offset, size, sha256: key })),
    });
    const pack = await readFile(options.packPath);
    for (const entry of compressed) {
      const final = entry.finalBlockBit !== undefined && entry.endBit !== undefined ? { finalBlockBit: entry.finalBlockBit, endBit: entry.endBit } : undefined;
      chunks.set(entry.sha256, { deflate: pack.subarray(entry.packOffset, entry.packOffset + entry.packLength), final });
    }
  }
  return { chunks, compressed };
}

/** Writes a store holding every chunk of a binary (the pack is written by Bun, then indexed). */
export async function writeStore(dir: string, binaryPath: string, scan: BinaryScan, level: number, finalBlocks: boolean): Promise<StoreIndex> {
  const packPath = join(dir, STORE_PACK);
  await rm(packPath, { force: true });
  const { compressed } = await gatherChunks({ binaryPath, scan, level, finalBlocks, stores: [], packPath });
  const index: StoreIndex = { compressor: compressorId(level), chunks: compressed };
  await writeJsonAtomic(join(dir, STORE_INDEX), index);
  return index;
}
