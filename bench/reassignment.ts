/**
 * Partition reassignment (KIP-455) in a cluster on this machine: `node bench/reassignment.ts
 * [--quick]`, or the reassignment section of `npm run bench` (`--reassignment-only`;
 * `--skip-reassignment` leaves it out). ZooKeeper and broker processes as the fault tests start
 * them (test/helpers/cluster.ts), with Kafka's default replica fetch sizes and no throttle.
 *
 * - Three brokers; kcat writes --reassignment-mb MiB of 1 KiB records (acks=all) into `moving`, one
 *   partition with its one replica on broker 1; then a fourth broker joins (addBroker).
 * - A steady producer (ours, acks=all, linger 0) sends --reassignment-rate 1 KiB records/s to
 *   another topic, `steady` (RF=3 on brokers 1, 2, 3, led by broker 1, min.insync.replicas=2) from
 *   then to the end. Each send's latency runs from the moment the schedule gave it to its
 *   acknowledgement (a send the bench started late counts its lateness). After
 *   --reassignment-warmup-seconds, --reassignment-baseline-seconds of it are the "before" window.
 * - The move: AlterPartitionReassignments `moving`-0 -> [4]; from that call until
 *   ListPartitionReassignments (to the controller) lists nothing and every broker's Metadata names
 *   replicas [4] with ISR [4] (both polled every 100 ms). Its MB/s is of record values (10^6 bytes),
 *   as elsewhere; the log's own bytes are reported too, and in the results file the copy's bytes on
 *   disk and each broker's Metadata over time (where the seconds went). The steady producer's
 *   window "during" is that same interval. Then the partition's high watermark must still be the
 *   records written, and the copy's .log bytes those of the origin.
 * - --reassignment-rounds 2 moves it back (4 -> 1) after a new "before" window, and so on.
 *
 * Defaults: 1024 MiB, 1,000 records/s, 15 s of warm-up, 20 s before windows, two rounds; --quick:
 * 128 MiB, 5 s and 5 s, one round.
 *
 * The partition's data is in the page cache when it moves (written minutes before): the figures are
 * of the brokers and the loopback, not of a disk.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Producer, type Admin } from '../src/client/index.ts';
import { startCluster, type TestCluster } from '../test/helpers/cluster.ts';
import { KafkaApiClient } from '../test/helpers/kafka-api-client.ts';
import { metadata } from '../test/helpers/kafka-apis.ts';
import { flushDirtyPages, holdFreePageReporting, touchFreeMemory } from './guest-memory.ts';
import { KCAT_FAST_PRODUCER, runKcat, writeRecordsFile } from './kcat.ts';
import { nearestRank } from './latency-stats.ts';
import { createCpuClock } from './process-cpu.ts';
import { writeResultsFile } from './results-file.ts';
import { printTable } from './table.ts';

export const reassignmentBenchArgs = {
  'reassignment-mb': { type: 'string' },
  'reassignment-rate': { type: 'string' },
  'reassignment-warmup-seconds': { type: 'string' },
  'reassignment-baseline-seconds': { type: 'string' },
  'reassignment-rounds': { type: 'string' },
} as const;

export interface ReassignmentBenchOptions {
  /** MiB of 1 KiB record values in the moving partition. */
  readonly megabytes: number;
  /** The steady producer's records per second. */
  readonly rate: number;
  readonly warmUpSeconds: number;
  readonly baselineSeconds: number;
  readonly rounds: number;
}

export function reassignmentOptions(values: Partial<Record<keyof typeof reassignmentBenchArgs, string>>, quick: boolean): ReassignmentBenchOptions {
  const number = (name: keyof typeof reassignmentBenchArgs, full: number, short: number) => Number(values[name] ?? (quick ? short : full));
  return {
    megabytes: number('reassignment-mb', 1024, 128),
    rate: number('reassignment-rate', 1_000, 1_000),
    warmUpSeconds: number('reassignment-warmup-seconds', 15, 5),
    baselineSeconds: number('reassignment-baseline-seconds', 20, 5),
    rounds: number('reassignment-rounds', 2, 1),
  };
}

