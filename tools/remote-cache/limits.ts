/**
 * How long the server waits, and for how many. Every wait has an end: a stalled store, a
 * stalled client or a crowd of idle connections costs a bounded amount of time and sockets.
 */
export interface ServerLimits {
  /**
   * Deadline for one store call (HEAD, the start of a GET, a PUT of a small entry), and the
   * longest the store may stay silent on an open connection; passed, the client gets 504.
   */
  storeTimeoutMs: number;
  /**
   * The longest a client may stay silent in the middle of a request (headers, body), and the
   * base of an upload's deadline; passed, the upload is refused (408) and its connection closed.
   */
  clientTimeoutMs: number;
  /** Slowest average upload accepted: an entry of N bytes must arrive within clientTimeout + N / this. */
  minUploadBytesPerSecond: number;
  /**
   * Open connections at once. A connection beyond it closes the oldest one that has no request
   * under way (silent since it opened, or idle between requests); only when every one is busy is
   * the new connection closed instead.
   */
  maxConnections: number;
  /** Open connections from one address; beyond it, that address's oldest idle one is closed. */
  maxConnectionsPerAddress: number;
  /** How long a connection may take to send a request's headers (much less than clientTimeout). */
  headerTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  storeTimeoutMs: 30_000,
  clientTimeoutMs: 30_000,
  minUploadBytesPerSecond: 100 * 1024,
  maxConnections: 256,
  maxConnectionsPerAddress: 64,
  headerTimeoutMs: 5_000,
};

/**
 * Slowest average rate at which a PUT to the store may go on (S3 takes tens of MB/s): an entry of
 * N bytes gets storeTimeout + N / this before it is given up.
 */
export const MIN_STORE_BYTES_PER_SECOND = 1024 * 1024;

/**
 * After an early answer (401, 403, 409, 411, 413, …) the server still reads, and discards, what
 * the client is sending for this long, so that the client gets to read the answer instead of a
 * connection reset; then the connection is closed whatever the client is still sending.
 */
export function lingerMs(limits: ServerLimits): number {
  return Math.min(limits.clientTimeoutMs, 5_000);
}
