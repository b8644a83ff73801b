/**
 * The controller killed with SIGKILL: another broker takes over (every running broker names it), it
 * knows the dead broker is gone (RF=3 is refused with two brokers alive, as Kafka refuses it), a
 * topic created afterwards gets leaders and ISRs and carries records, and the killed broker rejoins.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { KafkaClientError } from '../src/client/index.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { kcatConsumeAll } from './helpers/kcat.ts';

const { Kafka, logLevel } = kafkajs;

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster({ brokers: 3 });
});

after(async () => {
  await cluster?.close();
});

test('controller killed: a new one takes over, takes the dead broker out of the ISRs, and a topic created afterwards works', { timeout: 300_000 }, async () => {
  const { controllerId: old } = await cluster.waitForBrokers([1, 2, 3]);
  const alive = [1, 2, 3].filter((id) => id !== old);
  // A partition the controller follows: the next controller must take it out of the ISR (nothing else will
  // while no records arrive: a follower as far as the leader's log end stays in sync, as in Kafka).
  await cluster.createTopic({ topic: 'followed-by-controller', replicaAssignment: [{ partition: 0, replicas: [alive[0]!, old, alive[1]!] }] });
  await cluster.kill(old);
  const controller = await cluster.waitForController({ not: old });
  assert.notEqual(controller, old);
  await cluster.waitForBrokers(alive);
  const followed = await cluster.waitForIsr('followed-by-controller', 0, alive);
  assert.equal(followed.leaderId, alive[0], 'the leader stays where it was');

  const admin = cluster.admin();
  try {
    await assert.rejects(admin.createTopics([{ topic: 'too-many-replicas', numPartitions: 1, replicationFactor: 3 }]),
      (error: unknown) => error instanceof KafkaClientError && error.code === ErrorCode.INVALID_REPLICATION_FACTOR);
  } finally {
    await admin.close();
  }
  await cluster.createTopic({ topic: 'after-controller', numPartitions: 2, replicationFactor: 2, configs: { 'min.insync.replicas': '2' } });
  const kafka = new Kafka({ clientId: 'after-controller', brokers: cluster.bootstrapServers, logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (const partition of [0, 1]) {
      await producer.send({ topic: 'after-controller', acks: -1, messages: [1, 2, 3].map((i) => ({ partition, value: `p${partition}-${i}` })) });
    }
  } finally {
    await producer.disconnect();
  }
  const read = await kcatConsumeAll(cluster.bootstrap, 'after-controller');
  assert.deepEqual(read.map((m) => `${m.partition}:${m.offset}:${m.payload}`).sort(),
    ['0:0:p0-1', '0:1:p0-2', '0:2:p0-3', '1:0:p1-1', '1:1:p1-2', '1:2:p1-3']);
  for (const partition of [0, 1]) {
    const p = await cluster.waitForLeader('after-controller', partition);
    assert.ok(p.replicas.every((id) => alive.includes(id)), `replicas ${p.replicas} are live brokers`);
  }

  await cluster.start(old);
  await cluster.waitForBrokers([1, 2, 3]);
  await cluster.createTopic({ topic: 'after-rejoin', numPartitions: 1, replicationFactor: 3 });
});
