import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../protocol/errors.ts';
import { BufferMemory } from './buffer-memory.ts';
import { KafkaClientError } from './errors.ts';

const settled = async <T>(promise: Promise<T>): Promise<'resolved' | 'rejected' | 'pending'> => {
  let state: 'resolved' | 'rejected' | 'pending' = 'pending';
  promise.then(() => { state = 'resolved'; }, () => { state = 'rejected'; });
  await new Promise<void>((resolve) => setImmediate(resolve));
  return state;
};

test('tryAllocate takes bytes while they fit; deallocate gives them back', () => {
  const memory = new BufferMemory(100);
  assert.ok(memory.tryAllocate(60));
  assert.ok(!memory.tryAllocate(41));
  assert.ok(memory.tryAllocate(40));
  assert.equal(memory.availableBytes, 0);
  memory.deallocate(60);
  assert.equal(memory.availableBytes, 60);
});

test('waiters are served first come first served; a later small one does not overtake a big one', async () => {
  const memory = new BufferMemory(100);
  assert.ok(memory.tryAllocate(90));
  const order: string[] = [];
  const big = memory.allocate(80, 60_000, 'send').then(() => order.push('big'));
  const small = memory.allocate(5, 60_000, 'send').then(() => order.push('small'));
  assert.equal(memory.waiting, 2);
  assert.ok(!memory.tryAllocate(1), 'no one jumps the queue, even when the bytes are free');
  memory.deallocate(50);
  assert.equal(await settled(big), 'pending', '40 used + 80 does not fit');
  memory.deallocate(40);
  await Promise.all([big, small]);
  assert.deepEqual(order, ['big', 'small']);
  assert.equal(memory.waiting, 0);
  assert.equal(memory.availableBytes, 15);
});

test('a wait ends after max.block.ms with a non-retriable REQUEST_TIMED_OUT; those behind it go on', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const memory = new BufferMemory(100);
  assert.ok(memory.tryAllocate(70));
  const big = memory.allocate(50, 1_000, 'send to orders');
  const small = memory.allocate(20, 5_000, 'send to orders');
  t.mock.timers.tick(1_000);
  await assert.rejects(big, (e: unknown) => e instanceof KafkaClientError && e.code === ErrorCode.REQUEST_TIMED_OUT && !e.retriable &&
    /send to orders: .*Failed to allocate 50 bytes within the configured max blocking time 1000 ms/.test(e.message));
  await small;
  assert.equal(memory.availableBytes, 10);
  assert.equal(memory.waiting, 0);
});

test('no room and no time to wait, or more than all of it: fails at once', async () => {
  const memory = new BufferMemory(100);
  assert.ok(memory.tryAllocate(100));
  await assert.rejects(memory.allocate(1, 0, 'send'), (e: unknown) => e instanceof KafkaClientError && e.code === ErrorCode.REQUEST_TIMED_OUT);
  await assert.rejects(memory.allocate(101, 60_000, 'send'), (e: unknown) => e instanceof KafkaClientError && e.code === ErrorCode.MESSAGE_TOO_LARGE);
  assert.equal(memory.waiting, 0);
});

test('many waiters: each served once, in order, and the count comes back to zero', async () => {
  const memory = new BufferMemory(10);
  assert.ok(memory.tryAllocate(10));
  const served: number[] = [];
  const waits = Array.from({ length: 5_000 }, (_, i) => memory.allocate(1, 60_000, 'send').then(() => served.push(i)));
  for (let i = 0; i < 5_000; i++) memory.deallocate(1);
  await Promise.all(waits);
  assert.deepEqual(served, Array.from({ length: 5_000 }, (_, i) => i));
  assert.equal(memory.availableBytes, 0);
  assert.equal(memory.waiting, 0);
});
