import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { lstat, open, rm } from 'node:fs/promises';
import { Transform, type Readable, type Writable as WritableType, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LauncherError, TransientError, describeError, isTransient, redactUrl } from './errors';
import { formatMs } from '@codebuff/release/units';
import { type OpenOptions, RangeNotSatisfiableError, openUrl } from './http-open';

export interface DownloadOptions extends OpenOptions {
  /** Attempts in all, first included. */
  attempts: number;
  /** Wait before the second attempt; doubles after each failure. */
  backoffMs: number;
  /** An attempt whose average speed over `lowSpeedMs` stays below this many bytes/s is given up (0: never). */
  minBytesPerSec: number;
  lowSpeedMs: number;
  /** The whole download, every attempt and wait included, gives up after this long. */
  deadlineMs: number;
  onRetry?: (attempt: number, error: unknown) => void;
}

/** Environment variables that override the limits; named in the messages of the limits they set. */
export const LIMIT_ENV = {
  timeoutMs: 'CODEBUFF_DOWNLOAD_TIMEOUT_MS',
  minBytesPerSec: 'CODEBUFF_DOWNLOAD_MIN_BYTES_PER_SEC',
  lowSpeedMs: 'CODEBUFF_DOWNLOAD_LOW_SPEED_MS',
  deadlineMs: 'CODEBUFF_DOWNLOAD_DEADLINE_MS',
} as const;

export const DEFAULT_DOWNLOAD_OPTIONS: DownloadOptions = {
  timeoutMs: 30_000,
  userAgent: 'codebuff-launcher',
  attempts: 4,
  backoffMs: 500,
  // Like curl's --speed-limit/--speed-time: a mirror that crawls (a byte a second keeps an idle
  // timeout happy forever) is dropped after 30 s under 4 KiB/s; the retry resumes where it stopped.
  minBytesPerSec: 4096,
  lowSpeedMs: 30_000,
  // ~100 MB binaries: 15 min is under 1 Mbit/s. npm install waits on this, so it must end.
  deadlineMs: 15 * 60_000,
};

/** The download took longer than the deadline: not retried. */
export class DeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineError';
  }
}

/** The server announces a file of another size than the manifest's: not the published asset, not a network fault. */
export class WrongSizeError extends Error {
  constructor(
    readonly url: string,
    readonly announced: number,
    readonly expected: number,
  ) {
    super(`${redactUrl(url)} serves ${announced} bytes, but the release manifest says ${expected}`);
    this.name = 'WrongSizeError';
  }
}

/** Fails a transfer that goes past the size the manifest promises, instead of filling the disk. */
function sizeGuard(limit: number, url: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(new Error(`${redactUrl(url)} sent more than the expected ${limit} bytes`));
      else callback(null, chunk);
    },
  });
}

function meter(count: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      count(chunk.length);
      callback(null, chunk);
    },
  });
}

async function retrying<T>(what: string, options: DownloadOptions, attempt: (n: number) => Promise<T>, deadlineAt = Infinity): Promise<T> {
  let wait = options.backoffMs;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= options.attempts || !isTransient(error)) {
        if (n > 1 && isTransient(error)) throw new Error(`${what} failed after ${n} attempts: ${describeError(error)}`, { cause: error });
        throw error;
      }
      if (Date.now() + wait >= deadlineAt) {
        throw new DeadlineError(
          `gave up after ${formatMs(options.deadlineMs)} (${LIMIT_ENV.deadlineMs}); the last attempt failed: ${describeError(error)}`,
        );
      }
      options.onRetry?.(n, error);
      await sleep(wait);
      wait *= 2;
    }
  }
}

/**
 * Bytes already in the .part file. Anything there but a regular file (a symlink planted in a
 * shared cache, a directory) is refused: writing through it would put the download elsewhere.
 */
async function partSize(path: string): Promise<number> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  if (!info) return 0;
  if (!info.isFile()) throw notRegular(path, info.isSymbolicLink() ? 'a symbolic link' : 'not a regular file');
  return info.size;
}

function notRegular(path: string, what: string): LauncherError {
  return new LauncherError(`${path} is ${what}; refusing to write the download through it`, {
    repair: `delete it (nothing else in that directory needs to go) and run codebuff again`,
  });
}

/** Opens the .part for writing without following a symlink put there after partSize looked (O_NOFOLLOW; Windows has none). */
async function openPart(path: string, append: boolean): Promise<WritableType> {
  const { O_WRONLY, O_CREAT, O_APPEND, O_TRUNC, O_NOFOLLOW } = fsConstants;
  const flags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC) | (O_NOFOLLOW ?? 0);
  try {
    const handle = await open(path, flags, 0o644);
    return handle.createWriteStream();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw notRegular(path, 'a symbolic link');
    throw error;
  }
}

/** What a download reports while it runs. */
export interface PartHooks {
  /** The server honoured the Range request: the download continues the .part at `offset`. */
  onResume?: (offset: number) => void;
  /** Bytes in the .part so far, of `total`. */
  onProgress?: (bytes: number, total: number) => void;
  /** Stops the download (the install lock was lost). */
  signal?: AbortSignal;
}

/**
 * Aborts one attempt when the deadline passes, when its speed stays under the minimum for a
 * whole window, or when `outer` fires. The socket idle timeout alone never ends a slow drip.
 */
