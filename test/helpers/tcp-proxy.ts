import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of one target port, which a test can cut: every connection
 * through it is closed and new ones are refused until restore(). To a client it looks like its
 * server became unreachable while the server itself keeps running (and keeps its clock).
 */
export interface TcpProxy {
  readonly port: number;
  /** Closes every proxied connection and stops listening (connections are refused). */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const newServer = (): Server => createServer((client) => {
    const upstream = createConnection({ host: targetHost, port: targetPort });
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
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
    for (const socket of sockets) socket.destroy();
    if (listening !== undefined) await new Promise<void>((resolve) => listening.close(() => resolve()));
  };
  return {
    port,
    cut,
    restore: async () => {
      if (server !== undefined) return;
      server = newServer();
      await listen(server, port);
    },
    close: cut,
  };
}
