/**
 * Metrics (issue 16): `node bench/metrics.ts [--quick]`, or the metrics section of `npm run bench`
 * (`--metrics-only`; `--skip-metrics` leaves it out). What metrics cost the broker: the same work
 * against a broker process without metrics and one with `metrics.listener`, scraped every
 * --metrics-scrape-interval-ms (5,000: three times the usual 15 s of Prometheus setups) while it works.
 *
 * Each run starts a fresh broker process (default config, the network bench's) and, in a new
 * one-partition topic:
 * - produce: kcat produces --metrics-records (2,000,000, as the network bench) 100 B records with the network bench's
 *   producer settings (5 ms linger, ~1 MB batches, acks=all);
 * - fetch: kcat reads them back from the beginning to the end;
 * - requests: --metrics-requests (100,000) Produce requests of one prebuilt 10-record batch each,
 *   acks=1, 16 in flight on one connection (bench/wire-driver.ts's way: no client work, the same
 *   bytes every run): the per-request cost, where request timing and histograms weigh most, without
 *   kcat's batching, which varies with the machine's load.
 * Runs alternate off/on, the order reversed every other repetition (--metrics-repetitions, 5);
 * reported: the medians of records/s (requests/s) and of the broker's CPU seconds (utime + stime)
 * per GB of record values (per 10^6 requests), and on against off.
 *
 * On a shared machine those differences are mostly noise. --metrics-profile adds three runs with
 * metrics on under V8's CPU profiler (`--cpu-prof`) and reports, per phase, the share of the broker's
 * busy samples spent on metrics: metrics code on the stack (src/metrics/, prom-client: counting,
 * request records, scrapes, Node's process metrics) or the connection reading the clock for request
 * times. That direct cost is not blurred by other processes; what it leaves out is the young
 * generation's share of collecting the request records.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import kafkajs from 'kafkajs';
import { Apis } from '../src/client/apis.ts';
import { Connection } from '../src/client/connection.ts';
import { buildRecordBatch } from '../src/protocol/records/record-batch-builder.ts';
import { findFreePort, type BrokerProcess } from '../test/helpers/test-broker.ts';
import { makeTempDir, removeTempDir } from '../test/helpers/temp-dir.ts';
import { withBenchBroker } from './bench-broker.ts';
import { KCAT_FAST_PRODUCER, runKcat, writeRecordsFile } from './kcat.ts';
import { median } from './latency-stats.ts';
import { machineInfo } from './machine-info.ts';
import { createCpuClock } from './process-cpu.ts';
import { writeResultsFile } from './results-file.ts';
import { printTable } from './table.ts';

const { Kafka, logLevel } = kafkajs;

export const metricsBenchArgs = {
  'metrics-records': { type: 'string' },
  'metrics-requests': { type: 'string' },
  'metrics-repetitions': { type: 'string' },
  'metrics-scrape-interval-ms': { type: 'string' },
  'metrics-profile': { type: 'boolean' },
} as const;

export interface MetricsBenchOptions {
  readonly records: number;
  readonly requests: number;
  readonly repetitions: number;
  readonly scrapeIntervalMs: number;
  readonly profile: boolean;
}

export function metricsOptions(values: { readonly [K in keyof typeof metricsBenchArgs]?: K extends 'metrics-profile' ? boolean : string }, quick: boolean): MetricsBenchOptions {
  const number = (name: Exclude<keyof typeof metricsBenchArgs, 'metrics-profile'>, full: number, quickValue: number): number => {
    const n = values[name] === undefined ? (quick ? quickValue : full) : Number(values[name]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: not a positive integer: ${values[name]}`);
    return n;
  };
  return {
    records: number('metrics-records', 2_000_000, 200_000),
    requests: number('metrics-requests', 100_000, 10_000),
    repetitions: number('metrics-repetitions', 5, 2),
    scrapeIntervalMs: number('metrics-scrape-interval-ms', 5000, 5000),
    profile: values['metrics-profile'] === true,
  };
}

const RECORD_SIZE = 100;
const PHASES = ['produce', 'fetch', 'requests'] as const;
const RECORDS_PER_REQUEST = 10;
const REQUESTS_IN_FLIGHT = 16;
const PROFILED_RUNS = 3;
type Phase = (typeof PHASES)[number];
type Mode = 'off' | 'on';

export interface MetricsRun {
  readonly mode: Mode;
  readonly repetition: number;
  readonly phase: Phase;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly brokerCpuSeconds: number;
  readonly scrapes: number;
  /** When it ran, in the monotonic clock's µs (process.hrtime), which V8's profiles use too. */
  readonly startUs: number;
  readonly endUs: number;
}

/** A profiled run's share of the broker's busy samples in metrics code, per phase. */
export interface ProfileShare {
  readonly phase: Phase;
  readonly busySamples: number;
  readonly metricsSamples: number;
}

export interface MetricsResults {
  readonly runs: readonly MetricsRun[];
  readonly profile?: readonly ProfileShare[];
  readonly loadAverage: { readonly start: number; readonly end: number };
}

