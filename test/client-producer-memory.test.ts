// buffer.memory and max.block.ms against a real broker: a producer holds at most buffer.memory
// bytes of undelivered records; sends beyond wait (in order) for delivered batches to free room,
// and fail after max.block.ms when nothing is delivered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import { Admin, Consumer, KafkaClientError, Producer, type ConsumerRecord, type RecordMetadata } from '../src/client/index.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { removeTempDir } from './helpers/temp-dir.ts';

let broker: TestBroker;
before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'memory-order', numPartitions: 2 }, { topic: 'memory-big', numPartitions: 1 }]);
  await admin.close();
});
after(async () => {
  await broker.close();
  await removeTempDir(broker.dataDir);
});

const isError = (code: number, pattern: RegExp) => (e: unknown) =>
  e instanceof KafkaClientError && e.code === code && !e.retriable && pattern.test(e.message);

test('a burst many times buffer.memory: sends wait for room and every record is delivered, in order', async () => {
  // About 4 KiB of room for records of ~120 bytes: the burst of 600 is ~18 times what fits.
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], bufferMemory: 4096, batchSize: 1024, lingerMs: 20 });
  await producer.connect();
  await producer.send({ topic: 'memory-order', value: 'warm', partition: 0 });
  const sends: Array<Promise<RecordMetadata>> = [];
  let sawBlocked = false;
  for (let i = 0; i < 300; i++) {
    sends.push(producer.send({ topic: 'memory-order', key: `k${i % 2}`, value: `${i}`.padStart(100, '.') }));
    sawBlocked ||= producer.blocked;
  }
  // sendBatch waits as well, and its records queue behind the sends above.
  const batch = producer.sendBatch(Array.from({ length: 300 }, (_, j) => ({ topic: 'memory-order', key: `k${j % 2}`, value: `${300 + j}`.padStart(100, '.') })));
  assert.ok(sawBlocked, 'the producer said it was blocked');
  const metadata = [...await Promise.all(sends), ...await batch];
  await producer.unblocked();
  assert.equal(producer.blocked, false);
  await producer.close();

  // Per partition, offsets follow call order.
  for (const partition of [0, 1]) {
    const offsets = metadata.filter((m) => m.partition === partition).map((m) => m.offset);
    for (let i = 1; i < offsets.length; i++) assert.equal(offsets[i], offsets[i - 1]! + 1, `partition ${partition} offsets in order`);
  }
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'earliest', fetchMaxWaitMs: 50 });
  consumer.assign([{ topic: 'memory-order', partition: 0 }, { topic: 'memory-order', partition: 1 }]);
  const read: ConsumerRecord[] = [];
  const deadline = Date.now() + 15_000;
  while (read.length < 601 && Date.now() < deadline) read.push(...await consumer.poll(300));
  await consumer.close();
  const values = read.filter((r) => r.key !== null).map((r) => ({ partition: r.partition, n: Number(r.value!.toString().replace(/^\.+/, '')) }));
  assert.equal(values.length, 600, 'nothing lost');
  for (const partition of [0, 1]) {
    const ns = values.filter((v) => v.partition === partition).map((v) => v.n);
    assert.deepEqual(ns, [...ns].sort((a, b) => a - b), `partition ${partition} in send order`);
  }
});

test('a record bigger than buffer.memory or max.request.size fails at once; the next one still goes', async () => {
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], bufferMemory: 10_000, maxRequestSize: 5_000, lingerMs: 1 });
  await producer.connect();
  const first = await producer.send({ topic: 'memory-big', value: 'a' });
  // max.block.ms is the default 60 s: a wait, not an immediate failure, would time the test out.
  await assert.rejects(producer.send({ topic: 'memory-big', value: Buffer.alloc(6_000) }), isError(ErrorCode.MESSAGE_TOO_LARGE, /max\.request\.size \(5000\)/));
  const roomy = new Producer({ bootstrapServers: [broker.bootstrap], bufferMemory: 2_000, lingerMs: 1 });
  await assert.rejects(roomy.send({ topic: 'memory-big', value: Buffer.alloc(3_000) }), isError(ErrorCode.MESSAGE_TOO_LARGE, /buffer\.memory \(2000\)/));
  await assert.rejects(roomy.sendBatch([{ topic: 'memory-big', value: 'fine' }, { topic: 'memory-big', value: Buffer.alloc(3_000) }]), /buffer\.memory/);
  await roomy.close();
  const next = await producer.send({ topic: 'memory-big', value: 'b' });
  await producer.close();
  assert.equal(next.offset, first.offset + 2, 'only the small record of the sendBatch went out in between');
});

test('broker gone: a send beyond buffer.memory fails after max.block.ms, the buffered ones after delivery.timeout.ms', async () => {
  const own = await startTestBroker({}, undefined, { silent: true });
  const admin = new Admin({ bootstrapServers: [own.bootstrap] });
  await admin.createTopics([{ topic: 'memory-down', numPartitions: 1 }]);
  await admin.close();
  const producer = new Producer({
    bootstrapServers: [own.bootstrap], bufferMemory: 2_048, maxBlockMs: 300, deliveryTimeoutMs: 2_000, lingerMs: 1,
    requestTimeoutMs: 1_000, reconnectBackoffMs: 20, reconnectBackoffMaxMs: 100, retryBackoffMs: 20, retryBackoffMaxMs: 100,
  });
  await producer.send({ topic: 'memory-down', value: 'warm' });
  await own.close();
  // ~171 bytes each by the producer's estimate: eleven fit in 2048, the twelfth must wait.
  const buffered = Array.from({ length: 11 }, (_, i) => producer.send({ topic: 'memory-down', value: Buffer.alloc(150, i) }));
  const settled = Promise.allSettled(buffered);
  await assert.rejects(producer.send({ topic: 'memory-down', value: Buffer.alloc(150) }),
    isError(ErrorCode.REQUEST_TIMED_OUT, /Failed to allocate \d+ bytes within the configured max blocking time \d+ ms/));
  for (const result of await settled) {
    assert.equal(result.status, 'rejected');
    assert.ok(isError(ErrorCode.REQUEST_TIMED_OUT, /not delivered within delivery\.timeout\.ms/)(result.reason), String(result.reason));
  }
  await producer.close();
  await removeTempDir(own.dataDir);
});
