/**
 * The measured runs of the transactions section (bench/transactions.ts): produce with and without
 * idempotence (kcat and our producer), transactions of our producer and KafkaJS's, a topic filled
 * with committed and aborted transactions, and reads of it at either isolation level (kcat and our
 * consumer). Each run returns its wall time and the CPU the broker and the client used in it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import kafkajs from 'kafkajs';
import { Producer, type IsolationLevel, type ProducerRecord, type RecordMetadata } from '../src/client/index.ts';
import type { BrokerProcess } from '../test/helpers/test-broker.ts';
import { KCAT_FAST_PRODUCER, runKcat } from './kcat.ts';
import { CHUNK_RECORDS, runWorker, streamRecords } from './worker-runs.ts';
import type { CpuClock } from './process-cpu.ts';
import type { ReadJob, ReadWorkerResult } from './transaction-read-worker.ts';
import { ownCpuSeconds } from './process-cpu.ts';

const { Kafka, logLevel, CompressionTypes } = kafkajs;

const CLIENT_ID = 'bench-transactions';
/** Our producer as the main produce phase runs kcat and the clients section runs it: 5 ms linger, ~1 MB batches. */
const LINGER_MS = 5;
const BATCH_SIZE_BYTES = 1_000_000;
export { CHUNK_RECORDS } from './worker-runs.ts';
const READ_WORKER = join(import.meta.dirname, 'transaction-read-worker.ts');
/** Our consumer reads a million records in about 0.2 s: one timed run is that many reads in a row. */
export const OUR_READ_PASSES = 5;

export interface RunContext {
  readonly broker: BrokerProcess;
  readonly clock: CpuClock;
}

export interface RunResult {
  /** Records timed: written, or delivered to the application. */
  readonly records: number;
  /** Bytes of record values those records carry (for reads: of every data record in the log read through). */
  readonly bytes: number;
  readonly seconds: number;
  /** Transactions committed in the timed part (0 for runs without). */
  readonly transactions: number;
  readonly brokerCpuSeconds: number;
  /** kcat's CPU (its process, once exited), or this process's for our client and KafkaJS. */
  readonly clientCpuSeconds: number;
}

/**
 * A full collection, as `node --expose-gc`'s gc(): our client and KafkaJS run in this process, and a
 * run's garbage (a read makes a million record objects) must not be collected on the next run's clock.
 */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Starts the clock (wall, broker CPU, client CPU) when `start` is called; `stop` makes the result. */
function stopwatch(ctx: RunContext, clientCpu: () => number) {
  let wall = 0;
  let broker = 0;
  let client = 0;
  return {
    start(): void {
      collectGarbage();
      broker = ctx.clock.cpuSeconds(ctx.broker.pid);
      client = clientCpu();
      wall = performance.now();
    },
    stop(records: number, bytes: number, transactions = 0): RunResult {
      const seconds = (performance.now() - wall) / 1000;
      return {
        records, bytes, seconds, transactions,
        brokerCpuSeconds: ctx.clock.cpuSeconds(ctx.broker.pid) - broker,
        clientCpuSeconds: clientCpu() - client,
      };
    },
  };
}

/** kcat -P of the records file, idempotent (librdkafka caps in-flight at 5) or plain acks=all (its default in-flight of 1,000,000). */
export async function kcatProduce(ctx: RunContext, topic: string, file: string, records: number, recordSize: number, idempotent: boolean): Promise<RunResult> {
  const mode = idempotent ? ['-X', 'enable.idempotence=true'] : ['-X', 'enable.idempotence=false', '-X', 'acks=all'];
  const watch = stopwatch(ctx, () => ctx.clock.exitedChildrenCpuSeconds());
  watch.start();
  await runKcat(['-P', '-b', ctx.broker.bootstrap, '-t', topic, '-p', '0', '-l', file, ...KCAT_FAST_PRODUCER, ...mode]);
  return watch.stop(records, records * recordSize);
}

function ourProducer(ctx: RunContext, options: { idempotent: boolean; transactionalId?: string }): Producer {
  return new Producer({
    bootstrapServers: [ctx.broker.bootstrap], clientId: CLIENT_ID, acks: -1, compression: 'none', lingerMs: LINGER_MS, batchSize: BATCH_SIZE_BYTES,
    enableIdempotence: options.idempotent, ...(options.transactionalId === undefined ? {} : { transactionalId: options.transactionalId }),
  });
}

