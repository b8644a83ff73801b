import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { Broker } from '../src/broker/broker.ts';
import { startClusterBrokers, type Closers } from './helpers/in-process-cluster.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

/**
 * The first whole cluster: ZooKeeper and three in-process brokers, which register, elect a
 * controller and learn the cluster from its UpdateMetadata; a real client sees them all.
 */
let zk: TestZooKeeper;
const closers: Closers = [];
let brokers: Broker[];

before(async () => {
  zk = await startZooKeeper();
  brokers = await startClusterBrokers(zk, closers, { chroot: '/e2e' });
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await zk.close();
});

function admin(bootstrap: Broker) {
  return new Kafka({ clientId: 'cluster-e2e', brokers: [`${bootstrap.host}:${bootstrap.port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
}

async function describeCluster(via: Broker) {
  const client = admin(via);
  await client.connect();
  try {
    return await client.describeCluster();
  } finally {
    await client.disconnect();
  }
}

test('three brokers elect one controller, and every broker answers Metadata with all of them', { timeout: 60_000 }, async () => {
  for (const via of brokers) {
    const cluster = await waitFor(async () => {
      const described = await describeCluster(via);
      return described.brokers.length === 3 && described.controller !== null && described.controller >= 0 ? described : undefined;
    }, 30_000, { what: `broker ${via.nodeId} to know the cluster` });
    assert.deepEqual(cluster.brokers.map((b) => b.nodeId).sort(), [1, 2, 3]);
    assert.equal(cluster.clusterId, brokers[0]!.clusterId);
  }
  const controllers = brokers.filter((b) => b.isController);
  assert.equal(controllers.length, 1);
  assert.equal((await describeCluster(brokers[0]!)).controller, controllers[0]!.nodeId);
});

test('a topic with three replicas: acks=all writes reach every replica, and consumers read them through any broker', { timeout: 90_000 }, async () => {
  const kafka = new Kafka({ clientId: 'cluster-e2e', brokers: brokers.map((b) => `${b.host}:${b.port}`), logLevel: logLevel.NOTHING });
  const client = kafka.admin();
  await client.connect();
  try {
    await client.createTopics({ topics: [{ topic: 'replicated', numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
    const { topics } = await client.fetchTopicMetadata({ topics: ['replicated'] });
    for (const partition of topics[0]!.partitions) {
      assert.deepEqual([...partition.replicas].sort(), [1, 2, 3]);
      assert.ok(partition.replicas.includes(partition.leader));
    }
  } finally {
    await client.disconnect();
  }
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const values = Array.from({ length: 300 }, (_, i) => `record-${i}`);
  for (let i = 0; i < values.length; i += 30) {
    await producer.send({ topic: 'replicated', acks: -1, messages: values.slice(i, i + 30).map((value, j) => ({ key: String(i + j), value })) });
  }
  await producer.disconnect();
  // Every replica of every partition holds every acknowledged record (the followers copied them).
  for (let partition = 0; partition < 3; partition++) {
    const ends = await waitFor(() => {
      const ends = brokers.map((b) => b.replicaManager.partition('replicated', partition)?.log.logEndOffset);
      return ends.every((end) => end === ends[0]) ? ends : undefined;
    }, 30_000, { what: `replicas of partition ${partition} to agree` });
    assert.ok(ends[0]! > 0);
  }
  const consumer = kafka.consumer({ groupId: 'cluster-e2e-readers' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'replicated', fromBeginning: true });
  const seen = new Set<string>();
  await consumer.run({ eachMessage: async ({ message }) => { seen.add(message.value!.toString()); } });
  await waitFor(() => seen.size === values.length || undefined, 60_000, { what: 'the consumer to read every record' });
  await consumer.disconnect();
  assert.deepEqual([...seen].sort(), [...values].sort());
});

test('DeleteRecords on the leader moves every replica\'s log start offset: followers follow the leader\'s', { timeout: 60_000 }, async () => {
  const kafka = new Kafka({ clientId: 'cluster-e2e', brokers: brokers.map((b) => `${b.host}:${b.port}`), logLevel: logLevel.NOTHING });
  const client = kafka.admin();
  await client.connect();
  try {
    await client.fetchTopicMetadata({ topics: ['replicated'] }); // KafkaJS looks the leader up in what it has loaded
    await client.deleteTopicRecords({ topic: 'replicated', partitions: [{ partition: 0, offset: '5' }] });
  } finally {
    await client.disconnect();
  }
  // The followers learn it from their next fetch's answer (a new append wakes the long poll).
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({ topic: 'replicated', acks: -1, messages: [{ key: 'after-delete', value: 'after-delete' }] });
  await producer.disconnect();
  for (const broker of brokers) {
    await waitFor(() => broker.replicaManager.partition('replicated', 0)?.logStartOffset === 5 || undefined, 30_000, { what: `broker ${broker.nodeId}'s log start offset to reach 5` });
  }
});

test('the controller stops: another takes over and the others see two brokers', { timeout: 60_000 }, async () => {
  const old = brokers.find((b) => b.isController)!;
  await old.close();
  const rest = brokers.filter((b) => b !== old);
  for (const via of rest) {
    await waitFor(async () => {
      const described = await describeCluster(via);
      return described.brokers.length === 2 && described.controller !== old.nodeId && described.controller !== null && described.controller >= 0;
    }, 30_000, { what: `broker ${via.nodeId} to see the new controller` });
  }
  assert.equal(rest.filter((b) => b.isController).length, 1);
});
