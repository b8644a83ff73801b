/**
 * Consumer groups: `node bench/groups.ts [--quick]`, or the groups section of `npm run bench`
 * (`npm run bench -- --groups-only` for this section alone, `--skip-groups` to leave it out).
 *
 * One broker child process (group.initial.rebalance.delay.ms=0, group.min.session.timeout.ms=1000).
 *
 * - Settle time (bench/group-settle.ts): 10 kcat -G members (librdkafka, each its own process) of a
 *   20-partition topic, with partition.assignment.strategy=range (eager) and then
 *   cooperative-sticky (cooperative), session.timeout.ms=--groups-session-ms (6000) and
 *   heartbeat.interval.ms=--groups-heartbeat-ms (1000). Each repetition: an 11th member joins
 *   (timed from its spawn), then the oldest member is killed with SIGKILL, no LeaveGroup (timed from
 *   the kill; the broker notices at session expiry). Both report the total and the part after the
 *   broker noticed (the group left Stable in DescribeGroups, polled every 10 ms).
 * - Offset commits (bench/offset-commit-load.ts): OffsetCommit v8 from --groups-connections (4) raw
 *   connections with --groups-window (32) requests in flight each, for --groups-commit-seconds (5),
 *   with 1 and with 100 partitions per request; broker CPU from /proc/<pid>/stat.
 *
 * Each event comes after the group has held settled for 500 ms plus a random part of a heartbeat interval.
 * Options: --groups-repetitions N (5), and the ones above; --quick: 2 repetitions, 2 s per load.
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createTopicsRequest, createTopicsResponse } from '../src/protocol/generated/create-topics.ts';
import { api, KafkaApiClient } from '../test/helpers/kafka-api-client.ts';
import { type BrokerProcess } from '../test/helpers/test-broker.ts';
import { withBenchBroker } from './bench-broker.ts';
import { holdSettled, startKcatMember, timeSettle, waitSettled, type KcatMember, type SettleTimes, type SettleWatch } from './group-settle.ts';
import { runCommitLoad, type CommitLoadResult } from './offset-commit-load.ts';
import { median } from './latency-stats.ts';
import { createCpuClock } from './process-cpu.ts';
import { writeResultsFile } from './results-file.ts';
import { printTable } from './table.ts';

const CreateTopics = api(createTopicsRequest, createTopicsResponse);
const MEMBERS = 10;
const SETTLE_PARTITIONS = 20;
const COMMIT_PARTITIONS = 100;
const POLL_MS = 10;
const HOLD_MS = 500;
const BROKER_OVERRIDES = { 'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '1000' };
const STRATEGIES = [
  { rebalance: 'eager', assignor: 'range' },
  { rebalance: 'cooperative', assignor: 'cooperative-sticky' },
] as const;

export interface GroupsBenchOptions {
  repetitions: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  commitSeconds: number;
  connections: number;
  window: number;
}

export interface SettleRow {
  rebalance: 'eager' | 'cooperative';
  assignor: string;
  event: 'join' | 'death';
  runs: SettleTimes[];
  /** State changes seen in the HOLD_MS after each settle (empty arrays when the group stayed settled). */
  afterSettle: string[][];
}

export interface CommitRow {
  partitionsPerRequest: number;
  result: CommitLoadResult;
  brokerCpuSeconds: number;
}

export interface GroupsResults {
  settle: SettleRow[];
  commits: CommitRow[];
  /** 1-minute load average before and after: the machine may be shared (compare quiet runs only). */
  loadAverage: { before: number; after: number };
}

export const groupsBenchArgs = {
  'groups-repetitions': { type: 'string' },
  'groups-session-ms': { type: 'string' },
  'groups-heartbeat-ms': { type: 'string' },
  'groups-commit-seconds': { type: 'string' },
  'groups-connections': { type: 'string' },
  'groups-window': { type: 'string' },
} as const;

