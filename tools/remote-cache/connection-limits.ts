import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerLimits } from './limits';

interface Tracked {
  address: string;
  /** Requests under way on it (0: silent since it opened, or idle between requests). */
  busy: number;
}

/**
 * Bounds the open connections without letting idle ones lock clients out: at `maxConnections` (or
 * `maxConnectionsPerAddress` for one address) a new connection closes the oldest idle one (first
 * of the address holding the most), and is itself closed only when every connection is busy.
 * Node's own `server.maxConnections` closes the newcomer, so 300 silent sockets from a client
 * without a token kept every real request out.
 */
export function limitConnections(server: Server, limits: Pick<ServerLimits, 'maxConnections' | 'maxConnectionsPerAddress'>) {
  const open = new Map<Socket, Tracked>(); // in order of arrival: the first idle one is the oldest
  const count = (address: string) => [...open.values()].filter((t) => t.address === address).length;
  const oldestIdle = (address?: string) => [...open].find(([, t]) => t.busy === 0 && (address === undefined || t.address === address))?.[0];

  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    open.set(socket, { address, busy: 0 });
    socket.once('close', () => open.delete(socket));
    if (count(address) > limits.maxConnectionsPerAddress) shed(oldestIdle(address), socket);
    if (open.size > limits.maxConnections) {
      const crowded = [...open.values()].reduce<Map<string, number>>((m, t) => m.set(t.address, (m.get(t.address) ?? 0) + 1), new Map());
      const busiest = [...crowded].sort((a, b) => b[1] - a[1])[0]?.[0];
      shed(oldestIdle(busiest) ?? oldestIdle(), socket);
    }
  });

  function shed(victim: Socket | undefined, newcomer: Socket): void {
    (victim ?? newcomer).destroy();
    open.delete(victim ?? newcomer);
  }

  return {
    /** A request started on the socket: it is busy until the response is done. */
    requestStarted(socket: Socket): () => void {
      const tracked = open.get(socket);
      if (tracked) tracked.busy++;
      return () => {
        if (tracked) tracked.busy--;
      };
    },
  };
}