const RECORD_SIZE = 1024;
const MOVING = 'moving';
const STEADY = 'steady';
const POLL_MS = 100;
/** Between one move and the next round's "before" window. */
const SETTLE_SECONDS = 5;
/** A move not done in this long is reported as a failure (with the brokers' logs), not measured. */
const MOVE_TIMEOUT_MS = 20 * 60_000;
/** Backed memory for a move: the copy's page cache and then some (bench/guest-memory.ts). */
const TOUCHED_MEMORY_BYTES = 3 * 2 ** 30;

export interface ProducerWindow {
  readonly seconds: number;
  /** Sends the schedule started in the window, per second. */
  readonly offeredPerSecond: number;
  /** Acknowledgements that came in the window, per second, and as MB/s of record values. */
  readonly acknowledgedPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly failed: number;
  readonly latencyMs: { samples: number; p50: number; p99: number; p999: number; max: number } | null;
}

export interface MoveResult {
  readonly round: number;
  readonly from: number[];
  readonly to: number[];
  readonly controllerId: number;
  readonly records: number;
  readonly valueBytes: number;
  readonly logBytes: number;
  /** From the AlterPartitionReassignments call: its answer, the copy's first and last bytes on disk, the list empty, every Metadata final. */
  readonly acceptedSeconds: number;
  readonly firstByteSeconds: number | null;
  readonly copiedSeconds: number | null;
  readonly listedDoneSeconds: number;
  readonly metadataDoneSeconds: number;
  /** The move's time: the later of listedDone and metadataDone. */
  readonly seconds: number;
  readonly megabytesPerSecond: number;
  /** The origin's directory gone, from the call (not part of `seconds`). */
  readonly originDeletedSeconds: number;
  /** Each broker's CPU seconds over the move (ids 1..4), and over the "before" window scaled to the move's length. */
  readonly brokerCpuSeconds: Record<number, number>;
  readonly brokerCpuSecondsBaseline: Record<number, number>;
  /**
   * The steady producer before the move and during it; `copying` is the part of `during` until the
   * last poll that found the copy incomplete (so it leaves out whatever completing the move costs).
   */
  readonly producer: { readonly before: ProducerWindow; readonly during: ProducerWindow; readonly copying: ProducerWindow | null };
  /** [seconds from the call, bytes of .log files in the destination's directory], every poll. */
  readonly progress: Array<[number, number]>;
  /** [seconds from the call, broker, what its Metadata says of the partition], each time one changes until all are final. */
  readonly metadataChanges: Array<[number, number, string]>;
}

export interface ReassignmentBenchResults {
  readonly moves: MoveResult[];
  readonly loadAverage: { readonly atStart: number[]; readonly atEnd: number[] };
}

export async function runReassignmentBench(options: ReassignmentBenchOptions): Promise<ReassignmentBenchResults> {
  const atStart = loadAverage();
  const cluster = await startCluster({ brokers: 3, overrides: { 'log.segment.bytes': String(1 << 30) } });
  const restoreReporting = holdFreePageReporting();
  try {
    const records = Math.round((options.megabytes * 2 ** 20) / RECORD_SIZE);
    await cluster.createTopic({ topic: MOVING, replicaAssignment: [{ partition: 0, replicas: [1] }] });
    await cluster.createTopic({ topic: STEADY, replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }], configs: { 'min.insync.replicas': '2' } });
    const file = join(cluster.dir, 'records.txt');
    await writeRecordsFile(file, records, RECORD_SIZE);
    await runKcat(['-P', '-b', cluster.bootstrap, '-t', MOVING, '-p', '0', '-X', 'acks=all', ...KCAT_FAST_PRODUCER, '-l', file]);
    rmSync(file);
    const newId = await cluster.addBroker();
    const admin = cluster.admin('bench-reassignment');
    const producer = startSteadyProducer(cluster, options.rate);
    const measured: MoveMeasurement[] = [];
    try {
      await checkHighWatermark(admin, records);
      for (let round = 1; round <= options.rounds; round++) {
        const [from, to] = round % 2 === 1 ? [[1], [newId]] : [[newId], [1]];
        // The last move's dirty pages on disk, backed memory for the next: both block this process
        // for a second or two, and the steady producer catches up after them, before the window.
        flushDirtyPages();
        touchFreeMemory(TOUCHED_MEMORY_BYTES);
        await sleep((round === 1 ? options.warmUpSeconds : SETTLE_SECONDS) * 1_000);
        measured.push(await measureMove(cluster, admin, { round, from, to, records, baselineSeconds: options.baselineSeconds }));
      }
    } finally {
      await producer.stop();
      await admin.close();
    }
    const moves = measured.map(({ windows, ...move }) => ({
      ...move, producer: {
        before: producer.window(...windows.before), during: producer.window(...windows.during),
        copying: windows.copying === null ? null : producer.window(...windows.copying),
      },
    }));
    return { moves, loadAverage: { atStart, atEnd: loadAverage() } };
  } finally {
    restoreReporting();
    await cluster.close();
  }
}

