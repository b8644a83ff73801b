/**
 * One timed read by our consumer for the transactions section, in a process of its own (as the
 * clients section runs each client): `node --expose-gc bench/transaction-read-worker.ts '<ReadJob json>'`.
 * Run in the bench's own process, the reads' times swung by half from one repetition to the next
 * with whatever the process had done before (heap sizes, compiled code), more than the isolation
 * level changes them.
 *
 * It reads partition 0 of the topic from the beginning at the job's isolation level three times:
 * twice untimed (the consumer's code gets compiled; the first read_committed read checks that no
 * delivered record is of an aborted transaction, values starting with 'a'), then, after a full
 * collection, `passes` times timed, each from a new consumer's creation to its last expected record. Prints one `RESULT <ReadWorkerResult json>` line.
 */
import { Consumer, type IsolationLevel } from '../src/client/index.ts';
import { createCpuClock, ownCpuSeconds } from './process-cpu.ts';

export interface ReadJob {
  readonly bootstrap: string;
  readonly topic: string;
  readonly isolation: IsolationLevel;
  /** Records the read must deliver. */
  readonly expected: number;
  /** The broker process, whose CPU over the timed read is measured here. */
  readonly brokerPid: number;
  /** Timed reads of the whole partition, one after another: a single read is over in a fifth of a second. */
  readonly passes: number;
}

export interface ReadWorkerResult {
  readonly seconds: number;
  readonly brokerCpuSeconds: number;
  readonly clientCpuSeconds: number;
}

/** Our consumer's fetch settings: the clients section's. */
const FETCH = { fetchMinBytes: 1, fetchMaxWaitMs: 500, fetchMaxBytes: 52_428_800, maxPartitionFetchBytes: 1_048_576 } as const;
/** A read that has not delivered everything in this long failed. */
const READ_TIMEOUT_MS = 300_000;

async function read(job: ReadJob, verify: boolean): Promise<void> {
  const consumer = new Consumer({ bootstrapServers: [job.bootstrap], clientId: 'bench-transactions', autoOffsetReset: 'earliest', isolationLevel: job.isolation, ...FETCH });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void consumer.close();
  }, READ_TIMEOUT_MS);
  let delivered = 0;
  let abortedSeen = 0;
  try {
    consumer.assign([{ topic: job.topic, partition: 0 }]);
    for await (const batch of consumer.batches()) {
      delivered += batch.records.length;
      if (verify && job.isolation === 'read_committed') for (const record of batch.records) if (record.value?.[0] === 0x61) abortedSeen++;
      if (delivered >= job.expected || timedOut) break;
    }
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
  if (delivered !== job.expected) throw new Error(`our consumer (${job.isolation}) delivered ${delivered} records, not ${job.expected}${timedOut ? ' (timed out)' : ''}`);
  if (abortedSeen > 0) throw new Error(`our read_committed consumer delivered ${abortedSeen} records of aborted transactions`);
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as ReadJob;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const clock = createCpuClock();
  await read(job, true);
  await read(job, false);
  gc();
  const broker = clock.cpuSeconds(job.brokerPid);
  const client = ownCpuSeconds();
  const start = performance.now();
  for (let pass = 0; pass < job.passes; pass++) await read(job, false);
  const result: ReadWorkerResult = {
    seconds: (performance.now() - start) / 1000,
    brokerCpuSeconds: clock.cpuSeconds(job.brokerPid) - broker,
    clientCpuSeconds: ownCpuSeconds() - client,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

if (import.meta.main) await main();
