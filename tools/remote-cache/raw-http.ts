// Test helper: HTTP at the socket level, for what fetch will not send (odd request targets,
// bodies dripped a byte at a time) and to see when the server closes the connection.
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves when the server has closed the connection, with everything it sent. */
  closed: Promise<string>;
}

export async function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let data = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (data += chunk));
  // A reset from the server is one way of closing; it is not a failure here.
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(data)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => data, closed };
}

/** Sends `head`, then one byte of body every `everyMs` until the server closes; resolves with its answer. */
export async function dripBody(url: string, head: string, byte = 'x', everyMs = 50): Promise<string> {
  const conn = await openRaw(url);
  conn.socket.write(head);
  const timer = setInterval(() => {
    if (!conn.socket.destroyed) conn.socket.write(byte);
  }, everyMs);
  try {
    return await conn.closed;
  } finally {
    clearInterval(timer);
  }
}

/** The status code of the first response in `text`, or undefined. */
export function statusOf(text: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return match ? Number(match[1]) : undefined;
}