/** The 1, 5 and 15 minute load averages, as `uptime` prints them. */
function loadAverage(): number[] {
  return loadavg().map((load) => Math.round(load * 100) / 100);
}

interface SteadySend {
  /** When the schedule gave this send (performance.now()). */
  readonly at: number;
  ackedAt: number;
  failed: boolean;
}

interface SteadyProducer {
  window(start: number, end: number): ProducerWindow;
  /** Stops scheduling sends and waits for every one begun to be acknowledged or fail. */
  stop(): Promise<void>;
}

/**
 * Our producer, acks=all and linger 0, sending one 1 KiB record every 1/rate s to `steady` until
 * stopped. A send is timed from its place in the schedule, not from when the bench got round to it:
 * a stall anywhere (the broker, the client, this process) shows as latency rather than as fewer sends.
 */
function startSteadyProducer(cluster: TestCluster, rate: number): SteadyProducer {
  const producer = new Producer({ bootstrapServers: cluster.runningBootstrapServers, clientId: 'bench-steady', acks: 'all', lingerMs: 0 });
  const value = Buffer.alloc(RECORD_SIZE, 'x');
  const sends: SteadySend[] = [];
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const intervalMs = 1_000 / rate;
  const loop = (async () => {
    for (let next = performance.now(); !stopped; next += intervalMs) {
      const wait = next - performance.now();
      if (wait > 1) await sleep(wait);
      const send: SteadySend = { at: next, ackedAt: NaN, failed: false };
      sends.push(send);
      const settled = producer.send({ topic: STEADY, partition: 0, value }).then(() => { send.ackedAt = performance.now(); }, () => { send.failed = true; });
      inFlight.add(settled);
      void settled.then(() => inFlight.delete(settled));
    }
  })();
  return {
    window(start: number, end: number): ProducerWindow {
      const seconds = (end - start) / 1_000;
      const started = sends.filter((s) => s.at >= start && s.at < end);
      const acknowledged = sends.filter((s) => s.ackedAt >= start && s.ackedAt < end).length;
      const sorted = Float64Array.from(started.filter((s) => !Number.isNaN(s.ackedAt)).map((s) => s.ackedAt - s.at)).sort();
      const rank = (p: number) => nearestRank(sorted, p);
      return {
        seconds,
        offeredPerSecond: started.length / seconds,
        acknowledgedPerSecond: acknowledged / seconds,
        megabytesPerSecond: (acknowledged * RECORD_SIZE) / 1e6 / seconds,
        failed: started.filter((s) => s.failed).length,
        latencyMs: sorted.length === 0 ? null : { samples: sorted.length, p50: rank(0.5), p99: rank(0.99), p999: rank(0.999), max: sorted[sorted.length - 1]! },
      };
    },
    async stop(): Promise<void> {
      stopped = true;
      await loop;
      await Promise.all([...inFlight]);
      await producer.close();
    },
  };
}

