import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer, type ConsumerRecord } from '../src/client/index.ts';
import { startTestBroker } from './helpers/test-broker.ts';
import { removeTempDir } from './helpers/temp-dir.ts';

test('retries across a broker restart keep per-partition order (at-least-once, no reordering)', async () => {
  let broker = await startTestBroker({}, undefined, { silent: true });
  const { port, dataDir } = broker;
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  const topic = 'restart-order';
  await admin.createTopics([{ topic, numPartitions: 2 }]);
  await admin.close();
  const producer = new Producer({
    bootstrapServers: [broker.bootstrap], lingerMs: 1, batchSize: 512, retryBackoffMs: 50, reconnectBackoffMs: 20,
    reconnectBackoffMaxMs: 100, requestTimeoutMs: 3000, deliveryTimeoutMs: 30_000, maxInFlightRequestsPerConnection: 5,
  });
  const sends: Array<Promise<unknown>> = [];
  for (let i = 0; i < 400; i++) {
    sends.push(producer.send({ topic, key: `k${i % 2}`, value: String(i) }));
    if (i === 150) {
      await broker.close();
      broker = await startTestBroker({ port: String(port) }, dataDir, { silent: true });
    }
    if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(sends);
  await producer.close();
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  consumer.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
  const read: ConsumerRecord[] = [];
  const deadline = Date.now() + 15_000;
  while (new Set(read.map((r) => r.value!.toString())).size < 400 && Date.now() < deadline) read.push(...await consumer.poll(300));
  await consumer.close();
  await broker.close();
  await removeTempDir(dataDir);
  assert.equal(new Set(read.map((r) => r.value!.toString())).size, 400, 'every record delivered');
  for (const partition of [0, 1]) {
    const values = read.filter((r) => r.partition === partition).sort((a, b) => a.offset - b.offset).map((r) => Number(r.value!.toString()));
    // A retried batch may repeat (no idempotence), but first appearances follow send order.
    const firsts = values.filter((v, i) => values.indexOf(v) === i);
    for (let i = 1; i < firsts.length; i++) assert.ok(firsts[i]! > firsts[i - 1]!, `out of order: ${firsts[i]} after ${firsts[i - 1]}`);
  }
});
