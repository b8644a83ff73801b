/**
 * Durability across restarts: a clean close and reopen of the same data directory, and a kill -9
 * of a broker process with log.flush.interval.messages=1 (so an acknowledged record has been
 * flushed): after either, every acknowledged record is readable, in order, and appends continue.
 * Topic changes an admin was answered for survive a kill -9 too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { Admin } from '../src/client/index.ts';
import { readTopicWithPlatformatic, type ConsumedRecord } from './helpers/platformatic-reader.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';
import { startBrokerProcess, startTestBroker, type BrokerProcess, type TestBroker } from './helpers/test-broker.ts';
import { assertTopicContents, sampleValue, type ReadRecord, type SentRecord } from './helpers/topic-contents.ts';
import { waitFor } from './helpers/wait-for.ts';

const { Kafka, CompressionTypes, logLevel, Partitioners } = kafkajs;

function kafkaFor(bootstrap: string): InstanceType<typeof Kafka> {
  return new Kafka({ clientId: 'samsa-restart-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, requestTimeout: 10_000 });
}

async function createTopic(bootstrap: string, topic: string, numPartitions: number): Promise<void> {
  const admin = kafkaFor(bootstrap).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

function toReadRecord(record: ConsumedRecord): ReadRecord {
  return {
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key?.toString('utf8') ?? '',
    value: record.value?.toString('utf8') ?? '',
    headers: record.headers,
  };
}

function makeBatch(label: string, firstSeq: number, count: number, baseTimestamp: bigint): SentRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `key-${(firstSeq + i) % 8}`,
    value: sampleValue(label, firstSeq + i),
    headers: [['seq', String(firstSeq + i)]] as Array<[string, string]>,
    timestamp: baseTimestamp + BigInt(firstSeq + i),
  }));
}

async function sendBatch(producer: ReturnType<InstanceType<typeof Kafka>['producer']>, topic: string, batch: SentRecord[], compression: number): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    compression,
    messages: batch.map((record) => ({ key: record.key, value: record.value, headers: Object.fromEntries(record.headers), timestamp: String(record.timestamp) })),
  });
}

test('clean restart on the same data directory: everything acknowledged is readable and appends continue', { timeout: 120_000 }, async () => {
  const dataDir = await makeTempDir('samsa-restart-');
  const brokers: TestBroker[] = [];
  try {
    const topic = 'restart-clean';
    const first = await startTestBroker({}, dataDir);
    brokers.push(first);
    await createTopic(first.bootstrap, topic, 3);
    const sent: SentRecord[] = [];
    const baseTimestamp = BigInt(Date.now() - 60_000);
    let producer = kafkaFor(first.bootstrap).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    for (let round = 0; round < 6; round++) {
      const batch = makeBatch('before', sent.length, 25, baseTimestamp);
      await sendBatch(producer, topic, batch, round % 2 === 0 ? CompressionTypes.None : CompressionTypes.GZIP);
      sent.push(...batch);
    }
    await producer.disconnect();
    await first.close();

    const second = await startTestBroker({}, dataDir);
    brokers.push(second);
    assertTopicContents(sent, (await readTopicWithPlatformatic(second.bootstrap, topic)).map(toReadRecord), 3);

    producer = kafkaFor(second.bootstrap).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    const after = makeBatch('after', sent.length, 40, baseTimestamp);
    await sendBatch(producer, topic, after, CompressionTypes.None);
    sent.push(...after);
    await producer.disconnect();
    assertTopicContents(sent, (await readTopicWithPlatformatic(second.bootstrap, topic)).map(toReadRecord), 3);
  } finally {
    for (const broker of brokers) await broker.close();
    await removeTempDir(dataDir);
  }
});

test('kill -9 of the broker process loses nothing that was acknowledged', { timeout: 150_000 }, async () => {
  const dataDir = await makeTempDir('samsa-kill9-');
  const processes: BrokerProcess[] = [];
  const overrides = { 'log.flush.interval.messages': '1' };
  try {
    const topic = 'restart-kill9';
    const partitions = 2;
    const first = await startBrokerProcess(dataDir, overrides);
    processes.push(first);
    await createTopic(first.bootstrap, topic, partitions);

    const producer = kafkaFor(first.bootstrap).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    const acked: SentRecord[] = [];
    const attempted: SentRecord[] = [];
    const baseTimestamp = BigInt(Date.now() - 60_000);
    let stopping = false;
    const loop = (async () => {
      while (!stopping) {
        const batch = makeBatch('kill9', attempted.length, 10, baseTimestamp);
        attempted.push(...batch);
        try {
          await sendBatch(producer, topic, batch, CompressionTypes.None);
        } catch {
          return; // the broker died under this send: it may or may not have been stored
        }
        acked.push(...batch);
      }
    })();
    // Kill while sends are still flowing, so one is likely in flight at the moment of death.
    await waitFor(() => acked.length >= 300, 60_000, { what: '300 acknowledged records' });
    await first.kill9();
    stopping = true;
    await loop;
    await producer.disconnect().catch(() => {});

    const second = await startBrokerProcess(dataDir, overrides);
    processes.push(second);
    let read: ReadRecord[];
    try {
      read = (await readTopicWithPlatformatic(second.bootstrap, topic)).map(toReadRecord);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- restarted broker output ---\n${second.output()}`, { cause: error });
    }

    // Per partition: exactly the acknowledged records in order, then possibly the records of the
    // one unacknowledged send (all or nothing per partition: it was a single batch there).
    const unacked = attempted.slice(acked.length);
    const partitionOfKey = new Map(read.map((record) => [record.key, record.partition]));
    for (let partition = 0; partition < partitions; partition++) {
      const actual = read.filter((record) => record.partition === partition).sort((a, b) => Number(a.offset - b.offset));
      actual.forEach((record, index) => assert.equal(record.offset, BigInt(index), `partition ${partition}: offsets`));
      const strip = ({ key, value, headers, timestamp }: SentRecord): SentRecord => ({ key, value, headers, timestamp });
      const ackedHere = acked.filter((record) => partitionOfKey.get(record.key) === partition).map(strip);
      const unackedHere = unacked.filter((record) => partitionOfKey.get(record.key) === partition).map(strip);
      const got = actual.map(strip);
      assert.deepEqual(got.slice(0, ackedHere.length), ackedHere, `partition ${partition}: acknowledged records lost or changed`);
      const extra = got.slice(ackedHere.length);
      assert.ok(extra.length === 0 || extra.length === unackedHere.length, `partition ${partition}: ${extra.length} unexpected records after the acknowledged ones`);
      if (extra.length > 0) assert.deepEqual(extra, unackedHere);
    }
    assert.ok(read.length >= acked.length);
  } finally {
    for (const broker of processes) await broker.kill9();
    await removeTempDir(dataDir);
  }
});

test('kill -9 right after topic changes: every topic a CreateTopics answered for comes back with its id, partitions and configs', { timeout: 120_000 }, async () => {
  const dataDir = await makeTempDir('samsa-kill9-topics-');
  const processes: BrokerProcess[] = [];
  const admins: Admin[] = [];
  try {
    const first = await startBrokerProcess(dataDir);
    processes.push(first);
    const admin = new Admin({ bootstrapServers: [first.bootstrap] });
    admins.push(admin);
    // 300 topics in one request, then 20 one-topic requests at once (written together), a config
    // change, a new partition and three deletions in one request.
    const batch = Array.from({ length: 300 }, (_, index) => ({ topic: `many-${index}`, numPartitions: 1 + (index % 3), replicationFactor: 1 }));
    await admin.createTopics(batch);
    await Promise.all(Array.from({ length: 20 }, (_, index) => admin.createTopics([{ topic: `single-${index}`, numPartitions: 1, configs: { 'retention.ms': String(60_000 + index) } }])));
    await admin.alterConfigs([{ type: 'topic', name: 'many-7', configs: { 'cleanup.policy': 'compact' } }]);
    await admin.createPartitions([{ topic: 'many-8', count: 5 }]);
    await admin.deleteTopics(['many-9', 'many-10', 'many-11']);
    const names = [...batch.map((t) => t.topic), ...Array.from({ length: 20 }, (_, index) => `single-${index}`)].filter((name) => !['many-9', 'many-10', 'many-11'].includes(name));
    const before = await admin.describeTopics(names);
    await first.kill9();

    const second = await startBrokerProcess(dataDir);
    processes.push(second);
    const reader = new Admin({ bootstrapServers: [second.bootstrap] });
    admins.push(reader);
    assert.deepEqual(await reader.listTopics(), [...names].sort());
    const after = await reader.describeTopics(names);
    assert.deepEqual(after.map((t) => [t.name, t.topicId, t.partitions.length]), before.map((t) => [t.name, t.topicId, t.partitions.length]));
    assert.equal(after.find((t) => t.name === 'many-8')!.partitions.length, 5);
    const [compacted, retained] = await reader.describeConfigs([{ type: 'topic', name: 'many-7', keys: ['cleanup.policy'] }, { type: 'topic', name: 'single-19', keys: ['retention.ms'] }]);
    assert.equal(compacted!.configs[0]!.value, 'compact');
    assert.equal(retained!.configs[0]!.value, '60019');
  } finally {
    for (const admin of admins) await admin.close();
    for (const broker of processes) await broker.kill9();
    await removeTempDir(dataDir);
  }
});
