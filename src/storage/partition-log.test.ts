import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { ErrorCode } from '../protocol/errors.ts';
import { BatchHeader } from '../protocol/records/batch-header.ts';
import { buildBatch, readRecords } from './batch-fixture.ts';
import { OffsetOutOfRangeError } from './errors.ts';
import { logConfig, type LogConfig } from './log-config.ts';
import { PartitionLog } from './partition-log.ts';
import { recentAppendWindow } from './recent-appends.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

function tempDir(): string {
  return tempDirSync('samsa-log-');
}

function openLog(dir: string, config: Partial<LogConfig> = {}): PartitionLog {
  return PartitionLog.open({ dir: path.join(dir, 'orders-0'), topic: 'orders', partition: 0, config: logConfig(config) });
}

/** Appends `batchCount` batches of `perBatch` records, ~`batchBytes` each; returns the values in offset order. */
function fill(log: PartitionLog, batchCount: number, perBatch = 3, batchBytes = 200, baseTimestamp = 1000): string[] {
  const values: string[] = [];
  for (let b = 0; b < batchCount; b++) {
    const records = Array.from({ length: perBatch }, (_, i) => ({ value: `v${log.logEndOffset + i}`, timestampDelta: i }));
    values.push(...records.map((r) => r.value));
    log.appendAsLeader(buildBatch({ records, padTo: batchBytes, baseTimestamp: baseTimestamp + b * 10 }), 7);
  }
  return values;
}

function readAll(log: PartitionLog, from = log.logStartOffset, maxBytes = 1 << 20): { offset: number; value: string }[] {
  const out: { offset: number; value: string }[] = [];
  let next = from;
  while (next < log.logEndOffset) {
    const { records } = log.read(next, maxBytes);
    assert.ok(records.length > 0, `read at ${next} returned nothing`);
    const got = readRecords(records);
    out.push(...got.filter((r) => r.offset >= next));
    next = got[got.length - 1].offset + 1;
  }
  return out;
}

test('append assigns consecutive offsets, patches the leader epoch, and rolls small segments', () => {
  const dir = tempDir();
  const log = openLog(dir, { segmentBytes: 1000, indexIntervalBytes: 100 });
  const first = log.appendAsLeader(buildBatch({ records: [{ value: 'a' }, { value: 'b' }] }), 3, 12345);
  assert.deepEqual(first, { firstOffset: 0, lastOffset: 1, logAppendTime: 12345, logStartOffset: 0 });
  const two = Buffer.concat([buildBatch({ records: [{ value: 'c' }] }), buildBatch({ records: [{ value: 'd' }, { value: 'e' }] })]);
  assert.deepEqual(log.appendAsLeader(two, 4), { firstOffset: 2, lastOffset: 4, logAppendTime: -1, logStartOffset: 0 });
  assert.equal(new BatchHeader(two, 0).baseOffset, 2);
  assert.equal(new BatchHeader(two, new BatchHeader(two, 0).sizeInBytes).baseOffset, 3);
  assert.equal(new BatchHeader(two, 0).partitionLeaderEpoch, 4);
  const values = ['a', 'b', 'c', 'd', 'e', ...fill(log, 40)];
  assert.ok(log.segmentBaseOffsets.length > 5, `segments: ${log.segmentBaseOffsets}`);
  const files = fs.readdirSync(log.dir).sort();
  assert.ok(files.includes('00000000000000000000.log') && files.includes('00000000000000000000.index'));
  for (const base of log.segmentBaseOffsets) assert.ok(files.includes(`${String(base).padStart(20, '0')}.log`));
  assert.deepEqual(readAll(log).map((r) => r.value), values);
  assert.deepEqual(readAll(log, 0, 1).map((r) => r.offset), values.map((_, i) => i));
  log.close();
});

test('a fetch inside a batch returns that whole batch', () => {
  const log = openLog(tempDir(), { segmentBytes: 2000, indexIntervalBytes: 50 });
  fill(log, 30, 5);
  for (let offset = 0; offset < log.logEndOffset; offset++) {
    const { records } = log.read(offset, 1);
    const header = new BatchHeader(records, 0);
    assert.equal(header.baseOffset, Math.floor(offset / 5) * 5);
    assert.equal(header.sizeInBytes, records.length);
    assert.equal(header.partitionLeaderEpoch, 7);
  }
  log.close();
});

