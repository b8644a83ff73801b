import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Consumer, Producer, type ConsumerRecord, type TopicPartition } from '../src/client/index.ts';
import { startTestBroker } from './helpers/test-broker.ts';

/** Consumer groups end to end: Samsa's consumer in classic groups, alone and beside KafkaJS. */
const broker = await startTestBroker({}, undefined, { silent: true });

async function drain(consumer: Consumer, until: (all: ConsumerRecord[]) => boolean, timeoutMs = 20_000): Promise<ConsumerRecord[]> {
  const all: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!until(all) && Date.now() < deadline) all.push(...await consumer.poll(200));
  return all;
}

test('two of our consumers share a topic, commit, and a restart resumes from the commits', async () => {
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'grp', numPartitions: 4 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap] });
  await producer.sendBatch(Array.from({ length: 100 }, (_, i) => ({ topic: 'grp', key: `k${i}`, value: String(i) })));
  const options = { bootstrapServers: [broker.bootstrap], groupId: 'g1', autoOffsetReset: 'earliest' as const, heartbeatIntervalMs: 200, sessionTimeoutMs: 6000, fetchMaxWaitMs: 100 };
  const assigned: TopicPartition[][] = [[], []];
  const a = new Consumer(options);
  const b = new Consumer(options);
  a.subscribe(['grp'], { onPartitionsAssigned: (p) => { assigned[0]!.push(...p); } });
  b.subscribe(/^gr.$/, { onPartitionsAssigned: (p) => { assigned[1]!.push(...p); } });
  const seen = new Set<string>();
  const deadline = Date.now() + 30_000;
  while (seen.size < 100 && Date.now() < deadline) {
    for (const r of [...await a.poll(100), ...await b.poll(100)]) seen.add(r.value!.toString());
  }
  assert.equal(seen.size, 100);
  await a.commit();
  await b.commit();
  await a.close();
  await b.close();
  const offsets = await admin.listConsumerGroupOffsets('g1');
  assert.equal(offsets.reduce((sum, o) => sum + o.offset, 0), 100);
  await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'grp', key: `n${i}`, value: `new-${i}` })));
  const c = new Consumer(options);
  c.subscribe(['grp']);
  const after = await drain(c, (all) => all.length >= 10);
  assert.deepEqual(after.map((r) => r.value!.toString()).sort(), Array.from({ length: 10 }, (_, i) => `new-${i}`).sort());
  await c.close();
  const described = await admin.describeGroups(['g1']);
  assert.equal(described[0]!.groupId, 'g1');
  await admin.resetConsumerGroupOffsets('g1', 'grp', 'earliest');
  assert.ok((await admin.listConsumerGroupOffsets('g1')).every((o) => o.offset === 0));
  await producer.close();
  await admin.close();
});

test('our consumer and a KafkaJS consumer in one group: partitions shared, nothing lost', async () => {
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'mixed', numPartitions: 4 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap] });
  await producer.sendBatch(Array.from({ length: 200 }, (_, i) => ({ topic: 'mixed', key: `k${i}`, value: String(i) })));
  const ours = new Consumer({ bootstrapServers: [broker.bootstrap], groupId: 'mixed-g', autoOffsetReset: 'earliest', partitionAssignmentStrategy: ['roundrobin'], heartbeatIntervalMs: 200 });
  ours.subscribe(['mixed']);
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const theirs = kafka.consumer({ groupId: 'mixed-g' });
  await theirs.connect();
  await theirs.subscribe({ topic: 'mixed', fromBeginning: true });
  const seen = new Set<string>();
  void theirs.run({ eachMessage: async ({ message }) => { seen.add(message.value!.toString()); } });
  const deadline = Date.now() + 30_000;
  while (seen.size < 200 && Date.now() < deadline) for (const r of await ours.poll(200)) seen.add(r.value!.toString());
  await theirs.disconnect();
  await ours.close();
  await producer.close();
  await admin.close();
  assert.equal(seen.size, 200);
});

test('sticky (eager): members revoke everything before a rebalance, yet keep their partitions through the StickyAssignorUserData', async () => {
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'sticky-eager', numPartitions: 6 }]);
  const options = { bootstrapServers: [broker.bootstrap], groupId: 'sticky-g', partitionAssignmentStrategy: ['sticky' as const], heartbeatIntervalMs: 200, sessionTimeoutMs: 6000, fetchMaxWaitMs: 100 };
  const consumers = [new Consumer(options), new Consumer(options)];
  const owned = () => consumers.map((c) => c.assignment().map((tp) => tp.partition).sort((x, y) => x - y));
  const settle = async (counts: number[]) => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && owned().map((o) => o.length).join() !== counts.join()) await Promise.all(consumers.map((c) => c.poll(100)));
    assert.deepEqual(owned().map((o) => o.length), counts, `assignments ${JSON.stringify(owned())}`);
  };
  for (const c of consumers) c.subscribe(['sticky-eager']);
  await settle([3, 3]);
  const before = owned();
  consumers.push(new Consumer(options));
  consumers[2]!.subscribe(['sticky-eager']);
  await settle([2, 2, 2]);
  // Nothing moved between the first two: each kept two of its three, the newcomer got the rest.
  for (const i of [0, 1]) for (const p of owned()[i]!) assert.ok(before[i]!.includes(p), `partition ${p} moved to member ${i}: ${JSON.stringify({ before, after: owned() })}`);
  await Promise.all(consumers.map((c) => c.close()));
  await admin.close();
});

test('close the broker', async () => {
  await broker.close();
});
