import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type Broker } from '../src/broker/broker.ts';
import { BrokerIdInUseError } from '../src/broker/cluster/broker-registration.ts';
import { createSilentLogger } from '../src/broker/logger.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import type { UpdateMetadataRequest } from '../src/protocol/generated/update-metadata.ts';
import { ZooKeeperClient } from '../src/broker/cluster/zookeeper/zookeeper-client.ts';
import { InconsistentClusterIdError } from '../src/storage/errors.ts';
import { callBroker, startClusterBroker, updateMetadataApi as updateMetadata, updateMetadataFor, type Closers } from './helpers/in-process-cluster.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, metadata } from './helpers/kafka-apis.ts';
import { fetchApiVersions } from './helpers/raw-kafka.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

/**
 * Cluster-mode brokers against a real ZooKeeper: they register, and answer Metadata and
 * DescribeCluster from what UpdateMetadata told them. The UpdateMetadata requests are sent here,
 * as the controller sends them, so the metadata path is checked on its own.
 */
const UPDATE_METADATA_VERSION = 7;
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

let zk: TestZooKeeper;
const closers: Closers = [];

before(async () => {
  zk = await startZooKeeper();
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await zk.close();
});

function clusterBroker(chroot: string, nodeId: number, dataDir?: string): Promise<Broker> {
  return startClusterBroker(zk, closers, { chroot, nodeId, ...(dataDir === undefined ? {} : { dataDir }) });
}

/** `alive` as the live brokers (racks rack-N); topic t with 2 partitions led by brokers 1 and 2, ISR all of `alive`. */
function updateFor(alive: readonly Broker[], target: Broker, controllerEpoch: number): UpdateMetadataRequest {
  const replicas = alive.map((b) => b.nodeId);
  return updateMetadataFor(alive, target, {
    controllerEpoch,
    partitions: [0, 1].map((partition) => ({ topic: 't', topicId: TOPIC_ID, partition, leader: partition + 1, leaderEpoch: 3, isr: replicas, replicas })),
  });
}