test('maxBytes bounds whole batches; minOneBatch returns an oversized first batch (KIP-74)', () => {
  const log = openLog(tempDir());
  fill(log, 10, 2, 200);
  const size = new BatchHeader(log.read(0, 1).records, 0).sizeInBytes;
  assert.equal(log.read(0, size * 2 + size - 1).records.length, size * 2);
  assert.equal(log.read(0, size * 3).records.length, size * 3);
  assert.equal(log.read(0, 10, true).records.length, size);
  assert.equal(log.read(0, 10, false).records.length, 0);
  assert.equal(log.read(0, size, false).records.length, size);
  // maxOffset (a high watermark) leaves out batches reaching it.
  assert.equal(log.read(0, 1 << 20, true, 4).records.length, size * 2);
  assert.equal(log.read(0, 1 << 20, true, 3).records.length, size);
  assert.equal(log.read(4, 1 << 20, true, 4).records.length, 0);
  log.close();
});

test('fetch outside [logStartOffset, logEndOffset] is OFFSET_OUT_OF_RANGE; at the end it is empty', () => {
  const log = openLog(tempDir());
  fill(log, 2);
  assert.equal(log.read(6, 100).records.length, 0);
  assert.throws(() => log.read(7, 100), (error: unknown) => error instanceof OffsetOutOfRangeError && error.code === ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.throws(() => log.read(-1, 100), OffsetOutOfRangeError);
  log.close();
});

test('reopen after close serves everything and keeps assigning offsets', () => {
  const dir = tempDir();
  const config = { segmentBytes: 1500, indexIntervalBytes: 300 };
  const log = openLog(dir, config);
  const values = fill(log, 25);
  const segments = log.segmentBaseOffsets;
  log.flush();
  log.close();
  const indexSizes = segments.map((base) => fs.statSync(path.join(log.dir, `${String(base).padStart(20, '0')}.index`)).size);
  assert.ok(indexSizes.every((size) => size % 8 === 0 && size < 1000), 'indexes are trimmed to their entries');
  const reopened = openLog(dir, config);
  assert.equal(reopened.truncatedBytesOnOpen, 0);
  assert.deepEqual(reopened.segmentBaseOffsets, segments);
  assert.equal(reopened.logEndOffset, values.length);
  assert.deepEqual(readAll(reopened).map((r) => r.value), values);
  assert.equal(reopened.appendAsLeader(buildBatch({ records: [{ value: 'next' }] }), 8).firstOffset, values.length);
  reopened.close();
});

test('a torn tail (log cut mid-batch) is truncated to the last whole batch on open', () => {
  const dir = tempDir();
  const log = openLog(dir, { segmentBytes: 1500 });
  const values = fill(log, 20);
  log.close();
  const last = lastLogFile(log.dir);
  fs.truncateSync(last, fs.statSync(last).size - 50);
  const reopened = openLog(dir, { segmentBytes: 1500 });
  assert.ok(reopened.truncatedBytesOnOpen > 0);
  assert.equal(reopened.logEndOffset, values.length - 3);
  assert.deepEqual(readAll(reopened).map((r) => r.value), values.slice(0, -3));
  assert.equal(reopened.appendAsLeader(buildBatch({ records: [{ value: 'x' }] }), 8).firstOffset, values.length - 3);
  assert.deepEqual(readAll(reopened).map((r) => r.value), [...values.slice(0, -3), 'x']);
  reopened.close();
});

test('a flipped byte in the last batch fails its CRC and the batch is dropped on open', () => {
  const dir = tempDir();
  const log = openLog(dir);
  const values = fill(log, 5);
  log.close();
  const file = lastLogFile(log.dir);
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 20] ^= 0x01;
  fs.writeFileSync(file, bytes);
  const reopened = openLog(dir);
  assert.equal(reopened.logEndOffset, values.length - 3);
  assert.equal(fs.statSync(file).size, bytes.length - reopened.truncatedBytesOnOpen);
  assert.deepEqual(readAll(reopened).map((r) => r.value), values.slice(0, -3));
  reopened.close();
});

