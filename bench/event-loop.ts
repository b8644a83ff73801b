/**
 * The broker's event-loop delay while the disk is slow: `node bench/event-loop.ts`, or the event
 * loop section of `npm run bench` (`npm run bench -- --event-loop-only` for this section alone).
 *
 * The broker runs as a child process with SAMSA_EVENT_LOOP_STATS set: it samples its own event
 * loop every millisecond (perf_hooks.monitorEventLoopDelay) and, at each SIGUSR2, writes the
 * histogram since the previous signal to stderr. Each phase is bracketed by two signals:
 *
 * - idle: nothing to do for 2 s, the floor this machine gives (timer slack, other processes);
 * - produce, flush.messages=1: kcat produces `--event-loop-flush-records` 1 KiB records in small
 *   batches (batch.num.messages=100, acks=all, 5 requests in flight as Java's producer allows) to a
 *   topic that fsyncs after every append, so every request asks for an fsync;
 * - produce, no flush: the same to a topic with the default flush policy (the OS writes back), the
 *   control: what the loop's delay is when the disk is not asked to wait;
 * - cold catch-up: a `--event-loop-mb` (1024) backlog of 1 KiB records is written once, the broker
 *   is restarted and the page cache dropped (`sync; echo 3 > /proc/sys/vm/drop_caches`, root only;
 *   the row says "warm" otherwise), then kcat reads it all from the beginning, as a consumer
 *   catching up on data from before a restart does. The restart matters: a broker reads what it
 *   appended itself lately (up to 1 GiB) on the event loop, trusting the page cache to hold it,
 *   which `drop_caches` behind its back would make a test of a wrong guess, not of cold reads.
 *
 * Goal (issue 11): p99 under 10 ms in both loaded phases. The numbers are the loop's delays, in ms.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from '../test/helpers/test-broker.ts';
import { EVENT_LOOP_STATS_ENV, EVENT_LOOP_STATS_SIGNAL, EVENT_LOOP_STATS_TAG, type EventLoopStats } from '../src/cli/event-loop-stats.ts';
import { withBenchBroker } from './bench-broker.ts';
import { KCAT_FAST_PRODUCER, runKcat, writeRecordsFile } from './kcat.ts';
import { machineInfo } from './machine-info.ts';
import { writeResultsFile } from './results-file.ts';
import { dropPageCache } from './storage.ts';
import { printTable } from './table.ts';

const { Kafka, logLevel } = kafkajs;
const RECORD_BYTES = 1024;
const IDLE_MS = 2000;
const STATS_ENV = { [EVENT_LOOP_STATS_ENV]: '1' };

export interface EventLoopBenchOptions {
  /** Records produced to the flush-every-message topic. */
  flushRecords: number;
  /** Size of the cold backlog, MB of record values. */
  backlogMb: number;
}

export interface EventLoopRow {
  phase: string;
  records: number;
  seconds: number;
  megabytesPerSecond: number;
  loop: EventLoopStats;
}

export const eventLoopBenchArgs = {
  'event-loop-flush-records': { type: 'string' },
  'event-loop-mb': { type: 'string' },
} as const;

export function eventLoopOptions(values: Partial<Record<keyof typeof eventLoopBenchArgs, string | undefined>>, quick: boolean): EventLoopBenchOptions {
  const scale = quick ? 0.1 : 1;
  return {
    flushRecords: Number(values['event-loop-flush-records'] ?? Math.round(200_000 * scale)),
    backlogMb: Number(values['event-loop-mb'] ?? Math.round(1024 * scale)),
  };
}

/** The stats lines the broker has written so far. */
function statsLines(broker: BrokerProcess): EventLoopStats[] {
  return broker.output().split('\n').filter((line) => line.startsWith(`${EVENT_LOOP_STATS_TAG} `))
    .map((line) => JSON.parse(line.slice(EVENT_LOOP_STATS_TAG.length + 1)) as EventLoopStats);
}

