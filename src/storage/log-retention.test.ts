import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../protocol/errors.ts';
import { buildBatch, readRecords } from './batch-fixture.ts';
import { OffsetOutOfRangeError } from './errors.ts';
import { logConfig, type LogConfig } from './log-config.ts';
import { applyRetention, LogRetention, type RetainableLog, type RetentionConfig } from './log-retention.ts';
import { PartitionLog } from './partition-log.ts';
import { ManualScheduler } from './scheduler.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const OLD = NOW - 5 * HOUR;
const NEW = NOW - 1000;
const DELETE_1H: RetentionConfig = { retentionMs: HOUR, retentionBytes: -1, deletePolicy: true };
/** Batches of ~300 bytes: segment.bytes 400 holds one per segment, 1000 holds three. */
const BATCH_BYTES = 300;

function tempDir(): string {
  return tempDirSync('samsa-retention-');
}

function openLog(config: Partial<LogConfig> = {}, dir = tempDir(), topic = 'orders', scheduler = new ManualScheduler()): PartitionLog {
  return PartitionLog.open({ dir: path.join(dir, `${topic}-0`), topic, partition: 0, config: logConfig(config), scheduler });
}

/** One single-record batch per timestamp, in order. */
function appendAt(log: PartitionLog, timestamps: readonly number[]): void {
  for (const timestamp of timestamps) {
    log.appendAsLeader(buildBatch({ records: [{ value: `v${log.logEndOffset}` }], baseTimestamp: timestamp, padTo: BATCH_BYTES }), 1);
  }
}

/** A log with one batch (one offset) per segment, a segment per timestamp. */
function oneBatchPerSegment(timestamps: readonly number[]): PartitionLog {
  const log = openLog({ segmentBytes: 400 });
  appendAt(log, timestamps);
  assert.deepEqual(log.segmentBaseOffsets, timestamps.map((_, i) => i));
  return log;
}

function segmentFiles(log: PartitionLog): string[] {
  return fs.readdirSync(log.dir).filter((name) => name.endsWith('.log')).sort();
}

test('retention.ms deletes the expired oldest segments and stops at the first unexpired one', () => {
  const log = oneBatchPerSegment([OLD, OLD + 1, NEW, OLD, OLD]);
  const result = applyRetention(log, DELETE_1H, NOW);
  assert.equal(result.deletedSegments, 2);
  assert.match(result.reason, /retention time 3600000ms breach/);
  assert.deepEqual(log.segmentBaseOffsets, [2, 3, 4]);
  assert.equal(log.logStartOffset, 2);
  assert.equal(log.logEndOffset, 5);
  assert.deepEqual(segmentFiles(log), ['00000000000000000002.log', '00000000000000000003.log', '00000000000000000004.log']);
  assert.equal(applyRetention(log, DELETE_1H, NOW).deletedSegments, 0, 'a second run finds nothing more');
  log.close();
});

test('retention.ms is judged by the largest timestamp: one new record keeps its whole segment', () => {
  const log = openLog({ segmentBytes: 1000 });
  appendAt(log, [OLD, OLD, OLD, OLD, NEW, OLD, OLD]);
  assert.deepEqual(log.segmentBaseOffsets, [0, 3, 6]);
  // A new record inside an otherwise old batch counts too: the batch's maxTimestamp is NEW.
  const log2 = openLog({ segmentBytes: 400 });
  log2.appendAsLeader(buildBatch({ records: [{ value: 'a' }], baseTimestamp: OLD, padTo: BATCH_BYTES }), 1);
  log2.appendAsLeader(buildBatch({ records: [{ value: 'b' }, { value: 'c', timestampDelta: NEW - OLD }], baseTimestamp: OLD, padTo: BATCH_BYTES }), 1);
  log2.appendAsLeader(buildBatch({ records: [{ value: 'd' }], baseTimestamp: OLD, padTo: BATCH_BYTES }), 1);
  assert.deepEqual(log2.segmentBaseOffsets, [0, 1, 3]);

  assert.equal(applyRetention(log, DELETE_1H, NOW).deletedSegments, 1);
  assert.deepEqual(log.segmentBaseOffsets, [3, 6]);
  assert.equal(log.logStartOffset, 3);
  assert.equal(applyRetention(log2, DELETE_1H, NOW).deletedSegments, 1);
  assert.deepEqual(log2.segmentBaseOffsets, [1, 3]);
  log.close();
  log2.close();
});