test('three cluster brokers register in ZooKeeper, and answer Metadata and DescribeCluster from UpdateMetadata', { timeout: 60_000 }, async () => {
  const brokers = [await clusterBroker('/three', 1), await clusterBroker('/three', 2), await clusterBroker('/three', 3)];
  const client = await ZooKeeperClient.connect({ connect: `${zk.connectString}/three`, sessionTimeoutMs: 2000 });
  closers.push(() => client.close());
  assert.deepEqual((await client.getChildren('/brokers/ids')).sort(), ['1', '2', '3']);
  for (const broker of brokers) {
    assert.equal(broker.brokerEpoch, (await client.getData(`/brokers/ids/${broker.nodeId}`)).stat.czxid);
    assert.equal(broker.clusterId, brokers[0]!.clusterId, 'one cluster id for all');
  }

  for (const broker of brokers) {
    const answer = await callBroker(broker, updateMetadata, UPDATE_METADATA_VERSION, updateFor(brokers, broker, 1));
    assert.equal(answer.errorCode, ErrorCode.NONE);
  }

  // A real client, bootstrapped from broker 3 only, sees the whole cluster.
  const kafka = new Kafka({ clientId: 'cluster-metadata', brokers: [`${brokers[2]!.host}:${brokers[2]!.port}`], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    assert.equal(cluster.controller, 1);
    assert.equal(cluster.clusterId, brokers[0]!.clusterId);
    assert.deepEqual(cluster.brokers.map((b) => [b.nodeId, b.port]).sort(), brokers.map((b) => [b.nodeId, b.port]));
    const [topic] = (await admin.fetchTopicMetadata({ topics: ['t'] })).topics;
    assert.deepEqual(topic!.partitions.map((p) => [p.partitionId, p.leader, p.isr, p.replicas]).sort(), [
      [0, 1, [1, 2, 3], [1, 2, 3]],
      [1, 2, [1, 2, 3], [1, 2, 3]],
    ]);
  } finally {
    await admin.disconnect();
  }

  const api2 = await KafkaApiClient.open(brokers[1]!.host, brokers[1]!.port);
  try {
    const answer = await metadata(api2, null);
    assert.deepEqual(answer.brokers.map((b) => [b.nodeId, b.rack]), [[1, 'rack-1'], [2, 'rack-2'], [3, 'rack-3']]);
    assert.equal(answer.controllerId, 1);
    assert.deepEqual(answer.topics.map((t) => [t.name, t.topicId, t.partitions.map((p) => p.leaderEpoch)]), [['t', TOPIC_ID, [3, 3]]]);
    const described = await api2.call(Api.describeCluster, 0, { includeClusterAuthorizedOperations: false });
    assert.deepEqual(described.brokers.map((b) => b.brokerId), [1, 2, 3]);

    // A deposed controller (an older epoch) changes nothing; a request for an earlier life of the broker neither.
    const stale = await api2.call(updateMetadata, UPDATE_METADATA_VERSION, updateFor(brokers.slice(0, 1), brokers[1]!, 0));
    assert.equal(stale.errorCode, ErrorCode.STALE_CONTROLLER_EPOCH);
    const earlierLife = await api2.call(updateMetadata, UPDATE_METADATA_VERSION, { ...updateFor(brokers.slice(0, 1), brokers[1]!, 2), brokerEpoch: brokers[1]!.brokerEpoch - 1n });
    assert.equal(earlierLife.errorCode, ErrorCode.STALE_BROKER_EPOCH);
    assert.deepEqual((await metadata(api2, null)).brokers.map((b) => b.nodeId), [1, 2, 3]);

    // Broker 2 died (no partition state changed yet): partition 1, which it led, has no leader
    // until the controller elects one; partition 0 is served on.
    const without2 = updateFor([brokers[0]!, brokers[2]!], brokers[1]!, 2);
    const answer2 = await api2.call(updateMetadata, UPDATE_METADATA_VERSION, { ...without2, topicStates: [] });
    assert.equal(answer2.errorCode, ErrorCode.NONE);
    const after2 = await metadata(api2, ['t']);
    assert.deepEqual(after2.brokers.map((b) => b.nodeId), [1, 3]);
    assert.deepEqual(after2.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode, p.leaderId]), [
      [0, ErrorCode.NONE, 1],
      [1, ErrorCode.LEADER_NOT_AVAILABLE, -1],
    ]);

    // A deleted topic (leader -2) leaves the cache.
    const deletion = updateFor([brokers[0]!, brokers[2]!], brokers[1]!, 2);
    for (const partition of deletion.topicStates![0]!.partitionStates) partition.leader = -2;
    assert.equal((await api2.call(updateMetadata, UPDATE_METADATA_VERSION, deletion)).errorCode, ErrorCode.NONE);
    const gone = await metadata(api2, ['t'], { allowAutoTopicCreation: false });
    assert.equal(gone.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  } finally {
    api2.close();
  }
});

test('a cluster broker advertises UpdateMetadata; a single node does not', { timeout: 30_000 }, async () => {
  const clustered = await clusterBroker('/apis', 1);
  assert.ok((await fetchApiVersions(clustered.host, clustered.port)).some((range) => range.apiKey === 6));
  const dir = await makeTempDir('samsa-single-');
  closers.push(() => removeTempDir(dir));
  const single = await startBroker({ port: 0, dataDir: dir }, { logger: createSilentLogger() });
  closers.push(() => single.close());
  assert.ok(!(await fetchApiVersions(single.host, single.port)).some((range) => range.apiKey === 6));
});

test('a broker id held by a live broker is refused at start; a log dir of another cluster too', { timeout: 30_000 }, async () => {
  await clusterBroker('/refused', 1);
  await assert.rejects(clusterBroker('/refused', 1), BrokerIdInUseError);

  // The same log dir joining another ZooKeeper cluster (another chroot, another /cluster/id).
  const dir = await makeTempDir('samsa-cluster-');
  closers.push(() => removeTempDir(dir));
  const first = await clusterBroker('/cluster-a', 7, dir);
  await first.close();
  await assert.rejects(clusterBroker('/cluster-b', 7, dir), InconsistentClusterIdError);
  // Refused before registering: cluster-b does not list broker 7.
  const client = await ZooKeeperClient.connect({ connect: `${zk.connectString}/cluster-b`, sessionTimeoutMs: 2000 });
  closers.push(() => client.close());
  assert.deepEqual(await client.getChildren('/brokers/ids'), []);
});
