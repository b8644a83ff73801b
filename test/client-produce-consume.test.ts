import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { open, readFile } from 'node:fs/promises';
import { Kafka, logLevel, CompressionTypes, Partitioners, type KafkaMessage } from 'kafkajs';
import { Admin, Consumer, Producer, KafkaClientError, partitionForKey, type ConsumerRecord, type ProducerRecord } from '../src/client/index.ts';
import { registerKafkaJsCodecs } from './helpers/kafkajs-codecs.ts';
import { kcat, kcatConsumeRecords } from './helpers/kcat.ts';
import { firstSegmentPath, readSegmentBatches } from './helpers/log-segment.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

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

/** A record as any reader can compare it: bytes, headers in order, and where it landed. */
interface Landed {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
/** The batch attributes' codec bits. */
const CODEC_ID: Record<(typeof CODECS)[number], number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

const byPosition = <T extends { partition: number; offset: number }>(records: readonly T[]): T[] => [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
const bytes = (value: string | Buffer | null | undefined): Buffer | null => (value === null || value === undefined ? null : Buffer.from(value));

function fromOurs(r: ConsumerRecord): Landed {
  return { partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers.map((h) => [h.key, h.value]) };
}

function fromKafkaJs(partition: number, m: KafkaMessage): Landed {
  const headers = Object.entries(m.headers ?? {}).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((v): [string, Buffer | null] => [name, bytes(v)]));
  return { partition, offset: Number(m.offset), timestamp: Number(m.timestamp), key: m.key, value: m.value, headers };
}

/**
 * KafkaJS hands headers over as an object: the values of a repeated name are gathered into an
 * array at the name's first place. That is the most of the order it can show.
 */
function asKafkaJsShowsThem(record: Landed): Landed {
  const byName = new Map<string, Array<Buffer | null>>();
  for (const [name, value] of record.headers) byName.set(name, [...(byName.get(name) ?? []), value]);
  return { ...record, headers: [...byName].flatMap(([name, values]) => values.map((v): [string, Buffer | null] => [name, v])) };
}

/** kcat's %h: name=value joined by commas, NULL for a null value. */
function asKcatShowsThem(record: Landed): Omit<Landed, 'headers'> & { headers: Buffer } {
  return { ...record, headers: Buffer.concat(record.headers.map(([name, value], i) => Buffer.concat([Buffer.from(`${i > 0 ? ',' : ''}${name}=`), value ?? Buffer.from('NULL')]))) };
}

/**
 * Records that are not text: binary keys and values (NUL, newline, invalid UTF-8), null and
 * UTF-8 keys, null and empty values, repeated, empty and null headers, explicit timestamps.
 * Header values hold no NUL or newline, which kcat's %h could not print.
 */
function awkwardRecords(topic: string, count: number, partitions: number, timestampBase: number): ProducerRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const key = i % 5 === 0 ? null : i % 5 === 1 ? Buffer.from([0x00, 0xff, 0x0a, 0xc3, 0x28, i & 0xff, i >> 8]) : `key-${i}-ключ`;
    const value = i % 11 === 4 ? null : i % 11 === 7 ? Buffer.alloc(0)
      : Buffer.concat([Buffer.from(`value-${i}-${'x'.repeat(i % 50)}`), Buffer.from([0xff, 0x00, 0x0a, 0xc3, 0x28, i & 0xff])]);
    const headers = [
      { key: 'n', value: String(i) },
      { key: 'bin', value: Buffer.from([0xff, 0xfe, 0x80 | (i & 0x7f)]) },
      { key: 'n', value: 'again' },
      { key: 'empty', value: '' },
      ...(i % 3 === 0 ? [{ key: 'nul', value: null }] : []),
    ];
    // Keyless records go where they are told (the sticky partitioner would put one batch in one place).
    return { topic, key, value, headers, timestamp: timestampBase + i, ...(key === null ? { partition: i % partitions } : {}) };
  });
}

