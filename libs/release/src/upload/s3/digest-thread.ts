import { Worker } from 'node:worker_threads';

/** sha256 and MD5 (both hex) of a run of bytes, and how many there were. */
export interface Digests {
  sha256: string;
  md5: string;
  bytes: number;
}

/** Hashes the bytes handed to update() on the digest thread; digest() once they have all been given. */
export interface OffThreadHash {
  /** Resolves when the thread is ready for more (at most MAX_QUEUED chunks wait there). */
  update(chunk: Buffer): Promise<void>;
  digest(): Promise<Digests>;
  /** Forgets the run (an attempt that was cut off). */
  drop(): void;
}

/** Chunks (1 MiB each from the file streams) that may wait for the thread before the sender pauses. */
const MAX_QUEUED = 16;

// Plain JavaScript run with `eval`, so the thread needs no TypeScript loader (execArgv is empty).
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const runs = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    const chunk = m.shared ? new Uint8Array(m.shared, m.offset, m.length) : m.chunk;
    let run = runs.get(m.id);
    if (!run) runs.set(m.id, (run = { sha256: createHash('sha256'), md5: createHash('md5'), bytes: 0 }));
    run.sha256.update(chunk);
    run.md5.update(chunk);
    run.bytes += chunk.length;
    parentPort.postMessage({ op: 'ack', id: m.id });
  } else if (m.op === 'digest') {
    const run = runs.get(m.id) ?? { sha256: createHash('sha256'), md5: createHash('md5'), bytes: 0 };
    runs.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, sha256: run.sha256.digest('hex'), md5: run.md5.digest('hex'), bytes: run.bytes });
  } else if (m.op === 'drop') {
    runs.delete(m.id);
  }
});
`;

interface Run {
  queued: number;
  wake?: () => void;
  done?: { resolve(d: Digests): void; reject(e: Error): void };
}

let thread: Worker | undefined;
const runs = new Map<number, Run>();
let nextId = 1;

/** Keeps the process alive only while some run waits for the thread. */
function refWhileBusy(): void {
  if (!thread) return;
  if (runs.size > 0) thread.ref();
  else thread.unref();
}

function failAll(error: Error): void {
  thread = undefined;
  for (const run of runs.values()) {
    run.wake?.();
    run.done?.reject(error);
  }
  runs.clear();
}

function digestThread(): Worker {
  if (thread) return thread;
  const worker = new Worker(THREAD_SOURCE, { eval: true, execArgv: [] });
  worker.on('message', (m: { op: 'ack' | 'digest'; id: number } & Partial<Digests>) => {
    const run = runs.get(m.id);
    if (!run) return;
    if (m.op === 'ack') {
      run.queued -= 1;
      if (run.queued < MAX_QUEUED && run.wake) {
        const wake = run.wake;
        run.wake = undefined;
        wake();
      }
    } else {
      runs.delete(m.id);
      refWhileBusy();
      run.done?.resolve({ sha256: m.sha256!, md5: m.md5!, bytes: m.bytes! });
    }
  });
  worker.on('error', (error) => failAll(new Error(`the digest thread failed: ${error.message}`)));
  worker.on('exit', (code) => failAll(new Error(`the digest thread exited (code ${code})`)));
  return (thread = worker);
}

/**
 * sha256 and MD5 of bytes being sent, computed on a thread of their own. On the main thread the
 * two hashes cost ~2.5 ms per MiB, as much as sending the bytes to a store on loopback; here they
 * overlap with the sending on another core. A chunk in a SharedArrayBuffer (shared-file-stream.ts)
 * reaches the thread without a copy; other chunks are copied. At most MAX_QUEUED chunks wait
 * there, so a slow thread slows the sender rather than filling memory.
 */
export function offThreadHash(): OffThreadHash {
  const worker = digestThread();
  const id = nextId++;
  const run: Run = { queued: 0 };
  runs.set(id, run);
  refWhileBusy();
  return {
    update(chunk) {
      run.queued += 1;
      // Memory shared with the thread goes over as a reference; anything else is copied.
      if (chunk.buffer instanceof SharedArrayBuffer) worker.postMessage({ op: 'update', id, shared: chunk.buffer, offset: chunk.byteOffset, length: chunk.length });
      else worker.postMessage({ op: 'update', id, chunk });
      if (run.queued < MAX_QUEUED || !runs.has(id)) return Promise.resolve();
      return new Promise((resolve) => (run.wake = resolve));
    },
    digest() {
      return new Promise((resolve, reject) => {
        if (!runs.has(id)) return reject(new Error('the digest thread is gone'));
        run.done = { resolve, reject };
        worker.postMessage({ op: 'digest', id });
      });
    },
    drop() {
      if (!runs.delete(id)) return;
      run.wake?.();
      worker.postMessage({ op: 'drop', id });
      refWhileBusy();
    },
  };
}
