import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A sibling temp path, so the final rename stays on one file system and is atomic. */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Runs `produce(tempPath)` and renames the result into place only when it succeeded,
 * so readers never see a partial file where a complete one is expected.
 */
export async function writeAtomically<T>(finalPath: string, produce: (tempPath: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(finalPath), { recursive: true });
  const temp = tempPathFor(finalPath);
  try {
    const result = await produce(temp);
    await rename(temp, finalPath);
    return result;
  } catch (error) {
    await rm(temp, { force: true, recursive: true });
    throw error;
  }
}

export async function writeFileAtomic(finalPath: string, data: string | Uint8Array): Promise<void> {
  await writeAtomically(finalPath, (temp) => writeFile(temp, data));
}

export async function writeJsonAtomic(finalPath: string, value: unknown): Promise<void> {
  await writeFileAtomic(finalPath, `${JSON.stringify(value, null, 2)}\n`);
}

/** Swaps a complete staging directory into place; the old one disappears only after. */
export async function replaceDirectory(staging: string, target: string): Promise<void> {
  const old = `${tempPathFor(target)}.old`;
  let moved = false;
  try {
    await rename(target, old);
    moved = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await rename(staging, target);
  if (moved) await rm(old, { recursive: true, force: true });
}

const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp(?:\.old)?$/;

/** Whether a process with this pid exists on this host (EPERM: it does, but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what a killed build left in `dir`: temp files and folders (tempPathFor's names) whose
 * process is gone, e.g. a `.win32-x64.<pid>.<hex>.tmp` staging folder after `kill -9`. Temps of
 * live processes (parallel tasks writing beside us) are left alone.
 */
export function sweepDeadTemps(dir: string): Promise<string[]> {
  return sweepLeftovers(dir, (entry) => {
    const match = TEMP_NAME.exec(entry);
    return match !== null && !isProcessAlive(Number(match[1]));
  });
}

/**
 * The one way leftovers are removed: every entry of `dir` that `isLeftover` claims, files and
 * folders alike; one that cannot be removed (still in use on Windows) stays for the next sweep.
 * Returns the names removed.
 */
export async function sweepLeftovers(
  dir: string,
  isLeftover: (entry: string, path: string) => boolean | Promise<boolean>,
): Promise<string[]> {
  const swept: string[] = [];
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, entry);
    if (!(await isLeftover(entry, path))) continue;
    if (
      await rm(path, { recursive: true, force: true }).then(
        () => true,
        () => false,
      )
    )
      swept.push(entry);
  }
  return swept;
}
