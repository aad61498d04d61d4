import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Whether the request announced a body that has not all arrived. (`complete` alone is not it:
 * while the request handler first runs, it is false even for a GET without a body.)
 */
export function bodyPending(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  const announced = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  return announced && !req.complete;
}

export interface ReplyOptions {
  headers?: Record<string, string>;
  /**
   * When the answer comes before the request body was read (a refusal), how long to go on
   * reading and discarding it, so the client reads the answer rather than a connection reset;
   * 0 closes at once (the client is too slow to wait for). The connection closes afterwards
   * in any case: a client refused early cannot keep it by dripping its body.
   */
  lingerMs: number;
}

/** A plain-text answer. Nx accepts a 401 only with exactly "text/plain". */
export function reply(res: ServerResponse, status: number, message: string, { headers = {}, lingerMs }: ReplyOptions): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const req = res.req;
  const body = `${message}\n`;
  const unread = bodyPending(req);
  res.writeHead(status, {
    'content-type': 'text/plain',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
    ...(unread ? { connection: 'close' } : {}),
  });
  if (!unread || lingerMs <= 0 || req.destroyed) {
    res.end(body);
    return;
  }
  // The whole answer goes out now (its length is known); ending the response, which makes Node
  // close the connection, waits until the body is in or the linger is over.
  res.write(body);
  const end = () => {
    clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const timer = setTimeout(end, lingerMs);
  req.once('end', end);
  req.once('close', end);
  req.resume();
}
