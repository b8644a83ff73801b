/**
 * KafkaJS's idempotent producer against lost acknowledgements: a proxy between it and the broker
 * swallows the answers to Produce requests the broker already appended, so KafkaJS times out and
 * sends the same batch again. Every record is in the log exactly once, in the order sent; the same
 * faults make a non-idempotent KafkaJS producer write records twice (so the answers are really
 * lost after the append, and the test can fail). Our own producer under the same faults:
 * client-idempotence.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { Admin } from '../src/client/index.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { readPartition } from './helpers/partition-reader.ts';
import { startSwallowingProxy, type SwallowingProxy } from './helpers/swallowing-proxy.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const { Kafka, logLevel } = kafkajs;
const ROUNDS = 6;

let proxy: SwallowingProxy;
let broker: TestBroker;
let admin: Admin;
let reader: KafkaApiClient;

before(async () => {
  proxy = await startSwallowingProxy();
  // Clients are told the proxy's address, so every connection goes through it.
  broker = await startTestBroker({ 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` }, undefined, { silent: true });
  proxy.targetPort = broker.port;
  admin = new Admin({ bootstrapServers: [`127.0.0.1:${proxy.port}`] });
  reader = await KafkaApiClient.open(broker.host, broker.port);
});

after(async () => {
  reader.connection.close();
  await admin.close();
  await broker.close();
  await proxy.close();
});

/** ROUNDS sends of a few records each, the answer to each one's first try lost; what the log then holds and what was sent. */
async function lossyRounds(topic: string, idempotent: boolean): Promise<{ sent: string[]; stored: string[] }> {
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const kafka = new Kafka({ clientId: topic, brokers: [`127.0.0.1:${proxy.port}`], logLevel: logLevel.NOTHING, requestTimeout: 1_000, retry: { retries: 10, initialRetryTime: 50 } });
  const producer = kafka.producer({ idempotent, maxInFlightRequests: 1 });
  await producer.connect();
  const sent: string[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const values = Array.from({ length: 1 + (round % 3) }, (_, i) => `${topic}-${round}-${i}`);
      const swallowedBefore = proxy.swallowed;
      proxy.swallowProduceResponses(1);
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition: 0 })) });
      assert.equal(proxy.swallowed, swallowedBefore + 1, 'the first answer was lost and the send retried');
      sent.push(...values);
    }
  } finally {
    await producer.disconnect();
  }
  const stored = (await readPartition(reader, topic, 0)).records.map((record) => record.value);
  return { sent, stored };
}

test('KafkaJS\'s idempotent producer retries a produce whose answer was lost, and each record is in the log once, in order', { timeout: 120_000 }, async () => {
  const { sent, stored } = await lossyRounds('lost-acks-kafkajs', true);
  assert.deepEqual(stored, sent);
});

test('without idempotence the same lost answers make KafkaJS write records twice: the answers really are lost after the append', { timeout: 120_000 }, async () => {
  const { sent, stored } = await lossyRounds('lost-acks-plain', false);
  assert.ok(stored.length > sent.length, `${stored.length} records stored for ${sent.length} sent: retries duplicated them`);
});
