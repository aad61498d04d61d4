import { createHash } from 'node:crypto';
import { type FileHandle, open, rm, stat } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { Header } from 'tar';
import { tempPathFor, writeAtomically } from '../fs-atomic';
import type { ArchiveFormat } from '../platforms';
import { type BinaryScan, scanBinary } from './binary-scan';
import { type ChunkSource, gatherChunks } from './chunk-store';
import { chunkDigest } from './compress-chunks';
import { FINAL_EMPTY_BLOCK, makeNonFinalInPlace, nonFinalLength } from './deflate-blocks';

export interface ArchiveInput {
  /** The file to pack; it lands at the archive's root under `entryName`. */
  binaryPath: string;
  entryName: string;
  /** Final archive path; written under a temp name and renamed when complete. */
  outPath: string;
  /** Seconds since 1970 stamped on the entry, for byte-reproducible archives. */
  mtime: number;
  /** libdeflate level, 1–9 (6 by default: smaller than `gzip -6`). */
  level?: number;
  /** Chunk stores to reuse compressed chunks from (see chunk-store.ts); they never change the bytes. */
  stores?: readonly string[];
  /** Called with the binary's sha256 and size after the one read of it, before anything is compressed. */
  checkBinary?: (scan: BinaryScan) => void;
  /** Files that go beside the binary (mode 0644), after it, in this order. */
  siblings?: readonly ArchiveSibling[];
}

/** A small file packed next to the binary (a wasm runtime, a README): stored as is, never deflated. */
export interface ArchiveSibling {
  name: string;
  bytes: Buffer;
}

export interface ArchiveResult {
  size: number;
  /** sha256 of the archive, computed from the bytes as they were written. */
  sha256: string;
  binary: BinaryScan;
  /** Distinct chunks of the binary, and how many of them came from a store. */
  chunks: { distinct: number; reused: number };
}

/** Executables get 0755 whatever the umask or checkout said. */
const EXECUTABLE_MODE = 0o755;
const FILE_MODE = 0o644;
const DEFAULT_LEVEL = 6;

export async function createArchive(format: ArchiveFormat, input: ArchiveInput): Promise<ArchiveResult> {
  return format === 'zip' ? createZip(input) : createTarGz(input);
}

interface Gathered {
  scan: BinaryScan;
  /** The compressed form of each chunk of the binary, in order. */
  pieces: ChunkSource[];
  stats: ArchiveResult['chunks'];
}

/** A stored chunk whose bytes do not hash to what its store's index says. */
class DamagedStore extends Error {}

/**
 * Scans the binary (its CRC-32 continued from `crcSeed`), gathers its compressed chunks, and
 * writes the archive that `layout` makes of them. If a stored chunk turns out damaged while being
 * written, the archive is made again without stores (it comes out the same bytes, only slower).
 */
async function buildArchive(input: ArchiveInput, crcSeed: number, layout: (g: Gathered) => Part[]): Promise<ArchiveResult> {
  const scan = await scanBinary(input.binaryPath, crcSeed);
  input.checkBinary?.(scan);
  const packPath = tempPathFor(input.outPath);
  try {
    for (const stores of [input.stores ?? [], []]) {
      const { sources, compressed } = await gatherChunks({
        binaryPath: input.binaryPath,
        scan,
        level: input.level ?? DEFAULT_LEVEL,
        stores,
        packPath,
      });
      const gathered = {
        scan,
        pieces: scan.chunks.map((c) => sources.get(c.sha256) as ChunkSource),
        stats: { distinct: sources.size, reused: sources.size - compressed.length },
      };
      try {
        return { ...(await writeArchive(input.outPath, layout(gathered))), binary: scan, chunks: gathered.stats };
      } catch (error) {
        if (!(error instanceof DamagedStore) || stores.length === 0) throw error;
      }
    }
    throw new Error('unreachable');
  } finally {
    await rm(packPath, { force: true });
  }
}

/**
 * What an archive is made of: bytes, or a compressed chunk copied from its pack and made
 * non-final (see deflate-blocks.ts), so that the chunks in a row are one deflate stream.
 */
type Part = Uint8Array | ChunkSource;

/**
 * Writes the parts to a temp file, hashing them on the way, and renames it into place. Chunks go
 * through one reused buffer (a fresh 50 MB allocation costs more here than the copying), each
 * checked against the sha256 its index gives before it is written.
 */
