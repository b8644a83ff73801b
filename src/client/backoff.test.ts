import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExponentialBackoff } from './backoff.ts';

const fixed = (r: number) => () => r;

test('without jitter: retry.backoff.ms doubles per attempt up to retry.backoff.max.ms', () => {
  const backoff = new ExponentialBackoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
  assert.deepEqual([0, 1, 2, 3, 4, 5, 50, 5000].map((a) => backoff.backoff(a)), [100, 200, 400, 800, 1000, 1000, 1000, 1000]);
});

test('jitter spreads each wait over ±20%, and the cap still clips it', () => {
  const low = new ExponentialBackoff({ initialMs: 100, maxMs: 1000, random: fixed(0) });
  const high = new ExponentialBackoff({ initialMs: 100, maxMs: 1000, random: fixed(0.999_999) });
  assert.deepEqual([0, 1, 2].map((a) => low.backoff(a)), [80, 160, 320]);
  assert.deepEqual([0, 1, 2].map((a) => high.backoff(a)), [119, 239, 479]);
  assert.equal(low.backoff(10), 800, 'at the cap the wait still varies: 80% of max.ms');
  assert.equal(high.backoff(10), 1000, 'but never beyond max.ms');
});

test('retry.backoff.max.ms below retry.backoff.ms: a constant max.ms from the first retry', () => {
  const backoff = new ExponentialBackoff({ initialMs: 500, maxMs: 200, jitter: 0 });
  assert.deepEqual([0, 1, 7].map((a) => backoff.backoff(a)), [200, 200, 200]);
});

test('any attempt count gives a finite wait in [0.8·min(initial·2^n, max), max]', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    (attempts, initialMs, maxMs, r) => {
      const wait = new ExponentialBackoff({ initialMs, maxMs, random: fixed(r) }).backoff(attempts);
      const term = Math.min(initialMs * 2 ** Math.min(attempts, 64), maxMs);
      assert.ok(Number.isInteger(wait));
      assert.ok(wait <= maxMs, `${wait} > ${maxMs}`);
      assert.ok(wait >= Math.floor(term * 0.8) - 1, `${wait} < 0.8 × ${term}`);
    }));
});

test('waits never shrink as attempts grow (same random draw)', () => {
  const backoff = new ExponentialBackoff({ initialMs: 50, maxMs: 30_000, random: fixed(0.5) });
  let previous = 0;
  for (let attempts = 0; attempts < 40; attempts++) {
    const wait = backoff.backoff(attempts);
    assert.ok(wait >= previous);
    previous = wait;
  }
  assert.equal(previous, 30_000);
});
