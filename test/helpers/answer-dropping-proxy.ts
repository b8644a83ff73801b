/**
 * A TCP proxy on 127.0.0.1 that can lose a server's answer after the server acted on the request:
 * dropNextAnswers(n) makes the next n chunks the server sends be thrown away, each taking its
 * connection down with it, so the client sees its request go unanswered and retries it. What an
 * idempotent producer must survive: a produce that was appended, but whose acknowledgement never
 * arrived. The target is set after the proxy starts, so a broker can advertise the proxy's port.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface AnswerDroppingProxy {
  readonly port: number;
  /** Where connections go from now on. */
  target(port: number): void;
  dropNextAnswers(count?: number): void;
  /** Answers dropped so far. */
  readonly dropped: number;
  close(): Promise<void>;
}

export async function startAnswerDroppingProxy(): Promise<AnswerDroppingProxy> {
  let targetPort = 0;
  let toDrop = 0;
  let dropped = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    track(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (toDrop > 0) {
        toDrop -= 1;
        dropped += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
    upstream.once('close', () => client.destroy());
    client.once('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    target: (next) => { targetPort = next; },
    dropNextAnswers: (count = 1) => { toDrop += count; },
    get dropped() { return dropped; },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
