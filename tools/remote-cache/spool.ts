import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export class IncompleteBodyError extends Error {
  constructor(received: number, expected: number) {
    super(`upload ended after ${received} of ${expected} bytes`);
    this.name = 'IncompleteBodyError';
  }
}

export interface SpooledBody {
  path: string;
  remove(): Promise<void>;
}

/**
 * Writes a request body to a file of its own under `dir` and resolves only once all `size`
 * bytes arrived. Only complete bodies reach the store: some S3-compatible stores keep what
 * arrived of an aborted PUT, and Nx would then restore a damaged entry that, never being
 * replaced, stays damaged.
 */
export async function spoolBody(req: IncomingMessage, size: number, dir: string): Promise<SpooledBody> {
  const path = join(dir, `${randomBytes(8).toString('hex')}.part`);
  const remove = () => rm(path, { force: true });
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  try {
    await pipeline(req, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    if (!req.complete || received !== size) throw new IncompleteBodyError(received, size);
  } catch (error) {
    await remove();
    throw error instanceof IncompleteBodyError ? error : new IncompleteBodyError(received, size);
  }
  return { path, remove };
}
