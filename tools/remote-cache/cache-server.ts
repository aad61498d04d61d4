import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCacheHandler } from './handler';
import type { CacheServerOptions } from './options';
import { type CacheStore, createS3Store } from './s3-store';
import { createAccessCheck } from './tokens';

export interface RunningCacheServer {
  /** `http://host:port`, the value for NX_SELF_HOSTED_REMOTE_CACHE_SERVER (no trailing slash). */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions extends Omit<CacheServerOptions, 'quiet'> {
  /** Receives request and error lines; default: requests to stdout, errors to stderr. */
  log?: (line: string, kind: 'request' | 'error') => void;
  /** Another store (tests); default: the S3 bucket in `s3`. */
  store?: CacheStore;
}

function defaultLog(line: string, kind: 'request' | 'error'): void {
  (kind === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
}

/** Starts the cache server; resolves once it listens. */
export async function startCacheServer(options: StartOptions): Promise<RunningCacheServer> {
  const store = options.store ?? createS3Store(options.s3);
  const spoolDir = mkdtempSync(join(tmpdir(), 'nx-cache-spool-'));
  const handle = createCacheHandler({
    store,
    spoolDir,
    access: createAccessCheck(options.tokens),
    log: options.log ?? defaultLog,
  });
  const server = createServer((req, res) => void handle(req, res));
  // Entries can be hundreds of MB: allow slow uploads (Node's default gives up after 5 minutes).
  server.requestTimeout = 60 * 60 * 1000;
  server.on('checkContinue', (req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          store.close();
          rmSync(spoolDir, { recursive: true, force: true });
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}
