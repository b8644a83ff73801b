import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { ErrorCode } from '../protocol/errors.ts';
import { buildBatch, readRecords } from './batch-fixture.ts';
import { StorageError } from './errors.ts';
import { FileHandlePool, nodeFileIo, type FileIo } from './file-handle-pool.ts';
import { gatedIo } from './gated-file-io-fixture.ts';
import { logConfig, type LogConfig } from './log-config.ts';
import { PartitionLog } from './partition-log.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

function openLog(io: FileIo, config: Partial<LogConfig> = {}, onIoFailure?: () => void): PartitionLog {
  const dir = path.join(tempDirSync('samsa-async-'), 'orders-0');
  return PartitionLog.open({
    dir, topic: 'orders', partition: 0, config: logConfig(config), fileHandles: new FileHandlePool({ maxOpen: 4, io }), onIoFailure,
  });
}

function append(log: PartitionLog, ...values: string[]) {
  return log.appendAsLeader(buildBatch({ records: values.map((value) => ({ value })) }), 0);
}

const values = (records: Buffer): string[] => readRecords(records).map((r) => r.value);
const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
};

test('a read in flight while its segment is deleted returns its batches, then the descriptor closes and no file comes back', async () => {
  const io = gatedIo();
  const log = openLog(io, { segmentBytes: 200, fileDeleteDelayMs: 0 });
  for (let i = 0; i < 6; i++) append(log, `v${i}`);
  assert.ok(log.segmentBaseOffsets.length >= 3, `segments ${log.segmentBaseOffsets}`);
  const firstLog = path.join(log.dir, '00000000000000000000.log');
  await log.flushRolledSegmentsAsync(); // the rolls' background fsyncs hold no descriptor any more

  io.holding = true;
  const reading = log.readAsync(0, 1 << 20);
  await until(() => io.heldCalls > 0);
  const fd = [...io.opened].find(([, file]) => file === firstLog)?.[0];
  assert.ok(fd !== undefined, 'the first segment is open for the read');
  log.maybeIncrementLogStartOffset(log.segmentBaseOffsets[2], 'test');
  assert.equal(fs.existsSync(firstLog), false, 'renamed for deletion while the read waits');
  assert.equal(io.closed.has(fd), false, 'its descriptor stays open under the read');

  io.release();
  const { records } = await reading;
  assert.deepEqual(values(records)[0], 'v0');
  assert.ok(io.closed.has(fd), 'closed once the read ended');
  assert.equal(fs.existsSync(firstLog), false, 'the read reopened nothing');
  await assert.rejects(log.readAsync(0, 1 << 20), (error: unknown) => error instanceof StorageError && error.code === ErrorCode.OFFSET_OUT_OF_RANGE);
  log.close();
});

test('a descriptor the pool evicts under a read in flight is closed when the read ends, not before', async () => {
  const io = gatedIo();
  const log = openLog(io);
  append(log, 'a', 'b');
  io.holding = true;
  const reading = log.readAsync(0, 1 << 20);
  await until(() => io.heldCalls > 0);
  const before = io.closed.size;
  log.close(); // closes every descriptor of the log, as eviction or a topic deletion does
  assert.equal(io.closed.size, before + 2, 'the two index files closed at once');
  io.release();
  assert.deepEqual(values((await reading).records), ['a', 'b']);
  assert.equal(io.closed.size, before + 3, 'the .log closed after its read');
});

test('a read racing with a truncation reads again: it never mixes bytes from both sides of the cut', async () => {
  const io = gatedIo();
  const log = openLog(io);
  for (let i = 0; i < 8; i++) append(log, `old${i}`);
  io.holding = true;
  io.holdReadsOver = 27; // the batch headers are read; the read of the batches found waits
  const reading = log.readAsync(5, 1 << 20);
  await until(() => io.heldCalls > 0);
  log.truncateTo(3); // a follower cut back to its leader...
  append(log, 'new3', 'new4', 'new5', 'new6', 'new7'); // ...and what the leader has there instead: one batch, other positions
  io.release();
  const { records } = await reading;
  assert.deepEqual(values(records), ['new3', 'new4', 'new5', 'new6', 'new7'], 'the whole new batch that holds offset 5');
  log.close();
});

test('a consumer\'s next read starts where its last one ended, and that is forgotten at a truncation', async () => {
  const io = gatedIo();
  const log = openLog(io);
  for (const value of ['a', 'b', 'c']) append(log, value);
  assert.deepEqual(values((await log.readAsync(0, 100)).records), ['a'], 'one batch of about 70 bytes fits 100');
  const reads = io.readsAsync.length;
  assert.deepEqual(values((await log.readAsync(1, 100)).records), ['b']);
  assert.equal(io.readsAsync.length - reads, 1, 'header and batch in one read');

  log.truncateTo(1); // 'b' and 'c' go; the segment stays
  const longer = ['new-1', 'new-2', 'new-3'].map((value) => value.padEnd(100, 'x'));
  append(log, ...longer); // offset 2 now sits inside this batch, and 'c' began where its records are
  assert.deepEqual(values((await log.readAsync(2, 100)).records), longer);
  log.close();
});

