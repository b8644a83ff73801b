/**
 * ZooKeeper stopped: the brokers keep serving the partitions they lead (acks=all included, as no ISR
 * needs to change); ZooKeeper restarted: they converge again (every broker registered, one
 * controller, full ISRs) and new topics work. Then an outage during which a broker dies: once
 * ZooKeeper is back, its session expires, its partitions get new leaders, and it rejoins on restart.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Producer } from '../src/client/index.ts';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { kcatConsumeAll } from './helpers/kcat.ts';

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster({ brokers: 3 });
});

after(async () => {
  await cluster?.close();
});

function newProducer(): Producer {
  return new Producer({ bootstrapServers: cluster.runningBootstrapServers, clientId: 'zk-outage', acks: 'all' });
}

async function sendAll(producer: Producer, topic: string, partitions: number, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await producer.send({ topic, partition: i % partitions, value: `${prefix}-${i}` });
}

async function produceTo(topic: string, partitions: number, prefix: string, count: number): Promise<void> {
  const producer = newProducer();
  try {
    await sendAll(producer, topic, partitions, prefix, count);
  } finally {
    await producer.close();
  }
}

async function valuesOf(topic: string): Promise<string[]> {
  return (await kcatConsumeAll(cluster.bootstrap, topic)).map((m) => m.payload ?? '').sort();
}

const numbered = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test('ZooKeeper stopped: brokers keep serving what they lead; restarted: they converge and new topics work', { timeout: 300_000 }, async () => {
  await cluster.createTopic({ topic: 'zk-outage', numPartitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
  // One idempotent producer throughout: it keeps the producer id it got before the outage. A new one
  // could not get an id during it (ids come in blocks from the controller, which records them in
  // ZooKeeper), as with Kafka in ZooKeeper mode.
  const producer = newProducer();
  try {
    await sendAll(producer, 'zk-outage', 3, 'before', 30);
    await cluster.zookeeper.stop();
    try {
      await sendAll(producer, 'zk-outage', 3, 'during', 30);
      assert.deepEqual(await valuesOf('zk-outage'), [...numbered('before', 30), ...numbered('during', 30)].sort());
    } finally {
      await cluster.zookeeper.start();
    }
  } finally {
    await producer.close();
  }
  await cluster.waitForBrokers([1, 2, 3]);
  for (const partition of [0, 1, 2]) await cluster.waitForIsr('zk-outage', partition, [1, 2, 3]);
  await cluster.createTopic({ topic: 'after-zk', numPartitions: 2, replicationFactor: 3 });
  await produceTo('after-zk', 2, 'after', 10);
  assert.deepEqual(await valuesOf('after-zk'), numbered('after', 10).sort());
});

test('a broker killed while ZooKeeper is down: its session expires once ZooKeeper is back, its partitions move, it rejoins', { timeout: 300_000 }, async () => {
  // The victim leads partition 0 and follows the others; it is not the controller (the controller test kills that one).
  const { controllerId } = await cluster.waitForBrokers([1, 2, 3]);
  const [victim, other] = [1, 2, 3].filter((id) => id !== controllerId) as [number, number];
  await cluster.createTopic({ topic: 'zk-outage-kill', configs: { 'min.insync.replicas': '2' }, replicaAssignment: [
    { partition: 0, replicas: [victim, controllerId, other] },
    { partition: 1, replicas: [controllerId, victim, other] },
    { partition: 2, replicas: [other, controllerId, victim] },
  ] });
  assert.equal((await cluster.waitForLeader('zk-outage-kill', 0)).leaderId, victim);
  await cluster.zookeeper.stop();
  try {
    await cluster.kill(victim);
  } finally {
    await cluster.zookeeper.start();
  }
  const alive = [1, 2, 3].filter((id) => id !== victim);
  await cluster.waitForBrokers(alive);
  for (const partition of [0, 1, 2]) await cluster.waitForIsr('zk-outage-kill', partition, alive);
  await produceTo('zk-outage-kill', 3, 'moved', 15);
  await cluster.start(victim);
  await cluster.waitForBrokers([1, 2, 3]);
  for (const partition of [0, 1, 2]) await cluster.waitForIsr('zk-outage-kill', partition, [1, 2, 3]);
  assert.deepEqual(await valuesOf('zk-outage-kill'), numbered('moved', 15).sort());
});