test('a missing or corrupt index of an old segment is rebuilt from its log', () => {
  const dir = tempDir();
  const config = { segmentBytes: 3000, indexIntervalBytes: 250 };
  const log = openLog(dir, config);
  const values = fill(log, 40);
  log.close();
  const indexes = fs.readdirSync(log.dir).filter((name) => name.endsWith('.index')).sort();
  const original = fs.readFileSync(path.join(log.dir, indexes[0]));
  assert.ok(original.length >= 16);
  fs.rmSync(path.join(log.dir, indexes[0]));
  fs.writeFileSync(path.join(log.dir, indexes[1]), Buffer.from('not an index!'));
  const reopened = openLog(dir, config);
  // Indexes load (and are rebuilt) on first use.
  assert.deepEqual(readAll(reopened, 0, 1).map((r) => r.value), values);
  reopened.close();
  assert.deepEqual(fs.readFileSync(path.join(log.dir, indexes[0])), original);
  assert.equal(fs.statSync(path.join(log.dir, indexes[1])).size % 8, 0);
});

test('offsetForTimestamp finds the first record at or after a timestamp; maxTimestampAndOffset', () => {
  const log = openLog(tempDir(), { segmentBytes: 1000 });
  fill(log, 20, 3, 200, 1000); // batch b holds offsets 3b..3b+2 with timestamps 1000+10b+{0,1,2}
  assert.deepEqual(log.offsetForTimestamp(0), { offset: 0, timestamp: 1000 });
  assert.deepEqual(log.offsetForTimestamp(1051), { offset: 16, timestamp: 1051 });
  assert.deepEqual(log.offsetForTimestamp(1055), { offset: 18, timestamp: 1060 });
  assert.deepEqual(log.offsetForTimestamp(1192), { offset: 59, timestamp: 1192 });
  assert.equal(log.offsetForTimestamp(1193), undefined);
  assert.deepEqual(log.maxTimestampAndOffset(), { timestamp: 1192, offset: 59 });
  const empty = openLog(tempDir());
  assert.deepEqual(empty.maxTimestampAndOffset(), { timestamp: -1, offset: -1 });
  assert.equal(empty.offsetForTimestamp(0), undefined);
  log.close();
  empty.close();
});

test('truncateTo removes whole batches from the one containing the offset', () => {
  const log = openLog(tempDir(), { segmentBytes: 1000 });
  const values = fill(log, 20);
  log.truncateTo(31);
  assert.equal(log.logEndOffset, 30);
  assert.deepEqual(readAll(log).map((r) => r.value), values.slice(0, 30));
  log.truncateTo(3);
  assert.equal(log.logEndOffset, 3);
  assert.equal(log.appendAsLeader(buildBatch({ records: [{ value: 'y' }] }), 9).firstOffset, 3);
  assert.deepEqual(readAll(log).map((r) => r.value), [...values.slice(0, 3), 'y']);
  log.close();
});

