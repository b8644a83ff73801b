import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OffsetMap } from './offset-map.ts';

const key = (i: number): Buffer => Buffer.from(`key-${i}`);

test('offset map: the latest put wins, unknown keys are -1', () => {
  const map = new OffsetMap(24 * 100);
  assert.equal(map.get(key(1)), -1);
  assert.equal(map.put(key(1), 5), true);
  assert.equal(map.put(key(2), 7), true);
  assert.equal(map.put(key(1), 9), true);
  assert.equal(map.get(key(1)), 9);
  assert.equal(map.get(key(2)), 7);
  assert.equal(map.size, 2);
  assert.equal(map.latestOffset, 9);
  map.updateLatestOffset(20);
  assert.equal(map.latestOffset, 20);
  map.clear();
  assert.equal(map.size, 0);
  assert.equal(map.get(key(1)), -1);
  assert.equal(map.latestOffset, -1);
});

test('offset map: fixed memory; full at the load factor, refuses new keys, still updates held ones', () => {
  const map = new OffsetMap(24 * 1000, 0.9);
  assert.equal(map.memoryBytes, 24 * 1000);
  assert.equal(map.slots, 1000);
  assert.equal(map.maxEntries, 900);
  for (let i = 0; i < 900; i++) assert.equal(map.put(key(i), i), true);
  assert.equal(map.isFull, true);
  assert.equal(map.put(key(5000), 5000), false);
  assert.equal(map.get(key(5000)), -1);
  assert.equal(map.put(key(3), 10_000), true, 'a key already held is updated when full');
  assert.equal(map.get(key(3)), 10_000);
  for (let i = 0; i < 900; i++) if (i !== 3) assert.equal(map.get(key(i)), i);
  assert.equal(map.memoryBytes, 24 * 1000, 'it never grows');
  assert.ok(map.meanProbes < 10, `mean probes ${map.meanProbes}`);
});

test('offset map: offset 0 and large offsets, binary keys, an empty key', () => {
  const map = new OffsetMap(24 * 16);
  map.put(Buffer.alloc(0), 0);
  map.put(Buffer.from([0, 0, 0]), 2 ** 40);
  assert.equal(map.get(Buffer.alloc(0)), 0);
  assert.equal(map.get(Buffer.from([0, 0, 0])), 2 ** 40);
  assert.throws(() => new OffsetMap(24), RangeError);
  assert.throws(() => new OffsetMap(2400, 0), RangeError);
});
