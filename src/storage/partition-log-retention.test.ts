import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildBatch, readRecords } from './batch-fixture.ts';
import { parseOffsetCheckpoint, readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint-file.ts';
import { OffsetOutOfRangeError } from './errors.ts';
import { logConfig, type LogConfig } from './log-config.ts';
import { LogManager } from './log-manager.ts';
import { PartitionLog } from './partition-log.ts';
import { ManualScheduler } from './scheduler.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

function tempDir(): string {
  return tempDirSync('samsa-retention-');
}

function openLog(dir: string, scheduler: ManualScheduler, config: Partial<LogConfig> = {}, logStartOffset?: number): PartitionLog {
  return PartitionLog.open({
    dir: path.join(dir, 'orders-0'), topic: 'orders', partition: 0, config: logConfig(config), scheduler, logStartOffset,
  });
}

/** `count` batches of 3 records, ~200 bytes each, batch b stamped 1000 + 10b. */
function fill(log: PartitionLog, count: number): void {
  for (let b = 0; b < count; b++) {
    const records = [0, 1, 2].map((i) => ({ value: `v${log.logEndOffset + i}`, timestampDelta: i }));
    log.appendAsLeader(buildBatch({ records, padTo: 200, baseTimestamp: 1000 + b * 10 }), 0);
  }
}

test('checkpoint files: Kafka text format, atomic write, round trip; corrupt or missing reads as empty', () => {
  const dir = tempDir();
  const file = path.join(dir, 'recovery-point-offset-checkpoint');
  assert.deepEqual(readOffsetCheckpoint(file), { offsets: new Map(), valid: false });
  writeOffsetCheckpoint(file, [{ topic: 'a-b', partition: 3, offset: 42 }, { topic: '__consumer_offsets', partition: 0, offset: 0 }]);
  assert.equal(fs.readFileSync(file, 'utf8'), '0\n2\na-b 3 42\n__consumer_offsets 0 0\n');
  assert.deepEqual(readOffsetCheckpoint(file), { offsets: new Map([['a-b-3', 42], ['__consumer_offsets-0', 0]]), valid: true });
  assert.equal(fs.existsSync(`${file}.tmp`), false);
  writeOffsetCheckpoint(file, []);
  assert.equal(fs.readFileSync(file, 'utf8'), '0\n0\n');
  for (const bad of ['', '1\n0\n', '0\n2\nt 0 1\n', '0\n1\nt x 1\n', '0\n1\nt 0 -1\n', '0\nnope\n', '\u0000\u0001garbage']) {
    assert.equal(parseOffsetCheckpoint(bad), undefined, JSON.stringify(bad));
    fs.writeFileSync(file, bad);
    assert.equal(readOffsetCheckpoint(file).offsets.size, 0);
  }
});

test('segmentSummaries lists segments oldest first with next offsets, sizes and largest timestamps', () => {
  const log = openLog(tempDir(), new ManualScheduler(), { segmentBytes: 1000 });
  fill(log, 12);
  const summaries = log.segmentSummaries();
  assert.ok(summaries.length >= 3);
  summaries.forEach((s, i) => {
    assert.equal(s.isActive, i === summaries.length - 1);
    assert.equal(s.nextOffset, i === summaries.length - 1 ? log.logEndOffset : summaries[i + 1].baseOffset);
    assert.ok(s.sizeInBytes > 0);
    // Batch b holds offsets 3b..3b+2 and its largest timestamp is 1000 + 10b + 2.
    assert.equal(s.largestTimestamp, 1000 + 10 * ((s.nextOffset - 3) / 3) + 2);
  });
  log.close();
});

test('deleteOldestSegments renames to .deleted at once and removes the files after file.delete.delay.ms', () => {
  const scheduler = new ManualScheduler();
  const log = openLog(tempDir(), scheduler, { segmentBytes: 1000, fileDeleteDelayMs: 5000 });
  fill(log, 12);
  const before = log.segmentSummaries();
  assert.equal(log.deleteOldestSegments(2, 'retention.ms'), 2);
  assert.equal(log.logStartOffset, before[2].baseOffset);
  const names = fs.readdirSync(log.dir);
  const first = String(before[0].baseOffset).padStart(20, '0');
  for (const suffix of ['.log', '.index', '.timeindex']) assert.ok(names.includes(`${first}${suffix}.deleted`), names.join());
  assert.equal(names.includes(`${first}.log`), false);
  assert.throws(() => log.read(before[1].baseOffset, 100), OffsetOutOfRangeError);
  assert.equal(readRecords(log.read(log.logStartOffset, 100).records)[0].offset, before[2].baseOffset);
  scheduler.advance(4999);
  assert.equal(fs.readdirSync(log.dir).filter((n) => n.endsWith('.deleted')).length, 6);
  scheduler.advance(1);
  assert.deepEqual(fs.readdirSync(log.dir).filter((n) => n.endsWith('.deleted')), []);
  log.close();
});

test('deleting every segment rolls first, keeping an empty active segment at the log end', () => {
  const scheduler = new ManualScheduler();
  const log = openLog(tempDir(), scheduler, { segmentBytes: 1000 });
  fill(log, 8);
  const end = log.logEndOffset;
  const count = log.segmentSummaries().length;
  assert.equal(log.deleteOldestSegments(100, 'retention.ms'), count);
  assert.deepEqual(log.segmentSummaries().map((s) => [s.baseOffset, s.sizeInBytes, s.isActive]), [[end, 0, true]]);
  assert.equal(log.logStartOffset, end);
  assert.equal(log.logEndOffset, end);
  assert.equal(log.deleteOldestSegments(1, 'retention.ms'), 0, 'an empty active segment is never deleted');
  assert.equal(log.appendAsLeader(buildBatch({ records: [{ value: 'x' }] }), 0).firstOffset, end);
  log.close();
  assert.deepEqual(fs.readdirSync(log.dir).filter((n) => n.endsWith('.deleted')), [], 'close removes pending .deleted files');
});

test('maybeIncrementLogStartOffset (DeleteRecords): moves up only, deletes whole segments below, reads below fail', () => {
  const scheduler = new ManualScheduler();
  const log = openLog(tempDir(), scheduler, { segmentBytes: 1000 });
  fill(log, 12);
  const segments = log.segmentSummaries();
  const target = segments[1].baseOffset + 1; // inside the second segment, inside its first batch
  assert.throws(() => log.maybeIncrementLogStartOffset(log.logEndOffset + 1, 'test'), OffsetOutOfRangeError);
  assert.equal(log.maybeIncrementLogStartOffset(target, 'deleteRecords'), true);
  assert.equal(log.logStartOffset, target);
  assert.equal(log.segmentSummaries()[0].baseOffset, segments[1].baseOffset, 'the segment holding the new start stays');
  assert.equal(log.maybeIncrementLogStartOffset(target - 1, 'deleteRecords'), false, 'never moves down');
  assert.throws(() => log.read(target - 1, 100), OffsetOutOfRangeError);
  // A read inside the first remaining batch returns the whole batch, as Kafka does.
  assert.equal(readRecords(log.read(target, 100).records)[0].offset, segments[1].baseOffset);
  // ListOffsets by timestamp never answers below the log start offset.
  assert.equal(log.offsetForTimestamp(0)?.offset, target);
  assert.equal(log.maybeIncrementLogStartOffset(log.logEndOffset, 'deleteRecords'), true);
  assert.equal(log.segmentSummaries().length, 1);
  assert.equal(log.read(log.logEndOffset, 100).records.length, 0);
  log.close();
});

test('a checkpointed logStartOffset past the recovered log end starts the log empty there', () => {
  const dir = tempDir();
  const log = openLog(dir, new ManualScheduler());
  fill(log, 2);
  log.close();
  const reopened = openLog(dir, new ManualScheduler(), {}, 50);
  assert.equal(reopened.logStartOffset, 50);
  assert.equal(reopened.logEndOffset, 50);
  reopened.close();
  const inside = openLog(dir, new ManualScheduler(), {}, 20);
  assert.equal(inside.logStartOffset, 50, 'a lower checkpoint never moves the start below the first segment');
  inside.close();
});

test('logStartOffset survives a reopen through log-start-offset-checkpoint; leftover .deleted files go on open', async () => {
  const logDir = path.join(tempDir(), 'd');
  const identity = { nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qg' };
  const scheduler = new ManualScheduler();
  const manager = await LogManager.open({ logDirs: [logDir], ...identity, scheduler });
  const log = manager.createLog('t', 0, logConfig({ segmentBytes: 1000 }));
  fill(log, 12);
  log.maybeIncrementLogStartOffset(7, 'deleteRecords');
  await manager.flushCheckpoints();
  assert.match(fs.readFileSync(path.join(logDir, 'log-start-offset-checkpoint'), 'utf8'), /^0\n1\nt 0 7\n$/);
  log.deleteOldestSegments(1, 'retention');
  const start = log.logStartOffset;
  assert.ok(start > 7);
  await manager.flushCheckpoints();
  // A crash: no close, the .deleted files are still there.
  log.close();
  fs.writeFileSync(path.join(log.dir, '00000000000000000000.log.deleted'), 'x');
  const reopened = await LogManager.open({ logDirs: [logDir], ...identity, scheduler });
  assert.equal(reopened.getLog('t', 0)?.logStartOffset, start);
  assert.deepEqual(fs.readdirSync(log.dir).filter((n) => n.endsWith('.deleted')), []);
  await reopened.deleteLog('t', 0);
  assert.match(fs.readFileSync(path.join(logDir, 'log-start-offset-checkpoint'), 'utf8'), /^0\n0\n$/);
  await reopened.closeAll();
});
