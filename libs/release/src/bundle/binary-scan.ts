import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { sha256Hex } from '../checksums';

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
}

export interface BinaryScan {
  size: number;
  sha256: string;
  /** CRC-32 continued from `crcSeed` over the whole binary; 0 unless a seed was given. */
  crc32: number;
  chunks: BinaryChunk[];
}

/**
 * One read of the binary gives everything packing needs: its sha256, its chunk keys, and the
 * CRC-32 the format needs. `crcSeed` is the CRC-32 of what the format puts before the binary
 * (0 for a zip entry, the tar header's for a gzip stream), so the CRC goes on from there; without
 * it none is computed (it costs as much as a sha256 here, and a chunk store needs none).
 */
export async function scanBinary(path: string, crcSeed?: number): Promise<BinaryScan> {
  const file = await open(path, 'r');
  try {
    const whole = createHash('sha256');
    const chunks: BinaryChunk[] = [];
    const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    let offset = 0;
    let crc = crcSeed ?? 0;
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
      if (crcSeed !== undefined) crc = crc32(bytes, crc);
      chunks.push({ offset, size: filled, sha256: sha256Hex(bytes) });
      offset += filled;
      if (filled < CHUNK_SIZE) break;
    }
    return { size: offset, sha256: whole.digest('hex'), crc32: crc, chunks };
  } finally {
    await file.close();
  }
}
