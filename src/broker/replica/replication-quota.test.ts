import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseThrottledReplicas, ReplicationQuota } from './replication-quota.ts';

test('throttled replicas: "*" is every partition; pairs name this broker\'s partitions; bad entries are ignored', () => {
  assert.equal(parseThrottledReplicas(['*'], 1), 'all');
  assert.deepEqual(parseThrottledReplicas(['0:1', '1:2', ' 2:1 ', 'x:1', '3'], 1), new Set([0, 2]));
  assert.deepEqual(parseThrottledReplicas([''], 1), new Set());
});

test('no limit, nothing throttled; a limit throttles the listed partitions once the rate passes it', () => {
  const configs = new Map([['t', ['0:1']]]);
  const quota = new ReplicationQuota({ localBrokerId: 1, throttledReplicasOf: (topic) => configs.get(topic) ?? [] });
  assert.equal(quota.isThrottled('t', 0), false, 'no rate set');
  quota.setRateLimit(1000);
  assert.equal(quota.isThrottled('t', 0), true);
  assert.equal(quota.isThrottled('t', 1), false);
  quota.record(900, 10_000);
  assert.equal(quota.isQuotaExceeded(10_000), false);
  quota.record(200, 10_100);
  assert.equal(quota.isQuotaExceeded(10_100), true);
  // 1100 bytes at 1000/s: back within the rate 1.1 s after recording began.
  assert.equal(quota.throttleTimeMs(10_100), 100);
  assert.equal(quota.isQuotaExceeded(11_100), false);
  // A topic's config changes: parsed again.
  configs.set('t', ['1:1']);
  quota.invalidate('t');
  assert.equal(quota.isThrottled('t', 0), false);
  assert.equal(quota.isThrottled('t', 1), true);
});

test('the rate is measured over the last windows only, and from the first record on', () => {
  const quota = new ReplicationQuota({ localBrokerId: 1, throttledReplicasOf: () => ['*'], windowCount: 3, windowMs: 1000 });
  quota.setRateLimit(100);
  for (let second = 0; second < 10; second++) quota.record(100, 50_000 + second * 1000);
  assert.ok(Math.abs(quota.rate(59_500) - 100) <= 15, `steady rate ${quota.rate(59_500)}`);
  // Long idle: the windows expire and the rate falls to nothing.
  assert.equal(quota.rate(80_000), 0);
});
