/**
 * kcat (librdkafka 2.0.2) against the broker: metadata listing, produce in every codec with keys and
 * headers, proof from the segment files that the batches are stored compressed with that codec,
 * and a group-less read-back. librdkafka compresses only when the broker advertises Produce v0
 * (and zstd only with Produce v7 / Fetch v10), so a codec missing on disk points at ApiVersions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { kcat, kcatMetadata } from './helpers/kcat.ts';
import { firstSegmentPath, readSegmentBatches } from './helpers/log-segment.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { sampleValue } from './helpers/topic-contents.ts';

const { Kafka, logLevel } = kafkajs;
const CODECS = [['gzip', 1], ['snappy', 2], ['lz4', 3], ['zstd', 4]] as const;
const RECORDS_PER_CODEC = 50;

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker();
});

after(async () => {
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

/** kcat cannot create topics; KafkaJS's admin does it. */
async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const admin = new Kafka({ clientId: 'samsa-kcat-test-admin', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

test('kcat -L lists the broker, the topic and its partitions', { timeout: 60_000 }, async () => {
  const topic = 'kcat-metadata';
  await createTopic(topic, 6);
  const metadata = await kcatMetadata(broker.bootstrap);
  assert.equal(metadata.brokers.length, 1);
  const [only] = metadata.brokers;
  assert.equal(only?.name, `${broker.host}:${broker.port}`);
  const listed = metadata.topics.find((entry) => entry.topic === topic);
  assert.ok(listed, `topic ${topic} missing from kcat -L: ${JSON.stringify(metadata.topics.map((entry) => entry.topic))}`);
  assert.equal(listed.error, undefined);
  assert.deepEqual(listed.partitions.map((partition) => partition.partition).sort(), [0, 1, 2, 3, 4, 5]);
  for (const partition of listed.partitions) {
    assert.equal(partition.error, undefined);
    assert.equal(partition.leader, only?.id);
    assert.deepEqual(partition.replicas.map((replica) => replica.id), [only?.id]);
    assert.deepEqual(partition.isrs.map((replica) => replica.id), [only?.id]);
  }
});

test('kcat produces in gzip, snappy, lz4 and zstd; the segment files hold batches in that codec; kcat reads them back', { timeout: 120_000 }, async () => {
  const topic = 'kcat-codecs';
  await createTopic(topic, CODECS.length);
  const expected = new Map<number, string[]>();
  for (const [index, [codec]] of CODECS.entries()) {
    const lines: string[] = [];
    for (let i = 0; i < RECORDS_PER_CODEC; i++) lines.push(`key-${i}:${sampleValue(codec, i)}`);
    // One partition per codec, so each segment file must hold that codec only.
    await kcat(['-P', '-b', broker.bootstrap, '-t', topic, '-p', String(index), '-z', codec, '-K:', '-H', `codec=${codec}`, '-H', 'source=kcat',
      '-X', 'linger.ms=20'], { input: lines.join('\n') + '\n' });
    expected.set(index, lines.map((line) => {
      const [key, value] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)];
      return `${index}|${key}|${value}|codec=${codec},source=kcat`;
    }));
  }

  for (const [index, [codec, codecId]] of CODECS.entries()) {
    const batches = await readSegmentBatches(firstSegmentPath(broker.dataDir, topic, index));
    assert.ok(batches.length > 0, `${codec}: no batch on disk`);
    assert.deepEqual(batches.map((batch) => batch.compression), batches.map(() => codecId),
      `${codec}: batch compression attributes on disk are ${JSON.stringify(batches.map((batch) => batch.compression))}`);
    assert.equal(batches.reduce((sum, batch) => sum + batch.recordsCount, 0), RECORDS_PER_CODEC);
    assert.equal(batches.at(-1)?.lastOffset, RECORDS_PER_CODEC - 1);
  }

  const { stdout } = await kcat(['-C', '-b', broker.bootstrap, '-t', topic, '-e', '-o', 'beginning', '-q', '-f', '%p|%o|%k|%s|%h\n']);
  const byPartition = new Map<number, Array<{ offset: number; line: string }>>();
  for (const line of stdout.split('\n').filter((entry) => entry !== '')) {
    const [partition, offset, ...rest] = line.split('|');
    const list = byPartition.get(Number(partition)) ?? [];
    list.push({ offset: Number(offset), line: [partition, ...rest].join('|') });
    byPartition.set(Number(partition), list);
  }
  for (const [index, [codec]] of CODECS.entries()) {
    const read = byPartition.get(index) ?? [];
    assert.deepEqual(read.map((entry) => entry.offset), [...Array(RECORDS_PER_CODEC).keys()], `${codec}: offsets`);
    assert.deepEqual(read.map((entry) => entry.line), expected.get(index), `${codec}: records read back differ`);
  }
});
