import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CompressionType } from '../protocol/records/batch-header.ts';
import { buildRecordBatch } from '../protocol/records/record-batch-builder.ts';
import { RecordAccumulator } from './accumulator.ts';

const noop = { resolve: () => {}, reject: () => {} };
const record = (n: number) => ({ key: null, value: Buffer.alloc(n), timestamp: 0 });
const never = () => false;

test('a batch closes at batch.size and the next record opens another', () => {
  const acc = new RecordAccumulator({ batchSize: 100, lingerMs: 1000 });
  const a = acc.append('t', 0, record(30), 50, noop, 0);
  const b = acc.append('t', 0, record(30), 50, noop, 0);
  assert.equal(a, b);
  assert.ok(a.closed, 'full at 100 bytes');
  const c = acc.append('t', 0, record(30), 50, noop, 0);
  assert.notEqual(c, a);
  const ready = acc.drain(1, never);
  assert.deepEqual(ready, [a], 'only the full one: the other lingers, and one batch per partition at a time');
  assert.deepEqual(acc.drain(999, never), []);
  assert.deepEqual(acc.drain(1000, never), [c]);
  assert.ok(acc.isEmpty);
});

test('a record bigger than batch.size gets a batch of its own', () => {
  const acc = new RecordAccumulator({ batchSize: 100, lingerMs: 0 });
  const big = acc.append('t', 0, record(500), 521, noop, 0);
  assert.equal(big.recordCount, 1);
  assert.ok(big.closed);
});

test('linger.ms, flush, muting and retries in front keep per-partition order', () => {
  const acc = new RecordAccumulator({ batchSize: 1000, lingerMs: 50 });
  const p0 = acc.append('t', 0, record(1), 22, noop, 0);
  const p1 = acc.append('t', 1, record(1), 22, noop, 10);
  assert.equal(acc.nextReadyMs(), 50);
  assert.equal(acc.nextReadyMs((_, p) => p === 0), 60);
  assert.deepEqual(acc.drain(20, never), []);
  acc.beginFlush();
  assert.deepEqual(acc.drain(20, (_, p) => p === 1), [p0], 'muted partition waits even during a flush');
  acc.endFlush();
  const later = acc.append('t', 0, record(1), 22, noop, 30);
  p0.attempts = 1;
  p0.retryAtMs = 100;
  acc.reenqueue(p0);
  assert.deepEqual(acc.drain(60, never), [p1], 'p0 retry not due; its later batch must not overtake it');
  assert.deepEqual(acc.drain(100, never), [p0]);
  assert.deepEqual(acc.drain(100, never), [later]);
});

test('batches past delivery.timeout.ms expire', () => {
  const acc = new RecordAccumulator({ batchSize: 1000, lingerMs: 50 });
  const old = acc.append('t', 0, record(1), 22, noop, 0);
  acc.append('t', 1, record(1), 22, noop, 500);
  assert.deepEqual(acc.expire(1000, 1000), [old]);
});

test('a batch encoded record by record as appended is byte for byte what buildRecordBatch makes', () => {
  const bytes = fc.option(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), { nil: null });
  const input = fc.record({
    key: bytes, value: bytes,
    headers: fc.option(fc.array(fc.record({ key: fc.string({ maxLength: 20 }), value: bytes }), { maxLength: 3 }), { nil: undefined }),
    timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
  });
  fc.assert(fc.property(fc.array(input, { minLength: 1, maxLength: 60 }), fc.constantFrom(...Object.values(CompressionType)), (records, compression) => {
    // One batch for all: batch.size is far above what the records need.
    const acc = new RecordAccumulator({ batchSize: 1 << 30, lingerMs: 0 });
    let batch = acc.append('t', 0, records[0]!, 1, noop, 0);
    for (const r of records.slice(1)) batch = acc.append('t', 0, r, 1, noop, 0);
    const plain = records.map((r) => (r.headers === undefined ? { key: r.key, value: r.value, timestamp: r.timestamp } : r));
    assert.deepEqual(batch.encode(compression), buildRecordBatch(plain, { compression }));
    assert.equal(batch.encode(compression), batch.encode(compression), 'built once, so a retry sends the same bytes');
  }), { numRuns: 150 });
});

