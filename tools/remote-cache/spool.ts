import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { NewEntry } from './s3-store';

/** The client sent fewer bytes than its Content-Length and the connection ended. */
export class IncompleteBodyError extends Error {
  constructor(received: number, expected: number) {
    super(`upload ended after ${received} of ${expected} bytes`);
    this.name = 'IncompleteBodyError';
  }
}

/** The client stayed silent too long, or sent too slowly to finish by its deadline. */
export class SlowUploadError extends Error {
  constructor(reason: string, received: number, expected: number) {
    super(`upload too slow (${reason}) after ${received} of ${expected} bytes`);
    this.name = 'SlowUploadError';
  }
}

/** Writing the spool file failed on this server's side (disk full, permissions, I/O error). */
export class SpoolWriteError extends Error {
  readonly code: string | undefined;
  constructor(cause: NodeJS.ErrnoException) {
    super(
      cause.code === 'ENOSPC'
        ? 'no space left on the server to hold the upload'
        : `could not hold the upload on the server (${cause.code ?? cause.message})`,
    );
    this.name = 'SpoolWriteError';
    this.code = cause.code;
  }
}

export interface SpoolLimits {
  /** The longest the client may send nothing. */
  idleMs: number;
  /** The whole body must have arrived by then. */
  deadlineMs: number;
}

export interface SpooledBody extends NewEntry {
  path: string;
  remove(): Promise<void>;
}

/**
 * Writes a request body to a file of its own under `dir` and resolves only once all `size`
 * bytes arrived. Only complete bodies reach the store: some S3-compatible stores keep what
 * arrived of an aborted PUT, and Nx would then restore a damaged entry that, never being
 * replaced, stays damaged. The MD5 is taken on the way in, for the store to check on the way out.
 * On failure the request is left open (unpiped), so the caller can still answer it.
 */
export async function spoolBody(req: IncomingMessage, size: number, dir: string, limits: SpoolLimits): Promise<SpooledBody> {
  const path = join(dir, `${randomBytes(8).toString('hex')}.part`);
  const remove = () => rm(path, { force: true });
  const md5 = createHash('md5');
  const file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  let received = 0;
  let idle: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        req.unpipe(file);
        reject(error);
      };
      idle = setTimeout(() => fail(new SlowUploadError(`nothing for ${limits.idleMs} ms`, received, size)), limits.idleMs);
      deadline = setTimeout(
        () => fail(new SlowUploadError(`not complete within ${limits.deadlineMs} ms`, received, size)),
        limits.deadlineMs,
      );
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        md5.update(chunk);
        idle?.refresh();
      });
      // The file failed, not the client: say so (a full disk is not "the upload ended early").
      file.once('error', (error) => fail(new SpoolWriteError(error)));
      file.once('finish', () => (req.complete && received === size ? resolve() : reject(new IncompleteBodyError(received, size))));
      req.once('close', () => {
        if (!req.complete) reject(new IncompleteBodyError(received, size));
      });
      req.pipe(file);
    });
  } catch (error) {
    file.destroy();
    await remove();
    throw error;
  } finally {
    clearTimeout(idle);
    clearTimeout(deadline);
  }
  return { path, size, md5: md5.digest('base64'), open: () => createReadStream(path), remove };
}
