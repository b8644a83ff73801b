/**
 * Clients: Samsa's own client against KafkaJS and @platformatic/kafka on the same broker in the same
 * run: `node bench/clients.ts [--quick]`, or the clients section of `npm run bench`
 * (`npm run bench -- --clients-only` for this section alone, `--skip-clients` to leave it out).
 *
 * One broker child process (fresh data directory); every client run is its own child process
 * (bench/client-worker.ts), one after another, never two at once. Each produce run writes to a
 * fresh one-partition topic; consume runs read a topic filled once per record size by kcat, so all
 * three clients read the same batches. See bench/client-worker.ts for the exact modes.
 *
 * Options: --clients-records-100b N and --clients-records-1kb N (batched produce and consume;
 * defaults 1,000,000 and 250,000), --clients-records-single N (one at a time; default 20,000),
 * --clients-seconds S (each run stops after S seconds; default 5), --clients-acks 1|all|both
 * (default 1; all = -1, which parseArgs would take for a flag), --clients-batch N (records per send call, default 1,000), --clients-window N
 * (outstanding calls, default 8), --clients-stream-window N (outstanding single-record calls in the
 * streamed mode, default 1,000), --clients-tests LIST (a comma list of batched, one-at-a-time,
 * streamed and consume: only those runs; default all), --clients-profile DIR (a V8 CPU profile of the timed phase of
 * each of Samsa's runs, the sampler `node --cpu-prof` uses, written to DIR; summarize with
 * bench/cpu-profile-summary.ts).
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { REPO_ROOT } from '../test/helpers/test-broker.ts';
import { runWorker } from './worker-runs.ts';
import { withBenchBroker } from './bench-broker.ts';
import { CLIENT_NAMES, type ClientName } from './client-drivers.ts';
import type { ProduceMode, WorkerJob, WorkerResult } from './client-worker.ts';
import { writeResultsFile } from './results-file.ts';
import { printTable } from './table.ts';
import { createCpuClock } from './process-cpu.ts';
import { touchFreeMemory } from './guest-memory.ts';

const { Kafka, logLevel } = kafkajs;
const WORKER = join(import.meta.dirname, 'client-worker.ts');
const BATCH_SIZE_BYTES = 1_000_000;
const LINGER_MS = 5;
/** More than the runs keep in the page cache at once (produce topics are deleted after each run). */
const TOUCHED_MEMORY_BYTES = 3 * 2 ** 30;

export interface ClientsBenchOptions {
  records100b: number;
  records1kb: number;
  recordsSingle: number;
  maxSeconds: number;
  acks: Array<1 | -1>;
  batchRecords: number;
  window: number;
  streamWindow: number;
  tests: ReadonlySet<string>;
  profileDir: string | null;
}

const TESTS = ['batched', 'one-at-a-time', 'streamed', 'consume'];

export interface ClientsRow {
  client: ClientName;
  /** 'produce batched', 'produce one-at-a-time', 'consume'. */
  test: string;
  /** Samsa's linger.ms for produce rows (the other clients have none: null). */
  lingerMs: number | null;
  /** Samsa's retries when not its default (0 lets a partition have several batches in flight). */
  retries: number | null;
  /** The wire row's limit on requests in flight, when it has one. */
  wireInFlight: number | null;
  acks: 1 | -1;
  recordSize: number;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  megabytesPerSecond: number;
  setupSeconds: number;
  latencyMs: WorkerResult['latencyMs'];
  clientCpuSeconds: number;
  brokerCpuSeconds: number;
}

export const clientsBenchArgs = {
  'clients-records-100b': { type: 'string' },
  'clients-records-1kb': { type: 'string' },
  'clients-records-single': { type: 'string' },
  'clients-seconds': { type: 'string' },
  'clients-acks': { type: 'string' },
  'clients-batch': { type: 'string' },
  'clients-window': { type: 'string' },
  'clients-stream-window': { type: 'string' },
  'clients-tests': { type: 'string' },
  'clients-profile': { type: 'string' },
} as const;

