import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Kafka, logLevel, CompressionTypes, Partitioners } from 'kafkajs';
import { Admin, Consumer, Producer, KafkaClientError, type ConsumerRecord } from '../src/client/index.ts';
import { registerKafkaJsCodecs } from './helpers/kafkajs-codecs.ts';
import { kcat, kcatConsumeAll } from './helpers/kcat.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

let broker: TestBroker;
let admin: Admin;
before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  registerKafkaJsCodecs();
});
after(async () => {
  await admin.close();
  await broker.close();
});

async function readAll(topic: string, partitions: number, expected: number, options: Partial<ConstructorParameters<typeof Consumer>[0]> = {}): Promise<ConsumerRecord[]> {
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, ...options });
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + 15_000;
  while (out.length < expected && Date.now() < deadline) out.push(...await consumer.poll(500));
  await consumer.close();
  return out;
}

for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
  test(`produce with ${compression}, read back by our consumer and by KafkaJS`, async () => {
    const topic = `codec-${compression}`;
    await admin.createTopics([{ topic, numPartitions: 3 }]);
    const producer = new Producer({ bootstrapServers: [broker.bootstrap], compression, lingerMs: 5 });
    const sent = Array.from({ length: 300 }, (_, i) => ({ topic, key: `key-${i}`, value: `value-${i}-${'x'.repeat(i % 50)}`, headers: { n: String(i), h: Buffer.from([i & 0xff]) } }));
    const metas = await producer.sendBatch(sent);
    await producer.close();
    for (let i = 0; i < sent.length; i++) {
      assert.equal(metas[i]!.partition, (kafkajsMurmur2(Buffer.from(sent[i]!.key)) & 0x7fffffff) % 3, 'Java partitioner (via KafkaJS)');
      assert.ok(metas[i]!.offset >= 0);
    }
    const read = await readAll(topic, 3, sent.length);
    assert.equal(read.length, sent.length);
    const byKey = new Map(read.map((r) => [r.key!.toString(), r]));
    for (let i = 0; i < sent.length; i++) {
      const r = byKey.get(`key-${i}`)!;
      assert.equal(r.value!.toString(), sent[i]!.value);
      assert.equal(r.partition, metas[i]!.partition);
      assert.equal(r.offset, metas[i]!.offset);
      assert.deepEqual(r.headers.map((h) => [h.key, h.value]), [['n', Buffer.from(String(i))], ['h', Buffer.from([i & 0xff])]]);
    }

    const viaKcat = await kcatConsumeAll(broker.bootstrap, topic);
    assert.deepEqual(viaKcat.map((m) => String(m.payload)).sort(), sent.map((r) => r.value).sort(), 'kcat (librdkafka) decodes our batches');
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const kjs = kafka.consumer({ groupId: `g-${topic}` });
    // KafkaJS's consumer needs the group APIs; it reads too once the broker serves them.
    const versions = await admin.cluster.anyConnection('admin');
    if (versions.brokerVersions(11) !== undefined) {
      await kjs.connect();
      await kjs.subscribe({ topic, fromBeginning: true });
      const got: string[] = [];
      await new Promise<void>((resolve) => { void kjs.run({ eachMessage: async ({ message }) => { got.push(message.value!.toString()); if (got.length === sent.length) resolve(); } }); });
      await kjs.disconnect();
      assert.equal(new Set(got).size, sent.length);
    }
  });
}

test('kcat reads what we produced; we read what KafkaJS and kcat produced', async () => {
  const topic = 'interop';
  await admin.createTopics([{ topic, numPartitions: 2 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], compression: 'lz4' });
  await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic, key: `ours-${i}`, value: `ours-value-${i}` })));
  await producer.close();
  const kcatRead = await kcatConsumeAll(broker.bootstrap, topic);
  assert.deepEqual(kcatRead.map((m) => String(m.payload)).filter((v) => v.startsWith('ours-')).sort(),
    Array.from({ length: 20 }, (_, i) => `ours-value-${i}`).sort());

  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const kp = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await kp.connect();
  for (const compression of [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]) {
    await kp.send({ topic, compression, messages: Array.from({ length: 10 }, (_, i) => ({ key: `kjs-${compression}-${i}`, value: `kjs-value-${compression}-${i}`, headers: { c: String(compression) } })) });
  }
  await kp.disconnect();
  await kcat(['-P', '-b', broker.bootstrap, '-t', topic, '-K', ':', '-z', 'snappy'], { input: Array.from({ length: 10 }, (_, i) => `kcat-${i}:kcat-value-${i}`).join('\n') + '\n' });

  const read = await readAll(topic, 2, 20 + 50 + 10);
  const values = new Map(read.map((r) => [r.key!.toString(), r.value!.toString()]));
  for (let c = 0; c <= 4; c++) for (let i = 0; i < 10; i++) assert.equal(values.get(`kjs-${c}-${i}`), `kjs-value-${c}-${i}`);
  for (let i = 0; i < 10; i++) {
    assert.equal(values.get(`kcat-${i}`), `kcat-value-${i}`);
    // kcat (librdkafka) uses consistent_random (crc32) by default, not murmur2: no partition check here.
  }
  for (const r of read.filter((x) => x.key!.toString().startsWith('kjs-'))) {
    assert.equal(r.partition, (kafkajsMurmur2(r.key!) & 0x7fffffff) % 2, 'KafkaJS DefaultPartitioner = Java = ours');
  }
});

