import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildBatch } from './batch-fixture.ts';
import { FileHandlePool } from './file-handle-pool.ts';
import { logConfig, type LogConfig } from './log-config.ts';
import { PartitionLog } from './partition-log.ts';
import { TimeIndex } from './time-index.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

function tempDir(): string {
  return tempDirSync('samsa-timeindex-');
}

test('time index: 12-byte (timestamp, relativeOffset) entries, only growing timestamps, lookups', () => {
  const file = path.join(tempDir(), '00000000000000000100.timeindex');
  const index = new TimeIndex(new FileHandlePool(), file, 100, 120);
  assert.equal(index.load(1 << 20), true);
  index.preallocate();
  assert.equal(fs.statSync(file).size, 120);
  assert.equal(index.lookup(5000), 100, 'empty: scan from the base offset');
  assert.deepEqual(index.lastEntry(), { timestamp: -1, offset: -1 });
  assert.equal(index.maybeAppend(1000, 110), true);
  assert.equal(index.maybeAppend(1000, 120), false, 'timestamps must grow');
  assert.equal(index.maybeAppend(2000, 130), true);
  assert.equal(index.maybeAppend(3000, 125), false, 'offsets never go back');
  assert.equal(index.maybeAppend(3000, 150), true);
  assert.equal(index.lookup(999), 100);
  assert.equal(index.lookup(1000), 100, 'an entry equal to the target may not be the first match');
  assert.equal(index.lookup(1001), 110);
  assert.equal(index.lookup(2500), 130);
  assert.equal(index.lookup(99_999), 150);
  assert.deepEqual(index.lastEntry(), { timestamp: 3000, offset: 150 });
  index.close();
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.length, 36, 'trimmed on close');
  assert.deepEqual([Number(bytes.readBigInt64BE(12)), bytes.readInt32BE(20)], [2000, 30]);
  const reopened = new TimeIndex(new FileHandlePool(), file, 100, 120);
  assert.equal(reopened.load(1 << 20), true);
  assert.equal(reopened.entries, 3);
  reopened.truncateToOffset(130);
  assert.deepEqual(reopened.lastEntry(), { timestamp: 1000, offset: 110 });
  fs.writeFileSync(file, Buffer.concat([bytes.subarray(12, 24), bytes.subarray(0, 12)]));
  assert.equal(new TimeIndex(new FileHandlePool(), file, 100, 120).load(1 << 20), false, 'decreasing timestamps are corrupt');
});

function openLog(dir: string, now: () => number, config: Partial<LogConfig>, random = () => 0): PartitionLog {
  return PartitionLog.open({ dir: path.join(dir, 't-0'), topic: 't', partition: 0, config: logConfig(config), now, random });
}

test('segments keep .timeindex files; offsetForTimestamp uses them across reopen and index loss', () => {
  const dir = tempDir();
  const config = { segmentBytes: 2000, indexIntervalBytes: 150 };
  const log = openLog(dir, Date.now, config);
  for (let b = 0; b < 40; b++) {
    log.appendAsLeader(buildBatch({ records: [{ value: `v${b}` }, { value: 'w', timestampDelta: 5 }], padTo: 150, baseTimestamp: 10_000 + b * 100 }), 0);
  }
  log.close();
  const timeIndexes = fs.readdirSync(log.dir).filter((n) => n.endsWith('.timeindex')).sort();
  assert.equal(timeIndexes.length, fs.readdirSync(log.dir).filter((n) => n.endsWith('.log')).length);
  const first = fs.readFileSync(path.join(log.dir, timeIndexes[0]));
  assert.ok(first.length >= 24 && first.length % 12 === 0);
  fs.rmSync(path.join(log.dir, timeIndexes[1]));
  const reopened = openLog(dir, Date.now, config);
  for (let b = 0; b < 40; b++) {
    assert.deepEqual(reopened.offsetForTimestamp(10_000 + b * 100), { offset: 2 * b, timestamp: 10_000 + b * 100 });
    assert.deepEqual(reopened.offsetForTimestamp(10_001 + b * 100), { offset: 2 * b + 1, timestamp: 10_005 + b * 100 });
  }
  assert.equal(reopened.offsetForTimestamp(10_000 + 39 * 100 + 6), undefined);
  assert.deepEqual(reopened.maxTimestampAndOffset(), { timestamp: 10_000 + 39 * 100 + 5, offset: 79 });
  reopened.close();
  assert.ok(fs.existsSync(path.join(log.dir, timeIndexes[1])), 'a missing time index is rebuilt');
});

test('segment.ms rolls by the first batch timestamp, or by creation time when it has none; jitter shortens it', () => {
  let now = 1_000_000;
  const log = openLog(tempDir(), () => now, { segmentMs: 10_000 });
  const append = (timestamp: number): void => {
    log.appendAsLeader(buildBatch({ records: [{ value: 'x' }], baseTimestamp: timestamp }), 0);
  };
  append(500_000);
  append(510_000);
  assert.equal(log.segmentSummaries().length, 1, 'exactly segment.ms later: no roll yet');
  append(510_001);
  assert.deepEqual(log.segmentSummaries().map((s) => s.baseOffset), [0, 2], 'rolled before the batch past segment.ms');
  now += 60_000; // wall clock is irrelevant while batches carry timestamps
  append(510_002);
  assert.equal(log.segmentSummaries().length, 2);
  log.close();

  // No timestamps (-1): the segment's creation time and the clock decide.
  now = 0;
  const untimed = openLog(tempDir(), () => now, { segmentMs: 10_000, segmentJitterMs: 4000 }, () => 0.5);
  untimed.appendAsLeader(buildBatch({ records: [{ value: 'x' }], baseTimestamp: -1 }), 0);
  now = 8000;
  untimed.appendAsLeader(buildBatch({ records: [{ value: 'x' }], baseTimestamp: -1 }), 0);
  assert.equal(untimed.segmentSummaries().length, 1, '8000 ms is within 10000 - 2000 jitter');
  now = 8001;
  untimed.appendAsLeader(buildBatch({ records: [{ value: 'x' }], baseTimestamp: -1 }), 0);
  assert.deepEqual(untimed.segmentSummaries().map((s) => s.baseOffset), [0, 2]);
  untimed.close();
});

test('an index that fills rolls the segment', () => {
  const log = openLog(tempDir(), Date.now, { indexIntervalBytes: 1, maxIndexSize: 24 }); // 3 offset / 2 time entries
  for (let i = 0; i < 12; i++) log.appendAsLeader(buildBatch({ records: [{ value: `v${i}` }], baseTimestamp: 1000 + i }), 0);
  assert.ok(log.segmentSummaries().length >= 3, `${log.segmentSummaries().length} segments`);
  log.close();
});
