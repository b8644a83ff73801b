import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of one target port, for faults between a client and its
 * server while the server itself keeps running (and keeps its clock):
 * - cut(): every connection through it is closed and new ones are refused, until restore();
 * - blackhole(): connections stay open but nothing gets through either way (new ones are accepted
 *   and go nowhere; a side that closes is not told to the other), as in a network partition, until
 *   restore() lets the held bytes through;
 * - stall(): every connection through it is closed, and new ones are accepted but never answered,
 *   not even after restore() (which ends the stall for later connections only), as by a server that
 *   accepts connections while it starts and drops them without closing them.
 */
export interface TcpProxy {
  readonly port: number;
  cut(): Promise<void>;
  blackhole(): void;
  stall(): void;
  /** Connections accepted during a stall and still held (a client that gave up on one may still count). */
  readonly stalledConnections: number;
  /** Ends a cut, a black hole or a stall (connections accepted during a stall stay silent). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
  /** The server closed its side during a black hole: the client learns it only at restore(). */
  upstreamClosed: boolean;
  /** Accepted during a stall: it stays silent until the client gives up on it. */
  readonly hung: boolean;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let blackholed = false;
  let stalled = false;
  const guard = (socket: Socket): void => { socket.on('error', () => socket.destroy()); };
  const connectUpstream = (pair: Pair): void => {
    const upstream = createConnection({ host: targetHost, port: targetPort });
    guard(upstream);
    pair.upstream = upstream;
    pair.client.pipe(upstream);
    upstream.pipe(pair.client);
    upstream.once('close', () => {
      if (blackholed) pair.upstreamClosed = true;
      else pair.client.destroy();
    });
  };
  const newServer = (): Server => createServer((client) => {
    guard(client);
    const pair: Pair = { client, upstream: undefined, upstreamClosed: false, hung: stalled };
    pairs.add(pair);
    client.once('close', () => { pairs.delete(pair); pair.upstream?.destroy(); });
    if (blackholed || stalled) client.pause();
    else connectUpstream(pair);
  });
  const listen = (server: Server, port: number): Promise<number> => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
  let server: Server | undefined = newServer();
  const port = await listen(server, 0);

  const cut = async (): Promise<void> => {
    const listening = server;
    server = undefined;
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    if (listening !== undefined) await new Promise<void>((resolve) => listening.close(() => resolve()));
  };
  return {
    port,
    cut,
    blackhole: () => {
      blackholed = true;
      for (const { client, upstream } of pairs) {
        client.unpipe();
        upstream?.unpipe();
        client.pause();
        upstream?.pause();
      }
    },
    get stalledConnections() { return [...pairs].filter((pair) => pair.hung).length; },
    stall: () => {
      stalled = true;
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
    },
    restore: async () => {
      stalled = false;
      if (blackholed) {
        blackholed = false;
        for (const pair of pairs) {
          if (pair.hung) continue;
          if (pair.upstreamClosed) {
            pair.client.destroy();
          } else if (pair.upstream === undefined) {
            connectUpstream(pair);
          } else {
            pair.client.pipe(pair.upstream);
            pair.upstream.pipe(pair.client);
          }
        }
      }
      if (server === undefined) {
        server = newServer();
        await listen(server, port);
      }
    },
    close: cut,
  };
}