test('deliveries get their metadata in slot order; a failure reaches every record', () => {
  const acc = new RecordAccumulator({ batchSize: 10_000, lingerMs: 0 });
  const got: Array<[number, unknown]> = [];
  const target = { resolve: (m: unknown, slot: number) => got.push([slot, m]), reject: (e: Error, slot: number) => got.push([slot, e.message]) };
  acc.append('t', 2, { key: Buffer.from('k'), value: null, timestamp: 7 }, 22, target, 5, 4);
  const batch = acc.append('t', 2, { key: null, value: Buffer.from('vv'), timestamp: 9 }, 23, target, 5, 9);
  batch.complete(100, -1);
  assert.deepEqual(got, [
    [4, { topic: 't', partition: 2, offset: 100, timestamp: 7, serializedKeySize: 1, serializedValueSize: -1 }],
    [9, { topic: 't', partition: 2, offset: 101, timestamp: 9, serializedKeySize: -1, serializedValueSize: 2 }],
  ]);
  got.length = 0;
  batch.complete(-1, 55);
  assert.deepEqual(got.map(([, m]) => [(m as { offset: number }).offset, (m as { timestamp: number }).timestamp]), [[-1, 55], [-1, 55]]);
  got.length = 0;
  batch.fail(new Error('boom'));
  assert.deepEqual(got, [[4, 'boom'], [9, 'boom']]);
});

test('overflowsOpenBatch: only an open batch with records that the next record would overflow', () => {
  const acc = new RecordAccumulator({ batchSize: 100, lingerMs: 1000 });
  assert.equal(acc.overflowsOpenBatch('t', 0, 500), false, 'no batch yet: the first batch is no reason to move');
  assert.equal(acc.needsNewBatch('t', 0, 500), true);
  acc.append('t', 0, record(10), 60, noop, 0);
  assert.equal(acc.overflowsOpenBatch('t', 0, 40), false);
  assert.equal(acc.overflowsOpenBatch('t', 0, 41), true);
  assert.equal(acc.overflowsOpenBatch('t', 1, 41), false, 'another partition');
  assert.equal(acc.overflowsOpenBatch('u', 0, 41), false, 'another topic');
  acc.append('t', 0, record(10), 40, noop, 0);
  assert.equal(acc.overflowsOpenBatch('t', 0, 1), false, 'full, so closed: the next record starts a batch anyway');
  assert.equal(acc.isEmpty, false);
  assert.equal(acc.drain(0, never).length, 1);
  assert.equal(acc.isEmpty, true);
});

test('many topics and partitions: each keeps its own queue; drain takes one batch of each', () => {
  const acc = new RecordAccumulator({ batchSize: 50, lingerMs: 0 });
  for (const topic of ['a', 'b']) for (const partition of [3, 0, 7]) for (let i = 0; i < 3; i++) acc.append(topic, partition, record(1), 30, noop, 0);
  const first = acc.drain(0, never);
  assert.equal(first.length, 6);
  assert.deepEqual(new Set(first.map((b) => `${b.topic}-${b.partition}`)).size, 6);
  assert.ok(first.every((b) => b.recordCount === 1));
  assert.equal(acc.drain(0, never).length, 6);
  assert.equal(acc.drain(0, never).length, 6);
  assert.ok(acc.isEmpty);
  assert.equal(acc.nextReadyMs(), Infinity);
});

test('a partition\'s next buffer is sized from its last batch; records beyond it still encode right', () => {
  const acc = new RecordAccumulator({ batchSize: 1 << 20, lingerMs: 0 });
  const make = (n: number, size: number) => Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.alloc(size, i), timestamp: 1000 + i }));
  for (const [n, size] of [[40, 1000], [3, 10], [100, 1000], [1, 5]] as const) {
    const records = make(n, size);
    let batch = acc.append('t', 0, records[0]!, 1, noop, 0);
    for (const r of records.slice(1)) batch = acc.append('t', 0, r, 1, noop, 0);
    assert.deepEqual(acc.drain(0, never), [batch]);
    assert.deepEqual(batch.encode(CompressionType.none), buildRecordBatch(records));
  }
});

