import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { bunExecutable, bunVersion } from '../compile/bun';
import { type FinalBlock, locateFinalBlock } from './deflate-blocks';
import { sha256Hex } from '../checksums';

/**
 * Compression runs in the pinned Bun, one process per archive (not per chunk): Bun carries
 * libdeflate, faster than Node's zlib at level 6 and about 2% smaller. Pinning Bun pins the
 * compressed bytes, so Bun's version is part of every chunk's identity.
 */
export function compressorId(level: number): string {
  return `raw deflate, libdeflate level ${level}, bun ${bunVersion()}`;
}

export interface ChunkToCompress {
  offset: number;
  size: number;
  sha256: string;
}

/** Each chunk's final-block positions are found once, here, so archives can join chunks into one stream. */
export interface CompressedChunk extends FinalBlock {
  /** sha256 of the uncompressed chunk. */
  sha256: string;
  size: number;
  /** Where its deflate stream sits in the pack file. */
  packOffset: number;
  packLength: number;
  /**
   * sha256 of the deflate stream and its final-block positions (chunkDigest): a pack or an index
   * restored damaged or stale is noticed before it is used. The positions say which bit to clear,
   * so a wrong one would break the joined stream while the archive's own sha256 still matched.
   */
  deflateSha256: string;
}

/** What deflateSha256 covers: the compressed bytes, then where their final block starts and ends. */
export function chunkDigest(deflated: Uint8Array, { finalBlockBit, endBit }: FinalBlock): string {
  return createHash('sha256').update(deflated).update(`final block ${finalBlockBit}-${endBit}`).digest('hex');
}

export interface CompressJob {
  binaryPath: string;
  /** Written from scratch: the compressed chunks one after another. */
  packPath: string;
  level: number;
  chunks: ChunkToCompress[];
}

interface BunDeflate {
  deflateSync(data: Uint8Array, options: { library: 'libdeflate'; level: number }): Uint8Array;
}

/** Runs inside Bun. Each chunk is re-hashed as read: a binary that changed since it was scanned fails. */
export function runCompressJob(job: CompressJob): CompressedChunk[] {
  const bun = (globalThis as { Bun?: BunDeflate }).Bun;
  if (!bun) throw new Error('runCompressJob runs under Bun');
  const binary = openSync(job.binaryPath, 'r');
  const pack = openSync(job.packPath, 'w');
  try {
    const results: CompressedChunk[] = [];
    let packOffset = 0;
    for (const chunk of job.chunks) {
      const bytes = Buffer.allocUnsafe(chunk.size);
      for (let filled = 0; filled < chunk.size; ) {
        const read = readSync(binary, bytes, filled, chunk.size - filled, chunk.offset + filled);
        if (read === 0) throw new Error(`${job.binaryPath} is shorter than when it was scanned`);
        filled += read;
      }
      if (sha256Hex(bytes) !== chunk.sha256)
        throw new Error(`${job.binaryPath} changed while it was being packed (at byte ${chunk.offset})`);
      const deflated = bun.deflateSync(bytes, { library: 'libdeflate', level: job.level });
      for (let written = 0; written < deflated.length; ) written += writeSync(pack, deflated, written);
      const finalBlock = locateFinalBlock(deflated);
      results.push({
        sha256: chunk.sha256,
        size: chunk.size,
        packOffset,
        packLength: deflated.length,
        deflateSha256: chunkDigest(deflated, finalBlock),
        ...finalBlock,
      });
      packOffset += deflated.length;
    }
    return results;
  } finally {
    closeSync(binary);
    closeSync(pack);
  }
}

/** Bun's entry point: the job on stdin, the result as JSON on stdout. */
export function runCompressJobFromStdin(): void {
  const job = JSON.parse(readFileSync(0, 'utf8')) as CompressJob;
  process.stdout.write(JSON.stringify(runCompressJob(job)));
}

/** Node side: one Bun process compresses every chunk of the job. */
export function compressChunks(job: CompressJob): Promise<CompressedChunk[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(bunExecutable(), ['-e', 'require(process.argv[1]).runCompressJobFromStdin()', __filename], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`compressing with Bun failed: ${Buffer.concat(err).toString('utf8').trim() || `exit ${code}`}`));
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as CompressedChunk[]);
      } catch {
        reject(new Error('compressing with Bun: unreadable result'));
      }
    });
    child.stdin.end(JSON.stringify(job));
  });
}
