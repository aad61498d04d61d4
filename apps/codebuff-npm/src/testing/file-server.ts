import { createReadStream, statSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export interface ServedRequest {
  method: string;
  path: string;
  range?: string;
  userAgent?: string;
  /** Absolute-form request line (sent through an HTTP proxy). */
  viaProxy: boolean;
}

export interface FileServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: ServedRequest[];
  /**
   * Replaces the normal answer for matching requests; return true when handled.
   * Used for faults: a stalled body, a 500, a different file.
   */
  intercept?: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
  close(): Promise<void>;
  server: Server;
}

/**
 * A static file server on 127.0.0.1 with the HTTP features the launcher relies on: Range
 * requests (206), 404, and `/redirect/<path>` answering 302 to `/<path>` like GitHub's asset URLs.
 */
export async function startFileServer(root: string): Promise<FileServer> {
  const state: FileServer = { origin: '', requests: [], close: async () => undefined, server: undefined as unknown as Server };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    state.requests.push({
      method: req.method ?? 'GET',
      path,
      range: req.headers.range,
      userAgent: req.headers['user-agent'],
      viaProxy: /^https?:\/\//.test(req.url ?? ''),
    });
    if (state.intercept?.(req, res, path)) return;
    if (path.startsWith('/redirect/')) {
      res.writeHead(302, { location: path.slice('/redirect'.length) }).end();
      return;
    }
    const file = join(root, normalize(path).replace(/^([/\\])+/, ''));
    let size: number;
    try {
      const info = statSync(file);
      if (!info.isFile()) throw new Error('not a file');
      size = info.size;
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (range && start >= size) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(range ? 206 : 200, {
      'content-length': String(size - start),
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${size - 1}/${size}` } : {}),
    });
    createReadStream(file, { start }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.server = server;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