async function writeArchive(outPath: string, parts: readonly Part[]): Promise<{ size: number; sha256: string }> {
  const longest = Math.max(0, ...parts.map((p) => ('entry' in p ? p.entry.packLength : 0)));
  const buffer = Buffer.allocUnsafe(longest + 8); // room for the non-final form (at most 5 bytes longer)
  const packs = new Map<string, FileHandle>();
  try {
    return await writeAtomically(outPath, async (temp) => {
      const hash = createHash('sha256');
      const file = await open(temp, 'w');
      let size = 0;
      try {
        for (const part of parts) {
          let bytes = part as Uint8Array;
          if ('entry' in part) {
            const { packPath, entry } = part;
            if (!packs.has(packPath)) packs.set(packPath, await open(packPath, 'r'));
            const { bytesRead } = await (packs.get(packPath) as FileHandle).read(buffer, 0, entry.packLength, entry.packOffset);
            const stream = buffer.subarray(0, entry.packLength);
            if (bytesRead !== entry.packLength || chunkDigest(stream, entry) !== entry.deflateSha256) {
              throw new DamagedStore(`${packPath}: chunk ${entry.sha256} is damaged`);
            }
            bytes = buffer.subarray(0, makeNonFinalInPlace(buffer, entry.packLength, entry));
          }
          for (let written = 0; written < bytes.length; ) written += (await file.write(bytes, written)).bytesWritten;
          hash.update(bytes);
          size += bytes.length;
        }
      } finally {
        await file.close();
      }
      return { size, sha256: hash.digest('hex') };
    });
  } finally {
    for (const handle of packs.values()) await handle.close();
  }
}

/**
 * A tar.gz with the executable (mode 0755) and then its siblings (0644): fixed mtime, no owner
 * names or ids. It is ONE gzip member (some readers stop after the first: Rust's
 * `flate2::read::GzDecoder`, Python's `tarfile` streaming mode) holding one deflate stream: the tar
 * header in a stored block, the binary's chunks made non-final, then the padding, the siblings and
 * the end blocks in stored blocks, the last one final. Siblings are small and stored rather than
 * deflated: a second compressor would tie the bytes to another library's version. The gzip header
 * is fixed (mtime 0, OS "Unix"), so nothing depends on the machine that packed it.
 */
export async function createTarGz(input: ArchiveInput): Promise<ArchiveResult> {
  // The header holds the size, and the CRC-32 of the tar stream starts with the header: so the
  // header is made first, from the size on disk, and the scan must find the same size.
  const { size } = await stat(input.binaryPath);
  const headerBlock = tarHeader(input.entryName, EXECUTABLE_MODE, size, input.mtime);
  // After the binary: its padding, each sibling (header, bytes, padding), then two zero blocks.
  const tail = Buffer.concat([
    padding(size),
    ...(input.siblings ?? []).flatMap((f) => [tarHeader(f.name, FILE_MODE, f.bytes.length, input.mtime), f.bytes, padding(f.bytes.length)]),
    Buffer.alloc(1024),
  ]);
  return buildArchive(input, crc32(headerBlock), ({ scan, pieces }) => {
    if (scan.size !== size) throw new Error(`${input.binaryPath} changed while it was being packed`);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32(tail, scan.crc32) >>> 0, 0);
    trailer.writeUInt32LE((headerBlock.length + size + tail.length) % 2 ** 32, 4);
    return [GZIP_HEADER, storedBlock(headerBlock, false), ...pieces, ...storedBlocks(tail), trailer];
  });
}

function tarHeader(name: string, mode: number, size: number, mtime: number): Buffer {
  const header = new Header({ path: name, mode, size, mtime: new Date(mtime * 1000), type: 'File', uid: 0, gid: 0 });
  header.encode();
  if (header.needPax) throw new Error(`tar entry name ${name} needs a pax header; use a shorter name`);
  return header.block as Buffer;
}

const padding = (size: number) => Buffer.alloc((512 - (size % 512)) % 512);

/** `data` as stored blocks of at most 65535 bytes, the last one final. */
function storedBlocks(data: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  for (let at = 0; at < data.length; at += 0xffff) {
    const end = Math.min(at + 0xffff, data.length);
    blocks.push(storedBlock(data.subarray(at, end), end === data.length));
  }
  return blocks;
}

