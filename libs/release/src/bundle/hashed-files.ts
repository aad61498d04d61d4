import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sweepDeadTemps, writeJsonAtomic } from '../fs-atomic';

/**
 * "This file still holds the bytes that were hashed": a file's sha256 is remembered with its
 * device, inode, size, mtime and ctime (nanoseconds). Any write, truncation, chmod, rename or
 * replacement (a cache restore writes new files) changes ctime, which no program can set back, so
 * a matching fingerprint means the file has not been touched since its bytes were hashed. The
 * record lives beside the task's output folder, not in it: it is local to this machine and never
 * cached or restored.
 */
interface Fingerprint {
  sha256: string;
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

function recordPath(outDir: string): string {
  return join(dirname(outDir), '.hashed', `${basename(outDir)}.json`);
}

async function fingerprintOf(file: string): Promise<Omit<Fingerprint, 'sha256'>> {
  const s = await stat(file, { bigint: true });
  return { dev: String(s.dev), ino: String(s.ino), size: String(s.size), mtimeNs: String(s.mtimeNs), ctimeNs: String(s.ctimeNs) };
}

/** Remembers that `file` (inside `outDir`) hashed to `sha256` as it is now. */
export async function rememberHash(outDir: string, file: string, sha256: string): Promise<void> {
  await mkdir(dirname(recordPath(outDir)), { recursive: true });
  await sweepDeadTemps(dirname(recordPath(outDir)));
  await writeJsonAtomic(recordPath(outDir), { sha256, ...(await fingerprintOf(file)) });
}

/** The remembered sha256 of `file` if it has not been touched since, else undefined. */
export async function hashIfUntouched(outDir: string, file: string): Promise<string | undefined> {
  try {
    const remembered = JSON.parse(await readFile(recordPath(outDir), 'utf8')) as Fingerprint;
    const now = await fingerprintOf(file);
    const same = (Object.keys(now) as Array<keyof typeof now>).every((k) => now[k] === remembered[k]);
    return same ? remembered.sha256 : undefined;
  } catch {
    return undefined;
  }
}
