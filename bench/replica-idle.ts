/**
 * Idle CPU of a leader and its follower: `node bench/replica-idle.ts [--partitions 1000,3000]`.
 *
 * In one process: an in-process broker (node 1) leads `--partitions` empty partitions (topics of
 * `--per-topic` partitions each, RF=2 with broker 2 in the ISR), and a ReplicaFetcherManager as
 * broker 2 copies them into real logs. Once every partition is caught up and the follower's fetch
 * parks at the leader (the long poll), the process's CPU time is taken over `--seconds` (15): what
 * leader and follower together spend to stay in step with nothing to copy.
 * `--cpu-profile PREFIX` writes a V8 CPU profile of each measured window to PREFIX-<partitions>.cpuprofile
 * (read it with bench/cpu-profile-summary.ts).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parseArgs } from 'node:util';
import { parseBrokerConfig } from '../src/broker/config.ts';
import { createSilentLogger } from '../src/broker/logger.ts';
import { ReplicaFetcherManager } from '../src/broker/replica/replica-fetcher-manager.ts';
import { systemTime } from '../src/broker/time.ts';
import { leaderAndIsrRequest, leaderAndIsrResponse } from '../src/protocol/generated/leader-and-isr.ts';
import { FollowerLog } from '../test/helpers/follower-log.ts';
import { api, KafkaApiClient } from '../test/helpers/kafka-api-client.ts';
import { createTopic } from '../test/helpers/kafka-apis.ts';
import { startTestBroker, waitForParkedFetches } from '../test/helpers/test-broker.ts';
import { removeTempDir } from '../test/helpers/temp-dir.ts';
import { printTable } from './table.ts';

const LEADER_ID = 1;
const FOLLOWER_ID = 2;
const LeaderAndIsr = api(leaderAndIsrRequest, leaderAndIsrResponse);

interface IdleResult {
  partitions: number;
  seconds: number;
  cpuPercentOfCore: number;
}

async function measure(partitionCount: number, perTopic: number, seconds: number, profileFile: string | undefined): Promise<IdleResult> {
  const leader = await startTestBroker({ 'auto.create.topics.enable': 'false', 'node.id': String(LEADER_ID) }, undefined, { silent: true });
  const client = await KafkaApiClient.open(leader.host, leader.port);
  const logs: FollowerLog[] = [];
  let manager: ReplicaFetcherManager | undefined;
  try {
    for (let t = 0; t * perTopic < partitionCount; t++) {
      const topic = `idle-${t}`;
      const numPartitions = Math.min(perTopic, partitionCount - t * perTopic);
      const created = await createTopic(client, topic, { numPartitions });
      const topicId = created.topicId!;
      await client.call(LeaderAndIsr, 7, {
        controllerId: LEADER_ID, controllerEpoch: 1, brokerEpoch: -1n, type: 0,
        topicStates: [{
          topicName: topic, topicId,
          partitionStates: Array.from({ length: numPartitions }, (_, partitionIndex) => ({
            partitionIndex, controllerEpoch: 1, leader: LEADER_ID, leaderEpoch: 1, isr: [LEADER_ID, FOLLOWER_ID], partitionEpoch: 1,
            replicas: [LEADER_ID, FOLLOWER_ID], isNew: false,
          })),
        }],
        liveLeaders: [{ brokerId: LEADER_ID, hostName: leader.host, port: leader.port }],
      });
      for (let partition = 0; partition < numPartitions; partition++) logs.push(await FollowerLog.open(topic, partition, { topicId, leaderEpoch: 1 }));
    }
    const byKey = new Map(logs.map((log) => [`${log.topic}-${log.partition}`, log]));
    manager = new ReplicaFetcherManager({
      brokerId: FOLLOWER_ID, brokerEpoch: () => 1n, logger: createSilentLogger(), time: systemTime,
      config: parseBrokerConfig({ 'node.id': String(FOLLOWER_ID) }),
      partitions: (topic, partition) => byKey.get(`${topic}-${partition}`),
      endpoint: (brokerId) => (brokerId === LEADER_ID ? { host: leader.host, port: leader.port } : undefined),
    });
    manager.addFetcherForPartitions(logs.map((log) => ({ topic: log.topic, partition: log.partition, leaderId: LEADER_ID, leaderEpoch: 1 })));
    await waitForParkedFetches(leader);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // past the start: connections, first full fetch, JIT
    const profiler = profileFile === undefined ? undefined : await startProfiler();
    const before = process.cpuUsage();
    const start = process.hrtime.bigint();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const used = process.cpuUsage(before);
    const elapsedSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (profiler !== undefined) await profiler.stop(`${profileFile}-${partitionCount}.cpuprofile`);
    return { partitions: partitionCount, seconds: elapsedSeconds, cpuPercentOfCore: ((used.user + used.system) / 1e6 / elapsedSeconds) * 100 };
  } finally {
    await manager?.shutdown();
    client.close();
    await leader.close();
    await removeTempDir(leader.dataDir);
    for (const log of logs) await log.remove();
  }
}

/** V8's sampling profiler over the measured window only (not the setup); `stop` writes a .cpuprofile. */
async function startProfiler(): Promise<{ stop(file: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  const post = (method: string): Promise<unknown> => new Promise((resolve, reject) => {
    session.post(method, (error, result) => (error ? reject(error) : resolve(result)));
  });
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = await post('Profiler.stop') as { profile: unknown };
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { partitions: { type: 'string' }, 'per-topic': { type: 'string' }, seconds: { type: 'string' }, 'cpu-profile': { type: 'string' } } });
  const counts = (values.partitions ?? '1000,3000').split(',').map(Number);
  const perTopic = Number(values['per-topic'] ?? 10);
  const seconds = Number(values.seconds ?? 15);
  const results: IdleResult[] = [];
  for (const count of counts) results.push(await measure(count, perTopic, seconds, values['cpu-profile']));
  printTable(['partitions', 'seconds', 'CPU (% of a core, leader + follower)'],
    results.map((r) => [String(r.partitions), r.seconds.toFixed(1), r.cpuPercentOfCore.toFixed(2)]));
}

await main();