test('keyless records stick to one partition per batch (KIP-480)', async () => {
  const topic = 'sticky';
  await admin.createTopics([{ topic, numPartitions: 4 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 50, batchSize: 1_000_000 });
  const metas = await producer.sendBatch(Array.from({ length: 50 }, (_, i) => ({ topic, value: `v${i}` })));
  await producer.close();
  assert.equal(new Set(metas.map((m) => m.partition)).size, 1);
});

test('consumer: seek, seekToBeginning/End, seek to timestamp, pause/resume, max.poll.records, batches()', async () => {
  const topic = 'seeks';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0 });
  const base = Date.now() - 100_000;
  for (let i = 0; i < 100; i++) await producer.send({ topic, partition: 0, value: `v${i}`, timestamp: base + i * 1000 });
  await producer.close();
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'latest', fetchMaxWaitMs: 50, maxPollRecords: 7 });
  const tp = { topic, partition: 0 };
  consumer.assign([tp]);
  assert.deepEqual(await consumer.poll(300), [], 'latest: nothing new');
  consumer.seek(tp, 40);
  const first = await consumer.poll(2000);
  assert.equal(first.length, 7);
  assert.deepEqual(first.map((r) => r.offset), [40, 41, 42, 43, 44, 45, 46]);
  await consumer.seekToTimestamp([tp], base + 90_500);
  assert.equal((await consumer.poll(2000))[0]!.offset, 91);
  await consumer.seekToBeginning();
  assert.equal((await consumer.poll(2000))[0]!.offset, 0);
  consumer.pause([tp]);
  assert.deepEqual(await consumer.poll(300), []);
  assert.deepEqual(consumer.paused(), [tp]);
  consumer.resume([tp]);
  assert.equal((await consumer.poll(2000))[0]!.offset, 7);
  await consumer.seekToEnd();
  assert.equal(consumer.position(tp), 100);
  consumer.seek(tp, 95);
  const it = consumer.batches();
  const batch = (await it.next()).value!;
  assert.equal(batch.records[0]!.offset, 95);
  assert.equal(batch.highWatermark, 100);
  await consumer.close();
});

test('consumer fetches one fetch ahead of the app, and no more while the app does not poll', async () => {
  const topic = 'fetch-ahead';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0 });
  for (let b = 0; b < 30; b++) await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: `v${b * 10 + i}` })));
  await producer.close();
  // max.partition.fetch.bytes 1: the broker still returns one whole batch, so each fetch is one batch of 10.
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'earliest', fetchMaxWaitMs: 50, maxPollRecords: 4, maxPartitionFetchBytes: 1 });
  const fetchOffsets: number[] = [];
  const send = consumer.cluster.send.bind(consumer.cluster);
  consumer.cluster.send = ((nodeId, kind, api, body, options) => {
    if (kind === 'fetch') fetchOffsets.push(Number((body as { topics: Array<{ partitions: Array<{ fetchOffset: bigint }> }> }).topics[0]!.partitions[0]!.fetchOffset));
    return send(nodeId, kind, api, body, options);
  }) as typeof consumer.cluster.send;
  consumer.assign([{ topic, partition: 0 }]);
  const first = await consumer.poll(3000);
  assert.deepEqual(first.map((r) => r.offset), [0, 1, 2, 3]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(fetchOffsets, [0, 10], 'the next batch is fetched while the app holds the first; nothing beyond');
  const read = [...first];
  while (read.length < 300) read.push(...await consumer.poll(3000));
  assert.deepEqual(read.map((r) => r.value!.toString()), Array.from({ length: 300 }, (_, i) => `v${i}`), 'nothing lost, repeated or reordered');
  assert.equal(consumer.position({ topic, partition: 0 }), 300);
  assert.deepEqual(fetchOffsets.slice(0, 30), Array.from({ length: 30 }, (_, b) => b * 10), 'each batch fetched once, in order');
  await consumer.close();
});

test('auto.offset.reset none fails clearly; out-of-range offsets reset per policy', async () => {
  const topic = 'resets';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap] });
  await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, value: `v${i}` })));
  await producer.close();
  const none = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'none' });
  none.assign([{ topic, partition: 0 }]);
  await assert.rejects(none.poll(2000), (e: unknown) => e instanceof KafkaClientError && e.errorName === 'OFFSET_OUT_OF_RANGE' && !e.retriable);
  await none.close();
  const earliest = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  earliest.assign([{ topic, partition: 0 }]);
  earliest.seek({ topic, partition: 0 }, 1000);
  const records = await earliest.poll(3000);
  assert.equal(records[0]!.offset, 0);
  await earliest.close();
});

test('in-flight pipelining keeps send order on one partition', async () => {
  const topic = 'ordered';
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], retryBackoffMs: 20, maxInFlightRequestsPerConnection: 5, lingerMs: 0 });
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const sends = Array.from({ length: 200 }, (_, i) => producer.send({ topic, key: 'k', value: String(i) }));
  const metas = await Promise.all(sends);
  await producer.close();
  for (let i = 1; i < metas.length; i++) assert.ok(metas[i]!.offset > metas[i - 1]!.offset, 'offsets follow send order');
  const read = await readAll(topic, 1, 200);
  assert.deepEqual(read.map((r) => Number(r.value!.toString())), Array.from({ length: 200 }, (_, i) => i));
});

test('idempotence and transactions fail clearly until the broker has them', async () => {
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], enableIdempotence: true });
  await assert.rejects(producer.send({ topic: 'x', value: 'v' }), (e: unknown) => e instanceof KafkaClientError && /idempotence .*not supported/.test(e.message) && !e.retriable);
  await producer.close();
});
