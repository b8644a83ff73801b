/**
 * Metrics (issue 16): `node bench/metrics.ts [--quick]`, or the metrics section of `npm run bench`
 * (`--metrics-only`; `--skip-metrics` leaves it out). What metrics cost the broker.
 *
 * Three broker processes run side by side (default config, the network bench's): "on" with
 * `metrics.listener`, scraped every --metrics-scrape-interval-ms (5,000: three times the usual 15 s
 * of Prometheus setups) for as long as the bench runs, and two without, "off" and "control". The work
 * comes in rounds, and in each round every broker does the same chunk of it in turn, the order
 * rotating from round to round, so what the machine does meanwhile (other processes, the CPU's
 * clock, the page cache) falls on all three alike. One after the other, runs of the same broker
 * differ by 10–20% in CPU on this 2-core machine, far more than the effect to measure; side by side,
 * "control" against "off" shows what the method itself cannot tell apart.
 *
 * A round's chunk of each phase, in a one-partition topic per broker:
 * - produce: kcat produces --metrics-records (1,000,000) 100 B records with the network bench's
 *   producer settings (5 ms linger, ~1 MB batches, acks=all);
 * - fetch: kcat reads that round's records back;
 * - requests: --metrics-requests (20,000) Produce requests of one prebuilt 10-record batch each,
 *   acks=1, 16 in flight on one connection (bench/wire-driver.ts's way: no client work, the same
 *   bytes every time): the per-request cost, where request timing and histograms weigh most.
 * Rounds: --metrics-rounds (10) of each phase, in each of --metrics-sessions (3) sessions, each with
 * three brokers started afresh (one process's JIT can settle a few percent faster than another's, so
 * one session's brokers do not settle it). CPU is the scheduler's nanosecond count of the broker's
 * threads while it does its chunk. Reported per phase: CPU per GB of record values (per 10^6
 * requests) of each broker, on and control against off (totals), on against off per session, and a
 * 95% interval for on against off from the rounds' ratios (which the sessions' spread may exceed).
 *
 * --metrics-profile adds a run of the "on" broker alone under V8's CPU profiler (`--cpu-prof`) and
 * reports, per phase, the share of its busy samples spent on metrics: metrics code on the stack
 * (src/metrics/, prom-client: counting, request records, scrapes, Node's process metrics) or the
 * connection reading the clock for request times.
 */
import { readdir, readFile } from 'node:fs/promises';
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
import { machineInfo } from './machine-info.ts';
import { createCpuClock } from './process-cpu.ts';
import { writeResultsFile } from './results-file.ts';
import { printTable } from './table.ts';

const { Kafka, logLevel } = kafkajs;

export const metricsBenchArgs = {
  'metrics-records': { type: 'string' },
  'metrics-requests': { type: 'string' },
  'metrics-rounds': { type: 'string' },
  'metrics-sessions': { type: 'string' },
  'metrics-scrape-interval-ms': { type: 'string' },
  'metrics-profile': { type: 'boolean' },
} as const;

export interface MetricsBenchOptions {
  /** Records per round of produce and fetch. */
  readonly records: number;
  /** Produce requests per round. */
  readonly requests: number;
  readonly rounds: number;
  /** Sessions: each starts its three brokers afresh (a process's JIT may settle faster or slower than another's). */
  readonly sessions: number;
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
    records: number('metrics-records', 1_000_000, 100_000),
    requests: number('metrics-requests', 20_000, 2_000),
    rounds: number('metrics-rounds', 10, 2),
    sessions: number('metrics-sessions', 3, 1),
    scrapeIntervalMs: number('metrics-scrape-interval-ms', 5000, 5000),
    profile: values['metrics-profile'] === true,
  };
}

const RECORD_SIZE = 100;
const PHASES = ['produce', 'fetch', 'requests'] as const;
const RECORDS_PER_REQUEST = 10;
const REQUESTS_IN_FLIGHT = 16;
const MODES = ['off', 'control', 'on'] as const;
type Phase = (typeof PHASES)[number];
type Mode = (typeof MODES)[number];

/** One broker's chunk of one phase in one round. */
export interface MetricsChunk {
  readonly mode: Mode;
  readonly session: number;
  readonly round: number;
  readonly phase: Phase;
  /** Records (requests for the requests phase). */
  readonly records: number;
  readonly seconds: number;
  readonly brokerCpuSeconds: number;
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
  readonly chunks: readonly MetricsChunk[];
  readonly scrapes: number;
  readonly profile?: readonly ProfileShare[];
  readonly loadAverage: { readonly start: number; readonly end: number };
}

/** Units of work of a chunk: GB of record values, or 10^6 requests. */
function units(phase: Phase, records: number): number {
  return phase === 'requests' ? records / 1e6 : records * RECORD_SIZE / 1e9;
}

