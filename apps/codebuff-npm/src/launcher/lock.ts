import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { copyFile, link, lstat, open, readdir, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from '@codebuff/release/fs-atomic';

export interface LockOptions {
  /** How long to wait for another process's install before giving up. */
  waitMs: number;
  pollMs: number;
  /** A lock whose holder has not refreshed it for this long is abandoned (its pid may live on, reused). */
  staleMs: number;
  /** Called once, the first time this process has to wait for a live holder. */
  onWait?: (holder: LockHolder) => void;
}

/** What a lock file says about its holder. */
export interface LockHolder {
  path: string;
  pid: number | undefined;
  host: string | undefined;
  /** Milliseconds since the holder last refreshed the lock. */
  ageMs: number;
}

/** Given to the locked body: whether the lock is still this process's, and a signal fired when it is lost. */
export interface HeldLock {
  signal: AbortSignal;
  stillHeld(): Promise<boolean>;
}

interface LockContent {
  pid?: number;
  host?: string;
  token?: string;
}

const TOKEN = /^[0-9a-f]{16}$/;

/*
 * Why not proper-lockfile: its stale take-over is rmdir-then-mkdir, and two processes that find
 * the same stale lock can both end up holding it (moxystudio/node-proper-lockfile#121, open) —
 * the very failure this lock exists to prevent. The protocol here makes every take-over and
 * every release a single unlink that only one process can win:
 *
 *  - To lock, a process writes `<lock>.<token>` (a random token; the file holds pid, host and
 *    token) and hard-links it to `<lock>`. The link fails if `<lock>` exists, so one holder.
 *  - The token file is the holder's title: whoever unlinks `<lock>.<token>` — the holder on
 *    release, or one process taking over an abandoned lock — and only that process, then
 *    unlinks `<lock>`. Everyone else gets ENOENT and goes back to waiting. A holder that finds
 *    its token file gone has lost the lock and does not touch `<lock>` (it may be someone else's).
 *  - The holder refreshes the mtime every staleMs/4 (a heartbeat). A lock is abandoned when its
 *    holder's pid is dead on this host, or when the heartbeat stopped for staleMs: a pid alone
 *    says nothing once the system has given it to another process.
 */
export async function withLock<T>(
  path: string,
  options: LockOptions,
  whileWaiting: () => Promise<boolean>,
  body: (lock: HeldLock) => Promise<T>,
): Promise<T | undefined> {
  const deadline = Date.now() + options.waitMs;
  let warned = false;
  let held: Held | undefined;
  for (;;) {
    held = await tryAcquire(path);
    if (held) break;
    const holder = await inspect(path);
    if (!holder) continue; // released between our attempt and the look: try again at once
    if (isAbandoned(holder, options.staleMs)) {
      if (await takeOver(path, holder, options.staleMs)) continue;
      // Another process is taking it over or releasing it right now: look again after a pause.
    } else {
      if (await whileWaiting()) return undefined;
      if (!warned) {
        warned = true;
        options.onWait?.(describe(path, holder));
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `another codebuff process (${who(holder.content)}) is still installing after ${Math.round(options.waitMs / 1000)} s; lock file ${path}`,
      );
    }
    await sleep(options.pollMs);
  }
  const heartbeat = startHeartbeat(held, options.staleMs);
  try {
    await removeDebris(path, held.mine, options.staleMs);
    return await body({ signal: heartbeat.lost.signal, stillHeld: () => exists(held.mine) });
  } finally {
    heartbeat.stop();
    await release(path, held);
  }
}

interface Held {
  path: string;
  mine: string;
  /** False where the file system has no hard links and `<lock>` is a copy of the token file. */
  linked: boolean;
}

async function tryAcquire(path: string): Promise<Held | undefined> {
  const token = randomBytes(8).toString('hex');
  const mine = `${path}.${token}`;
  const content: LockContent = { pid: process.pid, host: hostname(), token };
  await writeFile(mine, JSON.stringify(content), { flag: 'wx' });
  try {
    await link(mine, path);
    return { path, mine, linked: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && isNoHardLinks(code)) {
      // FAT/exFAT and some network shares: an exclusive copy; readers may see it briefly empty.
      const copied = await copyFile(mine, path, fsConstants.COPYFILE_EXCL).then(
        () => true,
        (copyError: NodeJS.ErrnoException) => (copyError.code === 'EEXIST' ? false : Promise.reject(copyError)),
      );
      if (copied) return { path, mine, linked: false };
    }
    await rm(mine, { force: true });
    if (code === 'EEXIST' || isNoHardLinks(code)) return undefined;
    throw error;
  }
}

function isNoHardLinks(code: string | undefined): boolean {
  return code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS' || code === 'EXDEV';
}

interface Inspected {
  content: LockContent;
  ageMs: number;
  /** Identifies a lock file without a token (unreadable, or written by something else). */
  identity: string;
}

/** Reads content and mtime through one descriptor, so both describe the same lock file. */
async function inspect(path: string): Promise<Inspected | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const info = await handle.stat();
    const text = await handle.readFile('utf8');
    return {
      content: parseContent(text),
      ageMs: Date.now() - info.mtimeMs,
      identity: `${info.ino}-${Math.round(info.mtimeMs * 1000)}-${info.size}`,
    };
  } finally {
    await handle.close();
  }
}

