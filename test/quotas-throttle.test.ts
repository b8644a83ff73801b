import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Consumer, Producer } from '../src/client/index.ts';
import { Api, metadata } from './helpers/kafka-apis.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { buildRecordBatch } from './helpers/record-batch.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { removeTempDir } from './helpers/temp-dir.ts';

/**
 * Quotas as a user sees them: a client over its byte rate gets throttleTimeMs in its answers and
 * its connection muted, so over its first seconds it moves within 10% of the rate. Kafka's rate
 * is measured over quota.window.num = 11 windows of 1 s, and a young client's window counts as at
 * least 10 s, so it may spend 10 s of quota at once and then waits: the rate holds over whole
 * spans of the windows, not over any 10 s. Measured from the first send over 11.5 s, Kafka's own
 * arithmetic (simulated) puts 16 kB requests at +3%. A behaviour test of the throttle, not a benchmark.
 */
const RATE = 200_000;
const MEASURE_MS = 11_500;
const VALUE = Buffer.alloc(1000, 7);

let broker: TestBroker;
let admin: Admin;

before(async () => {
  broker = await startTestBroker();
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'quota-ours', numPartitions: 1, replicationFactor: 1 }, { topic: 'quota-kafkajs', numPartitions: 1, replicationFactor: 1 },
    { topic: 'quota-consumed', numPartitions: 1, replicationFactor: 1 }, { topic: 'quota-raw', numPartitions: 1, replicationFactor: 1 }]);
  const results = await admin.alterClientQuotas([
    { entity: { 'client-id': 'ours-producer' }, ops: [{ key: 'producer_byte_rate', value: RATE }] },
    { entity: { 'client-id': 'kafkajs-producer' }, ops: [{ key: 'producer_byte_rate', value: RATE }] },
    { entity: { 'client-id': 'ours-consumer' }, ops: [{ key: 'consumer_byte_rate', value: RATE }] },
    { entity: { 'client-id': 'samsa-api-test' }, ops: [{ key: 'producer_byte_rate', value: 10_000 }] },
  ]);
  assert.deepEqual(results.map((result) => result.error), [null, null, null, null]);
});

after(async () => {
  await admin.close();
  await broker.close();
  await removeTempDir(broker.dataDir);
});

function assertWithinRate(bytes: number, elapsedMs: number, what: string): void {
  const rate = bytes / (elapsedMs / 1000);
  assert.ok(rate >= RATE * 0.9 && rate <= RATE * 1.1, `${what}: ${Math.round(rate)} B/s over ${elapsedMs} ms, quota ${RATE} B/s`);
}

test('a Produce over producer_byte_rate is answered at once with throttleTimeMs, and the connection is muted for it', async () => {
  const client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    const records = Array.from({ length: 150 }, () => ({ key: null, value: VALUE }));
    const produce = { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'quota-raw', partitionData: [{ index: 0, records: buildRecordBatch(records) }] }] };
    const first = await client.call(Api.produce, 9, produce);
    assert.equal(first.responses[0]!.partitionResponses[0]!.errorCode, 0);
    // ~150 kB against 10 kB/s over a 10 s window: about 5 s to wait.
    const throttleTimeMs = first.throttleTimeMs ?? 0;
    assert.ok(throttleTimeMs > 3000 && throttleTimeMs < 7000, `throttleTimeMs ${throttleTimeMs}`);
    const started = Date.now();
    const second = await metadata(client, []);
    assert.equal(second.brokers.length, 1);
    assert.ok(Date.now() - started >= throttleTimeMs - 200, `answered after ${Date.now() - started} ms of a ${throttleTimeMs} ms throttle`);
  } finally {
    client.close();
  }
});

test('our producer with producer_byte_rate is throttled to within 10% of it over 10 s', async () => {
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], clientId: 'ours-producer', lingerMs: 5 });
  try {
    let acked = 0;
    const started = Date.now();
    const deadline = started + MEASURE_MS;
    const loops = Array.from({ length: 4 }, async () => {
      while (Date.now() < deadline) {
        await Promise.all(Array.from({ length: 50 }, () => producer.send({ topic: 'quota-ours', value: VALUE }).then(() => {
          if (Date.now() <= deadline) acked += VALUE.length;
        })));
      }
    });
    await Promise.all(loops);
    assertWithinRate(acked, MEASURE_MS, 'our producer');
  } finally {
    await producer.close();
  }
});

test('a KafkaJS producer with producer_byte_rate is throttled to within 10% of it over 10 s', async () => {
  const kafka = new Kafka({ clientId: 'kafkajs-producer', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    let acked = 0;
    const started = Date.now();
    const deadline = started + MEASURE_MS;
    const loops = Array.from({ length: 4 }, async () => {
      while (Date.now() < deadline) {
        await producer.send({ topic: 'quota-kafkajs', acks: 1, messages: Array.from({ length: 16 }, () => ({ value: VALUE })) });
        if (Date.now() <= deadline) acked += 16 * VALUE.length;
      }
    });
    await Promise.all(loops);
    assertWithinRate(acked, MEASURE_MS, 'KafkaJS producer');
  } finally {
    await producer.disconnect();
  }
});

test('our consumer with consumer_byte_rate is throttled to within 10% of it over 10 s', async () => {
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], clientId: 'unlimited-producer', lingerMs: 5 });
  await Promise.all(Array.from({ length: 4000 }, () => producer.send({ topic: 'quota-consumed', value: VALUE })));
  await producer.close();
  // Fetches of 64 kB, as a throttled fetch is answered empty and its whole size counts towards the wait.
  const consumer = new Consumer({
    bootstrapServers: [broker.bootstrap], clientId: 'ours-consumer', autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, maxPartitionFetchBytes: 65_536,
  });
  consumer.assign([{ topic: 'quota-consumed', partition: 0 }]);
  try {
    let received = 0;
    const started = Date.now();
    while (Date.now() - started < MEASURE_MS) {
      for (const record of await consumer.poll(200)) received += record.value?.length ?? 0;
    }
    const elapsedMs = Date.now() - started;
    assert.ok(received < 4000 * VALUE.length, 'the consumer did not simply read everything');
    assertWithinRate(received, elapsedMs, 'our consumer');
  } finally {
    await consumer.close();
  }
});