export function groupsOptions(values: Partial<Record<keyof typeof groupsBenchArgs, string | undefined>>, quick: boolean): GroupsBenchOptions {
  const count = (value: string | undefined, fallback: number): number => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${value}`);
    return n;
  };
  return {
    repetitions: count(values['groups-repetitions'], quick ? 2 : 5),
    sessionTimeoutMs: count(values['groups-session-ms'], 6000),
    heartbeatIntervalMs: count(values['groups-heartbeat-ms'], 1000),
    commitSeconds: count(values['groups-commit-seconds'], quick ? 2 : 5),
    connections: count(values['groups-connections'], 4),
    window: count(values['groups-window'], 32),
  };
}

async function settleBench(broker: BrokerProcess, options: GroupsBenchOptions, topic: string, strategy: typeof STRATEGIES[number]): Promise<SettleRow[]> {
  const groupId = `bench-${strategy.rebalance}-${Date.now()}`;
  const properties = {
    'partition.assignment.strategy': strategy.assignor,
    'session.timeout.ms': String(options.sessionTimeoutMs),
    'heartbeat.interval.ms': String(options.heartbeatIntervalMs),
  };
  const client = await KafkaApiClient.open(broker.host, broker.port);
  const watch: SettleWatch = { client, groupId, topic, partitionCount: SETTLE_PARTITIONS, pollMs: POLL_MS, timeoutMs: options.sessionTimeoutMs + 30_000 };
  const join: SettleRow = { ...strategy, event: 'join', runs: [], afterSettle: [] };
  const death: SettleRow = { ...strategy, event: 'death', runs: [], afterSettle: [] };
  const members: KcatMember[] = [];
  let spawned = 0;
  const spawnMember = (): void => {
    members.push(startKcatMember(`${strategy.rebalance}-${++spawned}`, broker.bootstrap, groupId, topic, properties));
  };
  try {
    for (let i = 0; i < MEMBERS; i++) spawnMember();
    await waitSettled({ ...watch, timeoutMs: 60_000 }, MEMBERS);
    // The event falls at a random phase of the members' heartbeats: right after a rebalance they all
    // heartbeat in step, so a fixed delay would always measure the same point of the cycle.
    const randomPhase = (): Promise<void> => sleep(Math.random() * options.heartbeatIntervalMs);
    for (let rep = 0; rep < options.repetitions; rep++) {
      await randomPhase();
      let startedAt = performance.now();
      spawnMember();
      join.runs.push(await timeSettle(watch, MEMBERS, MEMBERS + 1, startedAt));
      join.afterSettle.push(await holdSettled(watch, MEMBERS + 1, HOLD_MS));

      await randomPhase();
      const victim = members.shift()!;
      startedAt = performance.now();
      await victim.kill9();
      death.runs.push(await timeSettle(watch, MEMBERS + 1, MEMBERS, startedAt));
      death.afterSettle.push(await holdSettled(watch, MEMBERS, HOLD_MS));
    }
  } catch (error) {
    const tails = members.map((m) => `${m.name}: ${m.stderr().trim().split('\n').slice(-3).join(' | ')}`).join('\n');
    throw new Error(`${strategy.rebalance} (${strategy.assignor}): ${(error as Error).message}\n--- kcat members' last stderr lines ---\n${tails}`, { cause: error });
  } finally {
    client.close();
    await Promise.all(members.map((m) => m.kill9()));
  }
  return [join, death];
}

export async function runGroupsBench(options: GroupsBenchOptions): Promise<GroupsResults> {
  const clock = createCpuClock();
  const results: GroupsResults = { settle: [], commits: [], loadAverage: { before: loadavg()[0]!, after: 0 } };
  await withBenchBroker('samsa-bench-groups-', BROKER_OVERRIDES, async (broker) => {
    const admin = await KafkaApiClient.open(broker.host, broker.port);
    const created = await admin.call(CreateTopics, 5, { timeoutMs: 30_000, topics: [
      { name: 'bench-settle', numPartitions: SETTLE_PARTITIONS, replicationFactor: 1, assignments: [], configs: [] },
      { name: 'bench-commits', numPartitions: COMMIT_PARTITIONS, replicationFactor: 1, assignments: [], configs: [] },
    ] });
    admin.close();
    for (const topic of created.topics) if (topic.errorCode !== 0) throw new Error(`CreateTopics ${topic.name}: error code ${topic.errorCode}`);

    for (const strategy of STRATEGIES) results.settle.push(...await settleBench(broker, options, 'bench-settle', strategy));

    for (const partitionsPerRequest of [1, 100]) {
      const cpuBefore = clock.cpuSeconds(broker.pid);
      const result = await runCommitLoad({
        host: broker.host, port: broker.port, groupId: `bench-commits-${partitionsPerRequest}`, topic: 'bench-commits',
        topicPartitions: COMMIT_PARTITIONS, partitionsPerRequest, connections: options.connections, window: options.window, seconds: options.commitSeconds,
      });
      results.commits.push({ partitionsPerRequest, result, brokerCpuSeconds: clock.cpuSeconds(broker.pid) - cpuBefore });
    }
    results.loadAverage.after = loadavg()[0]!;
  });
  return results;
}