/** `requests` Produce requests of the same 10-record batch, REQUESTS_IN_FLIGHT at a time, on `connection`. */
async function produceRequests(connection: Connection, topic: string, requests: number): Promise<void> {
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
  await Promise.all(Array.from({ length: REQUESTS_IN_FLIGHT }, lane));
}

/** Starts a broker for each of `modes` (side by side), and runs `body` once all are up with their topics. */
async function withBrokers<T>(modes: readonly Mode[], metricsPort: number, env: NodeJS.ProcessEnv,
  body: (brokers: ReadonlyMap<Mode, BrokerProcess>, workDir: string) => Promise<T>): Promise<T> {
  const brokers = new Map<Mode, BrokerProcess>();
  const start = async (index: number): Promise<T> => {
    if (index === modes.length) return body(brokers, (await makeTempDir('samsa-bench-metrics-work-')));
    const mode = modes[index]!;
    const overrides: Record<string, string> = mode === 'on' ? { 'metrics.listener': `http://127.0.0.1:${metricsPort}` } : {};
    return withBenchBroker(`samsa-bench-metrics-${mode}-`, overrides, async (broker) => {
      const kafka = new Kafka({ clientId: 'samsa-bench', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'bench', numPartitions: 1 }, { topic: 'bench-small', numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();
      brokers.set(mode, broker);
      return start(index + 1);
    }, mode === 'on' ? env : {});
  };
  return start(0);
}

/** The rounds of every phase against brokers of `modes`, the "on" one scraped as Prometheus would. */
async function runSession(number: number, modes: readonly Mode[], options: MetricsBenchOptions, env: NodeJS.ProcessEnv = {}): Promise<{ chunks: MetricsChunk[]; scrapes: number }> {
  const clock = createCpuClock();
  const metricsPort = await findFreePort();
  return withBrokers(modes, metricsPort, env, async (brokers, workDir) => {
    const connections = new Map<Mode, Connection>();
    let scrapes = 0;
    const scrape = () => fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((response) => response.text()).then(() => { scrapes += 1; }, () => undefined);
    let scraper: NodeJS.Timeout | undefined;
    try {
      const file = join(workDir, 'records.txt');
      await writeRecordsFile(file, options.records, RECORD_SIZE);
      for (const [mode, broker] of brokers) {
        const connection = await Connection.open({ host: broker.host, port: broker.port, clientId: 'samsa-bench-metrics', requestTimeoutMs: 30_000, connectTimeoutMs: 10_000 });
        connections.set(mode, connection);
        // Warm-up: the first requests compile the produce path; not measured.
        await produceRequests(connection, 'bench-small', options.requests);
      }
      // The first scrape loads and compiles the exposition code, once in a broker's life: before the measured work.
      if (brokers.has('on')) await scrape();
      scraper = brokers.has('on') ? setInterval(() => void scrape(), options.scrapeIntervalMs) : undefined;
      const work: Record<Phase, (broker: BrokerProcess, mode: Mode, round: number) => Promise<void>> = {
        produce: (broker) => runKcat(['-P', '-b', broker.bootstrap, '-t', 'bench', '-p', '0', '-l', file, ...KCAT_FAST_PRODUCER]),
        fetch: (broker, _mode, round) => runKcat(['-C', '-b', broker.bootstrap, '-t', 'bench', '-p', '0', '-o', String(round * options.records), '-c', String(options.records), '-q']),
        requests: (_broker, mode) => produceRequests(connections.get(mode)!, 'bench-small', options.requests),
      };
      const chunks: MetricsChunk[] = [];
      for (const phase of PHASES) {
        for (let round = 0; round < options.rounds; round++) {
          const order = modes.map((_, i) => modes[(i + round) % modes.length]!);
          for (const mode of order) {
            const broker = brokers.get(mode)!;
            const cpuBefore = clock.runSeconds(broker.pid);
            const start = process.hrtime.bigint();
            await work[phase](broker, mode, round);
            const end = process.hrtime.bigint();
            chunks.push({
              mode, session: number, round, phase, records: phase === 'requests' ? options.requests : options.records, seconds: Number(end - start) / 1e9,
              brokerCpuSeconds: clock.runSeconds(broker.pid) - cpuBefore, startUs: Number(start / 1000n), endUs: Number(end / 1000n),
            });
          }
        }
      }
      return { chunks, scrapes };
    } finally {
      clearInterval(scraper);
      for (const connection of connections.values()) connection.close();
      await removeTempDir(workDir);
    }
  });
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
}

/** Per phase: the profile's samples in its chunks' time windows that were not idle, and those with metrics code on the stack. */
function profileShares(profile: CpuProfile, chunks: readonly MetricsChunk[]): ProfileShare[] {
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
  const shares = PHASES.map((phase) => ({ phase, busySamples: 0, metricsSamples: 0 }));
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    time += profile.timeDeltas[index] ?? 0;
    const chunk = chunks.find((c) => time >= c.startUs && time <= c.endUs);
    if (chunk === undefined || byId.get(id)?.callFrame.functionName === '(idle)') return;
    const share = shares[PHASES.indexOf(chunk.phase)]!;
    share.busySamples += 1;
    if (isMetrics(id) || isRequestClock(id)) share.metricsSamples += 1;
  });
  return shares;
}

