import { createWriteStream } from 'node:fs';
import { chmod, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { create as createTar } from 'tar';
import { ZipFile } from 'yazl';
import { writeAtomically } from '../fs-atomic';
import type { ArchiveFormat } from '../platforms';

export interface ArchiveInput {
  /** The file to pack; it lands at the archive's root under `entryName`. */
  binaryPath: string;
  entryName: string;
  /** Final archive path; written under a temp name and renamed when complete. */
  outPath: string;
  /** Seconds since 1970 stamped on the entry, for byte-reproducible archives. */
  mtime: number;
  /** zlib level, 1–9. 6 is gzip's own default. */
  level?: number;
}

/** Executables get 0755 whatever the umask or checkout said. */
const EXECUTABLE_MODE = 0o755;

export async function createArchive(format: ArchiveFormat, input: ArchiveInput): Promise<void> {
  if (format === 'zip') await createZip(input);
  else await createTarGz(input);
}

/**
 * A tar.gz with one executable entry: fixed mtime, no owner names or ids (portable),
 * mode 0755, and a gzip header whose OS byte is always "Unix", so the bytes do not
 * depend on the machine that packed them.
 */
export async function createTarGz(input: ArchiveInput): Promise<void> {
  if (basename(input.binaryPath) !== input.entryName) {
    throw new Error(`tar entry name ${input.entryName} must match the file name ${basename(input.binaryPath)}`);
  }
  await chmod(input.binaryPath, EXECUTABLE_MODE);
  await writeAtomically(input.outPath, async (temp) => {
    const tarStream = createTar(
      { cwd: dirname(input.binaryPath), portable: true, mtime: new Date(input.mtime * 1000), noDirRecurse: true },
      [input.entryName],
    );
    await pipeline(tarStream, createGzip({ level: input.level ?? 6 }), fixGzipOsByte(), createWriteStream(temp));
  });
}

/** Zip for Windows: a single `codebuff.exe`, deflated, DOS timestamp computed from UTC. */
export async function createZip(input: ArchiveInput): Promise<void> {
  const size = (await stat(input.binaryPath)).size;
  await writeAtomically(input.outPath, async (temp) => {
    const zip = new ZipFile();
    zip.addFile(input.binaryPath, input.entryName, {
      mtime: utcAsLocal(input.mtime),
      mode: 0o100000 | EXECUTABLE_MODE,
      compress: true,
      compressionLevel: input.level ?? 6,
      forceDosTimestamp: true,
      size,
    } as never);
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(temp));
  });
}

/**
 * yazl builds the DOS timestamp from local-time getters; shifting by the zone offset makes
 * those getters return the UTC fields, so the bytes are the same in every time zone.
 */
function utcAsLocal(epochSeconds: number): Date {
  const utc = new Date(epochSeconds * 1000);
  return new Date(utc.getTime() + utc.getTimezoneOffset() * 60_000);
}

function fixGzipOsByte(): Transform {
  let patched = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (!patched && chunk.length > 9) {
        chunk[9] = 3;
        patched = true;
      }
      callback(null, chunk);
    },
  });
}
