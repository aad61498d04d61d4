import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { lingerMs, MIN_STORE_BYTES_PER_SECOND, type ServerLimits } from './limits';
import { reply as replyTo } from './reply';
import type { CacheStore } from './s3-store';
import { IncompleteBodyError, SlowUploadError, SpoolWriteError, spoolBody } from './spool';
import { DamagedEntryError, StoreTimeoutError } from './store-errors';
import type { Access } from './tokens';

/** S3's limit for one PutObject. */
export const MAX_ENTRY_BYTES = 5 * 1024 ** 3;
const CACHE_PATH = /^\/+v1\/cache\/(.*)$/;
// Nx hashes are decimal digits; anything outside this set could not be a hash and is refused
// before it reaches a storage key.
const HASH = /^[A-Za-z0-9_-]{1,128}$/;

export interface HandlerDeps {
  store: CacheStore;
  access: (authorization: string | undefined) => Access | undefined;
  /** Where uploads are spooled until complete. */
  spoolDir: string;
  limits: ServerLimits;
  /** One line per request, and one per failure; never given a token or a header. */
  log: (line: string, kind: 'request' | 'error') => void;
}

/** The path of a request target, or undefined when it is not one Node's URL parser accepts. */
function requestPath(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://cache.invalid').pathname;
  } catch {
    return undefined;
  }
}

/** The status and message a failure is answered with; every failure is one of these. */
function failureReply(error: unknown): { status: number; message: string; close?: boolean } {
  if (error instanceof IncompleteBodyError) return { status: 400, message: error.message };
  if (error instanceof SlowUploadError) return { status: 408, message: error.message, close: true };
  if (error instanceof SpoolWriteError) return { status: error.code === 'ENOSPC' ? 507 : 500, message: error.message };
  if (error instanceof StoreTimeoutError) return { status: 504, message: 'cache storage did not answer in time' };
  return { status: 502, message: 'cache storage failed' };
}

/**
 * Nx's self-hosted cache protocol (nx.dev "self-hosted caching"; Nx 20.8+):
 * GET /v1/cache/{hash} → 200 tar body | 404; PUT /v1/cache/{hash} → 200 | 409 exists | 403 read-only;
 * 401 without a valid bearer token. Nx treats 409 and 403 on PUT as "not stored", not as failures.
 * The returned function never rejects.
 */