/** Reads `expected` records of `topic` through a KafkaJS group consumer. */
async function readWithKafkaJs(topic: string, expected: number): Promise<Landed[]> {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `kafkajs-${topic}`, maxWaitTimeInMs: 100 });
  const got: Landed[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => { got.push(fromKafkaJs(partition, message)); } });
    await waitFor(() => got.length >= expected, 30_000, { what: `KafkaJS to read ${expected} records of ${topic} (has ${got.length})` });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

/** The codec of every batch the broker stored for `topic`, by partition and base offset. */
async function storedCodecs(topic: string, partitions: number): Promise<Map<string, number>> {
  const codecs = new Map<string, number>();
  for (let p = 0; p < partitions; p++) {
    for (const batch of await readSegmentBatches(firstSegmentPath(broker.dataDir, topic, p))) codecs.set(`${p}:${batch.baseOffset}`, batch.compression);
  }
  return codecs;
}

for (const compression of CODECS) {
  test(`produced by us with ${compression}: our consumer, kcat and KafkaJS read every record intact`, async () => {
    const topic = `codec-${compression}`;
    await admin.createTopics([{ topic, numPartitions: 3 }]);
    const producer = new Producer({ bootstrapServers: [broker.bootstrap], compression, lingerMs: 5 });
    const sent = awkwardRecords(topic, 300, 3, Date.now() - 1_000_000);
    const metas = await producer.sendBatch(sent);
    await producer.close();
    for (let i = 0; i < sent.length; i++) {
      const key = sent[i]!.key;
      const partition = key === null ? sent[i]!.partition : (kafkajsMurmur2(Buffer.from(key!)) & 0x7fffffff) % 3;
      assert.equal(metas[i]!.partition, partition, 'explicit, or the Java partitioner (via KafkaJS)');
    }
    const expected = byPosition(sent.map((r, i) => ({
      partition: metas[i]!.partition, offset: metas[i]!.offset, timestamp: r.timestamp!, key: bytes(r.key as Buffer | string | null), value: bytes(r.value as Buffer | null),
      headers: (r.headers as Array<{ key: string; value: string | Buffer | null }>).map((h): [string, Buffer | null] => [h.key, bytes(h.value)]),
    })));
    assert.deepEqual(expected.map((r) => `${r.partition}:${r.offset}`), [0, 1, 2].flatMap((p) => metas.filter((m) => m.partition === p).map((_, o) => `${p}:${o}`)),
      'offsets run 0, 1, 2... in each partition');
    for (const [at, codec] of await storedCodecs(topic, 3)) assert.equal(codec, CODEC_ID[compression], `batch ${at} stored as sent, in ${compression}`);

    assert.deepEqual(byPosition((await readAll(topic, 3, sent.length)).map(fromOurs)), expected, 'our consumer');
    assert.deepEqual(byPosition(await kcatConsumeRecords(broker.bootstrap, topic)), expected.map(asKcatShowsThem), 'kcat (librdkafka)');
    assert.deepEqual(byPosition(await readWithKafkaJs(topic, sent.length)), expected.map(asKafkaJsShowsThem), 'KafkaJS');
  });
}

