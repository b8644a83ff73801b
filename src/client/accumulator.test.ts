import { test } from 'node:test';
import assert from 'node:assert/strict';
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
  assert.equal(big.records.length, 1);
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
