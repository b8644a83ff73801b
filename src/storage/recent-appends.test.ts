import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pageCacheWindowBytes, RECENT_APPEND_WINDOW_BYTES, RecentAppends, recentAppendWindow } from './recent-appends.ts';

const MiB = 1 << 20;

/** A tracker over a window of `windowBytes` and `windowMs`, with a clock the test moves. */
function tracker(windowBytes = 64 * MiB, windowMs = 60_000) {
  const clock = { ms: 1_000_000 };
  const window = recentAppendWindow(windowBytes, windowMs);
  return { clock, window, recent: new RecentAppends(window, () => clock.ms) };
}

test('nothing appended by this process is recent: a log opened after a restart reads everything through the pool', () => {
  const { recent } = tracker();
  assert.equal(recent.contains(0), false);
  assert.equal(recent.contains(1_000), false);
});

test('an offset stays recent until more than the window in bytes was appended after it', () => {
  const { recent } = tracker(64 * MiB);
  recent.appendedAt(0, MiB); // offsets 0..99
  for (let offset = 100; offset < 100 * 63; offset += 100) recent.appendedAt(offset, MiB);
  assert.equal(recent.contains(0), true, '63 MiB after it, offset 0 is still in the last 64 MiB');
  recent.appendedAt(6300, MiB);
  recent.appendedAt(6400, MiB);
  assert.equal(recent.contains(0), false, 'with 65 MiB appended since, offset 0 has left the window');
  assert.equal(recent.contains(6400), true, 'the last append is recent');
  assert.equal(recent.contains(100 * 10), true, 'offsets well inside the window still are');
});

test('the window is shared: appends to other logs of the broker push a quiet log\'s tail out of it', () => {
  const { window, clock, recent: quiet } = tracker(64 * MiB);
  const busy = new RecentAppends(window, () => clock.ms);
  quiet.appendedAt(0, 1_000);
  assert.equal(quiet.contains(0), true);
  for (let offset = 0; offset < 70; offset++) busy.appendedAt(offset * 1000, MiB);
  assert.equal(quiet.contains(0), false, '70 MiB went to the page cache after it, from another partition');
  assert.equal(busy.contains(69_000), true);
});

test('an offset stays recent for the window in time, then not (injected clock)', () => {
  const { clock, recent } = tracker(64 * MiB, 60_000);
  recent.appendedAt(0, 1_000);
  clock.ms += 59_000;
  assert.equal(recent.contains(0), true);
  recent.appendedAt(10, 1_000);
  clock.ms += 2_000;
  assert.equal(recent.contains(0), false, '61 s after it was appended');
  assert.equal(recent.contains(10), true, 'the append of 2 s ago still is');
  clock.ms += 60_000;
  assert.equal(recent.contains(10), false, 'a minute without appends: nothing is recent');
  recent.appendedAt(20, 1_000);
  assert.equal(recent.contains(20), true);
  assert.equal(recent.contains(10), false, 'a new append does not bring old offsets back');
});

test('a truncation forgets every mark: the offsets above the cut will be other records', () => {
  const { recent } = tracker();
  recent.appendedAt(0, 1_000);
  recent.appendedAt(10, 1_000);
  recent.reset();
  assert.equal(recent.contains(0), false);
  assert.equal(recent.contains(10), false);
  recent.appendedAt(5, 1_000);
  assert.equal(recent.contains(5), true);
  assert.equal(recent.contains(4), false);
});

test('the window is 1 GiB, or an eighth of memory on a smaller machine', () => {
  assert.equal(pageCacheWindowBytes(64 * 1024 * MiB), RECENT_APPEND_WINDOW_BYTES);
  assert.equal(pageCacheWindowBytes(2048 * MiB), 256 * MiB);
});

test('property: recent only within the window, and always within 63/64 of it (the marks\' step)', () => {
  const windowBytes = 16 * 1024;
  const windowMs = 6_400;
  fc.assert(fc.property(
    fc.array(fc.record({ bytes: fc.integer({ min: 1, max: 2 * 1024 }), records: fc.integer({ min: 1, max: 5 }), waitMs: fc.integer({ min: 0, max: 500 }) }),
      { minLength: 1, maxLength: 100, size: 'medium' }),
    fc.integer({ min: 0, max: 7_000 }),
    (appends, finalWaitMs) => {
      const { clock, window, recent } = tracker(windowBytes, windowMs);
      // Each append's offsets, and where (bytes before it) and when it was made.
      const made: { first: number; last: number; bytesBefore: number; timeMs: number }[] = [];
      let next = 0;
      for (const append of appends) {
        clock.ms += append.waitMs;
        made.push({ first: next, last: next + append.records - 1, bytesBefore: window.appendedBytes, timeMs: clock.ms });
        recent.appendedAt(next, append.bytes);
        next += append.records;
      }
      clock.ms += finalWaitMs;
      for (const { first, last, bytesBefore, timeMs } of made) {
        const bytesSince = window.appendedBytes - bytesBefore;
        const ageMs = clock.ms - timeMs;
        for (const offset of [first, last]) {
          if (recent.contains(offset)) {
            assert.ok(bytesSince <= windowBytes && ageMs <= windowMs, `offset ${offset}: ${bytesSince} B and ${ageMs} ms ago is not recent`);
          } else {
            assert.ok(bytesSince > windowBytes - windowBytes / 64 || ageMs > windowMs - windowMs / 64,
              `offset ${offset}: ${bytesSince} B and ${ageMs} ms ago should be recent`);
          }
        }
      }
    },
  ));
});
