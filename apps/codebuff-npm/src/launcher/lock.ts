import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LockOptions {
  /** How long to wait for another process's install before giving up. */
  waitMs: number;
  pollMs: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock file holding the owner's pid, so two first runs (or a postinstall and a
 * first run) do not write the same .part file at once. A lock whose owner died is taken over.
 * `whileWaiting` lets the caller stop waiting early (e.g. the other process finished the install).
 */
export async function withLock<T>(
  path: string,
  options: LockOptions,
  whileWaiting: () => Promise<boolean>,
  body: () => Promise<T>,
): Promise<T | undefined> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(owner) || owner <= 0 || !isAlive(owner)) {
      // Empty file: the owner may be between open and write; give it one poll before taking over.
      if (Number.isNaN(owner)) await sleep(options.pollMs);
      const again = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (again === owner || Number.isNaN(again)) await rm(path, { force: true });
      continue;
    }
    if (await whileWaiting()) return undefined;
    if (Date.now() > deadline) throw new Error(`another codebuff process (pid ${owner}) is still installing; lock file ${path}`);
    await sleep(options.pollMs);
  }
  try {
    return await body();
  } finally {
    await rm(path, { force: true });
  }
}
