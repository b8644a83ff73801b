/**
 * A 3-broker cluster on this machine: `node bench/cluster.ts [--quick]`, or the cluster section of
 * `npm run bench` (`--cluster-only` for it alone, `--skip-cluster` to leave it out). ZooKeeper and
 * three broker processes as the fault tests start them (test/helpers/cluster.ts: bin/samsa broker
 * with dev-cluster's server.properties).
 *
 * - Produce throughput: kcat (librdkafka) writes --cluster-records 1 KiB records into a one-partition
 *   topic with RF=3 and acks=all (min.insync.replicas=2), then into one with RF=1 and acks=1, both
 *   led by broker 2; the ratio of the two is the cost of replication (issue 12's goal: at least
 *   70%). A warm-up round, then --cluster-throughput-rounds rounds of both; the ratio is of the medians.
 * - End-to-end latency: our producer (acks=all) sends --cluster-latency-rate records/s for
 *   --cluster-latency-seconds to an RF=3 partition, our consumer (in the same process, so one clock)
 *   receives them; each record carries its send time. The first --cluster-latency-warmup-seconds
 *   (15) are warm-up. p50/p99/p99.9.
 * - Failover: the leader of an RF=3 partition is SIGKILLed while a producer (acks=all, retrying)
 *   awaits one send after another; the time from the kill to the first acknowledgement after it
 *   (which the new leader gave), --cluster-failovers times, with zookeeper.session.timeout.ms
 *   --cluster-session-ms (the time ZooKeeper takes to notice the dead broker is most of it).
 * - Scale: --cluster-partitions partitions (RF=3) over the three brokers: RSS and idle CPU of each
 *   broker, and a full cluster restart (all three killed, then started) until every partition has a
 *   leader and a full ISR again.
 *
 * --cluster-steps names which of throughput, latency, failover and scale to take (all by default).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Consumer, Producer, type Admin } from '../src/client/index.ts';
import { startCluster, type TestCluster } from '../test/helpers/cluster.ts';
import { KCAT_FAST_PRODUCER, runKcat, writeRecordsFile } from './kcat.ts';
import { flushDirtyPages, holdFreePageReporting, touchFreeMemory } from './guest-memory.ts';
import { median, nearestRank } from './latency-stats.ts';
import { createCpuClock } from './process-cpu.ts';
import { writeResultsFile } from './results-file.ts';

export const clusterBenchArgs = {
  'cluster-records': { type: 'string' },
  'cluster-throughput-rounds': { type: 'string' },
  'cluster-latency-rate': { type: 'string' },
  'cluster-latency-seconds': { type: 'string' },
  'cluster-latency-warmup-seconds': { type: 'string' },
  'cluster-failovers': { type: 'string' },
  'cluster-session-ms': { type: 'string' },
  'cluster-partitions': { type: 'string' },
  'cluster-steps': { type: 'string' },
} as const;

const STEPS = ['throughput', 'latency', 'failover', 'scale'] as const;
type Step = (typeof STEPS)[number];

export interface ClusterBenchOptions {
  readonly records: number;
  readonly throughputRounds: number;
  readonly latencyRate: number;
  readonly latencySeconds: number;
  readonly latencyWarmUpSeconds: number;
  readonly failovers: number;
  readonly sessionTimeoutMs: number;
  readonly partitions: number;
  /** Which measurements to take (--cluster-steps throughput,latency): all four unless named. */
  readonly steps: ReadonlySet<Step>;
}

export function clusterOptions(values: Partial<Record<keyof typeof clusterBenchArgs, string>>, quick: boolean): ClusterBenchOptions {
  const number = (name: keyof typeof clusterBenchArgs, full: number, short: number) => Number(values[name] ?? (quick ? short : full));
  return {
    records: number('cluster-records', 500_000, 50_000),
    throughputRounds: number('cluster-throughput-rounds', 3, 1),
    latencyRate: number('cluster-latency-rate', 1_000, 1_000),
    latencySeconds: number('cluster-latency-seconds', 30, 5),
    latencyWarmUpSeconds: number('cluster-latency-warmup-seconds', 15, 5),
    failovers: number('cluster-failovers', 5, 2),
    sessionTimeoutMs: number('cluster-session-ms', 6_000, 6_000),
    partitions: number('cluster-partitions', 3_000, 300),
    steps: new Set(values['cluster-steps']?.split(',').map((step) => {
      if (!(STEPS as readonly string[]).includes(step)) throw new Error(`--cluster-steps: ${step} is not one of ${STEPS.join(', ')}`);
      return step as Step;
    }) ?? STEPS),
  };
}

const RECORD_SIZE = 1024;

