/**
 * @platformatic/kafka 2.x against the broker: admin CreateTopics, a producer in every codec, and a
 * group-less read-back through Consumer.fetch (plain Fetch + ListOffsets, no group APIs).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, ProduceAcks, Producer, stringSerializers, type CompressionAlgorithmValue } from '@platformatic/kafka';
import { codecsInLog } from './helpers/log-segment.ts';
import { readTopicWithPlatformatic } from './helpers/platformatic-reader.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { assertTopicContents, sampleValue, type SentRecord } from './helpers/topic-contents.ts';

const PARTITIONS = 6;
const CODECS: CompressionAlgorithmValue[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const CODEC_IDS: Record<CompressionAlgorithmValue, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker();
});

after(async () => {
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

test('@platformatic/kafka: create a 6-partition topic, produce in every codec, read all back without a group', { timeout: 120_000 }, async () => {
  const topic = 'platformatic-codecs';
  const admin = new Admin({ clientId: 'samsa-platformatic-admin', bootstrapBrokers: [broker.bootstrap], retries: 2 });
  try {
    await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
    const metadata = await admin.metadata({ topics: [topic] });
    assert.equal(metadata.topics.get(topic)?.partitionsCount, PARTITIONS);
  } finally {
    await admin.close();
  }

  const producer = new Producer({
    clientId: 'samsa-platformatic-producer',
    bootstrapBrokers: [broker.bootstrap],
    serializers: stringSerializers,
    idempotent: false,
    autocreateTopics: false,
    retries: 2,
  });
  const sent: SentRecord[] = [];
  const baseTimestamp = BigInt(Date.now() - 60_000);
  try {
    for (const compression of CODECS) {
      for (let round = 0; round < 2; round++) {
        const batch: SentRecord[] = [];
        for (let i = 0; i < 30; i++) {
          batch.push({
            key: `key-${i % 12}`,
            value: sampleValue(`${compression}-${round}`, i),
            headers: [['codec', compression], ['seq', String(sent.length + batch.length)]],
            timestamp: baseTimestamp + BigInt(sent.length + batch.length),
          });
        }
        const result = await producer.send({
          acks: ProduceAcks.ALL,
          compression,
          messages: batch.map((record) => ({
            topic,
            key: record.key,
            value: record.value,
            headers: Object.fromEntries(record.headers),
            timestamp: record.timestamp,
          })),
        });
        assert.ok((result.offsets?.length ?? 0) > 0, `${compression}: the broker acknowledged no partition`);
        sent.push(...batch);
      }
    }
  } finally {
    await producer.close();
  }

  const read = (await readTopicWithPlatformatic(broker.bootstrap, topic)).map((record) => ({
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key?.toString('utf8') ?? '',
    value: record.value?.toString('utf8') ?? '',
    headers: record.headers,
  }));
  assertTopicContents(sent, read, PARTITIONS);

  assert.deepEqual(await codecsInLog(broker.dataDir, topic, PARTITIONS), CODECS.map((codec) => CODEC_IDS[codec]));
});
