import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Admin, Consumer, Producer, ProducerConfigError } from '../src/client/index.ts';
import { BatchHeader, RECORD_BATCH_OVERHEAD } from '../src/protocol/records/batch-header.ts';
import { firstSegmentPath } from './helpers/log-segment.ts';
import { startSwallowingProxy } from './helpers/swallowing-proxy.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

let broker: TestBroker;
let admin: Admin;
before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
});
after(async () => {
  await admin.close();
  await broker.close();
});

/** The producer fields of every batch the broker stored for a partition, read from its segment file. */
async function storedProducerFields(topic: string, partition: number): Promise<Array<{ producerId: number; producerEpoch: number; baseSequence: number; count: number; baseOffset: number }>> {
  const bytes = await readFile(firstSegmentPath(broker.dataDir, topic, partition));
  const out = [];
  for (let position = 0; position + RECORD_BATCH_OVERHEAD <= bytes.length;) {
    const header = new BatchHeader(bytes, position);
    if (header.batchLength <= 0) break;
    out.push({ producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence, count: header.recordsCount, baseOffset: header.baseOffset });
    position += header.sizeInBytes;
  }
  return out;
}

test('the producer is idempotent by default: every batch carries one producer id, epoch 0 and sequences that run on per partition', async () => {
  const topic = 'idempotent-default';
  await admin.createTopics([{ topic, numPartitions: 2 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], batchSize: 200, lingerMs: 0 });
  // Several batches per partition, several in flight at once.
  await Promise.all(Array.from({ length: 60 }, (_, i) => producer.send({ topic, partition: i % 2, value: `record-${i}-${'x'.repeat(40)}` })));
  assert.equal(producer.idempotent, true);
  await producer.close();
  const ids = new Set<number>();
  for (const partition of [0, 1]) {
    const batches = await storedProducerFields(topic, partition);
    assert.ok(batches.length > 1, 'more than one batch per partition');
    let sequence = 0;
    for (const batch of batches) {
      ids.add(batch.producerId);
      assert.equal(batch.producerEpoch, 0);
      assert.equal(batch.baseSequence, sequence, `partition ${partition}: sequences follow on without a gap`);
      sequence += batch.count;
    }
    assert.equal(sequence, 30);
  }
  assert.equal(ids.size, 1, 'one InitProducerId for the producer');
  assert.ok([...ids][0]! >= 0);
});

test('acks=1 makes a plain producer (no producer id), as Java\'s default idempotence gives way; asked for explicitly, it is a config error', async () => {
  const topic = 'idempotent-acks-1';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], acks: 1 });
  await producer.send({ topic, value: 'plain' });
  assert.equal(producer.idempotent, false);
  await producer.close();
  assert.deepEqual((await storedProducerFields(topic, 0)).map((b) => [b.producerId, b.producerEpoch, b.baseSequence]), [[-1, -1, -1]]);
  assert.throws(() => new Producer({ bootstrapServers: [broker.bootstrap], acks: 1, enableIdempotence: true }),
    (e: unknown) => e instanceof ProducerConfigError && /Must set acks to all/.test(e.message));
});

test('records sent idempotently read back once each, in send order', async () => {
  const topic = 'idempotent-read-back';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], batchSize: 100, lingerMs: 0 });
  const metas = await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send({ topic, value: String(i) })));
  await producer.close();
  assert.deepEqual(metas.map((m) => m.offset), Array.from({ length: 200 }, (_, i) => i));
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
  consumer.assign([{ topic, partition: 0 }]);
  const values: string[] = [];
  for (const deadline = Date.now() + 10_000; values.length < 200 && Date.now() < deadline;) values.push(...(await consumer.poll(200)).map((r) => r.value!.toString()));
  await consumer.close();
  assert.deepEqual(values, Array.from({ length: 200 }, (_, i) => String(i)));
});

/** Every value in partition 0 of `topic`, from its start to its end offset now. */
async function readPartitionZero(bootstrapServers: string[], topic: string): Promise<string[]> {
  const reader = new Admin({ bootstrapServers });
  const [end] = await reader.listOffsets([{ topic, partition: 0, spec: 'latest' }]);
  await reader.close();
  const consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
  consumer.assign([{ topic, partition: 0 }]);
  const values: string[] = [];
  for (const deadline = Date.now() + 10_000; (consumer.position({ topic, partition: 0 }) ?? 0) < end!.offset && Date.now() < deadline;) {
    values.push(...(await consumer.poll(200)).map((r) => r.value!.toString()));
  }
  await consumer.close();
  return values;
}

