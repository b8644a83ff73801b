/**
 * Idempotence against lost acknowledgements: a proxy between the producers and the broker throws
 * away the broker's answer to a produce it already appended and drops the connection, so the
 * producer sends the same batch again. With our producer and KafkaJS's idempotent one, every record
 * is in the log exactly once, in the order sent; without idempotence the retry writes it twice
 * (so the proxy does lose acknowledged appends, and the test can fail).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { Admin, Producer } from '../src/client/index.ts';
import { startAnswerDroppingProxy, type AnswerDroppingProxy } from './helpers/answer-dropping-proxy.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { readPartition } from './helpers/partition-reader.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const { Kafka, logLevel } = kafkajs;
const ROUNDS = 12;

let proxy: AnswerDroppingProxy;
let broker: TestBroker;
let admin: Admin;
let reader: KafkaApiClient;

before(async () => {
  proxy = await startAnswerDroppingProxy();
  // Clients are told the proxy's address, so every connection goes through it.
  broker = await startTestBroker({ 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` }, undefined, { silent: true });
  proxy.target(broker.port);
  admin = new Admin({ bootstrapServers: [`127.0.0.1:${proxy.port}`] });
  reader = await KafkaApiClient.open(broker.host, broker.port);
});

after(async () => {
  reader.connection.close();
  await admin.close();
  await broker.close();
  await proxy.close();
});

async function valuesIn(topic: string): Promise<string[]> {
  return (await readPartition(reader, topic, 0)).records.map((record) => record.value);
}

/** Each round: the answer to one send is lost after the append; the producer's retry must not append it again. */
async function lossyRounds(send: (values: string[]) => Promise<void>, label: string): Promise<string[]> {
  const sent: string[] = [];
  await send([`${label}-warm-up`]);
  sent.push(`${label}-warm-up`);
  for (let round = 0; round < ROUNDS; round++) {
    const values = Array.from({ length: 1 + (round % 3) }, (_, i) => `${label}-${round}-${i}`);
    const droppedBefore = proxy.dropped;
    proxy.dropNextAnswers(1);
    await send(values);
    assert.equal(proxy.dropped, droppedBefore + 1, 'the acknowledgement was lost and the send retried');
    sent.push(...values);
  }
  return sent;
}

test('our producer (idempotent by default) retries a produce whose answer was lost, and each record is in the log once', { timeout: 120_000 }, async () => {
  const topic = 'lost-acks-samsa';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: [`127.0.0.1:${proxy.port}`], lingerMs: 0, requestTimeoutMs: 5_000, retryBackoffMs: 50 });
  try {
    const sent = await lossyRounds(async (values) => { await Promise.all(values.map((value) => producer.send({ topic, partition: 0, value }))); }, 'samsa');
    assert.equal(producer.idempotent, true);
    assert.deepEqual(await valuesIn(topic), sent);
  } finally {
    await producer.close();
  }
});

test('KafkaJS\'s idempotent producer retries a produce whose answer was lost, and each record is in the log once', { timeout: 120_000 }, async () => {
  const topic = 'lost-acks-kafkajs';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const kafka = new Kafka({ clientId: 'lost-acks', brokers: [`127.0.0.1:${proxy.port}`], logLevel: logLevel.NOTHING, requestTimeout: 5_000, retry: { retries: 10, initialRetryTime: 50 } });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const sent = await lossyRounds(async (values) => {
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition: 0 })) });
    }, 'kafkajs');
    assert.deepEqual(await valuesIn(topic), sent);
  } finally {
    await producer.disconnect();
  }
});

test('without idempotence the same lost answers write records twice: the proxy really loses acknowledged appends', { timeout: 120_000 }, async () => {
  const topic = 'lost-acks-plain';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const kafka = new Kafka({ clientId: 'lost-acks-plain', brokers: [`127.0.0.1:${proxy.port}`], logLevel: logLevel.NOTHING, requestTimeout: 5_000, retry: { retries: 10, initialRetryTime: 50 } });
  const producer = kafka.producer({ idempotent: false, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const sent = await lossyRounds(async (values) => {
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition: 0 })) });
    }, 'plain');
    const stored = await valuesIn(topic);
    assert.ok(stored.length > sent.length, `${stored.length} records stored for ${sent.length} sent: retries duplicated them`);
  } finally {
    await producer.disconnect();
  }
});
