import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import { buildBatch } from './batch-fixture.ts';
import { logConfig } from './log-config.ts';
import { LOG_TAIL_CACHE_BYTES, LogTailCache, tailCacheBytesFor } from './log-tail.ts';
import { PartitionLog } from './partition-log.ts';
import { ReadBufferPool } from './read-buffer-pool.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

function openLog(name: string, tailCache?: LogTailCache): PartitionLog {
  const dir = path.join(tempDirSync('samsa-tail-'), `${name}-0`);
  return PartitionLog.open({ dir, topic: name, partition: 0, config: logConfig({ segmentBytes: 1 << 30 }), tailCache });
}

/** Appends made of `batches` batches of `records` records each, about `bytes` bytes a batch. */
function appendBytes(batches: number, records: number, bytes: number, tag: number): Buffer {
  return Buffer.concat(Array.from({ length: batches }, (_, b) =>
    buildBatch({ records: Array.from({ length: records }, (_, i) => ({ value: `a${tag}-b${b}-r${i}` })), padTo: bytes })));
}

test('reads from the tail return exactly what the files return, for any offset, size, minOneBatch and limit', () => {
  const append = fc.record({ batches: fc.integer({ min: 1, max: 4 }), records: fc.integer({ min: 1, max: 5 }), bytes: fc.integer({ min: 80, max: 9_000 }) });
  const read = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), maxBytes: fc.integer({ min: 1, max: 40_000 }), minOneBatch: fc.boolean(), limitShort: fc.integer({ min: 0, max: 6 }) });
  fc.assert(fc.property(fc.array(append, { minLength: 1, maxLength: 12 }), fc.array(read, { minLength: 1, maxLength: 20 }), fc.integer({ min: 4_000, max: 200_000 }), (appends, reads, capacity) => {
    // A small cache holds only the last appends: reads below them go to the files.
    const cache = new LogTailCache(new ReadBufferPool(), capacity);
    const cached = openLog('cached', cache);
    const plain = openLog('plain');
    appends.forEach((spec, tag) => {
      const bytes = appendBytes(spec.batches, spec.records, spec.bytes, tag);
      cached.appendAsLeader(Buffer.from(bytes), 3);
      plain.appendAsLeader(Buffer.from(bytes), 3);
    });
    for (const { at, maxBytes, minOneBatch, limitShort } of reads) {
      const offset = Math.min(Math.floor(at * cached.logEndOffset), cached.logEndOffset - 1);
      const limit = Math.max(offset + 1, cached.logEndOffset - limitShort);
      const fromTail = cached.read(offset, maxBytes, minOneBatch, limit).records;
      const fromFile = plain.read(offset, maxBytes, minOneBatch, limit).records;
      assert.ok(fromTail.equals(fromFile), `read(${offset}, ${maxBytes}, ${minOneBatch}, ${limit}): ${fromTail.length} bytes from the tail, ${fromFile.length} from the file`);
    }
    cached.close();
    plain.close();
  }), { numRuns: 40 });
});

test('a read within one append is a view of the appended memory, which the pool reuses only after the cache and the reader gave it back', () => {
  const pool = new ReadBufferPool();
  const cache = new LogTailCache(pool, 1 << 20);
  const log = openLog('views', cache);
  const batch = appendBytes(1, 10, 200_000, 0);
  const frame = pool.acquire(batch.length);
  batch.copy(frame);
  log.appendAsLeader(frame, 1);
  pool.release(frame); // the Produce request is answered
  const { records } = log.read(0, 1 << 20, true);
  assert.equal(records.buffer, frame.buffer, 'no copy: the request memory itself');
  assert.notEqual(pool.acquire(batch.length).buffer, frame.buffer, 'still held by the cache and the reader');
  pool.release(records); // the response was written
  const other = openLog('other', cache);
  other.appendAsLeader(appendBytes(1, 10, 1_000_000, 1), 1); // pushes the first append out of the cache
  assert.equal(cache.bytes < 1_100_000, true);
  assert.equal(pool.acquire(batch.length).buffer, frame.buffer, 'given back by both: reused');
  log.close();
  other.close();
});

test('a truncation or a close lets the appends go: reads after a truncation see the new bytes', () => {
  const pool = new ReadBufferPool();
  const cache = new LogTailCache(pool, 1 << 24);
  const log = openLog('truncated', cache);
  log.appendAsLeader(appendBytes(1, 5, 100_000, 0), 1);
  log.appendAsLeader(appendBytes(1, 5, 100_000, 1), 1);
  assert.ok(cache.bytes > 190_000);
  log.truncateTo(5);
  assert.equal(cache.bytes, 0, 'a truncation clears the tail');
  const again = appendBytes(1, 5, 100_000, 2);
  log.appendAsLeader(again, 2);
  const { records } = log.read(5, 1 << 20, true);
  assert.equal(records.buffer, again.buffer, 'served from the tail again');
  assert.ok(records.subarray(61).equals(again.subarray(61)), 'the new bytes, not the truncated ones');
  log.close();
  assert.equal(cache.bytes, 0, 'a close clears the tail');
});

test('the oldest append of the whole broker goes first, and the budget holds', () => {
  const cache = new LogTailCache(new ReadBufferPool(), 250_000);
  const a = openLog('a', cache);
  const b = openLog('b', cache);
  const [a0, b0, a1] = [0, 1, 2].map((tag) => appendBytes(1, 1, 100_000, tag));
  a.appendAsLeader(a0!, 1);
  b.appendAsLeader(b0!, 1);
  a.appendAsLeader(a1!, 1);
  assert.ok(cache.bytes <= 250_000 && cache.bytes >= 190_000, `${cache.bytes} bytes kept`);
  const first = a.read(0, 1 << 20, true).records;
  assert.notEqual(first.buffer, a0!.buffer, 'a\'s first append went: read from the file');
  assert.ok(first.equals(Buffer.concat([a0!, a1!])), 'and still right: both of a\'s batches');
  assert.equal(b.read(0, 1 << 20, true).records.buffer, b0!.buffer, 'b\'s append stays');
  assert.equal(a.read(1, 1 << 20, true).records.buffer, a1!.buffer, 'a\'s second append stays');
  a.close();
  b.close();
});

test('the tail cache shrinks with the machine: a 64th of its memory, at most LOG_TAIL_CACHE_BYTES', () => {
  assert.equal(tailCacheBytesFor(64 * 2 ** 30), LOG_TAIL_CACHE_BYTES);
  assert.equal(tailCacheBytesFor(2 ** 30), 16 * 2 ** 20);
});
