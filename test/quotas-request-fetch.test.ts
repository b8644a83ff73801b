import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '../src/client/index.ts';
import { Api, batchOf, batchesOf, fetchBody, metadata, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { removeTempDir } from './helpers/temp-dir.ts';

/**
 * request_percentage on a consumer's Fetch, as Kafka does it (KIP-219): a client over its request
 * quota is answered with an empty fetch and throttleTimeMs, not with the data, and its connection is
 * muted for that time; once its rate is back within the quota it reads as before. Windows of 1 s,
 * 2 of them, so a throttle lasts at most a second.
 */
const CLIENT = 'busy-consumer';
const TOPIC = 'request-quota';
/** 5% of one thread's time: 50 ms of handler time a second, which one fetch is far from. */
const REQUEST_PERCENTAGE = 5;
/** A Metadata request naming this many unknown topics takes a few ms of the broker's time. */
const HEAVY_METADATA_TOPICS = Array.from({ length: 5000 }, (_, i) => `no-such-topic-${i}`);

let broker: TestBroker;
let admin: Admin;

before(async () => {
  broker = await startTestBroker({ 'quota.window.num': '2', 'quota.window.size.seconds': '1' });
  admin = new Admin({ bootstrapServers: [broker.bootstrap], clientId: 'unlimited-admin' });
  await admin.createTopics([{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }]);
  const results = await admin.alterClientQuotas([
    { entity: { user: 'ANONYMOUS', 'client-id': CLIENT }, ops: [{ key: 'request_percentage', value: REQUEST_PERCENTAGE }] },
  ]);
  assert.deepEqual(results.map((result) => result.error), [null]);
  const producer = await KafkaApiClient.open(broker.host, broker.port, { clientId: 'unlimited-producer' });
  try {
    assert.equal((await produce(producer, TOPIC, 0, batchOf(['one', 'two', 'three']))).errorCode, 0);
  } finally {
    producer.close();
  }
});

after(async () => {
  await admin.close();
  await broker.close();
  await removeTempDir(broker.dataDir);
});

/**
 * Heavy Metadata requests on a few connections of the client id until one is answered with a throttle
 * of `atLeastMs`: each request takes a tenth or so of the quota, so the rate gets well past it before
 * the muted connections stop (cheap requests would only keep it at the quota).
 */
async function exceedRequestQuota(atLeastMs: number): Promise<number> {
  const busy = await Promise.all(Array.from({ length: 4 }, () => KafkaApiClient.open(broker.host, broker.port, { clientId: CLIENT })));
  const deadline = Date.now() + 20_000;
  let throttled = 0;
  try {
    await Promise.all(busy.map(async (client) => {
      while (throttled < atLeastMs && Date.now() < deadline) {
        const answer = await metadata(client, HEAVY_METADATA_TOPICS, { allowAutoTopicCreation: false });
        throttled = Math.max(throttled, answer.throttleTimeMs ?? 0);
      }
    }));
  } finally {
    for (const client of busy) client.close();
  }
  return throttled;
}

test('a consumer over request_percentage gets an empty Fetch with throttleTimeMs, then its data once the throttle passed', async () => {
  const consumer = await KafkaApiClient.open(broker.host, broker.port, { clientId: CLIENT });
  try {
    // Within the quota, a fetch reads.
    const first = await consumer.call(Api.fetch, 12, fetchBody({ topic: TOPIC, maxWaitMs: 500 }));
    assert.equal(first.throttleTimeMs, 0);
    assert.equal(batchesOf(onlyPartition(first))[0]!.records.length, 3);

    assert.ok(await exceedRequestQuota(200) >= 200, 'the busy connections were throttled');
    // Over the quota: no records, at once (not after maxWaitMs), and the throttle to wait.
    const started = Date.now();
    const throttled = await consumer.call(Api.fetch, 12, fetchBody({ topic: TOPIC, maxWaitMs: 5000 }));
    assert.deepEqual(throttled.responses, []);
    assert.equal(throttled.errorCode, 0);
    const throttleTimeMs = throttled.throttleTimeMs ?? 0;
    assert.ok(throttleTimeMs > 0 && throttleTimeMs <= 1000, `throttleTimeMs ${throttleTimeMs}`);
    assert.ok(Date.now() - started < 2000, 'answered without waiting for data');

    // The connection is muted for the throttle; the client's next fetches read once it is back within
    // its quota (each answer may still carry a short throttle for the fetch's own time while the
    // busy second is in the window).
    let answer = throttled;
    const deadline = Date.now() + 10_000;
    while (answer.responses.length === 0 && Date.now() < deadline) {
      assert.ok((answer.throttleTimeMs ?? 0) > 0, 'an empty answer is a throttled one');
      answer = await consumer.call(Api.fetch, 12, fetchBody({ topic: TOPIC, maxWaitMs: 500 }));
    }
    assert.ok(Date.now() - started >= throttleTimeMs - 100, `data after ${Date.now() - started} ms of a ${throttleTimeMs} ms throttle`);
    assert.deepEqual(batchesOf(onlyPartition(answer))[0]!.records.map((record) => record.value?.toString()), ['one', 'two', 'three']);
  } finally {
    consumer.close();
  }
});

test('another client id is not throttled by the busy one', async () => {
  assert.ok(await exceedRequestQuota(200) >= 200);
  const other = await KafkaApiClient.open(broker.host, broker.port, { clientId: 'other-consumer' });
  try {
    const answer = await other.call(Api.fetch, 12, fetchBody({ topic: TOPIC }));
    assert.equal(answer.throttleTimeMs, 0);
    assert.equal(batchesOf(onlyPartition(answer))[0]!.records.length, 3);
  } finally {
    other.close();
  }
});