export interface ClusterBenchResults {
  throughput: Array<{ round: number; topic: string; replicationFactor: number; acks: string; records: number; seconds: number; megabytesPerSecond: number; brokerCpuSeconds: number[]; kcatCpuSeconds: number }>;
  replicatedShare: number | null;
  latencyMs: { samples: number; p50: number; p99: number; p999: number; max: number } | null;
  failoverMs: number[];
  scale: { partitions: number; rssMb: number[]; idleCpuPercent: number[]; restartSeconds: number } | null;
}

export async function runClusterBench(options: ClusterBenchOptions): Promise<ClusterBenchResults> {
  const overrides = { 'zookeeper.session.timeout.ms': String(options.sessionTimeoutMs), 'log.segment.bytes': String(1 << 30) };
  const cluster = await startCluster({ brokers: 3, overrides });
  try {
    const { steps } = options;
    const throughput = steps.has('throughput') ? await measureThroughput(cluster, options.records, options.throughputRounds) : [];
    const latencyMs = steps.has('latency') ? await measureLatency(cluster, options.latencyRate, options.latencySeconds, options.latencyWarmUpSeconds) : null;
    const failoverMs = steps.has('failover') ? await measureFailovers(cluster, options.failovers) : [];
    const scale = steps.has('scale') ? await measureScale(cluster, options.partitions) : null;
    const medianOf = (replicationFactor: number) => median(throughput.filter((row) => row.replicationFactor === replicationFactor).map((row) => row.megabytesPerSecond));
    const replicatedShare = throughput.length > 0 ? medianOf(3) / medianOf(1) : null;
    return { throughput, replicatedShare, latencyMs, failoverMs, scale };
  } finally {
    await cluster.close();
  }
}

/**
 * Both rows led by broker 2 (not the first, which usually is the controller): the same process does
 * a leader's work in both, and the warm-up round warms the very leader and followers measured.
 */
const THROUGHPUT_ROWS = [['rf3-acks-all', [2, 3, 1], 'all'], ['rf1-acks-1', [2], '1']] as const;
/** Enough backed memory for a round: the records file, three replicas of it, kcat's queue. */
const TOUCHED_MEMORY_BYTES = 4 * 2 ** 30;

/**
 * Round 0 warms up (V8's compiled code, the brokers' pooled buffers) and is not reported; then
 * rounds of RF=3 then RF=1, so whatever drifts over the runs lands on both rows. Each run writes
 * to a fresh topic after the dirty pages of the last are on disk, and its topic is deleted after
 * it, so every run writes into recycled, backed page cache (bench/guest-memory.ts), which the
 * machine's balloon driver is kept from handing back to the host meanwhile.
 */
async function measureThroughput(cluster: TestCluster, records: number, rounds: number): Promise<ClusterBenchResults['throughput']> {
  const restoreReporting = holdFreePageReporting();
  try {
    return await throughputRounds(cluster, records, rounds);
  } finally {
    restoreReporting();
  }
}

async function throughputRounds(cluster: TestCluster, records: number, rounds: number): Promise<ClusterBenchResults['throughput']> {
  const file = join(cluster.dir, 'records.txt');
  await writeRecordsFile(file, records, RECORD_SIZE);
  touchFreeMemory(TOUCHED_MEMORY_BYTES);
  const rows = [];
  const clock = createCpuClock();
  for (let round = 0; round <= rounds; round++) {
    for (const [name, replicas, acks] of THROUGHPUT_ROWS) {
      const topic = `${name}-${round}`;
      const replicationFactor = replicas.length;
      await cluster.createTopic({ topic, replicaAssignment: [{ partition: 0, replicas: [...replicas] }], configs: { 'min.insync.replicas': String(Math.min(2, replicationFactor)) } });
      await untilReplicating(cluster, topic);
      flushDirtyPages();
      const pids = cluster.ids.map((id) => cluster.broker(id).pid!);
      const cpuBefore = pids.map((pid) => clock.cpuSeconds(pid));
      const kcatBefore = clock.exitedChildrenCpuSeconds();
      const start = performance.now();
      await runKcat(['-P', '-b', cluster.bootstrap, '-t', topic, '-p', '0', '-X', `acks=${acks}`, ...KCAT_FAST_PRODUCER, '-l', file]);
      const seconds = (performance.now() - start) / 1000;
      // Where the two cores went: each broker's CPU seconds over the run, and kcat's.
      const brokerCpuSeconds = pids.map((pid, i) => clock.cpuSeconds(pid) - cpuBefore[i]!);
      const kcatCpuSeconds = clock.exitedChildrenCpuSeconds() - kcatBefore;
      if (round > 0) rows.push({ round, topic, replicationFactor, acks, records, seconds, megabytesPerSecond: (records * RECORD_SIZE) / 1e6 / seconds, brokerCpuSeconds, kcatCpuSeconds });
      await deleteAndWaitForFiles(cluster, topic);
    }
  }
  return rows;
}

