import type { IncomingMessage } from 'node:http';

/** Small HTTP helpers shared by the API and upload handlers. */

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Not checked against the description (raw downloads, redirects). */
  unchecked?: boolean;
  /** Raw bytes instead of JSON. */
  raw?: Buffer;
}

const DOCS = 'https://docs.github.com/rest';

export const notFound = (): Reply => ({ status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } });

export const error = (status: number, message: string, headers?: Record<string, string>): Reply => ({
  status,
  body: { message, documentation_url: DOCS, status: String(status) },
  headers,
});

export const alreadyExists = (resource: string, field: string): Reply => ({
  status: 422,
  body: { message: 'Validation Failed', errors: [{ resource, code: 'already_exists', field }], documentation_url: DOCS, status: '422' },
});

/** Reads a request body whole (JSON bodies only; uploads stream). */
export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Consumes what is left of a request so an early answer does not reset the client's upload. */
export async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  req.resume();
  await new Promise<void>((resolve) => {
    req.once('end', resolve);
    req.once('close', resolve);
    req.once('error', () => resolve());
  });
}

/** GitHub-style pagination: `per_page` (default 30, at most 100), `page`, and a Link header. */
export function paginate<T>(items: readonly T[], query: URLSearchParams, selfUrl: string): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30)));
  const pageNumber = Math.max(1, Number(query.get('page') ?? 1));
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (page: number, rel: string) => {
    const url = new URL(selfUrl);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(page));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (pageNumber > 1) links.push(link(pageNumber - 1, 'prev'), link(1, 'first'));
  if (pageNumber < last) links.push(link(pageNumber + 1, 'next'), link(last, 'last'));
  return {
    page: items.slice((pageNumber - 1) * perPage, pageNumber * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}
