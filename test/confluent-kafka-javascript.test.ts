/**
 * @confluentinc/kafka-javascript, whose engine is librdkafka 2.15 (the newest librdkafka, as in
 * confluent-kafka-python 2.x and the Go and .NET clients), against the in-process broker through its
 * KafkaJS-compatible API: admin calls, a producer in every codec, a consumer group that reads it all
 * back and commits. librdkafka 2.15 sends Metadata v12 with bytes after its body; the broker
 * ignores them as Kafka does, which the log of this broker shows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCapturingLogger, type CapturedLogLine } from '../src/broker/logger.ts';
import { Admin } from '../src/client/index.ts';
import { confluentKafka, GroupState, loadConfluentKafka, type Codec, type ConfluentAdmin } from './helpers/confluent-kafka.ts';
import { codecsInLog } from './helpers/log-segment.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { assertTopicContents, readRecordOf, sampleValue, type ReadRecord, type SentRecord } from './helpers/topic-contents.ts';
import { waitFor } from './helpers/wait-for.ts';

const PARTITIONS = 3;
const CODECS: Codec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const CODEC_IDS: Record<Codec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const PER_CODEC = 24;
const TOPIC = 'confluent-codecs';
const GROUP = 'confluent-readers';

let broker: TestBroker;
let admin: ConfluentAdmin;
let logLines: CapturedLogLine[];

before(async () => {
  const { logger, lines } = createCapturingLogger();
  logLines = lines;
  broker = await startTestBroker({}, undefined, { logger });
  admin = confluentKafka(broker.bootstrap, 'samsa-confluent-admin').admin();
  await admin.connect();
});

after(async () => {
  await admin?.disconnect();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

test('the client is librdkafka 2.15, and its Metadata v12 (3 bytes past the body) is served again and again on one connection', { timeout: 30_000 }, async () => {
  assert.match(loadConfluentKafka().librdkafkaVersion, /^2\.15\./);
  for (let i = 0; i < 3; i++) assert.deepEqual(await admin.listTopics(), []);
  const ignored = logLines.filter((line) => line.api === 'MetadataRequest' && line.trailingBytes === 3 && line.clientId === 'samsa-confluent-admin');
  const perConnection = new Map<unknown, number>();
  for (const line of ignored) perConnection.set(line.connectionId, (perConnection.get(line.connectionId) ?? 0) + 1);
  assert.ok(Math.max(0, ...perConnection.values()) >= 2, `a second Metadata v12 on the same connection: ${JSON.stringify([...perConnection])}`);
  assert.deepEqual(logLines.filter((line) => line.msg === 'closing connection'), [], 'no connection was closed for its request');
});

test('admin: create a topic with configs, list it, describe it with its authorized operations', { timeout: 30_000 }, async () => {
  assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, configEntries: [{ name: 'retention.ms', value: '86400000' }] }] }), true);
  assert.deepEqual(await admin.listTopics(), [TOPIC]);
  const [described] = await admin.fetchTopicMetadata({ topics: [TOPIC], includeAuthorizedOperations: true });
  assert.equal(described?.name, TOPIC);
  assert.deepEqual(described.partitions.map((p) => p.partitionId).sort(), [0, 1, 2]);
  // READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS: all of a topic's, without an authorizer.
  assert.deepEqual([...(described.authorizedOperations ?? [])].sort((a, b) => a - b), [3, 4, 5, 6, 7, 8, 10, 11]);
  // The topic's own setting reached the broker (read back with the project's client).
  const samsaAdmin = new Admin({ bootstrapServers: [broker.bootstrap] });
  try {
    const [configs] = await samsaAdmin.describeConfigs([{ type: 'topic', name: TOPIC, keys: ['retention.ms'] }]);
    assert.deepEqual(configs?.configs.map((c) => [c.name, c.value, c.isDefault]), [['retention.ms', '86400000', false]]);
  } finally {
    await samsaAdmin.close();
  }
  // TOPIC_ALREADY_EXISTS: this client answers false rather than failing.
  assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] }), false);
});

test('produce in every codec, consume it all in a group, commit; the group and its offsets are administered', { timeout: 180_000 }, async () => {
  const kafka = confluentKafka(broker.bootstrap, 'samsa-confluent');
  const sent: SentRecord[] = [];
  const baseTimestamp = Date.now() - 60_000;
  for (const codec of CODECS) {
    const producer = kafka.producer({ kafkaJS: { compression: codec, acks: -1 } });
    await producer.connect();
    try {
      const batch = Array.from({ length: PER_CODEC }, (_, i): SentRecord => ({
        key: `key-${i % 9}`,
        value: sampleValue(codec, i),
        headers: [['codec', codec], ['seq', String(sent.length + i)]],
        timestamp: BigInt(baseTimestamp + sent.length + i),
      }));
      const results = await producer.send({
        topic: TOPIC,
        messages: batch.map((record) => ({
          key: record.key, value: record.value, headers: Object.fromEntries(record.headers), timestamp: String(record.timestamp),
        })),
      });
      assert.ok(results.every((result) => result.errorCode === 0), `${codec}: ${JSON.stringify(results)}`);
      sent.push(...batch);
    } finally {
      await producer.disconnect();
    }
  }
  assert.deepEqual(await codecsInLog(broker.dataDir, TOPIC, PARTITIONS), CODECS.map((codec) => CODEC_IDS[codec]), 'every codec reached the log as sent');

  const consumer = kafka.consumer({ kafkaJS: { groupId: GROUP, fromBeginning: true, autoCommit: false } });
  const read: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [TOPIC] });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        read.push(readRecordOf(partition, message));
      },
    });
    await waitFor(() => read.length >= sent.length, 60_000, { intervalMs: 100, what: `${sent.length} records consumed` });
    assertTopicContents(sent, read, PARTITIONS);

    // Commit the offset after the last record read in each partition.
    const ends = new Map<number, bigint>();
    for (const record of read) {
      if (record.offset >= (ends.get(record.partition) ?? 0n)) ends.set(record.partition, record.offset + 1n);
    }
    await consumer.commitOffsets([...ends].map(([partition, end]) => ({ topic: TOPIC, partition, offset: String(end) })));

    const listed = await admin.listGroups();
    assert.deepEqual(listed.groups.filter((group) => group.groupId === GROUP).map((group) => [group.protocolType, group.state]), [['consumer', GroupState.STABLE]]);
    const { groups: [live] } = await admin.describeGroups([GROUP], { includeAuthorizedOperations: true });
    assert.equal(live?.state, GroupState.STABLE);
    assert.equal(live.members.length, 1);
    // READ, DELETE, DESCRIBE: all of a group's, without an authorizer.
    assert.deepEqual([...(live.authorizedOperations ?? [])].sort((a, b) => a - b), [3, 6, 8]);
  } finally {
    await consumer.disconnect();
  }

  const offsets = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  const highs = await admin.fetchTopicOffsets(TOPIC);
  assert.deepEqual(
    offsets.flatMap((topic) => topic.partitions.map((p) => [p.partition, p.offset])).sort(),
    highs.map((p) => [p.partition, p.high]).sort(),
    'the committed offsets are the ends of the partitions',
  );
  assert.equal(highs.reduce((sum, p) => sum + Number(p.high), 0), sent.length);
  const { groups: [empty] } = await admin.describeGroups([GROUP]);
  assert.equal(empty?.state, GroupState.EMPTY);
  assert.deepEqual((await admin.deleteGroups([GROUP])).map((result) => [result.groupId, result.errorCode ?? 0]), [[GROUP, 0]]);
  assert.deepEqual((await admin.listGroups()).groups.filter((group) => group.groupId === GROUP), []);
});

test('admin: delete records below an offset, then delete the topic', { timeout: 30_000 }, async () => {
  const before = await admin.fetchTopicOffsets(TOPIC);
  const partition = before.find((p) => Number(p.high) >= 2)!;
  await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: partition.partition, offset: '2' }] });
  const after = await admin.fetchTopicOffsets(TOPIC);
  assert.equal(after.find((p) => p.partition === partition.partition)?.low, '2');
  await admin.deleteTopics({ topics: [TOPIC] });
  await waitFor(async () => !(await admin.listTopics()).includes(TOPIC), 10_000, { what: 'the topic gone from the list' });
});

test('a keyless record to a compacted topic fails with INVALID_RECORD (87); keyed records still go', { timeout: 60_000 }, async () => {
  const topic = 'confluent-compacted';
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] }), true);
  const producer = confluentKafka(broker.bootstrap, 'samsa-confluent-compacted').producer({ kafkaJS: { acks: -1 } });
  await producer.connect();
  try {
    await assert.rejects(producer.send({ topic, messages: [{ key: null, value: 'no key' }] }), (error: { code?: number }) => {
      assert.equal(error.code, 87);
      return true;
    });
    const [kept] = await producer.send({ topic, messages: [{ key: 'k', value: 'keyed' }] });
    assert.equal(kept?.errorCode, 0);
    assert.equal(kept.baseOffset, '0', 'the refused record took no offset');
  } finally {
    await producer.disconnect();
  }
});