/**
 * Returns once one record written with acks=all is acknowledged: every replica of the new topic's
 * partition is fetching. A follower that asks before the leader has taken its LeaderAndIsr is told
 * NOT_LEADER_OR_FOLLOWER and waits replica.fetch.backoff.ms (1 s, as in Kafka) before it asks again;
 * kcat started at once would spend that second waiting on acknowledgements, which measures topic
 * creation, not replication.
 */
async function untilReplicating(cluster: TestCluster, topic: string): Promise<void> {
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, clientId: 'bench-prime', acks: 'all', lingerMs: 0 });
  try {
    await producer.send({ topic, partition: 0, value: 'first' });
  } finally {
    await producer.close();
  }
}

/** Deletes `topic` and waits until no broker has a directory of it left: its page cache is free again. */
async function deleteAndWaitForFiles(cluster: TestCluster, topic: string): Promise<void> {
  const admin = cluster.admin('bench-delete');
  try {
    await admin.deleteTopics([topic]);
  } finally {
    await admin.close();
  }
  const left = () => cluster.ids.some((id) => readdirSync(cluster.broker(id).logDir).some((entry) => entry.startsWith(`${topic}-`)));
  for (const deadline = performance.now() + 60_000; left();) {
    if (performance.now() > deadline) throw new Error(`the logs of deleted topic ${topic} are still on disk after 60 s`);
    await sleep(100);
  }
}

/**
 * The warm-up is long because the first seconds are V8 compiling four processes' hot paths on the
 * same two cores: records slower than 3 ms come 10-60 a second for the first ~13 s, then 1-15.
 */
async function measureLatency(cluster: TestCluster, rate: number, seconds: number, warmUpSeconds: number): Promise<ClusterBenchResults['latencyMs']> {
  const topic = 'latency';
  await cluster.createTopic({ topic, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, clientId: 'bench-latency', acks: 'all', lingerMs: 0 });
  const consumer = new Consumer({ bootstrapServers: cluster.bootstrapServers, clientId: 'bench-latency', fetchMaxWaitMs: 500 });
  consumer.assign([{ topic, partition: 0 }]);
  await consumer.seekToEnd();
  const samples: number[] = [];
  const warmUpEnd = performance.now() + warmUpSeconds * 1_000;
  const end = warmUpEnd + seconds * 1_000;
  let received = 0;
  let sent = 0;
  const receiving = (async () => {
    while (performance.now() < end + 5_000) {
      for (const record of await consumer.poll(200)) {
        received++;
        const sentAt = Number(record.value?.toString());
        if (sentAt >= warmUpEnd) samples.push(performance.now() - sentAt);
      }
      if (performance.now() >= end && received >= sent) break;
    }
  })();
  const intervalMs = 1_000 / rate;
  for (let next = performance.now(); next < end; next += intervalMs) {
    const wait = next - performance.now();
    if (wait > 1) await sleep(wait);
    sent++;
    void producer.send({ topic, partition: 0, value: String(performance.now()) }).catch(() => { sent--; });
  }
  await receiving;
  await producer.close();
  await consumer.close();
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number) => nearestRank(sorted, p);
  return { samples: sorted.length, p50: rank(0.5), p99: rank(0.99), p999: rank(0.999), max: sorted[sorted.length - 1]! };
}

async function measureFailovers(cluster: TestCluster, rounds: number): Promise<number[]> {
  const topic = 'failover';
  await cluster.createTopic({ topic, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, clientId: 'bench-failover', acks: 'all', lingerMs: 0,
    retryBackoffMs: 20, retryBackoffMaxMs: 100, reconnectBackoffMaxMs: 100 });
  const times: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const { leaderId } = await cluster.waitForIsr(topic, 0, [1, 2, 3]);
      await producer.send({ topic, partition: 0, value: 'warm' });
      let killedAt = Infinity;
      let firstAckAfterKill = Infinity;
      const sending = (async () => {
        while (firstAckAfterKill === Infinity) {
          // Only a send begun after the kill counts: one in flight at the kill may have been
          // acknowledged by the dying leader a moment before.
          const startedAt = performance.now();
          const acknowledged = await producer.send({ topic, partition: 0, value: `round-${round}` }).then(() => true, () => false);
          if (acknowledged && startedAt > killedAt) firstAckAfterKill = performance.now();
        }
      })();
      await sleep(200);
      killedAt = performance.now();
      await cluster.kill(leaderId);
      await sending;
      times.push(firstAckAfterKill - killedAt);
      await cluster.start(leaderId);
      // The next round (and the scale step) needs all three registered again.
      await cluster.waitForBrokers(cluster.ids);
    }
  } finally {
    await producer.close();
  }
  return times;
}