export function printGroupsTable(results: GroupsResults, options: GroupsBenchOptions): void {
  const ms = (value: number): string => value.toFixed(0);
  console.log(`settle: ${MEMBERS} kcat members, ${SETTLE_PARTITIONS} partitions, session.timeout.ms=${options.sessionTimeoutMs}, heartbeat.interval.ms=${options.heartbeatIntervalMs}, ${options.repetitions} runs (ms)`);
  printTable(['rebalance', 'event', 'members', 'noticed median', 'total median', 'total max', 'after notice median', 'after notice max'],
    results.settle.map((row) => [
      `${row.rebalance} (${row.assignor})`, row.event === 'join' ? 'join (spawn)' : 'death (SIGKILL)',
      row.event === 'join' ? `${MEMBERS}->${MEMBERS + 1}` : `${MEMBERS + 1}->${MEMBERS}`,
      ms(median(row.runs.map((r) => r.detectedMs))), ms(median(row.runs.map((r) => r.totalMs))), ms(Math.max(...row.runs.map((r) => r.totalMs))),
      ms(median(row.runs.map((r) => r.afterDetectMs))), ms(Math.max(...row.runs.map((r) => r.afterDetectMs))),
    ]));
  const unsettled = results.settle.flatMap((row) => row.afterSettle.flatMap((changes, i) => changes.length > 0 ? [`${row.rebalance} ${row.event} run ${i + 1}: ${changes.join('; ')}`] : []));
  if (unsettled.length > 0) console.log(`left the settled state within ${HOLD_MS} ms:\n  ${unsettled.join('\n  ')}`);
  console.log(`\nload average (1 min) ${results.loadAverage.before.toFixed(2)} before, ${results.loadAverage.after.toFixed(2)} after`);
  console.log(`offset commits: OffsetCommit v8, generation -1, ${options.connections} connections x ${options.window} in flight, ${options.commitSeconds} s each`);
  printTable(['partitions/request', 'requests/s', 'commits/s', 'p50 ms', 'p99 ms', 'broker CPU s / wall s', 'bench CPU s', 'errors', 'read back'],
    results.commits.map(({ partitionsPerRequest, result, brokerCpuSeconds }) => [
      String(partitionsPerRequest), Math.round(result.requestsPerSecond).toLocaleString('en-US'), Math.round(result.commitsPerSecond).toLocaleString('en-US'),
      result.p50Ms.toFixed(1), result.p99Ms.toFixed(1), `${brokerCpuSeconds.toFixed(2)} / ${result.seconds.toFixed(1)}`, result.clientCpuSeconds.toFixed(2),
      Object.keys(result.errors).length === 0 ? 'none' : JSON.stringify(result.errors),
      `${result.partitionsReadBack}/${COMMIT_PARTITIONS}`,
    ]));
}

export async function writeGroupsResults(options: GroupsBenchOptions, results: GroupsResults): Promise<void> {
  const settings = { ...options, members: MEMBERS, settlePartitions: SETTLE_PARTITIONS, commitPartitions: COMMIT_PARTITIONS, pollMs: POLL_MS, holdMs: HOLD_MS, broker: BROKER_OVERRIDES };
  await writeResultsFile('groups-latest', { settings, ...results });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, ...groupsBenchArgs } });
  const options = groupsOptions(values, values.quick);
  const results = await runGroupsBench(options);
  printGroupsTable(results, options);
  await writeGroupsResults(options, results);
}

if (import.meta.main) await main();
