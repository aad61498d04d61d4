import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/**
 * Archives are compressed in fixed 1 MiB chunks of the binary, each on its own, so a chunk that
 * did not change between two builds (about 99% of a Bun binary is the runtime) keeps its
 * compressed bytes. 1 MiB keeps the cost of starting afresh (a lost 32 KiB window) under 0.1%.
 */
export const CHUNK_SIZE = 1 << 20;

export interface BinaryChunk {
  offset: number;
  size: number;
  /** sha256 of the chunk's bytes: its key in the chunk store. */
  sha256: string;
  /** CRC-32 of the chunk's bytes (a gzip member's trailer); 0 unless asked for. */
  crc32: number;
}

export interface BinaryScan {
  size: number;
  sha256: string;
  /** CRC-32 of the whole binary (the zip entry's); 0 unless asked for. */
  crc32: number;
  chunks: BinaryChunk[];
}

/**
 * One read of the binary gives everything packing needs: its sha256, its chunk keys, and the
 * CRC-32 the format needs (per chunk for gzip members, of the whole for a zip entry; each costs
 * as much as a sha256 here, so only the one asked for is computed).
 */
export async function scanBinary(path: string, crc: 'chunks' | 'whole' | 'none' = 'none'): Promise<BinaryScan> {
  const file = await open(path, 'r');
  try {
    const whole = createHash('sha256');
    const chunks: BinaryChunk[] = [];
    const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    let offset = 0;
    let wholeCrc = 0;
    for (;;) {
      let filled = 0;
      while (filled < CHUNK_SIZE) {
        const { bytesRead } = await file.read(buffer, filled, CHUNK_SIZE - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled === 0) break;
      const bytes = buffer.subarray(0, filled);
      whole.update(bytes);
      if (crc === 'whole') wholeCrc = crc32(bytes, wholeCrc);
      const chunkCrc = crc === 'chunks' ? crc32(bytes) : 0;
      chunks.push({ offset, size: filled, sha256: createHash('sha256').update(bytes).digest('hex'), crc32: chunkCrc });
      offset += filled;
      if (filled < CHUNK_SIZE) break;
    }
    return { size: offset, sha256: whole.digest('hex'), crc32: wholeCrc, chunks };
  } finally {
    await file.close();
  }
}
