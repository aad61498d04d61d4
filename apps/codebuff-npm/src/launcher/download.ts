import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError, describeError, isTransient, redactUrl } from './errors';
import { type OpenOptions, RangeNotSatisfiableError, openUrl } from './http-open';

export interface DownloadOptions extends OpenOptions {
  /** Attempts in all, first included. */
  attempts: number;
  /** Wait before the second attempt; doubles after each failure. */
  backoffMs: number;
  onRetry?: (attempt: number, error: unknown) => void;
}

export const DEFAULT_DOWNLOAD_OPTIONS: DownloadOptions = {
  timeoutMs: 30_000,
  userAgent: 'codebuff-launcher',
  attempts: 4,
  backoffMs: 500,
};

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

async function retrying<T>(what: string, options: DownloadOptions, attempt: (n: number) => Promise<T>): Promise<T> {
  let wait = options.backoffMs;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= options.attempts || !isTransient(error)) {
        if (n > 1 && isTransient(error)) throw new Error(`${what} failed after ${n} attempts: ${describeError(error)}`, { cause: error });
        throw error;
      }
      options.onRetry?.(n, error);
      await sleep(wait);
      wait *= 2;
    }
  }
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => null))?.size ?? 0;
}

/**
 * Downloads `url` into `partPath` until it holds `size` bytes. A .part left by an interrupted
 * run (or an earlier attempt) is resumed with a Range request when the server supports it.
 * The caller checks the sha256: this only guarantees the length.
 */
export async function downloadToPart(url: string, partPath: string, size: number, options: DownloadOptions): Promise<void> {
  await retrying(`download of ${redactUrl(url)}`, options, async () => {
    let have = await sizeOf(partPath);
    if (have > size) {
      await rm(partPath, { force: true });
      have = 0;
    }
    if (have === size) return;
    let body;
    try {
      body = await openUrl(url, have, options);
    } catch (error) {
      if (error instanceof RangeNotSatisfiableError) await rm(partPath, { force: true });
      throw error;
    }
    await pipeline(
      body.stream,
      sizeGuard(size - body.offset, url),
      createWriteStream(partPath, { flags: body.offset > 0 ? 'a' : 'w' }),
    );
    const got = await sizeOf(partPath);
    if (got !== size) throw new TransientError(`${redactUrl(url)} ended after ${got} of ${size} bytes`);
  });
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