test('retention.ms: a segment exactly retention.ms old is kept, one a millisecond older goes', () => {
  const log = oneBatchPerSegment([NOW - HOUR - 1, NOW - HOUR, NOW - HOUR]);
  assert.equal(applyRetention(log, DELETE_1H, NOW).deletedSegments, 1);
  assert.equal(log.logStartOffset, 1);
  log.close();
});

test('retention.bytes deletes the oldest segments while the log stays at or above the limit without them', () => {
  const log = oneBatchPerSegment([NEW, NEW, NEW, NEW, NEW]);
  const segmentSize = log.size / 5;
  assert.ok(Number.isInteger(segmentSize));
  const config: RetentionConfig = { retentionMs: -1, retentionBytes: 3 * segmentSize, deletePolicy: true };
  const result = applyRetention(log, config, NOW);
  assert.equal(result.deletedSegments, 2);
  assert.match(result.reason, /retention size in bytes \d+ breach/);
  assert.deepEqual(log.segmentBaseOffsets, [2, 3, 4]);
  assert.equal(log.size, 3 * segmentSize);
  assert.equal(log.logStartOffset, 2);
  // One byte more than the log holds without another segment: nothing goes.
  assert.equal(applyRetention(log, { ...config, retentionBytes: 2 * segmentSize + 1 }, NOW).deletedSegments, 0);
  assert.equal(applyRetention(log, { ...config, retentionBytes: log.size + 1 }, NOW).deletedSegments, 0);
  assert.equal(applyRetention(log, { ...config, retentionBytes: 2 * segmentSize }, NOW).deletedSegments, 1);
  assert.deepEqual(log.segmentBaseOffsets, [3, 4]);
  log.close();
});

test('when every segment expires, an empty active segment remains at the log end, which becomes logStartOffset', () => {
  const log = oneBatchPerSegment([OLD, OLD, OLD, OLD]);
  const result = applyRetention(log, DELETE_1H, NOW);
  assert.equal(result.deletedSegments, 4);
  assert.equal(log.logEndOffset, 4);
  assert.equal(log.logStartOffset, 4);
  assert.deepEqual(log.segmentBaseOffsets, [4]);
  assert.equal(log.size, 0);
  assert.deepEqual(segmentFiles(log), ['00000000000000000004.log']);
  assert.equal(log.read(4, 1000).records.length, 0);
  assert.throws(() => log.read(3, 1000), OffsetOutOfRangeError);
  assert.equal(applyRetention(log, { retentionMs: 0, retentionBytes: 0, deletePolicy: true }, NOW).deletedSegments, 0,
    'an empty active segment is never deleted');
  appendAt(log, [NOW]);
  assert.deepEqual(readRecords(log.read(4, 1000).records), [{ offset: 4, value: 'v4' }]);
  log.close();
});

test('retention.bytes 0 empties the log the same way', () => {
  const log = oneBatchPerSegment([NEW, NEW, NEW]);
  assert.equal(applyRetention(log, { retentionMs: -1, retentionBytes: 0, deletePolicy: true }, NOW).deletedSegments, 3);
  assert.equal(log.logStartOffset, 3);
  assert.equal(log.size, 0);
  log.close();
});