test('sends that run out of delivery.timeout.ms while their answers are lost: none is written twice, and the ones acknowledged are in the log once each, in order', async () => {
  const proxy = await startSwallowingProxy();
  const behind = await startTestBroker({ 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` }, undefined, { silent: true });
  proxy.targetPort = behind.port;
  const bootstrapServers = [`127.0.0.1:${proxy.port}`];
  const topic = 'lost-answers-expired';
  try {
    const setup = new Admin({ bootstrapServers });
    await setup.createTopics([{ topic, numPartitions: 1 }]);
    await setup.close();
    const producer = new Producer({ bootstrapServers, requestTimeoutMs: 400, deliveryTimeoutMs: 1_500, retryBackoffMs: 50, lingerMs: 0, batchSize: 64 });
    await producer.connect();
    // Every answer is lost, so the broker holds each batch (written once, its retries found to be
    // duplicates) while the producer knows of none. Sends keep coming, so that when the first ones
    // run out of time, later batches (which the broker may hold as well) are still in flight.
    proxy.swallowProduceResponses(Infinity);
    const sends: Array<Promise<unknown>> = [];
    let firstFailure = false;
    for (let i = 0; !firstFailure || i % 10 !== 0; i++) {
      const send = producer.send({ topic, value: String(i) });
      send.catch(() => { firstFailure = true; });
      sends.push(send);
      if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    proxy.stopSwallowing();
    for (let i = sends.length, end = sends.length + 20; i < end; i++) sends.push(producer.send({ topic, value: String(i) }));
    const settled = await Promise.allSettled(sends);
    await producer.close();
    const acknowledged = settled.flatMap((s, i) => s.status === 'fulfilled' ? [String(i)] : []);
    const failed = settled.filter((s) => s.status === 'rejected');
    assert.ok(failed.length > 0 && failed.every((s) => /delivery\.timeout\.ms/.test(String((s as PromiseRejectedResult).reason))), 'sends failed by running out of time');
    assert.ok(acknowledged.length > 0, 'sends after the answers came back are acknowledged');

    const values = await readPartitionZero(bootstrapServers, topic);
    assert.deepEqual(values.filter((v, i) => values.indexOf(v) !== i), [], 'no record written twice');
    assert.deepEqual(values.map(Number), [...values.map(Number)].sort((a, b) => a - b), 'the log keeps send order');
    const inLog = new Set(values);
    assert.deepEqual(acknowledged.filter((v) => !inLog.has(v)), [], 'every acknowledged send is in the log');
  } finally {
    await proxy.close();
    await behind.close();
  }
});

test('answers lost after the broker wrote the batch: the idempotent producer retries and each record is in the log once, in order; without idempotence they are written twice', async () => {
  const proxy = await startSwallowingProxy();
  const behind = await startTestBroker({ 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` }, undefined, { silent: true });
  proxy.targetPort = behind.port;
  const bootstrapServers = [`127.0.0.1:${proxy.port}`];
  try {
    const setup = new Admin({ bootstrapServers });
    await setup.createTopics(['lost-answers-idempotent', 'lost-answers-pipelined', 'lost-answers-plain'].map((topic) => ({ topic, numPartitions: 1 })));
    await setup.close();
    /** `count` records, one send at a time or all at once (up to five batches in flight, each of a few records). */
    const run = async (topic: string, enableIdempotence: boolean, count = 10, pipelined = false): Promise<{ offsets: number[]; values: string[] }> => {
      const producer = new Producer({ bootstrapServers, requestTimeoutMs: 1_000, retryBackoffMs: 50, lingerMs: 0, batchSize: 64, enableIdempotence });
      await producer.connect();
      const before = proxy.swallowed;
      proxy.swallowProduceResponses(3);
      let offsets: number[] = [];
      if (pipelined) offsets = (await Promise.all(Array.from({ length: count }, (_, i) => producer.send({ topic, value: String(i) })))).map((m) => m.offset);
      else for (let i = 0; i < count; i++) offsets.push((await producer.send({ topic, value: String(i) })).offset);
      await producer.close();
      assert.equal(proxy.swallowed - before, 3, 'three answers never reached the producer');
      return { offsets, values: await readPartitionZero(bootstrapServers, topic) };
    };
    const idempotent = await run('lost-answers-idempotent', true);
    assert.deepEqual(idempotent.values, Array.from({ length: 10 }, (_, i) => String(i)), 'each record once, in send order');
    assert.deepEqual(idempotent.offsets, Array.from({ length: 10 }, (_, i) => i), 'a retry answered as a duplicate still gets its record\'s offset');
    const pipelined = await run('lost-answers-pipelined', true, 200, true);
    assert.deepEqual(pipelined.values, Array.from({ length: 200 }, (_, i) => String(i)), 'five in flight, three answers lost: still once each, in order');
    assert.deepEqual(pipelined.offsets, Array.from({ length: 200 }, (_, i) => i));
    const plain = await run('lost-answers-plain', false);
    assert.equal(plain.values.length, 13, 'without idempotence each retried record is written again');
  } finally {
    await proxy.close();
    await behind.close();
  }
});
