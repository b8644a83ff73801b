/**
 * Deleting a topic deletes the offsets groups committed for it (Kafka's onPartitionsDeleted): they
 * are tombstoned in __consumer_offsets, so OffsetFetch no longer returns them, a restart does not
 * bring them back, and a topic re-created under the same name is read from its start.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCapturingLogger } from '../src/broker/logger.ts';
import { Admin, Consumer, Producer, type ConsumerRecord } from '../src/client/index.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const GROUP = 'orders-readers';
let broker: TestBroker | undefined;

after(async () => {
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

function consumerOptions(bootstrap: string) {
  return { bootstrapServers: [bootstrap], groupId: GROUP, autoOffsetReset: 'earliest' as const, enableAutoCommit: false, heartbeatIntervalMs: 200, sessionTimeoutMs: 6000, fetchMaxWaitMs: 100 };
}

/** Polls until `count` records came (or 20 s passed: the assertion after it then says what is missing). */
async function drain(consumer: Consumer, count: number): Promise<ConsumerRecord[]> {
  const records: ConsumerRecord[] = [];
  const deadline = Date.now() + 20_000;
  while (records.length < count && Date.now() < deadline) records.push(...await consumer.poll(200));
  return records;
}

async function produce(bootstrap: string, topic: string, partitions: number, perPartition: number, tag: string): Promise<void> {
  const producer = new Producer({ bootstrapServers: [bootstrap] });
  await producer.sendBatch(Array.from({ length: partitions * perPartition }, (_, i) => ({ topic, partition: i % partitions, value: `${tag}-${i}` })));
  await producer.close();
}

/** The group's committed offsets as `topic:partition=offset`, sorted. */
async function committed(admin: Admin): Promise<string[]> {
  return (await admin.listConsumerGroupOffsets(GROUP)).map((o) => `${o.topic}:${o.partition}=${o.offset}`).sort();
}

test('a deleted topic takes its committed offsets along, across a restart; re-created, it is read from offset 0; other topics keep theirs', async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  const dataDir = broker.dataDir;
  let admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'orders', numPartitions: 2 }, { topic: 'audit', numPartitions: 1 }]);
  await produce(broker.bootstrap, 'orders', 2, 3, 'old');
  await produce(broker.bootstrap, 'audit', 1, 4, 'audit');

  // A real group member reads both topics to their end and commits.
  const reader = new Consumer(consumerOptions(broker.bootstrap));
  reader.subscribe(['orders', 'audit']);
  assert.equal((await drain(reader, 10)).length, 10);
  await reader.commit();
  await reader.close();
  assert.deepEqual(await committed(admin), ['audit:0=4', 'orders:0=3', 'orders:1=3']);

  await admin.deleteTopics(['orders']);
  assert.deepEqual(await committed(admin), ['audit:0=4']);
  // Asked for by name, the deleted partitions have no offset (-1), as for any partition never committed.
  const asked = await admin.listConsumerGroupOffsets(GROUP, [{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }]);
  assert.deepEqual(asked.map((o) => o.offset), [-1, -1]);
  await admin.close();

  // The tombstones are in __consumer_offsets: a restart over the same data dir loads no old offsets.
  await broker.close();
  broker = await startTestBroker({}, dataDir, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  assert.deepEqual(await committed(admin), ['audit:0=4']);

  // Re-created with the same name and more records than the old commits pointed at: the group
  // starts from the beginning (auto.offset.reset=earliest), not at the deleted topic's offset 3.
  await admin.createTopics([{ topic: 'orders', numPartitions: 2 }]);
  await produce(broker.bootstrap, 'orders', 2, 5, 'new');
  const rereader = new Consumer(consumerOptions(broker.bootstrap));
  rereader.subscribe(['orders', 'audit']);
  const records = await drain(rereader, 10);
  await rereader.close();
  assert.deepEqual(records.map((r) => `${r.topic}:${r.partition}@${r.offset}`).sort(),
    [0, 1].flatMap((partition) => [0, 1, 2, 3, 4].map((offset) => `orders:${partition}@${offset}`)).sort());
  assert.ok(records.every((r) => r.value!.toString().startsWith('new-')));
  assert.deepEqual(await committed(admin), ['audit:0=4']);
  await admin.close();
});

test('deleting a topic logs one line with the count of offsets removed, not one per __consumer_offsets partition', async () => {
  const { logger, lines } = createCapturingLogger();
  const logged = await startTestBroker({ 'offsets.topic.num.partitions': '10' }, undefined, { logger });
  const admin = new Admin({ bootstrapServers: [logged.bootstrap] });
  try {
    await admin.createTopics([{ topic: 'noisy', numPartitions: 3 }]);
    // Two groups on (most likely) different __consumer_offsets partitions commit on all three partitions.
    for (const groupId of ['noisy-a', 'noisy-b']) {
      await admin.alterConsumerGroupOffsets(groupId, [0, 1, 2].map((partition) => ({ topic: 'noisy', partition, offset: 0 })));
    }
    await admin.deleteTopics(['noisy']);
    const removed = lines.filter((line) => line.msg === 'offsets of deleted partitions removed');
    assert.equal(removed.length, 1, 'one line for the deletion');
    assert.equal(removed[0]!.offsetsRemoved, 6);
    assert.deepEqual(removed[0]!.topics, ['noisy']);
    assert.equal(removed[0]!.partitions, 3);
  } finally {
    await admin.close();
    await logged.close();
    await removeTempDir(logged.dataDir);
  }
});