interface MovePlan {
  readonly round: number;
  readonly from: number[];
  readonly to: number[];
  readonly records: number;
  readonly baselineSeconds: number;
}

/** Bytes of the .log files in broker `id`'s directory of `moving`-0 (0 when it has none). */
function logBytes(cluster: TestCluster, id: number): number {
  const dir = join(cluster.broker(id).logDir, `${MOVING}-0`);
  let total = 0;
  try {
    for (const entry of readdirSync(dir)) {
      if (!entry.endsWith('.log')) continue;
      try {
        total += statSync(join(dir, entry)).size;
      } catch {
        // Removed between the listing and the stat.
      }
    }
  } catch {
    return 0;
  }
  return total;
}

/** Whether broker `id` still holds any directory of `moving`-0 (also one renamed for deletion). */
function holdsMoving(cluster: TestCluster, id: number): boolean {
  return readdirSync(cluster.broker(id).logDir).some((entry) => entry === `${MOVING}-0` || entry.startsWith(`${MOVING}-0.`));
}

async function highWatermark(admin: Admin): Promise<number> {
  const [answer] = await admin.listOffsets([{ topic: MOVING, partition: 0, spec: 'latest' }]);
  return answer!.offset;
}

async function checkHighWatermark(admin: Admin, records: number): Promise<void> {
  const found = await highWatermark(admin);
  if (found !== records) throw new Error(`${MOVING}-0: high watermark ${found} after writing ${records} records`);
}

interface PartitionState { readonly leaderId: number; readonly leaderEpoch: number; readonly replicas: number[]; readonly isr: number[] }

/** What each running broker's Metadata says of `moving`-0: leader, epoch, replicas, ISR. */
async function partitionStates(cluster: TestCluster, clients: Map<number, KafkaApiClient>): Promise<Map<number, PartitionState | undefined>> {
  const ids = cluster.runningIds;
  const answers = await Promise.all(ids.map(async (id) => {
    let client = clients.get(id);
    if (client === undefined) clients.set(id, client = await KafkaApiClient.open('127.0.0.1', cluster.broker(id).port));
    const response = await metadata(client, [MOVING], { allowAutoTopicCreation: false });
    const p = response.topics[0]?.partitions.find((p) => p.partitionIndex === 0);
    return p === undefined ? undefined : { leaderId: p.leaderId, leaderEpoch: p.leaderEpoch ?? -1, replicas: p.replicaNodes, isr: p.isrNodes };
  }));
  return new Map(ids.map((id, i) => [id, answers[i]]));
}

type Window = [start: number, end: number];
type MoveMeasurement = Omit<MoveResult, 'producer'> & { readonly windows: { readonly before: Window; readonly during: Window; readonly copying: Window | null } };