test('a first read after a restart reads the index files off the event loop; a missing index is rebuilt, not made empty', async () => {
  const io = gatedIo();
  const config = { segmentBytes: 400, indexIntervalBytes: 50 };
  const log = openLog(io, config);
  for (let i = 0; i < 12; i++) append(log, `v${i}`);
  log.close();
  const firstIndex = path.join(log.dir, '00000000000000000000.index');
  const timeIndex = path.join(log.dir, '00000000000000000000.timeindex');
  assert.ok(fs.statSync(firstIndex).size > 0);
  fs.rmSync(firstIndex);
  const reopened = PartitionLog.open({ dir: log.dir, topic: 'orders', partition: 0, config: logConfig(config), recover: false, fileHandles: new FileHandlePool({ io }) });
  const { records } = await reopened.readAsync(1, 1 << 20);
  assert.equal(values(records)[0], 'v1');
  assert.ok(io.readsAsync.includes(timeIndex), 'the time index was read off the loop before its load');
  assert.ok(fs.statSync(firstIndex).size > 0, 'the missing offset index was rebuilt from the log');
  reopened.close();
});

test('flush.messages=1: appends stay in order; those made during an fsync share the next one; each is durable only after an fsync that covers it', async () => {
  const io = gatedIo();
  const log = openLog(io, { flushMessages: 1 });
  io.holding = true;
  const settled: number[] = [];
  const appends = ['a', 'b', 'c', 'd'].map((value, i) => {
    const info = append(log, value);
    void info.durable?.then(() => settled.push(i));
    return info;
  });
  assert.deepEqual(appends.map((a) => a.firstOffset), [0, 1, 2, 3]);
  assert.ok(appends.every((a) => a.durable !== undefined));
  await until(() => io.heldCalls > 0);
  assert.equal(log.recoveryPoint, 0, 'nothing durable while the first fsync is held');
  assert.deepEqual(settled, []);

  io.release(); // the first flush ends; the next one, shared by b, c and d, starts
  await appends[0].durable;
  assert.ok(log.recoveryPoint >= 1);
  await Promise.all(appends.map((a) => a.durable));
  assert.deepEqual(settled, [0, 1, 2, 3], 'durable in append order');
  assert.equal(log.recoveryPoint, 4);
  assert.ok(io.fsyncs <= 2 * 3, `two flushes of the .log and its two indexes, not four: ${io.fsyncs} fsyncs`);
  assert.deepEqual(values(log.read(0, 1 << 20).records), ['a', 'b', 'c', 'd']);
  log.close();
});

test('a roll fsyncs the rolled segment in the background; a flush meanwhile does not return before it is on disk', async () => {
  const io = gatedIo();
  const log = openLog(io, { segmentBytes: 200 });
  io.holding = true;
  append(log, 'a'.repeat(150));
  append(log, 'b'.repeat(150)); // rolls: the first segment's fsync starts and is held
  await until(() => io.heldCalls > 0);
  log.flush(); // as LogManager.closeAll does before it writes the clean shutdown marker
  assert.ok(io.fsyncsSync.includes(path.join(log.dir, '00000000000000000000.log')), 'the rolled segment was fsynced by the flush itself');
  assert.equal(log.recoveryPoint, 2);
  io.release();
  await log.flushRolledSegmentsAsync();
  log.close();
});

test('a failed fsync rejects the append\'s durability with KAFKA_STORAGE_ERROR and takes the log offline', async () => {
  const io = gatedIo();
  let failures = 0;
  const log = openLog(io, { flushMessages: 1 }, () => { failures += 1; });
  io.failFsync = true;
  const { durable } = append(log, 'lost?');
  await assert.rejects(durable!, (error: unknown) => error instanceof StorageError && error.code === ErrorCode.KAFKA_STORAGE_ERROR && /fsync/.test(error.message));
  assert.equal(failures, 1, 'reported once, so the log dir goes offline');
  assert.ok(log.isOffline);
  assert.throws(() => append(log, 'after'), (error: unknown) => error instanceof StorageError && error.code === ErrorCode.KAFKA_STORAGE_ERROR);
  await assert.rejects(log.readAsync(0, 100), StorageError);
  log.close();
});

test('property: readAsync returns the bytes read does, from any offset, with any segment and batch sizes', async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 25 }),
    fc.integer({ min: 150, max: 2000 }),
    fc.integer({ min: 0, max: 500 }),
    fc.integer({ min: 0, max: 3000 }),
    async (batchSizes, segmentBytes, indexIntervalBytes, maxBytes) => {
      const log = openLog(nodeFileIo, { segmentBytes, indexIntervalBytes });
      try {
        let n = 0;
        for (const count of batchSizes) append(log, ...Array.from({ length: count }, () => `r${n++}`));
        for (let offset = 0; offset <= log.logEndOffset; offset++) {
          for (const minOneBatch of [true, false]) {
            const sync = log.read(offset, maxBytes, minOneBatch);
            const async = await log.readAsync(offset, maxBytes, minOneBatch);
            assert.deepEqual(async, sync);
          }
        }
      } finally {
        log.close();
        fs.rmSync(path.dirname(log.dir), { recursive: true, force: true });
      }
    },
  ), { numRuns: 30 });
});
