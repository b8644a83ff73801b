/**
 * librdkafka 2.15's transactional producer (through @confluentinc/kafka-javascript's KafkaJS API)
 * against the in-process broker: commits and aborts, and what its read_committed and
 * read_uncommitted consumers then read.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfluentKafka } from './helpers/confluent-kafka.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

interface TransactionalProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  transaction(): Promise<{ send(record: { topic: string; messages: Array<{ key?: string; value: string }> }): Promise<unknown>; commit(): Promise<void>; abort(): Promise<void> }>;
}
interface Consumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: { topics: string[] }): Promise<void>;
  run(config: { eachMessage: (payload: { message: { value: Buffer | null } }) => Promise<void> }): Promise<void>;
}
interface Kafka {
  producer(config: Record<string, unknown>): TransactionalProducer;
  consumer(config: Record<string, unknown>): Consumer;
  admin(): { connect(): Promise<void>; disconnect(): Promise<void>; createTopics(options: { topics: Array<{ topic: string; numPartitions: number }> }): Promise<boolean> };
}

let broker: TestBroker;
let kafka: Kafka;

before(async () => {
  broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0' });
  const { KafkaJS } = loadConfluentKafka();
  kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: [broker.bootstrap], clientId: 'samsa-confluent-txn', logLevel: KafkaJS.logLevel.ERROR } }) as unknown as Kafka;
});

after(async () => {
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

async function readValues(topic: string, isolation: 'read_committed' | 'read_uncommitted', count: number): Promise<string[]> {
  const consumer = kafka.consumer({ kafkaJS: { groupId: `reader-${isolation}`, fromBeginning: true }, 'isolation.level': isolation });
  const values: string[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({ eachMessage: async ({ message }) => { values.push(message.value!.toString()); } });
    await waitFor(() => values.length >= count, 30_000, { what: `${count} values (${isolation}); read ${values.length}` });
    await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    await consumer.disconnect();
  }
  return values.sort();
}

test('librdkafka: committed transactions are read by read_committed consumers, aborted ones only by read_uncommitted ones', { timeout: 120_000 }, async () => {
  const topic = 'confluent-txn';
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer({ kafkaJS: { transactionalId: 'confluent-txn-producer', idempotent: true, maxInFlightRequests: 1 } });
  await producer.connect();
  try {
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ key: 'a', value: 'committed-1' }, { key: 'b', value: 'committed-2' }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'a', value: 'aborted-1' }, { key: 'c', value: 'aborted-2' }] });
    await aborted.abort();
    const next = await producer.transaction();
    await next.send({ topic, messages: [{ key: 'd', value: 'committed-3' }] });
    await next.commit();
  } finally {
    await producer.disconnect();
  }
  assert.deepEqual(await readValues(topic, 'read_committed', 3), ['committed-1', 'committed-2', 'committed-3']);
  assert.deepEqual(await readValues(topic, 'read_uncommitted', 5), ['aborted-1', 'aborted-2', 'committed-1', 'committed-2', 'committed-3']);
});