/** `count` records to partition 0 of `topic` in send calls of CHUNK_RECORDS, all issued at once (the producer batches them). */
function sendChunks(producer: Producer, topic: string, value: Buffer, count: number): Promise<RecordMetadata[][]> {
  const calls: Promise<RecordMetadata[]>[] = [];
  for (let sent = 0; sent < count; sent += CHUNK_RECORDS) {
    const records: ProducerRecord[] = Array.from({ length: Math.min(CHUNK_RECORDS, count - sent) }, () => ({ topic, partition: 0, value }));
    calls.push(producer.sendBatch(records));
  }
  return Promise.all(calls);
}

/** One untimed group (connections, metadata, the transactional id's first lookups), then `groups` timed ones. */
async function timeGroups(ctx: RunContext, group: () => Promise<void>, groups: number, perGroup: number, recordSize: number, transactional: boolean): Promise<RunResult> {
  await group();
  const watch = stopwatch(ctx, ownCpuSeconds);
  watch.start();
  for (let i = 0; i < groups; i++) await group();
  return watch.stop(groups * perGroup, groups * perGroup * recordSize, transactional ? groups : 0);
}


/**
 * Our producer, acks=all, idempotent or not, streaming `records` records. One untimed call of
 * CHUNK_RECORDS first (InitProducerId, connections, the JIT), so the topic ends at records + CHUNK_RECORDS.
 */
export async function ourProduce(ctx: RunContext, topic: string, records: number, recordSize: number, idempotent: boolean): Promise<RunResult> {
  const producer = ourProducer(ctx, { idempotent });
  try {
    const value = Buffer.alloc(recordSize, 'x');
    await streamRecords(producer, topic, value, CHUNK_RECORDS);
    if (producer.idempotent !== idempotent) throw new Error(`the producer is ${producer.idempotent ? '' : 'not '}idempotent`);
    const watch = stopwatch(ctx, ownCpuSeconds);
    watch.start();
    await streamRecords(producer, topic, value, records);
    return watch.stop(records, records * recordSize);
  } finally {
    await producer.close();
  }
}

export type GroupMode = 'transactional' | 'flushed';

/**
 * Our producer sending `transactions` groups of `perGroup` records, one group at a time: each one
 * a transaction (begin, send..., commit), or for 'flushed' the idempotent producer's sends followed
 * by flush() (the same waits without the transaction). One untimed group first.
 */
export async function ourGroups(ctx: RunContext, topic: string, mode: GroupMode, perGroup: number, groups: number, recordSize: number): Promise<RunResult> {
  const transactional = mode === 'transactional';
  const producer = ourProducer(ctx, { idempotent: true, ...(transactional ? { transactionalId: `bench-${topic}` } : {}) });
  try {
    const value = Buffer.alloc(recordSize, 'x');
    if (transactional) await producer.initTransactions();
    const group = async (): Promise<void> => {
      if (transactional) producer.beginTransaction();
      const sends = sendChunks(producer, topic, value, perGroup);
      // Their failure, if any, is heard when they are awaited below. commitTransaction() and flush()
      // first wait for sends still waiting for metadata or room, as Java's blocking send would.
      sends.catch(() => {});
      await (transactional ? producer.commitTransaction() : producer.flush());
      await sends;
    };
    return await timeGroups(ctx, group, groups, perGroup, recordSize, transactional);
  } finally {
    await producer.close();
  }
}

/**
 * KafkaJS's producer, idempotent (it allows one request in flight then), sending `groups` groups of
 * `perGroup` records in awaited calls of CHUNK_RECORDS (one call of 10,000 would pass message.max.bytes):
 * each group a transaction, or for 'flushed' just the calls. One untimed group first.
 */
export async function kafkajsGroups(ctx: RunContext, topic: string, mode: GroupMode, perGroup: number, groups: number, recordSize: number): Promise<RunResult> {
  const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [ctx.broker.bootstrap], logLevel: logLevel.NOTHING });
  const transactional = mode === 'transactional';
  const producer = kafka.producer({
    idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, ...(transactional ? { transactionalId: `bench-${topic}` } : {}),
  });
  await producer.connect();
  try {
    const value = Buffer.alloc(recordSize, 'x');
    const messages = Array.from({ length: Math.min(perGroup, CHUNK_RECORDS) }, () => ({ value, partition: 0 }));
    const group = async (): Promise<void> => {
      const sender = transactional ? await producer.transaction() : producer;
      for (let sent = 0; sent < perGroup; sent += messages.length) {
        await sender.send({ topic, acks: -1, compression: CompressionTypes.None, messages });
      }
      if ('commit' in sender) await sender.commit();
    };
    return await timeGroups(ctx, group, groups, perGroup, recordSize, transactional);
  } finally {
    await producer.disconnect();
  }
}