function startWatchdog(url: string, options: DownloadOptions, deadlineAt: number, outer?: AbortSignal) {
  const controller = new AbortController();
  let stream: Readable | undefined;
  let windowStart = Date.now();
  let windowBytes = 0;
  const fail = (reason: Error) => {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    stream?.destroy(reason);
  };
  const onOuter = () => fail(outer?.reason instanceof Error ? outer.reason : new Error('download stopped'));
  outer?.addEventListener('abort', onOuter, { once: true });
  if (outer?.aborted) onOuter();
  const timer = setInterval(
    () => {
      const now = Date.now();
      if (now >= deadlineAt) {
        fail(new DeadlineError(`gave up after ${formatMs(options.deadlineMs)} (${LIMIT_ENV.deadlineMs})`));
        return;
      }
      const elapsed = now - windowStart;
      if (options.minBytesPerSec <= 0 || elapsed < options.lowSpeedMs) return;
      if ((windowBytes * 1000) / elapsed < options.minBytesPerSec) {
        fail(
          new TransientError(
            `${redactUrl(url)} is too slow: ${windowBytes} bytes in ${formatMs(elapsed)}, under ${options.minBytesPerSec} bytes/s (${LIMIT_ENV.minBytesPerSec})`,
          ),
        );
        return;
      }
      windowStart = now;
      windowBytes = 0;
    },
    Math.max(20, Math.min(250, Math.floor(options.lowSpeedMs / 4))),
  );
  return {
    signal: controller.signal,
    attach(body: Readable) {
      stream = body;
      if (controller.signal.aborted) body.destroy(controller.signal.reason as Error);
    },
    count(bytes: number) {
      windowBytes += bytes;
    },
    reason: (): unknown => (controller.signal.aborted ? controller.signal.reason : undefined),
    stop() {
      clearInterval(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

/**
 * Downloads `url` into `partPath` until it holds `size` bytes. A .part left by an interrupted
 * run (or an earlier attempt) is resumed with a Range request when the server supports it.
 * The caller checks the sha256: this only guarantees the length.
 */
export async function downloadToPart(
  url: string,
  partPath: string,
  size: number,
  options: DownloadOptions,
  hooks: PartHooks = {},
): Promise<void> {
  const deadlineAt = Date.now() + options.deadlineMs;
  await retrying(
    `download of ${redactUrl(url)}`,
    options,
    async () => {
      let have = await partSize(partPath);
      if (have > size) {
        await rm(partPath, { force: true });
        have = 0;
      }
      if (have === size) return;
      const watchdog = startWatchdog(url, options, deadlineAt, hooks.signal);
      try {
        let body;
        try {
          body = await openUrl(url, have, { ...options, signal: watchdog.signal });
        } catch (error) {
          if (error instanceof RangeNotSatisfiableError) await rm(partPath, { force: true });
          throw error;
        }
        watchdog.attach(body.stream);
        // Checked before a byte is read: a bigger (or smaller) file is another file, and
        // downloading it only to fail the checksum wastes the user's time and bandwidth.
        if (body.length !== undefined && body.length !== size - body.offset) {
          body.stream.destroy();
          throw new WrongSizeError(url, body.offset + body.length, size);
        }
        if (body.offset > 0) hooks.onResume?.(body.offset);
        const stream = body.stream;
        const sink = await openPart(partPath, body.offset > 0).catch((error: unknown) => {
          stream.destroy();
          throw error;
        });
        let done = body.offset;
        await pipeline(
          body.stream,
          sizeGuard(size - body.offset, url),
          meter((bytes) => {
            watchdog.count(bytes);
            done += bytes;
            hooks.onProgress?.(done, size);
          }),
          sink,
        );
      } catch (error) {
        // The watchdog's reason, not the "aborted" or "premature close" it caused.
        throw watchdog.reason() ?? error;
      } finally {
        watchdog.stop();
      }
      const got = await partSize(partPath);
      if (got !== size) throw new TransientError(`${redactUrl(url)} ended after ${got} of ${size} bytes`);
    },
    deadlineAt,
  );
}

export interface Measured {
  size: number;
  sha256: string;
}

/** Size and sha256 of what a URL serves, streamed without touching the disk (deploy's check). */
export async function measureUrl(url: string, options: DownloadOptions): Promise<Measured> {
  return retrying(`download of ${redactUrl(url)}`, options, async () => {
    const body = await openUrl(url, 0, options);
    const hash = createHash('sha256');
    let size = 0;
    await pipeline(
      body.stream,
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          hash.update(chunk);
          callback();
        },
      }),
    );
    return { size, sha256: hash.digest('hex') };
  });
}

/** A small text file (manifest.json, SHA256SUMS), limited in size. */
export async function fetchText(url: string, options: DownloadOptions, limit = 1 << 20): Promise<string> {
  return retrying(`download of ${redactUrl(url)}`, options, async () => {
    const body = await openUrl(url, 0, options);
    const chunks: Buffer[] = [];
    await pipeline(
      body.stream,
      sizeGuard(limit, url),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk);
          callback();
        },
      }),
    );
    return Buffer.concat(chunks).toString('utf8');
  });
}
