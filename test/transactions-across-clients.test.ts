/**
 * Transactions across clients on one broker: what KafkaJS's transactional producer writes (commit,
 * abort, a transaction with no records, one after an abort) as KafkaJS's consumers and ours read
 * it at both isolation levels; and librdkafka 2.0.2 through Debian's python3-confluent-kafka, its
 * transactional producer and read_committed consumer, read by ours too. (KafkaJS's sendOffsets and
 * fencing are in kafkajs-transactions.test.ts; our client's own in client-transactions.test.ts.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { Admin, Consumer } from '../src/client/index.ts';
import { startTestBroker, REPO_ROOT, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const { Kafka, logLevel } = kafkajs;
const run = promisify(execFile);

let broker: TestBroker;
let admin: Admin;
let kafka: InstanceType<typeof Kafka>;

before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  kafka = new Kafka({ clientId: 'txn-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
});

after(async () => {
  await admin.close();
  await broker.close();
});

/** Every value of the topic our consumer reads with `isolationLevel`, sorted, once it stops growing. */
async function readWithOurs(topic: string, isolationLevel: 'read_committed' | 'read_uncommitted', partitions: number[], expected: number): Promise<string[]> {
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], isolationLevel, autoOffsetReset: 'earliest' });
  consumer.assign(partitions.map((partition) => ({ topic, partition })));
  const values: string[] = [];
  try {
    await waitFor(async () => {
      for (const record of await consumer.poll(200)) values.push(record.value!.toString());
      return values.length >= expected;
    }, 20_000, { what: `${expected} records of ${topic} (${isolationLevel})` });
    for (const record of await consumer.poll(300)) values.push(record.value!.toString());
  } finally {
    await consumer.close();
  }
  return values.sort();
}

/** KafkaJS's consumer in a group of its own, from the beginning. */
async function readWithKafkaJs(topic: string, readUncommitted: boolean, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `kafkajs-${topic}-${readUncommitted}`, readUncommitted });
  await consumer.connect();
  const values: string[] = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { values.push(message.value!.toString()); } });
    await waitFor(() => values.length >= expected, 30_000, { what: `KafkaJS reading ${expected} records of ${topic}` });
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    await consumer.disconnect();
  }
  return values.sort();
}

test('KafkaJS transactions: committed records reach read_committed consumers (KafkaJS and ours), aborted ones only read_uncommitted', { timeout: 120_000 }, async () => {
  const topic = 'txn-kafkajs';
  await admin.createTopics([{ topic, numPartitions: 2 }]);
  const producer = kafka.producer({ transactionalId: 'kafkajs-txn', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'c-0', partition: 0 }, { value: 'c-1', partition: 1 }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'a-0', partition: 0 }, { value: 'a-1', partition: 1 }] });
    await aborted.abort();
    const empty = await producer.transaction();
    await empty.commit();
    const afterAbort = await producer.transaction();
    await afterAbort.send({ topic, messages: [{ value: 'c-2', partition: 0 }] });
    await afterAbort.commit();
  } finally {
    await producer.disconnect();
  }
  const committedValues = ['c-0', 'c-1', 'c-2'];
  assert.deepEqual(await readWithKafkaJs(topic, false, 3), committedValues);
  assert.deepEqual(await readWithOurs(topic, 'read_committed', [0, 1], 3), committedValues);
  assert.deepEqual(await readWithKafkaJs(topic, true, 5), ['a-0', 'a-1', ...committedValues]);
  assert.deepEqual(await readWithOurs(topic, 'read_uncommitted', [0, 1], 5), ['a-0', 'a-1', ...committedValues]);
});

test('librdkafka (python3-confluent-kafka): a transactional producer and read_committed and read_uncommitted consumers', { timeout: 180_000 }, async () => {
  const topic = 'txn-librdkafka';
  await admin.createTopics([{ topic, numPartitions: 2 }]);
  const { stdout } = await run('/usr/bin/python3', [join(REPO_ROOT, 'test', 'clients', 'confluent_transactions.py'), broker.bootstrap, topic, 'py-txn'], { timeout: 150_000 });
  const read = JSON.parse(stdout) as { read_committed: [number, number, string][]; read_uncommitted: [number, number, string][] };
  const values = (rows: [number, number, string][]) => rows.map((row) => row[2]).sort();
  const committed = ['py-commit-0', 'py-commit-1', 'py-commit-2', 'py-commit-3', 'py-commit-4', 'py-commit2-0', 'py-commit2-1'];
  assert.deepEqual(values(read.read_committed), committed);
  assert.deepEqual(values(read.read_uncommitted), ['py-abort-0', 'py-abort-1', 'py-abort-2', ...committed].sort());
  assert.deepEqual(await readWithOurs(topic, 'read_committed', [0, 1], committed.length), committed);
});
