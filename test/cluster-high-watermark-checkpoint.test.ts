import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Broker } from '../src/broker/broker.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { REPLICATION_OFFSET_CHECKPOINT } from '../src/storage/checkpoint-file.ts';
import { LogManager } from '../src/storage/log-manager.ts';
import { callBroker, startClusterBroker, type Closers } from './helpers/in-process-cluster.ts';
import { Api, batchOf, produce } from './helpers/kafka-apis.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

/**
 * The high watermark checkpoint (Kafka's replication-offset-checkpoint): every broker writes its
 * partitions' high watermarks to each log dir every replica.high.watermark.checkpoint.interval.ms
 * and at a clean shutdown, and a restarted broker's partitions start from it, not from their log
 * end: what only the broker's own log holds was never known to be replicated, so it is not offered
 * to consumers (nor counted for acks=all) until the ISR holds it again.
 */
let zk: TestZooKeeper;
const closers: Closers = [];
let brokers: Broker[];
const dataDirs = new Map<number, string>();
const FAST_CHECKPOINTS = { 'replica.high.watermark.checkpoint.interval.ms': '100' };

before(async () => {
  zk = await startZooKeeper();
  brokers = [];
  for (const nodeId of [1, 2, 3]) {
    const dataDir = await makeTempDir('samsa-hw-');
    closers.push(() => removeTempDir(dataDir));
    dataDirs.set(nodeId, dataDir);
    brokers.push(await startClusterBroker(zk, closers, { chroot: '/hw', nodeId, dataDir, overrides: FAST_CHECKPOINTS }));
  }
  for (const broker of brokers) await waitFor(() => broker.cluster.aliveBrokerIds().length === 3, 30_000, { what: `broker ${broker.nodeId} to see the cluster` });
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await zk.close();
});

function checkpointOf(nodeId: number): string {
  try {
    return readFileSync(join(dataDirs.get(nodeId)!, REPLICATION_OFFSET_CHECKPOINT), 'utf8');
  } catch {
    return '';
  }
}

test('a restarted broker\'s partition starts from its checkpointed high watermark, not its log end', { timeout: 120_000 }, async () => {
  const [one, two] = brokers as [Broker, Broker, Broker];
  // Broker 2 leads, broker 1 follows.
  const created = await callBroker(one, Api.createTopics, 7, {
    topics: [{ name: 'hw', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [2, 1] }], configs: [] }],
    timeoutMs: 30_000, validateOnly: false,
  });
  assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
  await waitFor(() => two.replicaManager.partition('hw', 0)?.isLeader, 30_000, { what: 'broker 2 to lead hw-0' });
  const client = await KafkaApiClient.open(two.host, two.port);
  try {
    for (let i = 0; i < 5; i++) assert.equal((await produce(client, 'hw', 0, batchOf([`a${i}`, `b${i}`]))).errorCode, ErrorCode.NONE);
  } finally {
    client.close();
  }
  const follower = () => one.replicaManager.partition('hw', 0);
  await waitFor(() => follower()?.highWatermark === 10, 30_000, { what: 'the follower to learn the high watermark' });
  // Written while the broker runs, on its interval, in Kafka's format.
  await waitFor(() => checkpointOf(1).includes('hw 0 10\n'), 30_000, { what: 'the periodic checkpoint of broker 1' });
  assert.match(checkpointOf(1), /^0\n\d+\n/);
  const leaderEpoch = follower()!.leaderEpoch;

  // Broker 1 stops cleanly (its checkpoint is written once more), then the leader: hw-0 is offline.
  await one.close();
  assert.ok(checkpointOf(1).includes('hw 0 10\n'));
  await two.close();
  // While broker 1 is down its log gets a tail no other replica has (what an old leader may have
  // appended but never seen replicated).
  const logs = await LogManager.open({ logDirs: [dataDirs.get(1)!], nodeId: 1, clusterId: one.clusterId });
  logs.getLog('hw', 0)!.appendAsLeader(batchOf(['unreplicated', 'tail']), leaderEpoch);
  await logs.closeAll();

  const restarted = await startClusterBroker(zk, closers, { chroot: '/hw', nodeId: 1, dataDir: dataDirs.get(1)!, overrides: FAST_CHECKPOINTS });
  const partition = await waitFor(() => restarted.replicaManager.partition('hw', 0), 30_000, { what: 'the controller to give broker 1 its replica again' });
  assert.equal(partition.logEndOffset, 12);
  assert.equal(partition.highWatermark, 10, 'the checkpointed high watermark, not the log end');
  assert.equal(partition.leaderId, -1, 'no leader moved it since: the partition is offline');
});
