import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FREE_BYTES_KEPT, freeBytesKeptFor, ReadBufferPool } from './read-buffer-pool.ts';

test('a released buffer serves the next read of its size class; small and huge reads are not pooled', () => {
  const pool = new ReadBufferPool();
  const first = pool.acquire(1_000_000);
  assert.equal(first.length, 1_000_000);
  first.fill(7);
  pool.release(first.subarray(0, 10));
  const second = pool.acquire(1_048_576);
  assert.equal(second.buffer, first.buffer, 'same memory, reused');
  assert.equal(second.length, 1_048_576);
  const third = pool.acquire(1_048_576);
  assert.notEqual(third.buffer, second.buffer, 'memory still lent out is never handed out twice');
  const small = pool.acquire(100);
  pool.release(small);
  assert.notEqual(pool.acquire(100).buffer, undefined);
});

test('release is taken once: a second release, or memory the pool never lent, is ignored', () => {
  const pool = new ReadBufferPool();
  const a = pool.acquire(200_000);
  pool.release(a);
  pool.release(a);
  const b = pool.acquire(200_000);
  const c = pool.acquire(200_000);
  assert.equal(b.buffer, a.buffer);
  assert.notEqual(c.buffer, a.buffer, 'a double release must not lend the same memory twice');
  pool.release(Buffer.allocUnsafeSlow(262_144));
  const d = pool.acquire(200_000);
  assert.notEqual(d.buffer, b.buffer);
  assert.notEqual(d.buffer, c.buffer);
});

test('a burst of releases is kept up to FREE_BYTES_KEPT, whatever the size class, and served again', () => {
  const pool = new ReadBufferPool();
  const mib = 1 << 20;
  const count = FREE_BYTES_KEPT / mib + 4;
  const lent = Array.from({ length: count }, () => pool.acquire(mib));
  for (const buffer of lent) pool.release(buffer);
  const again = new Set(Array.from({ length: count }, () => pool.acquire(mib).buffer));
  const reused = lent.filter((buffer) => again.has(buffer.buffer)).length;
  assert.equal(reused, FREE_BYTES_KEPT / mib, 'every released MiB up to the budget comes back; the rest was left to the collector');
});

test('the budget shrinks with the machine: a 32nd of its memory, at most FREE_BYTES_KEPT', () => {
  assert.equal(freeBytesKeptFor(64 * 2 ** 30), FREE_BYTES_KEPT);
  assert.equal(freeBytesKeptFor(2 ** 30), 32 * 2 ** 20);
  const pool = new ReadBufferPool(2 * 2 ** 20);
  const lent = Array.from({ length: 4 }, () => pool.acquire(1 << 20));
  for (const buffer of lent) pool.release(buffer);
  const again = new Set(Array.from({ length: 4 }, () => pool.acquire(1 << 20).buffer));
  assert.equal(lent.filter((buffer) => again.has(buffer.buffer)).length, 2, 'two MiB kept, two left to the collector');
});

test('a written response gives back only the holds handed to it, never memory someone else keeps a view of', () => {
  const pool = new ReadBufferPool();
  // A request frame whose bytes a group keeps (a stored assignment), sent out again in a response.
  const frame = pool.acquire(100_000);
  const storedView = frame.subarray(1_000, 9_000);
  pool.releaseWritten(storedView);
  assert.notEqual(pool.acquire(100_000).buffer, frame.buffer, 'not handed over: still the frame\'s, not reused');
  // A fetch read handed to its response comes back once written, and only once.
  const read = pool.acquire(200_000);
  pool.handToResponse(read);
  pool.releaseWritten(read.subarray(0, 150_000));
  pool.releaseWritten(read.subarray(0, 150_000));
  assert.equal(pool.acquire(200_000).buffer, read.buffer, 'given back once written');
  assert.notEqual(pool.acquire(200_000).buffer, read.buffer, 'and lent once only');
});