test('-1 disables each limit; the other still applies', () => {
  const log = oneBatchPerSegment([OLD, OLD, NEW, NEW]);
  assert.equal(applyRetention(log, { retentionMs: -1, retentionBytes: -1, deletePolicy: true }, NOW).deletedSegments, 0);
  assert.equal(applyRetention(log, { retentionMs: -1, retentionBytes: -1, deletePolicy: true }, Number.MAX_SAFE_INTEGER).deletedSegments, 0);
  assert.deepEqual(log.segmentBaseOffsets, [0, 1, 2, 3]);
  assert.equal(applyRetention(log, { retentionMs: -1, retentionBytes: log.size / 2, deletePolicy: true }, NOW).deletedSegments, 2);
  assert.equal(applyRetention(log, { retentionMs: 0, retentionBytes: -1, deletePolicy: true }, NOW).deletedSegments, 2);
  assert.equal(log.logStartOffset, 4);
  log.close();
});

test('a compact-only log keeps its segments; compact,delete applies retention', () => {
  const compactOnly = oneBatchPerSegment([OLD, OLD, OLD]);
  assert.equal(applyRetention(compactOnly, { retentionMs: 0, retentionBytes: 0, deletePolicy: false }, NOW).deletedSegments, 0);
  assert.deepEqual(compactOnly.segmentBaseOffsets, [0, 1, 2]);
  assert.equal(compactOnly.logStartOffset, 0);
  const compactDelete = oneBatchPerSegment([OLD, OLD, NEW]);
  assert.equal(applyRetention(compactDelete, { ...DELETE_1H, deletePolicy: true }, NOW).deletedSegments, 2);
  assert.equal(compactDelete.logStartOffset, 2);
  compactOnly.close();
  compactDelete.close();
});

test('after deletion a read below logStartOffset is OFFSET_OUT_OF_RANGE and ListOffsets earliest follows', () => {
  const log = openLog({ segmentBytes: 1000 });
  appendAt(log, [OLD, OLD, OLD, OLD, OLD, OLD, NEW, NEW]);
  assert.deepEqual(log.segmentBaseOffsets, [0, 3, 6]);
  assert.equal(log.logStartOffset, 0);
  applyRetention(log, DELETE_1H, NOW);
  assert.equal(log.logStartOffset, 6, 'ListOffsets earliest answers log.logStartOffset');
  for (const offset of [0, 3, 5]) {
    assert.throws(() => log.read(offset, 1000), (error: unknown) => error instanceof OffsetOutOfRangeError
      && error.code === ErrorCode.OFFSET_OUT_OF_RANGE && error.logStartOffset === 6);
  }
  assert.deepEqual(readRecords(log.read(6, 10_000).records).map((r) => r.offset), [6, 7]);
  assert.equal(log.offsetForTimestamp(0)?.offset, 6, 'ListOffsets by timestamp finds nothing deleted');
  log.close();
});

test('deleted segments become .deleted files, removed after file.delete.delay.ms', () => {
  const scheduler = new ManualScheduler();
  const log = openLog({ segmentBytes: 400, fileDeleteDelayMs: 60_000 }, tempDir(), 'orders', scheduler);
  appendAt(log, [OLD, OLD, NEW]);
  applyRetention(log, DELETE_1H, NOW);
  const deleted = () => fs.readdirSync(log.dir).filter((name) => name.endsWith('.deleted')).sort();
  assert.ok(deleted().includes('00000000000000000000.log.deleted') && deleted().includes('00000000000000000001.log.deleted'), `${deleted()}`);
  assert.deepEqual(segmentFiles(log), ['00000000000000000002.log']);
  scheduler.advance(59_999);
  assert.ok(deleted().length > 0);
  scheduler.advance(1);
  assert.deepEqual(deleted(), []);
  log.close();
});