export function clientsOptions(values: Partial<Record<keyof typeof clientsBenchArgs, string | undefined>>, quick: boolean): ClientsBenchOptions {
  const scale = quick ? 0.1 : 1;
  const count = (value: string | undefined, fallback: number): number => {
    const n = value === undefined ? Math.round(fallback * scale) : Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${value}`);
    return n;
  };
  const acks = values['clients-acks'] ?? '1';
  if (!['1', '-1', 'all', 'both'].includes(acks)) throw new Error(`--clients-acks takes 1, -1 (all) or both, not ${acks}`);
  const tests = new Set(values['clients-tests']?.split(',').map((t) => t.trim()) ?? TESTS);
  for (const t of tests) if (!TESTS.includes(t)) throw new Error(`--clients-tests takes ${TESTS.join(', ')}, not ${t}`);
  return {
    records100b: count(values['clients-records-100b'], 1_000_000),
    records1kb: count(values['clients-records-1kb'], 250_000),
    recordsSingle: count(values['clients-records-single'], 20_000),
    maxSeconds: values['clients-seconds'] === undefined ? (quick ? 2 : 5) : count(values['clients-seconds'], 5),
    acks: acks === 'both' ? [1, -1] : acks === '1' ? [1] : [-1],
    batchRecords: values['clients-batch'] === undefined ? 1000 : count(values['clients-batch'], 1000),
    window: values['clients-window'] === undefined ? 8 : count(values['clients-window'], 8),
    streamWindow: values['clients-stream-window'] === undefined ? 1000 : count(values['clients-stream-window'], 1000),
    tests,
    profileDir: values['clients-profile'] ?? null,
  };
}


/** N record values of exactly `size` bytes, one per line, for kcat -l. */
async function writeRecordsFile(path: string, count: number, size: number): Promise<void> {
  const out = createWriteStream(path);
  const line = 'x'.repeat(size) + '\n';
  for (let i = 0; i < count; i++) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

function kcat(args: string[]): void {
  execFileSync('kcat', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export async function runClientsBench(options: ClientsBenchOptions): Promise<ClientsRow[]> {
  const clock = createCpuClock();
  if (options.profileDir !== null) await mkdir(options.profileDir, { recursive: true });
  touchFreeMemory(TOUCHED_MEMORY_BYTES);
  return withBenchBroker('samsa-bench-clients-', {}, async (broker, workDir) => {
    const kafka = new Kafka({ clientId: 'samsa-bench-admin', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const rows: ClientsRow[] = [];
    let topicSeq = 0;
    const createTopic = async (name: string): Promise<string> => {
      const topic = `${name}-${topicSeq++}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
      return topic;
    };
    const highWatermark = async (topic: string): Promise<number> => Number((await admin.fetchTopicOffsets(topic))[0]?.high ?? 0);

    const run = async (client: ClientName, test: string, job: WorkerJob, lingerMs: number | null, retries: number | null = null): Promise<void> => {
      const wireInFlight = job.wireInFlight ?? null;
      const profileFile = options.profileDir !== null && client === 'samsa'
        ? join(options.profileDir, `samsa-${test.replaceAll(' ', '-')}-${job.recordSize}b-linger${lingerMs}${retries === null ? '' : `-retries${retries}`}-acks${job.acks}.cpuprofile`)
        : null;
      const cpuBefore = clock.cpuSeconds(broker.pid);
      const result = await runWorker<WorkerResult>(WORKER, { ...job, profileFile }, `${job.client} ${job.kind} ${job.mode}`, REPO_ROOT);
      const brokerCpuSeconds = clock.cpuSeconds(broker.pid) - cpuBefore;
      if (job.kind === 'produce') {
        const hw = await highWatermark(job.topic);
        if (hw !== result.recordsWritten) throw new Error(`${client} ${test}: high watermark ${hw} after writing ${result.recordsWritten} records`);
        // Freed page cache is what the next run's writes reuse. Kept, each run's hundreds of MB would
        // send the next run to never-touched memory, which on this VM costs the broker 4x the system
        // time per byte written (first run 0.14 s, later runs 0.56-0.64 s per 256 MB): whichever
        // client ran later would pay for the ones before it.
        await admin.deleteTopics({ topics: [job.topic] });
      }
      const row: ClientsRow = {
        client, test, lingerMs, retries, wireInFlight, acks: job.acks, recordSize: job.recordSize, records: result.records, seconds: result.seconds,
        recordsPerSecond: result.records / result.seconds, megabytesPerSecond: (result.records * job.recordSize) / 1e6 / result.seconds,
        setupSeconds: result.setupSeconds, latencyMs: result.latencyMs, clientCpuSeconds: result.cpuSeconds, brokerCpuSeconds,
      };
      rows.push(row);
      process.stderr.write(`  ${formatRow(row).join('  ')}\n`);
    };

    await admin.connect();
    const sizes = [{ recordSize: 100, batched: options.records100b }, { recordSize: 1024, batched: options.records1kb }];
    for (const acks of options.acks) {
      for (const { recordSize, batched } of sizes) {
        const base = { bootstrap: broker.bootstrap, acks, batchSizeBytes: BATCH_SIZE_BYTES, recordSize, maxSeconds: options.maxSeconds,
          batchRecords: options.batchRecords, window: options.window, streamWindow: options.streamWindow };
        const modes: Array<{ mode: ProduceMode; records: number }> = [
          { mode: 'batched', records: batched }, { mode: 'one-at-a-time', records: options.recordsSingle }, { mode: 'streamed', records: batched },
        ];
        for (const { mode, records } of modes.filter((m) => options.tests.has(m.mode))) {
          for (const client of CLIENT_NAMES) {
            // The others send each call at once; Samsa's one-at-a-time row uses linger 0 to match,
            // plus one row at linger 5 to show what linger costs an application that awaits each send.
            // Batched, a second Samsa row runs with retries 0: while it retries, Samsa keeps one batch
            // per partition in flight so a retry cannot overtake (the others pipeline and may reorder);
            // without retries Kafka's ordering holds with several in flight.
            const variants: Array<{ lingerMs: number | null; retries: number | null }> = client !== 'samsa' ? [{ lingerMs: null, retries: null }]
              : mode === 'one-at-a-time' ? [{ lingerMs: 0, retries: null }, { lingerMs: LINGER_MS, retries: null }]
              : mode === 'batched' ? [{ lingerMs: LINGER_MS, retries: null }, { lingerMs: LINGER_MS, retries: 0 }]
              : [{ lingerMs: LINGER_MS, retries: null }];
            for (const { lingerMs, retries } of variants) {
              const topic = await createTopic(`clients-${client}-${mode}-${recordSize}b`);
              const maxSeconds = lingerMs === LINGER_MS && mode === 'one-at-a-time' ? Math.min(2, options.maxSeconds) : options.maxSeconds;
              const job: WorkerJob = { ...base, client, kind: 'produce', mode, topic, records, lingerMs: lingerMs ?? 0, maxSeconds, ...(retries === null ? {} : { retries }) };
              await run(client, `produce ${mode}`, job, lingerMs, retries);
            }
          }
          // The reference: prebuilt requests, no client. Batched, also with one request in flight,
          // which is what Samsa's producer allows a partition while retries are on. Not streamed:
          // there a request per record is the clients' choice, not a limit (Samsa batches them).
          if (mode === 'streamed') continue;
          for (const wireInFlight of mode === 'batched' ? [undefined, 1] : [undefined]) {
            const topic = await createTopic(`clients-wire-${mode}-${recordSize}b`);
            const job: WorkerJob = { ...base, client: 'wire', kind: 'produce', mode, topic, records, lingerMs: 0, ...(wireInFlight === undefined ? {} : { wireInFlight }) };
            await run('wire', `produce ${mode}`, job, null);
          }
        }
        if (acks !== options.acks[0] || !options.tests.has('consume')) continue;
        // Consume: the same bytes for every client, written by kcat in batches of up to 1 MB.
        const topic = await createTopic(`clients-consume-${recordSize}b`);
        const file = join(workDir, `${topic}.txt`);
        await writeRecordsFile(file, batched, recordSize);
        kcat(['-P', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-l', file, '-X', `linger.ms=${LINGER_MS}`, '-X', `batch.size=${BATCH_SIZE_BYTES}`,
          '-X', 'queue.buffering.max.messages=2000000', '-X', 'queue.buffering.max.kbytes=2000000']);
        const hw = await highWatermark(topic);
        if (hw !== batched) throw new Error(`${topic}: high watermark ${hw} after kcat produced ${batched} records`);
        for (const client of [...CLIENT_NAMES, 'wire' as const]) {
          await run(client, 'consume', { ...base, client, kind: 'consume', mode: 'batched', topic, records: batched, lingerMs: 0 }, null);
        }
      }
    }
    await admin.disconnect();
    return rows;
  });
}