/** Until every running broker's Metadata shows each partition of `topics` with a leader and a full ISR. */
async function waitAllLed(cluster: TestCluster, topics: readonly string[]): Promise<void> {
  for (;;) {
    const complete = await Promise.all(cluster.runningIds.map(async (id) => {
      const admin: Admin = cluster.adminOf(id);
      try {
        const described = await admin.describeTopics(topics);
        return described.every((t) => t.partitions.every((p) => p.leaderId >= 0 && p.isr.length === p.replicas.length));
      } catch {
        return false;
      } finally {
        await admin.close();
      }
    }));
    if (complete.every(Boolean)) return;
    await sleep(200);
  }
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? NaN : Number(match[1]) / 1024;
}

async function measureScale(cluster: TestCluster, partitions: number): Promise<ClusterBenchResults['scale']> {
  // Topics of 30 partitions each, as clusters hold them, rather than one giant topic.
  const perTopic = 30;
  const topics = Array.from({ length: Math.ceil(partitions / perTopic) }, (_, i) => `scale-${i}`);
  const admin = cluster.admin('bench-scale');
  try {
    for (let i = 0; i < topics.length; i += 20) {
      await admin.createTopics(topics.slice(i, i + 20).map((topic) => ({ topic, numPartitions: perTopic, replicationFactor: 3 })), { timeoutMs: 120_000 });
    }
  } finally {
    await admin.close();
  }
  await waitAllLed(cluster, topics);
  await sleep(5_000);
  const clock = createCpuClock();
  const pids = cluster.ids.map((id) => cluster.broker(id).pid!);
  const before = pids.map((pid) => clock.cpuSeconds(pid));
  const idleSeconds = 10;
  await sleep(idleSeconds * 1_000);
  const idleCpuPercent = pids.map((pid, i) => ((clock.cpuSeconds(pid) - before[i]!) / idleSeconds) * 100);
  const rss = pids.map(rssMb);
  for (const id of cluster.ids) await cluster.kill(id);
  const start = performance.now();
  await Promise.all(cluster.ids.map((id) => cluster.start(id)));
  await cluster.waitForBrokers(cluster.ids, 600_000);
  await waitAllLed(cluster, topics);
  return { partitions: topics.length * perTopic, rssMb: rss, idleCpuPercent, restartSeconds: (performance.now() - start) / 1000 };
}

export function printClusterTable(results: ClusterBenchResults, options: ClusterBenchOptions): void {
  for (const row of results.throughput) {
    console.log(`round ${row.round}, produce RF=${row.replicationFactor} acks=${row.acks}: ${row.megabytesPerSecond.toFixed(1)} MB/s (${row.records} x 1 KiB in ${row.seconds.toFixed(2)} s; broker CPU ${row.brokerCpuSeconds.map((c) => c.toFixed(2)).join(' / ')} s, kcat ${row.kcatCpuSeconds.toFixed(2)} s)`);
  }
  if (results.replicatedShare !== null) console.log(`RF=3 acks=all is ${(results.replicatedShare * 100).toFixed(0)}% of RF=1 acks=1 (medians of ${options.throughputRounds} rounds)`);
  const l = results.latencyMs;
  if (options.steps.has('latency')) console.log(l === null ? 'end-to-end latency: no samples' :
    `end-to-end latency at ${options.latencyRate}/s, RF=3 acks=all, after ${options.latencyWarmUpSeconds} s of warm-up: p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, p99.9 ${l.p999.toFixed(2)} ms, max ${l.max.toFixed(2)} ms (${l.samples} records)`);
  if (results.failoverMs.length > 0) console.log(`failover (zookeeper.session.timeout.ms=${options.sessionTimeoutMs}): ${results.failoverMs.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')}`);
  const s = results.scale;
  if (s !== null) console.log(`${s.partitions} partitions RF=3: RSS ${s.rssMb.map((mb) => `${mb.toFixed(0)} MB`).join(' / ')}, idle CPU ${s.idleCpuPercent.map((p) => `${p.toFixed(1)}%`).join(' / ')}, full restart to full ISRs ${s.restartSeconds.toFixed(1)} s`);
}

export async function writeClusterResults(options: ClusterBenchOptions, results: ClusterBenchResults): Promise<void> {
  await writeResultsFile('cluster', { options: { ...options, steps: [...options.steps] }, ...results });
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, ...clusterBenchArgs } });
  const options = clusterOptions(values, values.quick);
  const results = await runClusterBench(options);
  printClusterTable(results, options);
  await writeClusterResults(options, results);
  process.exit(0);
}