function parseContent(text: string): LockContent {
  if (/^\s*\d+\s*$/.test(text)) return { pid: Number(text) }; // a bare pid, as older launchers wrote
  try {
    const value = JSON.parse(text) as LockContent;
    return {
      pid: Number.isSafeInteger(value.pid) && (value.pid as number) > 0 ? value.pid : undefined,
      host: typeof value.host === 'string' ? value.host : undefined,
      token: typeof value.token === 'string' && TOKEN.test(value.token) ? value.token : undefined,
    };
  } catch {
    return {};
  }
}

function isAbandoned(holder: Inspected, staleMs: number): boolean {
  if (holder.ageMs > staleMs) return true;
  const { pid, host } = holder.content;
  // A pid is only meaningful on the host that wrote it (a cache on a network share is shared).
  return pid !== undefined && (host === undefined || host === hostname()) && !isProcessAlive(pid);
}

/**
 * Removes an abandoned lock, unless another process is doing so (then this one does nothing and
 * returns false).
 */
async function takeOver(path: string, holder: Inspected, staleMs: number): Promise<boolean> {
  const { token } = holder.content;
  if (token) {
    if (await unlinkIfPresent(`${path}.${token}`)) {
      await rm(path, { force: true });
      return true;
    }
    // Its token file is gone: a release or a take-over is between its two unlinks. Only if that
    // state has lasted past the stale time did that process die there; then fall through.
    if (holder.ageMs <= staleMs) return false;
  }
  // No token file to unlink (a damaged file, an older launcher's, a take-over that died halfway):
  // an exclusive claim file keyed by the file's inode, mtime and size decides who removes it.
  // Claims are cleared with the other debris once older than the stale time.
  const claimed = await writeFile(`${path}.claim-${holder.identity}`, String(process.pid), { flag: 'wx' }).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? false : Promise.reject(error)),
  );
  if (claimed) await rm(path, { force: true });
  return claimed;
}

async function unlinkIfPresent(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function release(path: string, held: Held): Promise<void> {
  // Gone already: this process was taken for dead and `<lock>` now belongs to another.
  if (await unlinkIfPresent(held.mine)) await rm(path, { force: true });
}

function startHeartbeat(held: Held, staleMs: number): { lost: AbortController; stop(): void } {
  const lost = new AbortController();
  const beat = async () => {
    const now = new Date();
    try {
      await utimes(held.mine, now, now); // the same inode as `<lock>` when linked
      if (!held.linked) await utimes(held.path, now, now);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        clearInterval(timer);
        lost.abort(
          new Error(
            `the install lock ${held.path} was taken over by another process (this one did not refresh it for ${Math.round(staleMs / 1000)} s)`,
          ),
        );
      }
    }
  };
  const timer = setInterval(() => void beat(), Math.max(50, Math.floor(staleMs / 4)));
  timer.unref();
  return { lost, stop: () => clearInterval(timer) };
}

/** Token files of processes killed between writing and linking them, and old claim files. */
async function removeDebris(path: string, mine: string, staleMs: number): Promise<void> {
  const prefix = `${basename(path)}.`;
  const dir = dirname(path);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const file = join(dir, name);
    if (!name.startsWith(prefix) || file === mine) continue;
    const info = await lstat(file).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > staleMs) await rm(file, { force: true }).catch(() => undefined);
  }
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

function who(content: LockContent): string {
  if (content.pid === undefined) return 'unknown pid';
  return content.host && content.host !== hostname() ? `pid ${content.pid} on ${content.host}` : `pid ${content.pid}`;
}

function describe(path: string, holder: Inspected): LockHolder {
  return { path, pid: holder.content.pid, host: holder.content.host, ageMs: Math.max(0, holder.ageMs) };
}

export function describeHolder(holder: LockHolder): string {
  return who({ pid: holder.pid, host: holder.host });
}