async function measureMove(cluster: TestCluster, admin: Admin, plan: MovePlan): Promise<MoveMeasurement> {
  const { round, from, to, records, baselineSeconds } = plan;
  const { controllerId } = await cluster.waitForBrokers(cluster.ids);
  const originBytes = logBytes(cluster, from[0]!);
  const clients = new Map<number, KafkaApiClient>();
  const clock = createCpuClock();
  const ids = cluster.ids;
  const cpu = () => Object.fromEntries(ids.map((id) => [id, clock.cpuSeconds(cluster.broker(id).pid!)])) as Record<number, number>;
  try {
    const beforeStart = performance.now();
    const cpuBeforeStart = cpu();
    await sleep(baselineSeconds * 1_000);
    const beforeEnd = performance.now();
    const cpuBeforeEnd = cpu();

    const start = performance.now();
    const [answer] = await admin.alterPartitionReassignments([{ topic: MOVING, partition: 0, replicas: to }]);
    if (answer?.error !== null) throw new Error(`AlterPartitionReassignments ${MOVING}-0 -> [${to}]: ${answer?.error?.message ?? 'no answer'}`);
    const acceptedAt = performance.now();
    const progress: Array<[number, number]> = [];
    let firstByteAt: number | undefined;
    let copiedAt: number | undefined;
    let lastIncompleteAt: number | undefined;
    let listedDoneAt: number | undefined;
    let metadataDoneAt: number | undefined;
    let lastListed = '';
    const lastState = new Map<number, string>();
    const metadataChanges: Array<[number, number, string]> = [];
    while (listedDoneAt === undefined || metadataDoneAt === undefined) {
      const now = performance.now();
      if (now - start > MOVE_TIMEOUT_MS) {
        const logs = await Promise.all(ids.map(async (id) => `--- broker ${id} ---\n${await cluster.logTail(id, 30)}`));
        throw new Error(`${MOVING}-0 -> [${to}] not done after ${MOVE_TIMEOUT_MS / 1_000} s: listed ${lastListed || 'nothing'}, metadata ${metadataDoneAt === undefined ? 'not final' : 'final'}, `
          + `${logBytes(cluster, to[0]!)} of ${originBytes} bytes copied\n${logs.join('\n')}`);
      }
      const bytes = logBytes(cluster, to[0]!);
      progress.push([(now - start) / 1_000, bytes]);
      if (firstByteAt === undefined && bytes > 0) firstByteAt = now;
      if (copiedAt === undefined && bytes >= originBytes) copiedAt = now;
      if (bytes < originBytes) lastIncompleteAt = now;
      if (listedDoneAt === undefined) {
        const ongoing = await admin.listPartitionReassignments([{ topic: MOVING, partition: 0 }]);
        lastListed = JSON.stringify(ongoing);
        if (ongoing.length === 0) listedDoneAt = performance.now();
      }
      if (metadataDoneAt === undefined) {
        const states = await partitionStates(cluster, clients);
        const at = performance.now();
        for (const [id, state] of states) {
          const text = state === undefined ? 'unknown' : `leader ${state.leaderId} epoch ${state.leaderEpoch} replicas [${state.replicas}] isr [${state.isr}]`;
          if (lastState.get(id) !== text) metadataChanges.push([(at - start) / 1_000, id, text]);
          lastState.set(id, text);
        }
        const final = (p: PartitionState | undefined) => p !== undefined && p.replicas.join(',') === to.join(',')
          && [...p.isr].sort((a, b) => a - b).join(',') === [...to].sort((a, b) => a - b).join(',') && to.includes(p.leaderId);
        if ([...states.values()].every(final)) metadataDoneAt = at;
      }
      if (listedDoneAt === undefined || metadataDoneAt === undefined) await sleep(POLL_MS);
    }
    const end = Math.max(listedDoneAt, metadataDoneAt);
    const cpuEnd = cpu();
    const seconds = (end - start) / 1_000;
    const baselineScale = (end - start) / (beforeEnd - beforeStart);

    // Not timed: the origin deletes its copy; nothing was lost on the way.
    for (const deadline = performance.now() + 120_000; holdsMoving(cluster, from[0]!);) {
      if (performance.now() > deadline) throw new Error(`broker ${from[0]} still holds ${MOVING}-0 two minutes after the move`);
      await sleep(POLL_MS);
    }
    const originDeletedSeconds = (performance.now() - start) / 1_000;
    const copiedBytes = logBytes(cluster, to[0]!);
    if (copiedBytes !== originBytes) console.warn(`round ${round}: broker ${to[0]} holds ${copiedBytes} bytes of .log files, broker ${from[0]} held ${originBytes}`);
    await checkHighWatermark(admin, records);
    const sinceStart = (at: number | undefined) => (at === undefined ? null : (at - start) / 1_000);
    return {
      round, from, to, controllerId, records, valueBytes: records * RECORD_SIZE, logBytes: originBytes,
      acceptedSeconds: sinceStart(acceptedAt)!, firstByteSeconds: sinceStart(firstByteAt), copiedSeconds: sinceStart(copiedAt),
      listedDoneSeconds: sinceStart(listedDoneAt)!, metadataDoneSeconds: sinceStart(metadataDoneAt)!,
      seconds, megabytesPerSecond: (records * RECORD_SIZE) / 1e6 / seconds, originDeletedSeconds,
      brokerCpuSeconds: Object.fromEntries(ids.map((id) => [id, cpuEnd[id]! - cpuBeforeEnd[id]!])),
      brokerCpuSecondsBaseline: Object.fromEntries(ids.map((id) => [id, (cpuBeforeEnd[id]! - cpuBeforeStart[id]!) * baselineScale])),
      progress, metadataChanges,
      windows: { before: [beforeStart, beforeEnd], during: [start, end], copying: lastIncompleteAt === undefined ? null : [start, lastIncompleteAt] },
    };
  } finally {
    for (const client of clients.values()) client.close();
  }
}

