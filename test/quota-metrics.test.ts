import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, type ConsumerRecord } from '../src/client/index.ts';
import { CLIENT_QUOTA_METRICS } from '../src/metrics/kafka-metric-definitions.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, metadata } from './helpers/kafka-apis.ts';
import { scrapeMetrics, type Scrape } from './helpers/prometheus-text.ts';
import { buildRecordBatch } from './helpers/record-batch.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

/**
 * Kafka's per-client quota metrics on /metrics: once a quota is set, each client it applies to has
 * its sensor's rate (bytes produced or fetched per second, or percent of the broker's time) and
 * mean throttle time, under the names the JMX exporter's quota rules give the sensor's MBean.
 */

const PRODUCE_RATE = 10_000;
let broker: TestBroker;
let admin: Admin;

before(async () => {
  broker = await startTestBroker({ 'metrics.listener': 'http://127.0.0.1:0' }, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'quota-metrics', numPartitions: 1 }]);
});

after(async () => {
  await admin.close();
  await broker.close();
});

const scrape = () => scrapeMetrics(broker.metricsListener!);

/** Every quota sample carries exactly the labels of one of its family's MBean shapes. */
function checkQuotaLabels(page: Scrape): void {
  const shapes = new Map<string, string[]>();
  for (const definition of Object.values(CLIENT_QUOTA_METRICS).flat()) {
    shapes.set(definition.name, [...(shapes.get(definition.name) ?? []), [...definition.labels].sort().join()]);
    assert.equal(page.types.get(definition.name), 'gauge', definition.name);
  }
  for (const sample of page.samples.filter((s) => shapes.has(s.name))) {
    assert.ok(shapes.get(sample.name)!.includes(Object.keys(sample.labels).sort().join()), `${sample.name} ${JSON.stringify(sample.labels)}`);
  }
}

test('without a quota set no client has quota metrics', async () => {
  const page = await scrape();
  for (const name of ['kafka_server_quota_byte_rate', 'kafka_server_quota_throttle_time', 'kafka_server_quota_request_time']) {
    assert.equal(page.types.get(name), 'gauge');
    assert.equal(page.find(name).length, 0, name);
  }
});

test('a throttled producer, a consumer within its quota and a user and client id with a request quota, as Kafka exports them', async () => {
  const results = await admin.alterClientQuotas([
    { entity: { 'client-id': 'metrics-producer' }, ops: [{ key: 'producer_byte_rate', value: PRODUCE_RATE }] },
    { entity: { 'client-id': 'metrics-reader' }, ops: [{ key: 'consumer_byte_rate', value: 10_000_000 }] },
    { entity: { user: 'ANONYMOUS', 'client-id': 'metrics-requests' }, ops: [{ key: 'request_percentage', value: 1000 }] },
  ]);
  assert.deepEqual(results.map((result) => result.error), [null, null, null]);

  // ~150 kB against 10 kB/s: answered at once, with a throttle of seconds.
  const producer = await KafkaApiClient.open(broker.host, broker.port, { clientId: 'metrics-producer' });
  let throttleTimeMs: number;
  try {
    const records = buildRecordBatch(Array.from({ length: 150 }, () => ({ key: null, value: Buffer.alloc(1000, 7) })));
    const produced = await producer.call(Api.produce, 9, {
      transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'quota-metrics', partitionData: [{ index: 0, records }] }],
    });
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, 0);
    throttleTimeMs = produced.throttleTimeMs ?? 0;
    assert.ok(throttleTimeMs > 1000, `throttleTimeMs ${throttleTimeMs}`);
  } finally {
    producer.close();
  }

  const reader = new Consumer({ bootstrapServers: [broker.bootstrap], clientId: 'metrics-reader', autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
  try {
    reader.assign([{ topic: 'quota-metrics', partition: 0 }]);
    const read: ConsumerRecord[] = [];
    const deadline = Date.now() + 20_000;
    while (read.length < 150 && Date.now() < deadline) read.push(...await reader.poll(100));
    assert.equal(read.length, 150);
  } finally {
    await reader.close();
  }

  const requests = await KafkaApiClient.open(broker.host, broker.port, { clientId: 'metrics-requests' });
  try {
    for (let i = 0; i < 3; i++) await metadata(requests, null);
  } finally {
    requests.close();
  }

  const page = await scrape();
  // The producer: its client id's sensor, over the quota with the throttle it was given.
  const produce = { resource: 'Produce', clientId: 'metrics-producer' };
  assert.ok(page.value('kafka_server_quota_byte_rate', produce) > PRODUCE_RATE, `${page.value('kafka_server_quota_byte_rate', produce)} B/s`);
  assert.equal(page.value('kafka_server_quota_throttle_time', produce), throttleTimeMs);
  // The reader: its fetched bytes per second, never throttled (Kafka's mean of no throttle: NaN).
  const fetch = { resource: 'Fetch', clientId: 'metrics-reader' };
  assert.ok(page.value('kafka_server_quota_byte_rate', fetch) > 0);
  assert.ok(Number.isNaN(page.value('kafka_server_quota_throttle_time', fetch)));
  // A <user, client-id> quota: the sensor's MBean names both, and the exporter's client-id rule puts the user in resource.
  const request = { resource: 'Request, user=ANONYMOUS', clientId: 'metrics-requests' };
  assert.ok(page.value('kafka_server_quota_request_time', request) > 0);
  assert.ok(Number.isNaN(page.value('kafka_server_quota_throttle_time', request)));
  // Other clients have sensors too once their type has a quota (each shared as the quotas set decide), but no throttle.
  assert.deepEqual(page.find('kafka_server_quota_throttle_time').filter((s) => !Number.isNaN(s.value)).map((s) => s.labels), [produce]);
  checkQuotaLabels(page);
});