test('we read what KafkaJS produced, in every codec, intact', async () => {
  const topic = 'from-kafkajs';
  await admin.createTopics([{ topic, numPartitions: 3 }]);
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const kp = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await kp.connect();
  const expected: Landed[] = [];
  const codecOf = new Map<string, number>();
  const base = Date.now() - 1_000_000;
  for (const [c, compression] of [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD].entries()) {
    const messages = awkwardRecords(topic, 40, 3, base + c * 100).map((r, i) => ({
      key: r.key as Buffer | string | null, value: r.value as Buffer | null, partition: r.partition, timestamp: String(r.timestamp),
      // KafkaJS sends a repeated header as an array under one name. It cannot send a null header
      // value (its size computation calls Buffer.byteLength(null)), so none here.
      headers: { n: [String(i), 'again'], bin: Buffer.from([0xff, 0xfe, 0x80 | (i & 0x7f)]), empty: '' },
    }));
    const metas = await kp.send({ topic, compression, messages });
    const next = new Map(metas.map((m) => [m.partition, Number(m.baseOffset)]));
    for (const m of metas) codecOf.set(`${m.partition}:${m.baseOffset}`, CODEC_ID[CODECS[c]!]);
    for (const [i, m] of messages.entries()) {
      // Keyed records: KafkaJS's DefaultPartitioner must put them where ours (Java's) would.
      const partition = m.key === null ? m.partition! : partitionForKey(Buffer.from(m.key), 3);
      const offset = next.get(partition);
      assert.ok(offset !== undefined, `KafkaJS reported no offset for partition ${partition}`);
      next.set(partition, offset + 1);
      expected.push({
        partition, offset, timestamp: Number(m.timestamp), key: bytes(m.key), value: bytes(m.value),
        headers: [['n', Buffer.from(String(i))], ['n', Buffer.from('again')], ['bin', messages[i]!.headers.bin], ['empty', Buffer.alloc(0)]],
      });
    }
  }
  await kp.disconnect();
  const stored = await storedCodecs(topic, 3);
  assert.deepEqual(stored, codecOf, 'the broker kept each batch in the codec KafkaJS sent it in');
  assert.deepEqual(byPosition((await readAll(topic, 3, expected.length)).map(fromOurs)), byPosition(expected));
});