const HEADER = ['client', 'test', 'acks', 'record', 'records', 'seconds', 'records/s', 'MB/s', 'p50 ms', 'p99 ms', 'client CPU s', 'broker CPU s'];

function clientLabel(row: ClientsRow): string {
  if (row.client === 'wire') return `wire, no client${row.wireInFlight === null ? '' : ` (${row.wireInFlight} in flight)`}`;
  if (row.client !== 'samsa' || row.lingerMs === null) return row.client;
  return `samsa (linger ${row.lingerMs}${row.retries === null ? '' : `, retries ${row.retries}`})`;
}

function formatRow(r: ClientsRow): string[] {
  const ms = (value: number | undefined): string => value === undefined ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1);
  // Consume latency is the gap between deliveries: meaningless for a client that delivers one record at a time.
  const latency = r.test === 'consume' && r.client === 'platformatic' ? null : r.latencyMs;
  return [
    clientLabel(r), r.test, r.test === 'consume' ? '-' : String(r.acks), r.recordSize === 1024 ? '1 KiB' : `${r.recordSize} B`, r.records.toLocaleString('en-US'), r.seconds.toFixed(2),
    Math.round(r.recordsPerSecond).toLocaleString('en-US'), r.megabytesPerSecond.toFixed(1), ms(latency?.p50), ms(latency?.p99),
    r.clientCpuSeconds.toFixed(2), r.brokerCpuSeconds.toFixed(2),
  ];
}