test('recentAppends: what this process appended within the window; not past it, after a truncation, or after a restart', () => {
  const dir = tempDir();
  const window = recentAppendWindow(1024);
  const open = () => PartitionLog.open({ dir: path.join(dir, 'orders-0'), topic: 'orders', partition: 0, config: logConfig({}), recentAppendWindow: window });
  const log = open();
  fill(log, 1, 1, 100); // offset 0
  fill(log, 1, 1, 1100); // offset 1: more than the window since it and offset 0 were appended
  fill(log, 2, 1, 100); // offsets 2, 3
  assert.deepEqual([0, 1, 2, 3].map((offset) => log.recentAppends.contains(offset)), [false, false, true, true]);
  log.truncateTo(3);
  assert.equal(log.recentAppends.contains(2), false, 'a truncation forgets what was recent');
  fill(log, 1, 1, 100); // offset 3 again
  assert.equal(log.recentAppends.contains(3), true);
  log.truncateFullyAndStartAt(10);
  assert.equal(log.recentAppends.contains(10), false);
  fill(log, 1, 1, 100);
  log.close();
  const reopened = open();
  assert.equal(reopened.recentAppends.contains(10), false, 'after a restart nothing was appended by this process');
  fill(reopened, 1, 1, 100);
  assert.deepEqual([10, 11].map((offset) => reopened.recentAppends.contains(offset)), [false, true]);
  reopened.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('appendAsFollower keeps the leader offsets; flush.messages=1 flushes each append', async () => {
  const log = openLog(tempDir(), { flushMessages: 1 });
  await log.appendAsFollower(buildBatch({ records: [{ value: 'a' }, { value: 'b' }], baseOffset: 0 })).durable;
  assert.equal(log.recoveryPoint, 2, 'on disk once durable settled');
  await log.appendAsFollower(buildBatch({ records: [{ value: 'c' }], baseOffset: 5 })).durable;
  assert.equal(log.recoveryPoint, 6);
  assert.equal(log.logEndOffset, 6);
  assert.deepEqual(readAll(log).map((r) => r.offset), [0, 1, 5]);
  assert.throws(() => log.appendAsFollower(buildBatch({ records: [{ value: 'd' }], baseOffset: 5 })), /does not follow/);
  assert.throws(() => log.appendAsLeader(Buffer.alloc(30), 1), /malformed/);
  log.close();
});

test('property: any batch sizes and segment sizes read back exactly, from any offset', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 70, max: 600 })), { minLength: 1, maxLength: 30 }),
    fc.integer({ min: 300, max: 3000 }),
    fc.integer({ min: 0, max: 1000 }),
    (batches, segmentBytes, indexIntervalBytes) => {
      const dir = tempDir();
      try {
        const log = openLog(dir, { segmentBytes, indexIntervalBytes });
        const values: string[] = [];
        for (const [count, bytes] of batches) {
          const records = Array.from({ length: count }, (_, i) => ({ value: `r${values.length + i}` }));
          values.push(...records.map((r) => r.value));
          log.appendAsLeader(buildBatch({ records, padTo: bytes }), 0);
        }
        log.close();
        const reopened = openLog(dir, { segmentBytes, indexIntervalBytes });
        for (let offset = 0; offset < values.length; offset++) {
          const got = readRecords(reopened.read(offset, 0).records);
          assert.ok(got.some((r) => r.offset === offset && r.value === values[offset]));
        }
        assert.deepEqual(readAll(reopened).map((r) => r.value), values);
        reopened.close();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  ), { numRuns: 40 });
});

function lastLogFile(dir: string): string {
  return path.join(dir, fs.readdirSync(dir).filter((name) => name.endsWith('.log')).sort().at(-1) as string);
}

test('after a stop without close (kill -9) the log reopens whole, preallocated index and all', () => {
  const dir = tempDir();
  const config = { segmentBytes: 1200, indexIntervalBytes: 150, maxIndexSize: 4096 };
  const crashed = openLog(dir, config);
  const values = fill(crashed, 30);
  const active = crashed.segmentBaseOffsets.at(-1) as number;
  assert.equal(fs.statSync(path.join(crashed.dir, `${String(active).padStart(20, '0')}.index`)).size, 4096);
  const reopened = openLog(dir, config);
  assert.equal(reopened.truncatedBytesOnOpen, 0);
  assert.deepEqual(readAll(reopened, 0, 1).map((r) => r.value), values);
  reopened.close();
  crashed.close();
});

test('fuzz: a damaged last segment reopens without error and serves only batches whose CRC holds', async () => {
  const { crc32c } = await import('@node-rs/crc32');
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 12 }),
    fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 200 }) }),
    ),
    (batchCount, damage) => {
      const dir = tempDir();
      try {
        const log = openLog(dir, { indexIntervalBytes: 100 });
        const values = fill(log, batchCount, 2, 150);
        log.close();
        const file = lastLogFile(log.dir);
        const bytes = fs.readFileSync(file);
        if (damage.kind === 'flip') bytes[damage.at % bytes.length] ^= damage.mask;
        const damaged = damage.kind === 'cut' ? bytes.subarray(0, damage.at % bytes.length)
          : damage.kind === 'garbage' ? Buffer.concat([bytes, damage.bytes]) : bytes;
        fs.writeFileSync(file, damaged);
        const reopened = openLog(dir, { indexIntervalBytes: 100 });
        const served: string[] = [];
        let next = reopened.logStartOffset;
        while (next < reopened.logEndOffset) {
          const { records } = reopened.read(next, 1 << 20);
          for (let p = 0; p < records.length;) {
            const header = new BatchHeader(records, p);
            assert.equal(crc32c(records.subarray(p + 21, p + header.sizeInBytes)), header.crc);
            p += header.sizeInBytes;
          }
          const got = readRecords(records);
          served.push(...got.map((r) => r.value));
          next = got[got.length - 1].offset + 1;
        }
        assert.deepEqual(served, values.slice(0, served.length));
        reopened.close();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  ), { numRuns: 200 });
});