/**
 * Fills partition 0 of `topic` with `transactions` transactions of `perTransaction` records, each
 * `abortEvery`-th one aborted (its records written first, so the log holds them), never the last.
 * Aborted records' values start with 'a', committed ones' with 'c'. Returns the records of each kind.
 */
export async function fillTransactions(ctx: RunContext, topic: string, transactions: number, perTransaction: number, recordSize: number,
  abortEvery: number): Promise<{ committed: number; aborted: number }> {
  const producer = ourProducer(ctx, { idempotent: true, transactionalId: `bench-fill-${topic}` });
  const committedValue = Buffer.alloc(recordSize, 'c');
  const abortedValue = Buffer.alloc(recordSize, 'a');
  let committed = 0;
  let aborted = 0;
  try {
    await producer.initTransactions();
    for (let i = 0; i < transactions; i++) {
      const abort = i % abortEvery === Math.floor(abortEvery / 2) && i !== transactions - 1;
      producer.beginTransaction();
      const sends = sendChunks(producer, topic, abort ? abortedValue : committedValue, perTransaction);
      sends.catch(() => {}); // heard when awaited below
      if (abort) {
        await producer.flush();
        await sends;
        await producer.abortTransaction();
        aborted += perTransaction;
      } else {
        await producer.commitTransaction();
        await sends;
        committed += perTransaction;
      }
    }
  } finally {
    await producer.close();
  }
  return { committed, aborted };
}

/**
 * kcat -C of partition 0 to its end. librdkafka sees the end only in the answer to a fetch at the
 * end offset, which the broker holds for fetch.wait.max.ms (500 ms by default) as no data comes:
 * 10 ms here, or every read would carry half a second of waiting (the fetches before it never wait,
 * there is data for them).
 */
function kcatConsumer(ctx: RunContext, topic: string, isolation: IsolationLevel): string[] {
  return ['-C', '-b', ctx.broker.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${isolation}`, '-X', 'fetch.wait.max.ms=10'];
}

/** kcat reading partition 0 from the beginning to its end at `isolation`, output to nowhere. `logRecords`: the data records in the log. */
export async function kcatRead(ctx: RunContext, topic: string, isolation: IsolationLevel, delivered: number, logRecords: number, recordSize: number): Promise<RunResult> {
  const watch = stopwatch(ctx, () => ctx.clock.exitedChildrenCpuSeconds());
  watch.start();
  await runKcat(kcatConsumer(ctx, topic, isolation));
  return watch.stop(delivered, logRecords * recordSize);
}

/** How many records kcat delivers reading partition 0 at `isolation` (one '.' printed per record, counted): the check, untimed. */
export async function kcatCount(ctx: RunContext, topic: string, isolation: IsolationLevel): Promise<number> {
  const child = spawn('kcat', [...kcatConsumer(ctx, topic, isolation), '-f', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let count = 0;
  child.stdout.on('data', (chunk: Buffer) => { count += chunk.length; });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`kcat (count, ${isolation}) exited with ${code}`);
  return count;
}

/**
 * Our consumer reading partition 0 from the beginning at `isolation` until `expected` records
 * arrived, OUR_READ_PASSES times, in a process of its own (bench/transaction-read-worker.ts:
 * untimed reads first, then the timed ones, each from a new consumer's creation as kcat's run is
 * from its start). The result counts the records and bytes of every pass.
 */
export async function ourRead(ctx: RunContext, topic: string, isolation: IsolationLevel, expected: number, logRecords: number, recordSize: number): Promise<RunResult> {
  const job: ReadJob = { bootstrap: ctx.broker.bootstrap, topic, isolation, expected, brokerPid: ctx.broker.pid, passes: OUR_READ_PASSES };
  const result = await runWorker<ReadWorkerResult>(READ_WORKER, job, `read worker (${isolation})`);
  return { records: expected * OUR_READ_PASSES, bytes: logRecords * recordSize * OUR_READ_PASSES, transactions: 0, ...result };
}