export function createCacheHandler({ store, access, spoolDir, limits, log }: HandlerDeps) {
  // Two uploads of one hash through this server: the second is refused, not raced.
  const uploading = new Set<string>();
  const linger = lingerMs(limits);
  const reply = (res: ServerResponse, status: number, message: string, headers?: Record<string, string>) =>
    replyTo(res, status, message, { headers, lingerMs: linger });

  async function get(hash: string, res: ServerResponse): Promise<number> {
    let entry;
    try {
      entry = await store.open(hash);
    } catch (error) {
      if (!(error instanceof DamagedEntryError)) throw error;
      // A miss: Nx builds the task itself. Serving it would restore a damaged artifact.
      log(`GET ${hash}: ${error.message}`, 'error');
    }
    if (!entry) {
      reply(res, 404, 'no such entry');
      return 0;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(entry.size) });
    // A body that ends short of its length fails the response instead of ending it quietly.
    res.strictContentLength = true;
    // The same minimum rate as a PUT to the store: a store that trickles the body (1 KiB/s would
    // take an hour for a 5 MB entry) is cut off, and the client's read fails rather than hangs.
    const ms = limits.storeTimeoutMs + Math.ceil((entry.size / MIN_STORE_BYTES_PER_SECOND) * 1000);
    const body = entry.body;
    const timer = setTimeout(() => body.destroy(new StoreTimeoutError(`sending entry ${hash}`, ms)), ms);
    try {
      await pipeline(body, res);
    } finally {
      clearTimeout(timer);
    }
    return entry.size;
  }

  async function put(hash: string, req: IncomingMessage, res: ServerResponse, role: Access): Promise<number> {
    if (role !== 'read-write') {
      reply(res, 403, 'this token may only read');
      return 0;
    }
    const length = req.headers['content-length'];
    if (length === undefined || !/^\d+$/.test(length)) {
      reply(res, 411, 'Content-Length required');
      return 0;
    }
    const size = Number(length);
    if (size === 0) {
      reply(res, 400, 'empty entry refused: an Nx cache entry is never empty');
      return 0;
    }
    if (size > MAX_ENTRY_BYTES) {
      reply(res, 413, `entry larger than ${MAX_ENTRY_BYTES} bytes`);
      return 0;
    }
    // Claimed before the first await, so a simultaneous PUT of the same hash sees the claim.
    if (uploading.has(hash)) {
      reply(res, 409, 'entry is being uploaded; entries are never replaced');
      return 0;
    }
    uploading.add(hash);
    try {
      const state = await store.inspect(hash);
      if (state === 'complete') {
        reply(res, 409, 'entry exists; entries are never replaced');
        return 0;
      }
      // A damaged object (a write cut short that the store kept) must not block its hash for good.
      if (state === 'damaged') log(`PUT ${hash}: replacing a damaged stored object`, 'error');
      if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
      const body = await spoolBody(req, size, spoolDir, {
        idleMs: limits.clientTimeoutMs,
        deadlineMs: limits.clientTimeoutMs + Math.ceil((size / limits.minUploadBytesPerSecond) * 1000),
      });
      let outcome: 'created' | 'exists';
      try {
        outcome = await store.create(hash, body, { replace: state === 'damaged' });
      } finally {
        await body.remove();
      }
      if (outcome === 'exists') reply(res, 409, 'entry exists; entries are never replaced');
      else reply(res, 200, 'stored');
      return outcome === 'created' ? size : 0;
    } finally {
      uploading.delete(hash);
    }
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    let label = '<invalid target>';
    let role: Access | undefined;
    let bytes = 0;
    // Set when the transfer broke after the status line went out: "200" alone would read as served.
    let broken = false;
    try {
      const path = requestPath(req.url);
      if (path === undefined) {
        reply(res, 400, 'invalid request target');
        return;
      }
      label = path;
      // HEAD too: load balancers and uptime checks often probe with it (Node sends no body for HEAD).
      if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
        reply(res, 200, 'ok');
        return;
      }
      const match = CACHE_PATH.exec(path);
      if (!match) {
        reply(res, 404, 'not found: the cache lives at /v1/cache/<hash>');
        return;
      }
      const hash = match[1];
      label = HASH.test(hash) ? hash : '<invalid hash>';
      role = access(req.headers.authorization);
      if (!role) {
        reply(res, 401, 'missing or unknown bearer token', { 'www-authenticate': 'Bearer realm="nx-cache"' });
        return;
      }
      if (!HASH.test(hash)) {
        reply(res, 400, 'invalid hash');
        return;
      }
      if (req.method === 'GET') bytes = await get(hash, res);
      else if (req.method === 'PUT') bytes = await put(hash, req, res, role);
      else reply(res, 405, 'method not allowed', { allow: 'GET, PUT' });
    } catch (error) {
      broken = res.headersSent;
      const { status, message, close } = failureReply(error);
      // The message names the failure, never a credential.
      log(`error ${req.method} ${label}: ${(error as Error).name}: ${String((error as Error).message).split('\n')[0]}`, 'error');
      try {
        replyTo(res, status, message, { lingerMs: close ? 0 : linger });
      } catch {
        res.destroy();
      }
    } finally {
      const outcome = broken ? `${res.statusCode} transfer failed` : String(res.statusCode);
      log(`${req.method} ${label} ${outcome} ${bytes}B ${Date.now() - started}ms ${role ?? 'anonymous'}`, 'request');
    }
  };
}
