import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { murmur2, partitionForKey, StickyPartitionCache, toPositive } from './partitioner.ts';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

test('murmur2 matches the Java client vectors (UtilsTest.testMurmur2)', () => {
  const vectors: Array<[string | number[], number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    [[0x61, 0x62, 0x63], 479470107],
  ];
  for (const [input, expected] of vectors) {
    const bytes = typeof input === 'string' ? Buffer.from(input) : Buffer.from(input);
    assert.equal(murmur2(bytes), expected, String(input));
  }
});

test('partitions of known keys, as the Java producer chooses them', () => {
  // By hand from the vectors above: toPositive(h) % n.
  assert.equal(partitionForKey(Buffer.from('foobar'), 10), toPositive(-790332482) % 10);
  assert.equal(toPositive(-790332482), 1357151166);
  assert.equal(partitionForKey(Buffer.from('foobar'), 10), 6);
  assert.equal(partitionForKey(Buffer.from('21'), 3), toPositive(-973932308) % 3);
});

test('murmur2 agrees with KafkaJS for random keys of every length', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    const key = Buffer.from(bytes);
    assert.equal(murmur2(key), kafkajsMurmur2(key));
  }), { numRuns: 2000 });
  fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
    assert.equal(murmur2(Buffer.from(s)), kafkajsMurmur2(Buffer.from(s)));
  }), { numRuns: 1000 });
});

test('sticky partitioning stays on one partition until a new batch, then moves', () => {
  let seed = 1;
  const random = (): number => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  const sticky = new StickyPartitionCache(random);
  const first = sticky.partition('t', [0, 1, 2, 3], 4);
  for (let i = 0; i < 10; i++) assert.equal(sticky.partition('t', [0, 1, 2, 3], 4), first);
  sticky.onNewBatch('t', [0, 1, 2, 3], 4, first);
  const second = sticky.partition('t', [0, 1, 2, 3], 4);
  assert.notEqual(second, first);
  sticky.onNewBatch('t', [0, 1, 2, 3], 4, first);
  assert.equal(sticky.partition('t', [0, 1, 2, 3], 4), second, 'a stale onNewBatch does not move it');
});
