import { close, open, read } from 'node:fs';
import { Readable } from 'node:stream';

const CHUNK = 1 << 20;

/**
 * A file as a stream of 1 MiB Buffers, each read into memory of its own that other threads can
 * see (a SharedArrayBuffer): the digest thread (digest-thread.ts) hashes the very bytes being
 * sent without a copy. Each chunk gets fresh memory, never reused, so what a thread hashes is
 * what the socket sends.
 */
export function sharedFileStream(path: string): Readable {
  let fd: number | undefined;
  return new Readable({
    construct(callback) {
      open(path, 'r', (error, opened) => {
        fd = opened;
        callback(error);
      });
    },
    read() {
      const chunk = Buffer.from(new SharedArrayBuffer(CHUNK));
      read(fd!, chunk, 0, CHUNK, null, (error, bytesRead) => {
        if (error) this.destroy(error);
        else this.push(bytesRead === 0 ? null : chunk.subarray(0, bytesRead));
      });
    },
    destroy(error, callback) {
      if (fd === undefined) return callback(error);
      close(fd, () => callback(error));
      fd = undefined;
    },
  });
}