/** Cost per unit of work: CPU s per GB of values (per 10^6 requests for the requests phase). */
function cpuPerUnit(run: MetricsRun): number {
  return run.phase === 'requests' ? run.brokerCpuSeconds / (run.records / 1e6) : run.brokerCpuSeconds / (run.records * RECORD_SIZE / 1e9);
}

/** `requests` Produce requests of the same 10-record batch, REQUESTS_IN_FLIGHT at a time, on one connection. */
async function produceRequests(bootstrap: string, topic: string, requests: number): Promise<void> {
  const [host, port] = bootstrap.split(':') as [string, string];
  const connection = await Connection.open({ host, port: Number(port), clientId: 'samsa-bench-metrics', requestTimeoutMs: 30_000, connectTimeoutMs: 10_000 });
  const value = Buffer.alloc(RECORD_SIZE, 'x');
  const records = buildRecordBatch(Array.from({ length: RECORDS_PER_REQUEST }, () => ({ key: null, value, headers: [], timestamp: Date.now() })));
  let sent = 0;
  const lane = async (): Promise<void> => {
    while (sent < requests) {
      sent += 1;
      const response = await connection.send(Apis.Produce, { transactionalId: null, acks: 1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
      const code = response.responses[0]?.partitionResponses[0]?.errorCode;
      if (code !== 0) throw new Error(`produce to ${topic}-0: error code ${code}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: REQUESTS_IN_FLIGHT }, lane));
  } finally {
    connection.close();
  }
}

async function oneRun(mode: Mode, repetition: number, options: MetricsBenchOptions, env: NodeJS.ProcessEnv = {}): Promise<MetricsRun[]> {
  const clock = createCpuClock();
  const metricsPort = mode === 'on' ? await findFreePort() : 0;
  const overrides: Record<string, string> = mode === 'on' ? { 'metrics.listener': `http://127.0.0.1:${metricsPort}` } : {};
  return withBenchBroker('samsa-bench-metrics-', overrides, async (broker: BrokerProcess, workDir: string) => {
    const kafka = new Kafka({ clientId: 'samsa-bench', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'bench', numPartitions: 1 }, { topic: 'bench-small', numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const file = join(workDir, 'records.txt');
    await writeRecordsFile(file, options.records, RECORD_SIZE);
    // A scraper as Prometheus is, for as long as the broker works.
    let scrapes = 0;
    const scrape = () => fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((response) => response.text()).then(() => { scrapes += 1; }, () => undefined);
    const scraper = mode === 'off' ? undefined : setInterval(() => void scrape(), options.scrapeIntervalMs);
    // The first scrape loads and compiles the exposition code, once in a broker's life: before the measured work.
    if (mode === 'on') await scrape();
    const runs: MetricsRun[] = [];
    const measure = async (phase: Phase, records: number, work: () => Promise<void>): Promise<void> => {
      const cpuBefore = clock.cpuSeconds(broker.pid);
      const scrapesBefore = scrapes;
      const start = process.hrtime.bigint();
      await work();
      const end = process.hrtime.bigint();
      const seconds = Number(end - start) / 1e9;
      runs.push({
        mode, repetition, phase, records, seconds, recordsPerSecond: records / seconds,
        brokerCpuSeconds: clock.cpuSeconds(broker.pid) - cpuBefore, scrapes: scrapes - scrapesBefore,
        startUs: Number(start / 1000n), endUs: Number(end / 1000n),
      });
    };
    try {
      await measure('produce', options.records, () => runKcat(['-P', '-b', broker.bootstrap, '-t', 'bench', '-p', '0', '-l', file, ...KCAT_FAST_PRODUCER]));
      await measure('fetch', options.records, () => runKcat(['-C', '-b', broker.bootstrap, '-t', 'bench', '-p', '0', '-o', 'beginning', '-e', '-q']));
      await measure('requests', options.requests, () => produceRequests(broker.bootstrap, 'bench-small', options.requests));
    } finally {
      clearInterval(scraper);
    }
    return runs;
  }, env);
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
}

/** Per phase of `runs`: the profile's samples in its time window that were not idle, and those with metrics code on the stack. */
function profileShares(profile: CpuProfile, runs: readonly MetricsRun[]): ProfileShare[] {
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inMetrics = new Map<number, boolean>();
  const isMetrics = (id: number): boolean => {
    let known = inMetrics.get(id);
    if (known === undefined) {
      const url = byId.get(id)?.callFrame.url ?? '';
      const up = parent.get(id);
      known = url.includes('/src/metrics/') || url.includes('/prom-client/') || (up !== undefined && isMetrics(up));
      inMetrics.set(id, known);
    }
    return known;
  };
  // performance.now() called by the connection: it reads the clock only to time requests.
  const isRequestClock = (id: number): boolean => {
    const node = byId.get(id);
    const caller = byId.get(parent.get(id) ?? -1);
    return node?.callFrame.functionName === 'now' && node.callFrame.url === '' && caller?.callFrame.url.endsWith('/src/broker/server/connection.ts') === true;
  };
  const shares = runs.map((run) => ({ phase: run.phase, busySamples: 0, metricsSamples: 0 }));
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    time += profile.timeDeltas[index] ?? 0;
    const at = runs.findIndex((run) => time >= run.startUs && time <= run.endUs);
    if (at < 0 || byId.get(id)?.callFrame.functionName === '(idle)') return;
    shares[at]!.busySamples += 1;
    if (isMetrics(id) || isRequestClock(id)) shares[at]!.metricsSamples += 1;
  });
  return shares;
}

/** One run with metrics on, its broker under V8's CPU profiler; the profile is written when it stops. */
async function profiledRun(options: MetricsBenchOptions, workDir: string): Promise<ProfileShare[]> {
  const dir = join(workDir, 'cpu-profile');
  await mkdir(dir, { recursive: true });
  const runs = await oneRun('on', 0, options, { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` });
  const [file] = await readdir(dir);
  if (file === undefined) throw new Error('the broker wrote no CPU profile');
  return profileShares(JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile, runs);
}

export async function runMetricsBench(options: MetricsBenchOptions): Promise<MetricsResults> {
  const start = loadavg()[0]!;
  let profile: ProfileShare[] | undefined;
  for (let run = 0; options.profile && run < PROFILED_RUNS; run++) {
    const workDir = await makeTempDir('samsa-bench-metrics-profile-');
    try {
      const shares = await profiledRun(options, workDir);
      profile = shares.map((share, index) => ({
        phase: share.phase, busySamples: share.busySamples + (profile?.[index]?.busySamples ?? 0), metricsSamples: share.metricsSamples + (profile?.[index]?.metricsSamples ?? 0),
      }));
    } finally {
      await removeTempDir(workDir);
    }
  }
  const runs: MetricsRun[] = [];
  for (let repetition = 1; repetition <= options.repetitions; repetition++) {
    const order: Mode[] = repetition % 2 === 1 ? ['off', 'on'] : ['on', 'off'];
    for (const mode of order) {
      const done = await oneRun(mode, repetition, options);
      runs.push(...done);
      console.log(`  repetition ${repetition}, metrics ${mode}: ${done.map((r) => `${r.phase} ${Math.round(r.recordsPerSecond).toLocaleString('en-US')}/s, CPU ${r.brokerCpuSeconds.toFixed(2)} s`).join('; ')}`);
    }
  }
  return { runs, ...(profile === undefined ? {} : { profile }), loadAverage: { start, end: loadavg()[0]! } };
}

export function printMetricsTable(results: MetricsResults): void {
  const rows = PHASES.map((phase) => {
    const of = (mode: Mode) => results.runs.filter((r) => r.phase === phase && r.mode === mode);
    const rate = (mode: Mode) => median(of(mode).map((r) => r.recordsPerSecond));
    const cpu = (mode: Mode) => median(of(mode).map(cpuPerUnit));
    const change = (on: number, off: number) => `${((on / off - 1) * 100).toFixed(1)}%`;
    return [
      phase, String(of('off').length),
      Math.round(rate('off')).toLocaleString('en-US'), Math.round(rate('on')).toLocaleString('en-US'), change(rate('on'), rate('off')),
      cpu('off').toFixed(2), cpu('on').toFixed(2), change(cpu('on'), cpu('off')),
    ];
  });
  const machine = machineInfo();
  console.log(`${machine.nproc} CPUs (${machine.cpuModel}), Node ${machine.node}, ${machine.kcat}; load average ${results.loadAverage.start.toFixed(2)} -> ${results.loadAverage.end.toFixed(2)}`);
  printTable(['phase', 'runs', 'records/s off', 'records/s on', 'on vs off', 'CPU off', 'CPU on', 'on vs off'], rows);
  console.log('CPU: broker CPU s per GB of record values (requests: per 10^6 requests; records/s there is requests/s); medians.');
  if (results.profile !== undefined) {
    console.log(`${PROFILED_RUNS} profiled runs with metrics on: the broker's busy CPU samples spent on metrics (metrics code on the stack, or the connection's clock reads).`);
    printTable(['phase', 'busy samples', 'on metrics', 'share'], results.profile.map((share) => [
      share.phase, String(share.busySamples), String(share.metricsSamples), `${((share.metricsSamples / Math.max(1, share.busySamples)) * 100).toFixed(2)}%`,
    ]));
  }
}

export async function writeMetricsResults(options: MetricsBenchOptions, results: MetricsResults): Promise<void> {
  await writeResultsFile('metrics', { options, ...results });
}

if (import.meta.main) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { ...metricsBenchArgs, quick: { type: 'boolean', default: false } } });
  const options = metricsOptions(values, values.quick);
  const results = await runMetricsBench(options);
  printMetricsTable(results);
  await writeMetricsResults(options, results);
}
