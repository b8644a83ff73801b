import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FetchSessionCache, INVALID_SESSION_ID, nextEpoch, type CachedPartition } from './fetch-session-cache.ts';

const EVICTION_MS = 120_000;

/** A cache whose session ids are 1, 2, 3, ... (a random source that counts). */
function cacheOf(maxEntries: number): FetchSessionCache {
  let next = 0;
  return new FetchSessionCache({ maxEntries, evictionMs: EVICTION_MS, randomInt: () => ++next });
}

function partitionsOf(size: number): () => Map<string, CachedPartition> {
  return () => new Map(Array.from({ length: size }, (_, i) => [`t:${i}`, {
    key: `t:${i}`, topic: 't', topicId: undefined, highWatermark: 0n, logStartOffset: 0n,
    request: { partition: i, fetchOffset: 0n, partitionMaxBytes: 1024 },
  }]));
}

function open(cache: FetchSessionCache, nowMs: number, { privileged = false, size = 1 } = {}): number {
  return cache.maybeCreateSession(nowMs, privileged, size, false, partitionsOf(size));
}

test('a session opens while slots are free, with epoch 1 and its partitions; with 0 slots none does', () => {
  const cache = cacheOf(2);
  const id = open(cache, 0, { size: 3 });
  assert.notEqual(id, INVALID_SESSION_ID);
  assert.equal(cache.get(id)?.epoch, 1);
  assert.equal(cache.get(id)?.partitions.size, 3);
  assert.equal(cache.totalPartitions, 3);
  assert.equal(open(cacheOf(0), 0), INVALID_SESSION_ID, 'max.incremental.fetch.session.cache.slots=0 keeps every fetch sessionless');
});

test('session ids are never 0 nor one in use', () => {
  const draws = [0, 5, 5, 7];
  const cache = new FetchSessionCache({ maxEntries: 10, evictionMs: EVICTION_MS, randomInt: () => draws.shift()! });
  assert.equal(open(cache, 0), 5);
  assert.equal(open(cache, 0), 7);
});

test('a full cache evicts the least recently used session once it is stale, whatever the newcomer', () => {
  const cache = cacheOf(2);
  const first = open(cache, 0, { privileged: true, size: 100 });
  const second = open(cache, 1000, { privileged: true, size: 100 });
  cache.touch(cache.get(second)!, 100_000);
  assert.equal(open(cache, EVICTION_MS, { size: 1 }), INVALID_SESSION_ID, 'nothing stale yet: a small consumer session finds no room');
  const third = open(cache, EVICTION_MS + 1, { size: 1 });
  assert.notEqual(third, INVALID_SESSION_ID);
  assert.equal(cache.get(first), undefined, 'the least recently used, unused for more than the eviction time');
  assert.ok(cache.get(second));
  assert.equal(cache.evictions, 1);
});

test('a follower\'s session evicts the smallest consumer session, even a young one; never a young follower session', () => {
  const cache = cacheOf(3);
  const big = open(cache, 0, { size: 50 });
  const small = open(cache, 0, { size: 5 });
  const follower = open(cache, 0, { privileged: true, size: 1 });
  const newFollower = open(cache, 10, { privileged: true, size: 1 });
  assert.notEqual(newFollower, INVALID_SESSION_ID);
  assert.equal(cache.get(small), undefined);
  assert.ok(cache.get(big) && cache.get(follower));
  open(cache, 20, { privileged: true, size: 1 }); // evicts the last consumer session
  assert.equal(cache.get(big), undefined);
  assert.equal(open(cache, 30, { privileged: true, size: 1000 }), INVALID_SESSION_ID, 'only follower sessions left, all young');
});

test('a consumer\'s session evicts only a session past its protected youth that has fewer partitions, consumer sessions first', () => {
  const cache = cacheOf(2);
  const consumer = open(cache, 0, { size: 10 });
  const follower = open(cache, 0, { privileged: true, size: 5 });
  assert.equal(open(cache, 1000, { size: 100 }), INVALID_SESSION_ID, 'both are young');
  // Used again past the eviction time since creation: both can be evicted for a more valuable session.
  cache.touch(cache.get(consumer)!, EVICTION_MS + 10);
  cache.touch(cache.get(follower)!, EVICTION_MS + 10);
  assert.equal(open(cache, EVICTION_MS + 20, { size: 10 }), INVALID_SESSION_ID, 'no more partitions than the smallest consumer session: no eviction');
  assert.notEqual(open(cache, EVICTION_MS + 20, { size: 11 }), INVALID_SESSION_ID);
  assert.equal(cache.get(consumer), undefined);
  assert.ok(cache.get(follower), 'a follower session ranks above any consumer session');
});

test('removing a session frees its slot', () => {
  const cache = cacheOf(1);
  const id = open(cache, 0);
  assert.equal(open(cache, 1), INVALID_SESSION_ID);
  assert.ok(cache.remove(id));
  assert.equal(cache.remove(id), undefined);
  assert.notEqual(open(cache, 2), INVALID_SESSION_ID);
});

test('epochs count up from 1, wrap past the largest int32 to 1, and -1 stays', () => {
  assert.equal(nextEpoch(0), 1);
  assert.equal(nextEpoch(41), 42);
  assert.equal(nextEpoch(0x7fffffff), 1);
  assert.equal(nextEpoch(-1), -1);
});