test('segments entirely below logStartOffset go whatever the policy, the active one too', () => {
  const log = oneBatchPerSegment([NEW, NEW, NEW, NEW]);
  const compactOnly: RetentionConfig = { retentionMs: 0, retentionBytes: 0, deletePolicy: false };
  // DeleteRecords inside segment 2: segments 0 and 1 are entirely below, 2 is not.
  assert.equal(log.maybeIncrementLogStartOffset(2, 'delete records'), true);
  applyRetention(log, compactOnly, NOW);
  assert.deepEqual(log.segmentBaseOffsets, [2, 3]);
  assert.equal(log.logStartOffset, 2);
  // DeleteRecords up to the log end: the active segment holds nothing readable any more.
  log.maybeIncrementLogStartOffset(4, 'delete records');
  const result = applyRetention(log, compactOnly, NOW);
  assert.match(result.reason, /log start offset 4 breach/);
  assert.deepEqual(log.segmentBaseOffsets, [4]);
  assert.equal(log.size, 0);
  assert.equal(log.logStartOffset, 4);
  assert.throws(() => log.read(3, 1000), OffsetOutOfRangeError);
  log.close();
});

test('a log reopened with a checkpointed logStartOffset past its first segments drops them', () => {
  const dir = tempDir();
  const first = openLog({ segmentBytes: 400 }, dir);
  appendAt(first, [NEW, NEW, NEW]);
  first.close();
  const log = PartitionLog.open({ dir: path.join(dir, 'orders-0'), topic: 'orders', partition: 0,
    config: logConfig({ segmentBytes: 400 }), scheduler: new ManualScheduler(), logStartOffset: 2 });
  assert.equal(log.logStartOffset, 2);
  assert.equal(applyRetention(log, { retentionMs: -1, retentionBytes: -1, deletePolicy: true }, NOW).deletedSegments, 2);
  assert.deepEqual(log.segmentBaseOffsets, [2]);
  assert.deepEqual(readRecords(log.read(2, 1000).records).map((r) => r.value), ['v2']);
  log.close();
});

test('segments are never deleted above the high watermark', () => {
  const log = oneBatchPerSegment([OLD, OLD, OLD, OLD]);
  assert.equal(applyRetention(log, DELETE_1H, NOW, 2).deletedSegments, 2);
  assert.equal(log.logStartOffset, 2);
  assert.equal(applyRetention(log, DELETE_1H, NOW, 3).deletedSegments, 1);
  assert.equal(applyRetention(log, { retentionMs: -1, retentionBytes: 0, deletePolicy: true }, NOW, 3).deletedSegments, 0);
  assert.equal(log.logStartOffset, 3);
  log.close();
});

test('LogRetention.runOnce checks every log, skips closed ones and survives a failing one', () => {
  const dir = tempDir();
  const a = openLog({ segmentBytes: 400 }, dir, 'a');
  const b = openLog({ segmentBytes: 400 }, dir, 'b');
  const closed = openLog({ segmentBytes: 400 }, dir, 'c');
  appendAt(a, [OLD, OLD, NEW]);
  appendAt(b, [OLD, NEW]);
  appendAt(closed, [OLD, NEW]);
  closed.close();
  const failing: RetainableLog = {
    logStartOffset: 0, logEndOffset: 1, size: 100, topic: 'broken', partition: 0,
    segmentSummaries: () => { throw new Error('disk gone'); },
    deleteOldestSegments: () => 0,
  };
  const errors: object[] = [];
  const infos: object[] = [];
  const retention = new LogRetention({
    logs: () => [a, failing, b, closed].map((log) => ({ log, config: DELETE_1H })),
    now: () => NOW,
    logger: { info: (fields) => infos.push(fields), error: (fields) => errors.push(fields) },
  });
  assert.equal(retention.runOnce(), 3);
  assert.equal(a.logStartOffset, 2);
  assert.equal(b.logStartOffset, 1);
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as { topic: string }).topic, 'broken');
  assert.deepEqual(infos.map((f) => (f as { topic: string }).topic), ['a', 'b']);
  assert.equal(retention.runOnce(NOW), 0);
  assert.equal(retention.runOnce(NOW + 2 * HOUR), 2);
  a.close();
  b.close();
});