test('a batch is encoded (with the accumulator\'s compression) as soon as it is full; an open one is not', () => {
  const acc = new RecordAccumulator({ batchSize: 100, lingerMs: 1000, compression: CompressionType.gzip });
  const records = [record(30), record(31), record(32)];
  const a = acc.append('t', 0, records[0]!, 50, noop, 0);
  assert.equal(a.encoded, null);
  acc.append('t', 0, records[1]!, 50, noop, 0);
  assert.deepEqual(a.encoded, buildRecordBatch(records.slice(0, 2), { compression: CompressionType.gzip }));
  const b = acc.append('t', 0, records[2]!, 60, noop, 0);
  const c = acc.append('t', 0, record(1), 60, noop, 0);
  assert.ok(b.encoded !== null && c.encoded === null, 'b closed when c did not fit');
});

test('an answered batch\'s buffer serves the next batch; one sent with acks=0, or compressed, is left alone', () => {
  const sameMemory = (a: Buffer, b: Buffer) => a.buffer === b.buffer && a.byteOffset === b.byteOffset;
  const sendOne = (acc: RecordAccumulator, compression: CompressionType, answered: boolean, fill: number): Buffer => {
    const batch = acc.append('t', 0, { key: null, value: Buffer.alloc(30, fill), timestamp: 0 }, 50, noop, 0);
    const [drained] = acc.drain(0, never);
    assert.equal(drained, batch);
    const sent = batch.encode(compression);
    acc.deallocate(batch, answered);
    return sent;
  };
  const acc = new RecordAccumulator({ batchSize: 100, lingerMs: 0 });
  const first = sendOne(acc, CompressionType.none, true, 1);
  const second = sendOne(acc, CompressionType.none, false, 2);
  assert.ok(sameMemory(first, second), 'the answered batch\'s memory is reused');
  // A request with acks=0 may still sit in the socket's queue: its bytes must stay as they are.
  const copy = Buffer.from(second);
  sendOne(acc, CompressionType.none, true, 3);
  sendOne(acc, CompressionType.none, true, 4);
  assert.deepEqual(second, copy);

  const gzip = new RecordAccumulator({ batchSize: 100, lingerMs: 0, compression: CompressionType.gzip });
  const compressed = sendOne(gzip, CompressionType.gzip, true, 5);
  const compressedCopy = Buffer.from(compressed);
  sendOne(gzip, CompressionType.gzip, true, 6);
  assert.deepEqual(compressed, compressedCopy);
});

test('retries come back in sequence order, whatever order their answers arrive in; new batches stay behind them', () => {
  const acc = new RecordAccumulator({ batchSize: 1000, lingerMs: 0 });
  const batches = [0, 1, 2].map(() => {
    const b = acc.append('t', 0, record(1), 22, noop, 0);
    b.closed = true;
    return b;
  });
  const fresh = acc.append('t', 0, record(1), 22, noop, 0);
  const drained = [acc.drain(0, never), acc.drain(0, never), acc.drain(0, never)].flat();
  assert.deepEqual(drained, batches);
  drained.forEach((b, i) => b.setProducerState(7, 0, i * 10, false));
  for (const b of [batches[2]!, batches[0]!, batches[1]!]) {
    b.attempts = 1;
    acc.reenqueue(b);
  }
  const order = [acc.drain(0, never), acc.drain(0, never), acc.drain(0, never), acc.drain(0, never)].flat();
  assert.deepEqual(order.map((b) => b.baseSequence), [0, 10, 20, -1]);
  assert.equal(order[3], fresh);
});

test('remove() takes the batches asked for out of every queue; a muted batch is next due at its delivery timeout', () => {
  const acc = new RecordAccumulator({ batchSize: 1000, lingerMs: 50 });
  const a = acc.append('t', 0, record(1), 22, noop, 5);
  acc.append('t', 1, record(1), 22, noop, 10);
  const all = () => true;
  assert.equal(acc.nextReadyMs(all, 100), 105);
  assert.equal(acc.nextReadyMs(all), Infinity, 'no delivery timeout given: muted batches wait for a wake-up');
  assert.equal(acc.nextReadyMs((_, p) => p === 1, 100), 55, 'the unmuted one lingers until 55');
  assert.deepEqual(acc.remove((b) => b.partition === 0), [a]);
  assert.ok(a.closed);
  assert.equal(acc.nextReadyMs(all, 100), 110);
  assert.equal(acc.remove(() => true).length, 1);
  assert.ok(acc.isEmpty);
});