/** Signals the broker and waits for the report it writes back. */
async function report(broker: BrokerProcess): Promise<EventLoopStats> {
  // The output keeps a 64 KiB tail, so count by the last line's position, not by the number of lines.
  const before = broker.output().lastIndexOf(EVENT_LOOP_STATS_TAG);
  process.kill(broker.pid, EVENT_LOOP_STATS_SIGNAL);
  const deadline = Date.now() + 30_000;
  while (broker.output().lastIndexOf(EVENT_LOOP_STATS_TAG) === before || !broker.output().endsWith('\n')) {
    if (Date.now() > deadline) throw new Error('the broker wrote no event-loop stats: is SAMSA_EVENT_LOOP_STATS honoured?');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return statsLines(broker).at(-1)!;
}

/** Times `work` and the broker's event loop during it. */
async function phase(broker: BrokerProcess, name: string, records: number, work: () => Promise<void>): Promise<EventLoopRow> {
  await report(broker);
  const start = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const loop = await report(broker);
  return { phase: name, records, seconds, megabytesPerSecond: (records * RECORD_BYTES) / 1e6 / seconds, loop };
}

export async function runEventLoopBench(options: EventLoopBenchOptions): Promise<EventLoopRow[]> {
  const rows: EventLoopRow[] = [];
  await withBenchBroker('samsa-event-loop-bench-', {}, async (broker, workDir) => {
    const kafka = new Kafka({ clientId: 'samsa-event-loop-bench', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [
          { topic: 'flush-each', numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'flush.messages', value: '1' }] },
          { topic: 'no-flush', numPartitions: 1, replicationFactor: 1 },
          { topic: 'backlog', numPartitions: 1, replicationFactor: 1 },
        ],
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    rows.push(await phase(broker, 'idle', 0, () => new Promise((resolve) => setTimeout(resolve, IDLE_MS))));

    const flushFile = join(workDir, 'flush-each.txt');
    await writeRecordsFile(flushFile, options.flushRecords, RECORD_BYTES);
    for (const [name, topic] of [['produce, flush.messages=1', 'flush-each'], ['produce, no flush (control)', 'no-flush']] as const) {
      rows.push(await phase(broker, name, options.flushRecords, () => runKcat([
        '-P', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-l', flushFile,
        '-X', 'linger.ms=0', '-X', 'batch.num.messages=100', '-X', 'acks=all', '-X', 'max.in.flight.requests.per.connection=5',
      ])));
    }

    const backlogRecords = Math.round((options.backlogMb * 1e6) / RECORD_BYTES);
    const backlogFile = join(workDir, 'backlog.txt');
    await writeRecordsFile(backlogFile, backlogRecords, RECORD_BYTES);
    await runKcat(['-P', '-b', broker.bootstrap, '-t', 'backlog', '-p', '0', '-l', backlogFile, ...KCAT_FAST_PRODUCER]);
    await broker.stop();
    const restarted = await startBrokerProcess(broker.dataDir, {}, { env: STATS_ENV });
    try {
      const cold = dropPageCache();
      rows.push(await phase(restarted, `catch-up on ${options.backlogMb} MB, ${cold ? 'cold (page cache dropped)' : 'warm (cannot drop the page cache)'}, after a restart`,
        backlogRecords, () => runKcat(['-C', '-b', restarted.bootstrap, '-t', 'backlog', '-p', '0', '-o', 'beginning', '-e', '-q'])));
    } finally {
      await restarted.stop();
    }
  }, STATS_ENV);
  return rows;
}

export function printEventLoopTable(rows: readonly EventLoopRow[]): void {
  const machine = machineInfo();
  console.log(`${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.kcat}`);
  const header = ['phase', 'records', 'seconds', 'MB/s', 'loop p50 ms', 'loop p99 ms', 'loop max ms', 'samples'];
  printTable(header, rows.map((row) => [
    row.phase, row.records.toLocaleString('en-US'), row.seconds.toFixed(2), row.records === 0 ? '-' : row.megabytesPerSecond.toFixed(1),
    row.loop.p50Ms.toFixed(2), row.loop.p99Ms.toFixed(2), row.loop.maxMs.toFixed(2), row.loop.samples.toLocaleString('en-US'),
  ]), new Set([0]));
}

/** bench/results/event-loop-latest.json, with the date and the commit measured. */
export async function writeEventLoopResults(options: EventLoopBenchOptions, rows: readonly EventLoopRow[]): Promise<void> {
  await writeResultsFile('event-loop-latest', { options, rows });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ...eventLoopBenchArgs, quick: { type: 'boolean', default: false } } });
  const options = eventLoopOptions(values, values.quick);
  const rows = await runEventLoopBench(options);
  printEventLoopTable(rows);
  await writeEventLoopResults(options, rows);
}

if (import.meta.main) await main();