test('we read what kcat produced, in every codec, intact', async () => {
  const topic = 'from-kcat';
  await admin.createTopics([{ topic, numPartitions: CODECS.length }]);
  // kcat splits stdin on -D into messages and each at the first -K into key and value: no key
  // delimiter is a null key, a leading one an empty key. -H adds the same headers to every
  // message (a name without = is a null value).
  const messages = Array.from({ length: 12 }, (_, i) => ({
    key: i % 4 === 0 ? null : i % 4 === 1 ? Buffer.alloc(0) : Buffer.from([0x00, 0xff, 0x0a, 0xc3, 0x28, i]),
    value: i % 6 === 5 ? Buffer.alloc(0) : Buffer.concat([Buffer.from(`kcat-${i}-${'y'.repeat(i * 10)}`), Buffer.from([0xff, 0x00, 0x0a, 0x80, i])]),
  }));
  // linger.ms keeps the twelve in one batch (stdin is read long before it ends):
  // librdkafka sends a batch uncompressed when the codec would not shrink it, as for a lone first
  // message that left before the rest were read.
  const input = Buffer.concat(messages.flatMap((m) => [...(m.key === null ? [] : [m.key, Buffer.from([0x1f])]), m.value, Buffer.from([0x1e])]));
  const expected: Landed[] = [];
  for (const [partition, codec] of CODECS.entries()) {
    const before = Date.now();
    await kcat(['-P', '-b', broker.bootstrap, '-t', topic, '-p', String(partition), '-K', '\\x1f', '-D', '\\x1e',
      '-H', 'h=é✓', '-H', 'empty=', '-H', 'nul', '-X', `compression.codec=${codec}`, '-X', 'linger.ms=200'], { input });
    const after = Date.now();
    const read = byPosition((await readAll(topic, CODECS.length, expected.length + messages.length)).map(fromOurs).filter((r) => r.partition === partition));
    for (const r of read) assert.ok(r.timestamp >= before && r.timestamp <= after, `kcat's create time ${r.timestamp} is when it ran (${before}..${after})`);
    // kcat gives no timestamp of its own: the create times checked above are taken as they came.
    expected.push(...messages.map((m, offset): Landed => ({
      partition, offset, timestamp: read[offset]?.timestamp ?? -1, key: m.key, value: m.value,
      headers: [['h', Buffer.from('é✓')], ['empty', Buffer.alloc(0)], ['nul', null]],
    })));
    assert.deepEqual(read, byPosition(expected.filter((r) => r.partition === partition)), `kcat with ${codec}`);
    for (const [at, stored] of await storedCodecs(topic, CODECS.length)) if (at.startsWith(`${partition}:`)) assert.equal(stored, CODEC_ID[codec], `batch ${at} stored as kcat sent it`);
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

test('a batch corrupted on disk: the records before it are delivered, then poll() fails with CORRUPT_MESSAGE at it; check.crcs=false reads it', async () => {
  const topic = 'corrupt-on-disk';
  // A broker of its own, stopped while the byte is flipped: one that keeps running serves what it
  // appended last from memory (the log's tail cache), as Kafka serves it from the page cache.
  const writer = await startTestBroker({}, undefined, { silent: true });
  const writerAdmin = new Admin({ bootstrapServers: [writer.bootstrap] });
  await writerAdmin.createTopics([{ topic, numPartitions: 1 }]);
  await writerAdmin.close();
  const producer = new Producer({ bootstrapServers: [writer.bootstrap], lingerMs: 0 });
  for (let b = 0; b < 3; b++) await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: `batch${b}-record${i}` })));
  await producer.close();
  await writer.close();
  // Flip one byte of a value in the middle batch, behind the broker's back (a disk gone bad).
  const segment = firstSegmentPath(writer.dataDir, topic, 0);
  const bytes = await readFile(segment);
  const at = bytes.indexOf('batch1-record5');
  assert.ok(at > 0);
  const fd = await open(segment, 'r+');
  await fd.write(Buffer.from('X'), 0, 1, at);
  await fd.close();
  // A clean shutdown checks nothing on the way back up: the damage is read from the file.
  const reopened = await startTestBroker({}, writer.dataDir, { silent: true });

  for (const maxPartitionFetchBytes of [1_048_576, 800, 1]) {
    // One fetch holding all three batches; the first two, then the third fetched ahead (past the bad
    // one, so it must not be delivered); one batch per fetch.
    const consumer = new Consumer({ bootstrapServers: [reopened.bootstrap], autoOffsetReset: 'earliest', fetchMaxWaitMs: 50, maxPartitionFetchBytes });
    consumer.assign([{ topic, partition: 0 }]);
    // Not polling for a while lets the fetch ahead arrive before the app decodes the one before it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const good: ConsumerRecord[] = [];
    let failure: unknown;
    for (let polls = 0; polls < 20 && failure === undefined; polls++) {
      try {
        good.push(...await consumer.poll(1000));
      } catch (error) {
        failure = error;
      }
    }
    assert.deepEqual(good.map((r) => r.offset), Array.from({ length: 10 }, (_, i) => i), `${maxPartitionFetchBytes}: the first batch, nothing after the bad one`);
    assert.ok(failure instanceof Error && /CORRUPT_MESSAGE|CRC/.test(`${(failure as { errorName?: string }).errorName} ${failure.message}`), String(failure));
    assert.equal(consumer.position({ topic, partition: 0 }), 10, 'the position stays at the corrupt batch');
    await assert.rejects(consumer.poll(1000), /CRC/, 'and the next poll meets it again');
    consumer.seek({ topic, partition: 0 }, 20);
    assert.deepEqual((await consumer.poll(3000)).map((r) => r.offset), Array.from({ length: 10 }, (_, i) => 20 + i), 'seeking past it goes on');
    await consumer.close();
  }

  const unchecked = new Consumer({ bootstrapServers: [reopened.bootstrap], autoOffsetReset: 'earliest', fetchMaxWaitMs: 50, checkCrcs: false });
  unchecked.assign([{ topic, partition: 0 }]);
  const all: ConsumerRecord[] = [];
  while (all.length < 30) all.push(...await unchecked.poll(3000));
  assert.equal(all[15]!.value!.toString(), 'Xatch1-record5', 'check.crcs=false hands out the damaged bytes');
  await unchecked.close();
  await reopened.close();
});

test('auto.offset.reset none fails clearly; out-of-range offsets reset per policy', async () => {  const topic = 'resets';
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
