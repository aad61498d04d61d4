import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { limitConnections } from './connection-limits';
import { createCacheHandler } from './handler';
import { DEFAULT_LIMITS, lingerMs, type ServerLimits } from './limits';
import type { CacheServerOptions } from './options';
import { type CacheStore, createS3Store } from './s3-store';
import { bodyPending } from './reply';
import { createAccessCheck } from './tokens';

export interface RunningCacheServer {
  /** `http://host:port`, the value for NX_SELF_HOSTED_REMOTE_CACHE_SERVER (no trailing slash). */
  url: string;
  /** Stops at once: open connections are cut. */
  close(): Promise<void>;
  /**
   * Stops accepting, lets the requests under way finish for up to `graceMs`, then closes what is
   * left (SIGTERM and SIGINT do this): a deploy or a Ctrl-C does not cut an upload half-stored.
   */
  shutdown(graceMs: number): Promise<{ unfinished: number }>;
}

export interface StartOptions extends Omit<CacheServerOptions, 'quiet' | 'limits'> {
  /** Deadlines and connection limits; default DEFAULT_LIMITS. */
  limits?: Partial<ServerLimits>;
  /** Receives request and error lines; default: requests to stdout, errors to stderr. */
  log?: (line: string, kind: 'request' | 'error') => void;
  /** Another store (tests); default: the S3 bucket in `s3`. */
  store?: CacheStore;
  /** Where uploads are held until complete; default a private directory under the OS temp dir. */
  spoolDir?: string;
}

function defaultLog(line: string, kind: 'request' | 'error'): void {
  (kind === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
}

/**
 * A response finished while the client was still sending a body nobody reads (a GET with a
 * body, say): Node would read and discard it for as long as the client drips it. Give it the
 * linger, then close the connection.
 */
function closeIfBodyUnread(req: IncomingMessage, res: ServerResponse, ms: number): void {
  res.once('finish', () => {
    if (!bodyPending(req) || req.destroyed) return;
    const timer = setTimeout(() => req.socket.destroy(), ms);
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
  });
}

/** Starts the cache server; resolves once it listens. */
export async function startCacheServer(options: StartOptions): Promise<RunningCacheServer> {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const store = options.store ?? createS3Store(options.s3, limits);
  const ownSpoolDir = options.spoolDir === undefined;
  const spoolDir = options.spoolDir ?? mkdtempSync(join(tmpdir(), 'nx-cache-spool-'));
  const log = options.log ?? defaultLog;
  const handle = createCacheHandler({ store, spoolDir, limits, access: createAccessCheck(options.tokens), log });
  let active = 0;
  let drained: (() => void) | undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    active++;
    const done = connections.requestStarted(req.socket);
    res.once('close', () => {
      done();
      active--;
      if (active === 0) drained?.();
    });
    closeIfBodyUnread(req, res, lingerMs(limits));
    // Nothing a request does may end the process: a rejection here would be unhandled.
    handle(req, res).catch((error: unknown) => {
      res.destroy();
      try {
        log(`error ${req.method}: ${(error as Error)?.name}: ${String((error as Error)?.message).split('\n')[0]}`, 'error');
      } catch {
        // A failing logger must not end the process either.
      }
    });
  };
  const server = createServer({
    // Uploads are bounded per request instead (spool.ts: an idle limit, and a deadline scaled by
    // the entry's size); one fixed total for every request would cut big entries or wait too long.
    requestTimeout: 0,
    // A connection must send its headers soon (a silent one holds a socket for nothing); a body
    // may then pause for up to clientTimeout.
    headersTimeout: Math.min(limits.headerTimeoutMs, limits.clientTimeoutMs),
    // How often Node looks for connections past headersTimeout (default every 30 s).
    connectionsCheckingInterval: Math.min(limits.headerTimeoutMs, limits.clientTimeoutMs, 1_000),
  });
  const connections = limitConnections(server, limits);
  server.on('request', onRequest);
  server.on('checkContinue', onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => {
        store.close();
        if (ownSpoolDir) rmSync(spoolDir, { recursive: true, force: true });
        if (error) reject(error);
        else resolve();
      });
      server.closeAllConnections();
    });
  return {
    url: `http://${host}:${port}`,
    close,
    async shutdown(graceMs) {
      // No new connections; idle keep-alive ones go now, busy ones when their request ends.
      server.close();
      server.closeIdleConnections();
      if (active > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      const unfinished = active;
      await close().catch(() => undefined); // the server is already closed: only the cleanup is left
      return { unfinished };
    },
  };
}