export function printReassignmentTable(results: ReassignmentBenchResults, options: ReassignmentBenchOptions): void {
  const s = (value: number | null) => (value === null ? '-' : `${value.toFixed(2)} s`);
  const rows: string[][] = [];
  for (const m of results.moves) {
    console.log(`round ${m.round}: ${MOVING}-0 [${m.from}] -> [${m.to}] (controller ${m.controllerId}), ${(m.valueBytes / 1e6).toFixed(1)} MB of values `
      + `(${m.records.toLocaleString('en-US')} x 1 KiB; ${(m.logBytes / 1e6).toFixed(1)} MB of log) in ${m.seconds.toFixed(2)} s: ${m.megabytesPerSecond.toFixed(1)} MB/s`);
    console.log(`  from the call: accepted ${s(m.acceptedSeconds)}, first byte ${s(m.firstByteSeconds)}, all bytes ${s(m.copiedSeconds)}, `
      + `list empty ${s(m.listedDoneSeconds)}, every Metadata final ${s(m.metadataDoneSeconds)}; origin deleted ${s(m.originDeletedSeconds)}`);
    const ids = Object.keys(m.brokerCpuSeconds).map(Number);
    console.log(`  broker CPU s over the move, ${ids.join(' / ')}: ${ids.map((id) => m.brokerCpuSeconds[id]!.toFixed(2)).join(' / ')} `
      + `(the steady load alone, from the window before: ${ids.map((id) => m.brokerCpuSecondsBaseline[id]!.toFixed(2)).join(' / ')})`);
    for (const [name, w] of [['before', m.producer.before], ['during', m.producer.during], ['  copying', m.producer.copying]] as const) {
      if (w === null) continue;
      const l = w.latencyMs;
      rows.push([String(m.round), name, w.seconds.toFixed(1), w.offeredPerSecond.toFixed(0), w.acknowledgedPerSecond.toFixed(0), w.megabytesPerSecond.toFixed(2),
        l === null ? '-' : l.p50.toFixed(2), l === null ? '-' : l.p99.toFixed(2), l === null ? '-' : l.p999.toFixed(2), l === null ? '-' : l.max.toFixed(2), String(w.failed)]);
    }
  }
  console.log(`steady producer: ${options.rate}/s x 1 KiB, acks=all, to ${STEADY} (RF=3, brokers 1, 2, 3, led by 1); latency from each send's place in the schedule, ms`);
  printTable(['round', 'window', 's', 'offered/s', 'acked/s', 'MB/s', 'p50', 'p99', 'p99.9', 'max', 'failed'], rows, new Set([1]));
  const [a, b] = [results.loadAverage.atStart, results.loadAverage.atEnd];
  console.log(`load average at the start ${a.join(' ')}, at the end ${b.join(' ')}`);
}

export async function writeReassignmentResults(options: ReassignmentBenchOptions, results: ReassignmentBenchResults): Promise<void> {
  await writeResultsFile('reassignment', { options, ...results });
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, ...reassignmentBenchArgs } });
  const options = reassignmentOptions(values, values.quick);
  const results = await runReassignmentBench(options);
  printReassignmentTable(results, options);
  await writeReassignmentResults(options, results);
  process.exit(0);
}
