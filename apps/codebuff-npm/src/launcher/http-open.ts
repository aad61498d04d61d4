import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { TransientError, redactUrl } from './errors';
import { proxyAgentFor } from './proxy';
import { formatMs } from '@codebuff/release/units';

export interface OpenOptions {
  /** Socket inactivity limit, for connecting and for every pause in the body. */
  timeoutMs: number;
  userAgent: string;
  maxRedirects?: number;
  /** Aborts the request and its body (the download's deadline and minimum speed). */
  signal?: AbortSignal;
}

export interface OpenedBody {
  stream: Readable;
  /** The URL that answered, after redirects (may carry signed query strings: redact before printing). */
  finalUrl: string;
  /** Byte offset at which `stream` starts: `start` if the server honoured the range, else 0. */
  offset: number;
  /** Bytes the server says `stream` holds (Content-Length), when it says. */
  length: number | undefined;
}

/** The asset is not there (404, missing file): retrying will not help. */
export class NotFoundError extends Error {
  constructor(readonly url: string) {
    super(`not found: ${redactUrl(url)}`);
    this.name = 'NotFoundError';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Opens a download at `start` bytes (for resuming a .part file). GitHub release assets answer
 * with a 302 to another host, so redirects are followed; a server that ignores Range answers 200
 * and the caller starts over from offset 0.
 */
export async function openUrl(url: string, start: number, options: OpenOptions): Promise<OpenedBody> {
  let current = new URL(url);
  if (current.protocol === 'file:') return openFile(current, start);
  for (let hop = 0; hop <= (options.maxRedirects ?? 10); hop++) {
    if (current.protocol !== 'https:' && current.protocol !== 'http:') {
      throw new Error(`unsupported URL scheme in ${redactUrl(current.href)}`);
    }
    const response = await get(current, start, options);
    const status = response.statusCode ?? 0;
    if (REDIRECTS.has(status) && response.headers.location) {
      response.resume();
      current = new URL(response.headers.location, current);
      continue;
    }
    if (status === 200) return { stream: response, finalUrl: current.href, offset: 0, length: contentLength(response) };
    if (status === 206) {
      const range = /^bytes (\d+)-/.exec(response.headers['content-range'] ?? '');
      if (range && Number(range[1]) === start)
        return { stream: response, finalUrl: current.href, offset: start, length: contentLength(response) };
      response.resume();
      throw new TransientError(`${redactUrl(current.href)} answered an unexpected range (${response.headers['content-range'] ?? 'none'})`);
    }
    response.resume();
    if (status === 404 || status === 410) throw new NotFoundError(current.href);
    if (status === 416) throw new RangeNotSatisfiableError();
    const message = `HTTP ${status} from ${redactUrl(current.href)}`;
    if (status === 408 || status === 429 || status >= 500) throw new TransientError(message);
    throw new Error(message);
  }
  throw new Error(`too many redirects from ${redactUrl(url)}`);
}

/** The .part file is already as long as (or longer than) the asset: start again from zero. */
export class RangeNotSatisfiableError extends TransientError {
  constructor() {
    super('the server has no bytes past the partial download');
    this.name = 'RangeNotSatisfiableError';
  }
}

function contentLength(response: IncomingMessage): number | undefined {
  const header = response.headers['content-length'];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

function get(url: URL, start: number, options: OpenOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { 'user-agent': options.userAgent, accept: 'application/octet-stream' };
    if (start > 0) headers.range = `bytes=${start}-`;
    const request = client.get(url, { headers, agent: proxyAgentFor(url), timeout: options.timeoutMs, signal: options.signal });
    let response: IncomingMessage | undefined;
    let timedOut: TransientError | undefined;
    // The same timer covers the body: a stalled transfer fails with this error, not a vague reset.
    request.on('timeout', () => {
      timedOut = new TransientError(`no data from ${redactUrl(url.href)} for ${formatMs(options.timeoutMs)}`);
      response?.destroy(timedOut);
      request.destroy(timedOut);
    });
    request.once('response', (res) => {
      response = res;
      res.once('aborted', () => res.destroy(timedOut ?? new TransientError(`connection to ${url.host} closed mid-download`)));
      resolve(res);
    });
    request.once('error', reject);
  });
}

async function openFile(url: URL, start: number): Promise<OpenedBody> {
  const path = fileURLToPath(url);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new NotFoundError(url.href);
  const offset = start > 0 && start < info.size ? start : 0;
  return { stream: createReadStream(path, { start: offset }), finalUrl: url.href, offset, length: info.size - offset };
}
