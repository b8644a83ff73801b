/**
 * KafkaJS's transactional producer against the real broker, end to end (issue 14): FindCoordinator
 * for its transactional id, InitProducerId, AddPartitionsToTxn, Produce, EndTxn, and the markers
 * the coordinator has each leader write; what KafkaJS's consumers then read, read_committed and
 * read_uncommitted; its sendOffsets; and a second producer with the same id fencing the first.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const { Kafka, logLevel } = kafkajs;
type KafkaClient = InstanceType<typeof Kafka>;

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0' });
});

after(async () => {
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

function client(clientId = 'samsa-kafkajs-txn'): KafkaClient {
  return new Kafka({ clientId, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 50 } });
}

async function createTopic(kafka: KafkaClient, topic: string, numPartitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** The values a KafkaJS consumer of a new group reads from the start of `topic` until `until` holds (then a little longer, for stragglers). */
async function readValues(kafka: KafkaClient, topic: string, readUncommitted: boolean, until: (values: string[]) => boolean): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${readUncommitted}-${Math.random()}`, readUncommitted, maxWaitTimeInMs: 100 });
  const values: string[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { values.push(message.value!.toString()); } });
    await waitFor(() => until(values), 30_000, { what: `the consumer of ${topic} (readUncommitted ${readUncommitted}) to read enough; read ${values.length}` });
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await consumer.disconnect();
  }
  return values.sort();
}

function transactionalProducer(kafka: KafkaClient, transactionalId: string) {
  return kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
}

test('KafkaJS: a committed transaction is read by read_committed consumers; an aborted one only by read_uncommitted ones', { timeout: 120_000 }, async () => {
  const kafka = client();
  const topic = 'txn-commit-abort';
  await createTopic(kafka, topic, 2);
  const producer = transactionalProducer(kafka, 'txn-commit-abort-producer');
  await producer.connect();
  try {
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ key: 'a', value: 'committed-1' }, { key: 'b', value: 'committed-2' }, { key: 'c', value: 'committed-3' }] });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'a', value: 'aborted-1' }, { key: 'd', value: 'aborted-2' }] });
    await aborted.abort();

    // A transaction after an aborted one, and one that sends nothing.
    const after = await producer.transaction();
    await after.send({ topic, messages: [{ key: 'e', value: 'committed-4' }] });
    await after.commit();
    const empty = await producer.transaction();
    await empty.commit();
  } finally {
    await producer.disconnect();
  }
  const readCommitted = await readValues(kafka, topic, false, (values) => values.length >= 4);
  assert.deepEqual(readCommitted, ['committed-1', 'committed-2', 'committed-3', 'committed-4']);
  const readUncommitted = await readValues(kafka, topic, true, (values) => values.length >= 6);
  assert.deepEqual(readUncommitted, ['aborted-1', 'aborted-2', 'committed-1', 'committed-2', 'committed-3', 'committed-4']);
});

test('KafkaJS: offsets sent to a transaction are committed with it, and not when it aborts', { timeout: 120_000 }, async () => {
  const kafka = client();
  const topic = 'txn-offsets';
  await createTopic(kafka, topic);
  const groupId = 'txn-offsets-group';
  const producer = transactionalProducer(kafka, 'txn-offsets-producer');
  const admin = kafka.admin();
  await producer.connect();
  await admin.connect();
  try {
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'x' }] });
    await aborted.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '5' }] }] });
    await aborted.abort();
    const afterAbort = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.equal(afterAbort[0]!.partitions[0]!.offset, '-1', 'an aborted transaction commits no offset');

    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'y' }] });
    await committed.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '7' }] }] });
    await committed.commit();
    await waitFor(async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions[0]!.offset === '7', 10_000,
      { what: 'the offset committed with the transaction' });
  } finally {
    await admin.disconnect();
    await producer.disconnect();
  }
});

test('KafkaJS: a second producer with the same transactional id fences the first; the first\'s open transaction is aborted', { timeout: 120_000 }, async () => {
  const kafka = client();
  const topic = 'txn-zombie';
  await createTopic(kafka, topic);
  const zombie = transactionalProducer(kafka, 'txn-zombie-producer');
  await zombie.connect();
  const successor = transactionalProducer(client('samsa-kafkajs-successor'), 'txn-zombie-producer');
  try {
    const open = await zombie.transaction();
    await open.send({ topic, messages: [{ value: 'from-zombie' }] });
    // The successor's InitProducerId bumps the epoch and aborts the zombie's transaction.
    await successor.connect();
    const next = await successor.transaction();
    await next.send({ topic, messages: [{ value: 'from-successor' }] });
    await next.commit();
    await assert.rejects(open.commit(), (error: Error & { type?: string }) => {
      assert.match(`${error.name} ${error.type ?? ''} ${error.message}`, /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|fenced|epoch/i);
      return true;
    });
  } finally {
    await zombie.disconnect().catch(() => undefined);
    await successor.disconnect();
  }
  assert.deepEqual(await readValues(kafka, topic, false, (values) => values.length >= 1), ['from-successor']);
  assert.deepEqual(await readValues(kafka, topic, true, (values) => values.length >= 2), ['from-successor', 'from-zombie']);
});
