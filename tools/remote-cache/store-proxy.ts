// Test helper: a TCP relay between the cache server and s3rver that can cut store uploads short
// (the store's connection dropping mid-body) and records what each upload's headers said.
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface StoreProxy {
  endpoint: string;
  /** Cut the next `count` uploads (connections that send more than `afterBytes`) after `afterBytes`. */
  cutUploads(count: number, afterBytes: number): void;
  /** Relays what the store sends at this many bytes a second (0: at full speed). */
  slowDownloads(bytesPerSecond: number): void;
  /** Uploads cut so far. */
  readonly cut: number;
  /** The header block of every PUT seen, lower-cased names. */
  readonly puts: Array<Record<string, string>>;
  close(): Promise<void>;
}

function headersOf(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

export async function startStoreProxy(target: string): Promise<StoreProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let toCut = 0;
  let afterBytes = Infinity;
  let cut = 0;
  let downloadRate = 0;
  const puts: Array<Record<string, string>> = [];
  const server = createServer((client) => {
    const store = connect(Number(port), hostname);
    sockets.add(client).add(store);
    // Bytes of the current request; a connection carries one request after another (keep-alive).
    let sent = 0;
    let head: string | undefined;
    client.on('data', (chunk: Buffer) => {
      if (/^(GET|HEAD|PUT|POST|DELETE) \//.test(chunk.subarray(0, 8).toString('latin1'))) {
        sent = 0;
        head = '';
      }
      if (head !== undefined) {
        head += chunk.toString('latin1');
        const endOfHead = head.indexOf('\r\n\r\n');
        if (endOfHead >= 0) {
          if (head.startsWith('PUT ')) puts.push(headersOf(head.slice(0, endOfHead)));
          head = undefined;
        }
      }
      sent += chunk.length;
      if (toCut > 0 && sent > afterBytes) {
        toCut--;
        cut++;
        // Forward part of this chunk, then drop both connections, as a network failure would.
        store.write(chunk.subarray(0, chunk.length - (sent - afterBytes)), () => {
          store.destroy();
          client.destroy();
        });
        client.pause();
        return;
      }
      store.write(chunk);
    });
    store.on('data', (chunk: Buffer) => {
      if (downloadRate <= 0) {
        client.write(chunk);
        return;
      }
      // A tenth of the rate every 100 ms, the store held back meanwhile.
      store.pause();
      const step = Math.max(1, Math.floor(downloadRate / 10));
      let offset = 0;
      const tick = () => {
        if (client.destroyed) return;
        client.write(chunk.subarray(offset, offset + step));
        offset += step;
        if (offset < chunk.length) setTimeout(tick, 100);
        else store.resume();
      };
      tick();
    });
    store.on('end', () => client.end());
    const end = () => {
      client.destroy();
      store.destroy();
      sockets.delete(client);
      sockets.delete(store);
    };
    client.on('error', end).on('close', end);
    store.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    slowDownloads(bytesPerSecond) {
      downloadRate = bytesPerSecond;
    },
    cutUploads(count, bytes) {
      toCut = count;
      afterBytes = bytes;
    },
    get cut() {
      return cut;
    },
    puts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