/**
 * Samsa's records/s over each other client's, per test (Samsa's linger 0 row for one at a time);
 * the wire rows' too, which are the most any client could show here.
 */
export function clientsRatios(rows: ClientsRow[]): Array<{ samsa: string; test: string; acks: number; recordSize: number; kafkajs: number; platformatic: number }> {
  const out = [];
  for (const samsa of rows) {
    if (samsa.client === 'kafkajs' || samsa.client === 'platformatic' || (samsa.test === 'produce one-at-a-time' && samsa.lingerMs === LINGER_MS)) continue;
    const other = (client: ClientName): number => {
      const row = rows.find((r) => r.client === client && r.test === samsa.test && r.acks === samsa.acks && r.recordSize === samsa.recordSize);
      return row === undefined ? NaN : samsa.recordsPerSecond / row.recordsPerSecond;
    };
    out.push({ samsa: clientLabel(samsa), test: samsa.test, acks: samsa.acks, recordSize: samsa.recordSize, kafkajs: other('kafkajs'), platformatic: other('platformatic') });
  }
  return out;
}

export function printClientsTable(rows: ClientsRow[]): void {
  printTable(HEADER, rows.map(formatRow), new Set([0, 1]));
  console.log('\nSamsa records/s over the others (goal: 3x KafkaJS, 1.5x @platformatic/kafka), and the wire rows\' (the most any client reaches here):');
  for (const r of clientsRatios(rows)) {
    const size = r.recordSize === 1024 ? '1 KiB' : `${r.recordSize} B`;
    console.log(`  ${r.test.padEnd(21)} acks=${String(r.acks).padEnd(2)} ${size.padStart(5)} ${r.samsa.padEnd(33)}:  ${r.kafkajs.toFixed(2)}x KafkaJS, ${r.platformatic.toFixed(2)}x platformatic`);
  }
}

export async function writeClientsResults(options: ClientsBenchOptions, rows: ClientsRow[]): Promise<void> {
  const settings = { ...options, lingerMs: LINGER_MS, batchSizeBytes: BATCH_SIZE_BYTES, compression: 'none', partitions: 1 };
  await writeResultsFile('clients-latest', { settings, rows, ratios: clientsRatios(rows) });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, ...clientsBenchArgs } });
  const options = clientsOptions(values, values.quick);
  const rows = await runClientsBench(options);
  printClientsTable(rows);
  await writeClientsResults(options, rows);
}

if (import.meta.main) await main();
