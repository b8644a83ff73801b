/**
 * KafkaJS 2.2.4 against the broker: admin CreateTopics, keyed produce with headers in every codec,
 * and a full read-back through a KafkaJS consumer group (the only way KafkaJS consumes).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { registerKafkaJsCodecs } from './helpers/kafkajs-codecs.ts';
import { codecsInLog } from './helpers/log-segment.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { assertTopicContents, readRecordOf, sampleValue, type ReadRecord, type SentRecord } from './helpers/topic-contents.ts';
import { waitFor } from './helpers/wait-for.ts';

const { Kafka, CompressionTypes, logLevel, Partitioners } = kafkajs;

const PARTITIONS = 6;
const CODECS = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;

let broker: TestBroker;

before(async () => {
  registerKafkaJsCodecs();
  broker = await startTestBroker();
});

after(async () => {
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

function client(): InstanceType<typeof Kafka> {
  return new Kafka({ clientId: 'samsa-kafkajs-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
}

async function readWithKafkaJsGroup(kafka: InstanceType<typeof Kafka>, topic: string, expected: number): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: `samsa-kafkajs-${topic}` });
  const read: ReadRecord[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        read.push(readRecordOf(partition, message));
      },
    });
    await waitFor(() => read.length >= expected, 60_000, { what: `${expected} records through the KafkaJS consumer` });
  } finally {
    await consumer.disconnect();
  }
  return read;
}

test('KafkaJS: create a 6-partition topic, produce keyed records with headers in every codec, read all back', { timeout: 120_000 }, async () => {
  const kafka = client();
  const topic = 'kafkajs-codecs';
  const admin = kafka.admin();
  await admin.connect();
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true }), true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(metadata.topics[0]?.partitions.length, PARTITIONS);
  } finally {
    await admin.disconnect();
  }

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const sent: SentRecord[] = [];
  const baseTimestamp = BigInt(Date.now() - 60_000);
  try {
    for (const [name, compression] of CODECS) {
      // Two sends per codec: a later batch must append after an earlier one in the same partition.
      for (let round = 0; round < 2; round++) {
        const batch: SentRecord[] = [];
        for (let i = 0; i < 30; i++) {
          batch.push({
            key: `key-${i % 12}`,
            value: sampleValue(`${name}-${round}`, i),
            headers: [['codec', name], ['seq', String(sent.length + batch.length)]],
            timestamp: baseTimestamp + BigInt(sent.length + batch.length),
          });
        }
        const result = await producer.send({
          topic,
          acks: -1,
          compression,
          messages: batch.map((record) => ({
            key: record.key,
            value: record.value,
            headers: Object.fromEntries(record.headers),
            timestamp: String(record.timestamp),
          })),
        });
        for (const partitionResult of result) assert.equal(partitionResult.errorCode, 0, `${name}: produce error`);
        sent.push(...batch);
      }
    }
  } finally {
    await producer.disconnect();
  }

  const read = await readWithKafkaJsGroup(kafka, topic, sent.length);
  assertTopicContents(sent, read, PARTITIONS);

  // The broker keeps the producer's bytes: every codec KafkaJS used is on disk as sent.
  assert.deepEqual(await codecsInLog(broker.dataDir, topic, PARTITIONS), [0, 1, 2, 3, 4]);
});
