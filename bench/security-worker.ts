/**
 * One timed run of the security section (bench/security.ts) in a process of its own, so a
 * PLAINTEXT run and an SSL run start from the same state (heap, compiled code), as the clients
 * section runs each client: `node --expose-gc bench/security-worker.ts '<SecurityJob json>'`.
 *
 * - produce: our producer (no idempotence, the job's acks, 5 ms linger, ~1 MB batches, sendBatch
 *   calls of CHUNK_RECORDS with STREAM_WINDOW outstanding) writes WARM_UP_RECORDS untimed, then
 *   `records` timed, to partition 0.
 * - fetch: our consumer reads partition 0 from the beginning until `records` records arrived, once
 *   untimed, then `passes` times timed, each from a new consumer's creation (connection and TLS
 *   handshake included, as a reading application pays them).
 *
 * Prints one `RESULT <SecurityWorkerResult json>` line: wall seconds, and the CPU seconds of the
 * broker (/proc/<pid>/stat) and of this process over the timed part.
 */
import { Consumer, Producer, clientSecurityFromProperties, type ClientSecurity } from '../src/client/index.ts';
import { createCpuClock, ownCpuSeconds } from './process-cpu.ts';
import { streamRecords } from './worker-runs.ts';

export interface SecurityJob {
  readonly kind: 'produce' | 'fetch';
  readonly bootstrap: string;
  readonly protocol: 'PLAINTEXT' | 'SSL';
  /** The CA's PEM file (SSL). */
  readonly truststore: string;
  readonly topic: string;
  /** Produce: records written timed. Fetch: records in the partition, read by each pass. */
  readonly records: number;
  readonly recordSize: number;
  readonly acks: 1 | -1;
  readonly brokerPid: number;
  /** Fetch: timed reads of the whole partition. */
  readonly passes: number;
}

export interface SecurityWorkerResult {
  readonly seconds: number;
  readonly brokerCpuSeconds: number;
  readonly clientCpuSeconds: number;
}

/** Untimed records a produce run starts with (connections, metadata, the JIT): the topic ends at records + this. */
export const WARM_UP_RECORDS = 10_000;
const FETCH = { fetchMinBytes: 1, fetchMaxWaitMs: 500, fetchMaxBytes: 52_428_800, maxPartitionFetchBytes: 1_048_576 } as const;
const READ_TIMEOUT_MS = 300_000;

export function securityOf(protocol: SecurityJob['protocol'], truststore: string): ClientSecurity | undefined {
  if (protocol === 'PLAINTEXT') return undefined;
  return clientSecurityFromProperties(new Map([['security.protocol', 'SSL'], ['ssl.truststore.type', 'PEM'], ['ssl.truststore.location', truststore]]));
}


async function read(job: SecurityJob, security: ClientSecurity | undefined): Promise<void> {
  const consumer = new Consumer({
    bootstrapServers: [job.bootstrap], clientId: 'bench-security', autoOffsetReset: 'earliest', ...FETCH, ...(security === undefined ? {} : { security }),
  });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; void consumer.close(); }, READ_TIMEOUT_MS);
  let delivered = 0;
  try {
    consumer.assign([{ topic: job.topic, partition: 0 }]);
    for await (const batch of consumer.batches()) {
      delivered += batch.records.length;
      if (delivered >= job.records || timedOut) break;
    }
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
  if (delivered !== job.records) throw new Error(`fetch over ${job.protocol} delivered ${delivered} records, not ${job.records}${timedOut ? ' (timed out)' : ''}`);
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as SecurityJob;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const security = securityOf(job.protocol, job.truststore);
  const clock = createCpuClock();
  let timed: () => Promise<void>;
  let close = async (): Promise<void> => {};
  if (job.kind === 'produce') {
    const producer = new Producer({
      bootstrapServers: [job.bootstrap], clientId: 'bench-security', acks: job.acks, compression: 'none', lingerMs: 5, batchSize: 1_000_000,
      enableIdempotence: false, ...(security === undefined ? {} : { security }),
    });
    const value = Buffer.alloc(job.recordSize, 'x');
    await streamRecords(producer, job.topic, value, WARM_UP_RECORDS);
    timed = () => streamRecords(producer, job.topic, value, job.records);
    close = () => producer.close();
  } else {
    await read(job, security);
    timed = async () => { for (let pass = 0; pass < job.passes; pass++) await read(job, security); };
  }
  gc();
  const broker = clock.cpuSeconds(job.brokerPid);
  const client = ownCpuSeconds();
  const start = performance.now();
  await timed();
  const result: SecurityWorkerResult = {
    seconds: (performance.now() - start) / 1000,
    brokerCpuSeconds: clock.cpuSeconds(job.brokerPid) - broker,
    clientCpuSeconds: ownCpuSeconds() - client,
  };
  await close();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

if (import.meta.main) await main();