/** mtime 0 ("none"), no flags, OS 3 = Unix. */
const GZIP_HEADER = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

/** A stored deflate block holding `data`, at a byte boundary and ending on one. */
function storedBlock(data: Buffer, final: boolean): Buffer {
  if (data.length > 0xffff) throw new Error('stored block too long');
  const length = Buffer.from([final ? 1 : 0, data.length & 0xff, data.length >>> 8, ~data.length & 0xff, (~data.length >>> 8) & 0xff]);
  return Buffer.concat([length, data]);
}

/**
 * Zip for Windows: `codebuff.exe` first, deflated as one stream made of the chunks, then the
 * siblings stored. Unix modes (0755, 0644) and a DOS time computed from UTC so the time zone does
 * not matter. No data descriptor and no extra fields: the sizes and CRCs are known before an entry
 * is written.
 */
export async function createZip(input: ArchiveInput): Promise<ArchiveResult> {
  return buildArchive(input, 0, ({ scan, pieces }) => {
    const data: Part[] = [...pieces, FINAL_EMPTY_BLOCK];
    const compressedSize = data.reduce((n, p) => n + ('entry' in p ? nonFinalLength(p.entry) : p.length), 0); // known before any chunk is read
    if (scan.size >= 0xffffffff || compressedSize >= 0xffffffff) throw new Error(`${input.entryName} is too large for a zip without ZIP64`);
    const { time, date } = dosDateTime(input.mtime);
    const entries: ZipEntry[] = [
      {
        name: Buffer.from(input.entryName, 'utf8'),
        method: 8,
        crc: scan.crc32,
        compressedSize,
        size: scan.size,
        mode: EXECUTABLE_MODE,
        data,
      },
      ...(input.siblings ?? []).map((f) => ({
        name: Buffer.from(f.name, 'utf8'),
        method: 0,
        crc: crc32(f.bytes),
        compressedSize: f.bytes.length,
        size: f.bytes.length,
        mode: FILE_MODE,
        data: [f.bytes],
      })),
    ];
    // The fields the local and the central header share, in the same order: version needed (2.0,
    // deflate), flags, method, time, date, CRC-32, sizes, name length.
    const writeEntryFields = (header: Buffer, at: number, e: ZipEntry) => {
      header.writeUInt16LE(20, at);
      header.writeUInt16LE(0, at + 2);
      header.writeUInt16LE(e.method, at + 4);
      header.writeUInt16LE(time, at + 6);
      header.writeUInt16LE(date, at + 8);
      header.writeUInt32LE(e.crc >>> 0, at + 10);
      header.writeUInt32LE(e.compressedSize, at + 14);
      header.writeUInt32LE(e.size, at + 18);
      header.writeUInt16LE(e.name.length, at + 22);
    };

    const parts: Part[] = [];
    const centrals: Buffer[] = [];
    let offset = 0;
    for (const e of entries) {
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      writeEntryFields(local, 4, e);
      local.writeUInt16LE(0, 28); // extra field length

      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so readers apply the mode)
      writeEntryFields(central, 6, e);
      // extra, comment, disk number, internal attributes: 0
      central.writeUInt32LE(((0o100000 | e.mode) << 16) >>> 0, 38);
      central.writeUInt32LE(offset, 42); // the local header's offset

      parts.push(local, e.name, ...e.data);
      centrals.push(central, e.name);
      offset += local.length + e.name.length + e.compressedSize;
    }
    if (offset >= 0xffffffff) throw new Error(`${input.outPath} is too large for a zip without ZIP64`);
    const centralSize = centrals.reduce((n, b) => n + b.length, 0);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(centralSize, 12);
    end.writeUInt32LE(offset, 16);

    return [...parts, ...centrals, end];
  });
}

interface ZipEntry {
  name: Buffer;
  /** 8 = deflate, 0 = stored. */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  mode: number;
  data: Part[];
}

/** MS-DOS date and time fields of a UTC instant (2-second resolution, 1980 at the earliest). */
function dosDateTime(epochSeconds: number): { time: number; date: number } {
  const d = new Date(Math.max(epochSeconds, 315532800) * 1000);
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}