/** The "on" broker alone under V8's profiler; the profile is written when it stops. */
async function profiledSession(options: MetricsBenchOptions): Promise<ProfileShare[]> {
  const dir = await makeTempDir('samsa-bench-metrics-profile-');
  try {
    const { chunks } = await runSession(0, ['on'], options, { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` });
    const [file] = await readdir(dir);
    if (file === undefined) throw new Error('the broker wrote no CPU profile');
    return profileShares(JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile, chunks);
  } finally {
    await removeTempDir(dir);
  }
}

export async function runMetricsBench(options: MetricsBenchOptions): Promise<MetricsResults> {
  const start = loadavg()[0]!;
  const profile = options.profile ? await profiledSession(options) : undefined;
  const chunks: MetricsChunk[] = [];
  let scrapes = 0;
  for (let number = 0; number < options.sessions; number++) {
    const done = await runSession(number, MODES, options);
    chunks.push(...done.chunks);
    scrapes += done.scrapes;
  }
  return { chunks, scrapes, ...(profile === undefined ? {} : { profile }), loadAverage: { start, end: loadavg()[0]! } };
}

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (1.96 beyond). */
const T95 = [12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.20, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.10, 2.09, 2.09, 2.08, 2.07, 2.07, 2.06, 2.06, 2.06, 2.05, 2.05, 2.05, 2.04];

/** A 95% interval for on against off: the rounds' log ratios, their mean ± t · standard error, as percentages. */
function interval(ratios: readonly number[]): [number, number] | undefined {
  if (ratios.length < 2) return undefined;
  const logs = ratios.map(Math.log);
  const mean = logs.reduce((sum, x) => sum + x, 0) / logs.length;
  const variance = logs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (logs.length - 1);
  const half = (T95[logs.length - 2] ?? 1.96) * Math.sqrt(variance / logs.length);
  return [(Math.exp(mean - half) - 1) * 100, (Math.exp(mean + half) - 1) * 100];
}

export function printMetricsTable(results: MetricsResults): void {
  const percent = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
  const rows = PHASES.map((phase) => {
    const of = (mode: Mode) => results.chunks.filter((c) => c.phase === phase && c.mode === mode);
    const cpu = (mode: Mode) => {
      const chunks = of(mode);
      return chunks.reduce((sum, c) => sum + c.brokerCpuSeconds, 0) / chunks.reduce((sum, c) => sum + units(phase, c.records), 0);
    };
    const rate = (mode: Mode) => {
      const chunks = of(mode);
      return chunks.reduce((sum, c) => sum + c.records, 0) / chunks.reduce((sum, c) => sum + c.seconds, 0);
    };
    const off = of('off');
    const ratios = of('on').map((c) => c.brokerCpuSeconds / off.find((o) => o.session === c.session && o.round === c.round)!.brokerCpuSeconds);
    const range = interval(ratios);
    const perSession = [...new Set(off.map((c) => c.session))].map((session) => {
      const total = (mode: Mode) => of(mode).filter((c) => c.session === session).reduce((sum, c) => sum + c.brokerCpuSeconds, 0);
      return percent((total('on') / total('off') - 1) * 100);
    }).join(' ');
    return [
      phase, String(off.length), Math.round(rate('off')).toLocaleString('en-US'), Math.round(rate('on')).toLocaleString('en-US'),
      cpu('off').toFixed(3), cpu('control').toFixed(3), cpu('on').toFixed(3),
      percent((cpu('control') / cpu('off') - 1) * 100), percent((cpu('on') / cpu('off') - 1) * 100), perSession,
      range === undefined ? '-' : `${percent(range[0])} to ${percent(range[1])}`,
    ];
  });
  const machine = machineInfo();
  console.log(`${machine.nproc} CPUs (${machine.cpuModel}), Node ${machine.node}, ${machine.kcat}; load average ${results.loadAverage.start.toFixed(2)} -> ${results.loadAverage.end.toFixed(2)}; ${results.scrapes} scrapes`);
  printTable(['phase', 'rounds', 'records/s off', 'records/s on', 'CPU off', 'CPU control', 'CPU on', 'control vs off', 'on vs off', 'per session', 'on vs off, 95%'], rows);
  console.log('CPU: broker CPU s per GB of record values (requests: per 10^6 requests; records/s there is requests/s), totals over the rounds.');
  if (results.profile !== undefined) {
    console.log('A profiled run of the "on" broker alone: its busy CPU samples spent on metrics (metrics code on the stack, or the connection\'s clock reads).');
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
