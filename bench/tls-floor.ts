/**
 * What Node's own TLS costs, with no Samsa code in the path: the security section's yardstick for
 * "over TLS at most N% slower". A sender process writes `bytes` in 1 MiB buffers to this process,
 * which reads them through `onread` into one reused buffer (as our client reads a Fetch answer),
 * over plain TCP and over TLS (the broker's PEM keystore, what Node negotiates: TLS 1.3,
 * AES-256-GCM). Both ends' CPU per GB is what the wire alone costs before any Kafka work.
 * The receiver connects (Node takes `onread` only for sockets it connects); the sender serves.
 *
 * The sender is this file run as a worker: `node bench/tls-floor.ts '<FloorJob json>'`.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, connect as connectTcp, type Socket } from 'node:net';
import { createServer as createTlsServer, connect as connectTls, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { findFreePort } from '../test/helpers/test-broker.ts';
import { runWorker } from './worker-runs.ts';
import { ownCpuSeconds } from './process-cpu.ts';

export type FloorProtocol = 'PLAINTEXT' | 'SSL';

interface FloorJob {
  readonly protocol: FloorProtocol;
  readonly port: number;
  readonly bytes: number;
  /** The sender's PEM keystore (SSL). */
  readonly keystore: string;
}

export interface FloorRun {
  readonly seconds: number;
  readonly senderCpuSeconds: number;
  readonly receiverCpuSeconds: number;
}

const CHUNK_BYTES = 1 << 20;

/** One transfer of `bytes` from a sender process (serving `keystore` over SSL) to this one. */
export async function runFloor(protocol: FloorProtocol, bytes: number, keystore: string, truststore: string): Promise<FloorRun> {
  const port = await findFreePort();
  const job: FloorJob = { protocol, port, bytes, keystore };
  const sender = runWorker<{ cpuSeconds: number }>(import.meta.filename, job, `TLS floor sender (${protocol})`);
  const target = Buffer.allocUnsafe(CHUNK_BYTES);
  let received = 0;
  const onread = { buffer: target, callback: (n: number): boolean => { received += n; return true; } };
  let socket: Socket | undefined;
  for (let attempt = 0; socket === undefined; attempt++) {
    const s = protocol === 'SSL'
      // Documented for tls.connect (without a `socket`), missing from @types/node.
      ? connectTls({ host: '127.0.0.1', port, ca: readFileSync(truststore), onread } as TlsConnectionOptions)
      : connectTcp({ host: '127.0.0.1', port, onread });
    try {
      await once(s, protocol === 'SSL' ? 'secureConnect' : 'connect');
      socket = s;
    } catch (error) {
      // The sender is still starting.
      if (attempt >= 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  const start = performance.now();
  const cpuAtStart = ownCpuSeconds();
  await once(socket, 'end');
  const seconds = (performance.now() - start) / 1000;
  const receiverCpuSeconds = ownCpuSeconds() - cpuAtStart;
  socket.end();
  const { cpuSeconds } = await sender;
  if (received !== bytes) throw new Error(`TLS floor over ${protocol}: received ${received} bytes, not ${bytes}`);
  return { seconds, senderCpuSeconds: cpuSeconds, receiverCpuSeconds };
}

async function send(job: FloorJob): Promise<void> {
  const chunk = Buffer.alloc(CHUNK_BYTES, 'x');
  const server = job.protocol === 'SSL'
    ? createTlsServer({ key: readFileSync(job.keystore), cert: readFileSync(job.keystore) })
    : createTcpServer();
  server.listen(job.port, '127.0.0.1');
  const [socket] = (await once(server, job.protocol === 'SSL' ? 'secureConnection' : 'connection')) as [Socket];
  server.close();
  const cpuAtStart = ownCpuSeconds();
  let sent = 0;
  while (sent < job.bytes) {
    const n = Math.min(CHUNK_BYTES, job.bytes - sent);
    sent += n;
    if (!socket.write(n === CHUNK_BYTES ? chunk : chunk.subarray(0, n))) await once(socket, 'drain');
  }
  socket.end();
  // The receiver ends its side once it has read everything.
  await once(socket, 'end');
  process.stdout.write(`RESULT ${JSON.stringify({ cpuSeconds: ownCpuSeconds() - cpuAtStart })}\n`);
  process.exit(0);
}

if (import.meta.main) await send(JSON.parse(process.argv[2] ?? '') as FloorJob);
