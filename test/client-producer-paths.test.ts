// The producer's two ways in: sends that must wait (before connect, topic not cached) and sends
// appended at once (connected, topic cached). Both must give the same results and keep order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Producer, KafkaClientError } from '../src/client/index.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

let broker: TestBroker;
let admin: Admin;
before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'paths-a', numPartitions: 1 }, { topic: 'paths-b', numPartitions: 3 }, { topic: 'paths-c', numPartitions: 1 }]);
});
after(async () => {
  await admin.close();
  await broker.close();
});

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ topic: 'paths-a', value: `${prefix}${i}` }));

test('sendBatch before connect (waiting path) and after (immediate path): same metadata, offsets in call order', async () => {
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 1 });
  const first = await producer.sendBatch(values('x', 30));
  const second = await producer.sendBatch(values('y', 30));
  const [single] = await Promise.all([producer.send({ topic: 'paths-a', key: 'k', value: 'z', timestamp: 1234 })]);
  await producer.close();
  const all = [...first, ...second, single!];
  all.forEach((m, i) => {
    assert.equal(m.topic, 'paths-a');
    assert.equal(m.partition, 0);
    assert.equal(m.offset, all[0]!.offset + i);
  });
  assert.deepEqual([single!.timestamp, single!.serializedKeySize, single!.serializedValueSize], [1234, 1, 1]);
  assert.deepEqual([first[3]!.serializedKeySize, first[3]!.serializedValueSize], [-1, 2]);
  assert.deepEqual(await producer.sendBatch([]).catch((e: unknown) => e), []);
});

test('a bad record in a batch rejects the call; the others are still delivered', async () => {
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 1 });
  await producer.connect();
  await producer.send({ topic: 'paths-c', value: 'warm' });
  const before = (await producer.sendBatch([{ topic: 'paths-c', value: 'b' }]))[0]!.offset;
  await assert.rejects(producer.sendBatch([
    { topic: 'paths-c', value: 'ok1' },
    { topic: 'paths-c', value: 'bad', partition: 7 },
    { topic: 'paths-c', value: 'ok2' },
  ]), (e: unknown) => e instanceof KafkaClientError && /partition 7 does not exist/.test(e.message));
  const after = (await producer.sendBatch([{ topic: 'paths-c', value: 'c' }]))[0]!.offset;
  assert.equal(after, before + 3, 'ok1 and ok2 went out');
  await assert.rejects(producer.send({ topic: 'paths-c', value: 'bad', partition: -1 }), /does not exist/);
  await producer.close();
  await assert.rejects(producer.send({ topic: 'paths-c', value: 'late' }), /producer is closed/);
  await assert.rejects(producer.sendBatch([{ topic: 'paths-c', value: 'late' }]), /producer is closed/);
});

test('sends behind one still waiting for metadata keep their order; unknown topics fail after max.block.ms', async () => {
  // Without auto-creation (on by default, as in Java's clients) an unknown topic stays unknown.
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0, allowAutoTopicCreation: false, maxBlockMs: 1000 });
  await producer.send({ topic: 'paths-b', value: 'warm', partition: 0 });
  // paths-a is not cached yet: the first send waits, and every later one must queue behind it.
  const sends = Array.from({ length: 100 }, (_, i) => i % 2 === 0
    ? producer.send({ topic: 'paths-a', key: 'same', value: String(i) })
    : producer.send({ topic: 'paths-b', value: String(i), partition: 1 }));
  const metas = await Promise.all(sends);
  for (const parity of [0, 1]) {
    const offsets = metas.filter((_, i) => i % 2 === parity).map((m) => m.offset);
    for (let i = 1; i < offsets.length; i++) assert.equal(offsets[i], offsets[i - 1]! + 1);
  }
  // As Java's send(): the topic is asked for until max.block.ms has passed, then the send times out.
  const started = Date.now();
  await assert.rejects(producer.sendBatch([{ topic: 'paths-b', value: 'v' }, { topic: 'paths-missing', value: 'v' }]),
    (e: unknown) => e instanceof KafkaClientError && e.errorName === 'REQUEST_TIMED_OUT' && /paths-missing not present in metadata after 1000 ms/.test(e.message));
  assert.ok(Date.now() - started >= 1000, 'it waited max.block.ms');
  // An invalid name can never appear: that fails at once.
  await assert.rejects(producer.send({ topic: 'not a topic!', value: 'v' }),
    (e: unknown) => e instanceof KafkaClientError && e.errorName === 'INVALID_TOPIC_EXCEPTION');
  await producer.close();
});

test('close() ends a send that waits for an unknown topic: it fails as closed, long before max.block.ms', async () => {
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], allowAutoTopicCreation: false, maxBlockMs: 60_000 });
  await producer.connect();
  const waiting = producer.send({ topic: 'paths-never', value: 'v' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await producer.close();
  // Failing as closed, not as REQUEST_TIMED_OUT, is what shows it did not wait out max.block.ms.
  await assert.rejects(waiting, /producer is closed/);
});

test('a send to a topic created while it waits for metadata is delivered', async () => {
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0, allowAutoTopicCreation: false, maxBlockMs: 30_000 });
  await producer.connect();
  const sent = producer.send({ topic: 'paths-late', value: 'waited' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await admin.createTopics([{ topic: 'paths-late', numPartitions: 1 }]);
  const meta = await sent;
  assert.deepEqual([meta.topic, meta.partition, meta.offset], ['paths-late', 0, 0]);
  await producer.close();
});

test('keyless records move to another partition only when their batch is full (KIP-480)', async () => {
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 10_000, batchSize: 200 });
  const warm = producer.send({ topic: 'paths-b', value: 'warm', partition: 0 });
  await producer.flush();
  await warm;
  const pending = producer.sendBatch(Array.from({ length: 12 }, () => ({ topic: 'paths-b', value: Buffer.alloc(50) })));
  await producer.flush();
  const metas = await pending;
  // 71 bytes each: two fit in a 200-byte batch, the third starts a batch on another partition.
  for (let i = 0; i < metas.length; i += 2) assert.equal(metas[i]!.partition, metas[i + 1]!.partition);
  for (let i = 2; i < metas.length; i += 2) assert.notEqual(metas[i]!.partition, metas[i - 1]!.partition);
  await producer.close();
});

test('bad arguments reject rather than throw; flush resolves after the records it waited for', async () => {
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 60_000 });
  const warm = producer.send({ topic: 'paths-c', value: 'cache the topic' });
  await producer.flush();
  await warm;
  const bad = producer.send(undefined as unknown as { topic: string; value: string });
  await assert.rejects(bad, TypeError);
  await assert.rejects(producer.sendBatch(null as unknown as []), TypeError);
  const settled: string[] = [];
  const sent = producer.send({ topic: 'paths-c', value: 'v' }).then(() => settled.push('send'));
  await producer.flush();
  settled.push('flush');
  await sent;
  assert.deepEqual(settled, ['send', 'flush']);
  await producer.close();
});
