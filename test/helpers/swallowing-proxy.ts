import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that reads Kafka's framing both ways and can swallow the answers to
 * Produce requests: the broker has written the batch, the client never hears so, times out and
 * retries: the fault that makes a producer without idempotence write a record twice.
 */
export interface SwallowingProxy {
  readonly port: number;
  /** Where connections go; set once the broker (which advertises this proxy) has started. */
  targetPort: number;
  /** The next `count` Produce answers are dropped (Infinity: all until stopSwallowing). */
  swallowProduceResponses(count: number): void;
  /** Produce answers reach the client again. */
  stopSwallowing(): void;
  /** Produce answers dropped so far. */
  readonly swallowed: number;
  close(): Promise<void>;
}

const PRODUCE = 0;

/** Calls `onFrame` with each whole size-prefixed frame as bytes arrive. */
function framer(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = 4 + pending.readInt32BE(0);
      onFrame(pending.subarray(0, size));
      pending = pending.subarray(size);
    }
  };
}

export async function startSwallowingProxy(): Promise<SwallowingProxy> {
  const sockets = new Set<Socket>();
  let budget = 0;
  let swallowed = 0;
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: proxy.targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => { sockets.delete(socket); client.destroy(); upstream.destroy(); });
    }
    const apiKeys = new Map<number, number>();
    client.on('data', framer((frame) => {
      // Request header: size, api key (int16), api version (int16), correlation id (int32).
      apiKeys.set(frame.readInt32BE(8), frame.readInt16BE(4));
      upstream.write(frame);
    }));
    upstream.on('data', framer((frame) => {
      const correlationId = frame.readInt32BE(4);
      const apiKey = apiKeys.get(correlationId);
      apiKeys.delete(correlationId);
      if (apiKey === PRODUCE && budget > 0) {
        budget--;
        swallowed++;
        return;
      }
      client.write(frame);
    }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: SwallowingProxy = {
    port: (server.address() as { port: number }).port,
    targetPort: 0,
    swallowProduceResponses: (count) => { budget += count; },
    stopSwallowing: () => { budget = 0; },
    get swallowed() { return swallowed; },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
