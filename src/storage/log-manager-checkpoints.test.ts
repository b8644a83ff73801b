import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../protocol/errors.ts';
import { buildBatch } from './batch-fixture.ts';
import { LOG_START_OFFSET_CHECKPOINT, readOffsetCheckpoint, REPLICATION_OFFSET_CHECKPOINT } from './checkpoint-file.ts';
import { StorageError } from './errors.ts';
import { LEADER_EPOCH_CHECKPOINT, readLeaderEpochCheckpoint } from './leader-epoch-cache.ts';
import { logConfig } from './log-config.ts';
import { CLEAN_SHUTDOWN_FILE, LogManager } from './log-manager.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

const identity = { nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qg' };

function logDir(): string {
  return path.join(tempDirSync('samsa-checkpoints-'), 'logs');
}

function batch(): Buffer {
  return buildBatch({ records: [{ value: 'a' }, { value: 'b' }] });
}

test('a clean close writes every pending checkpoint before the clean shutdown marker', async (t) => {
  const dir = logDir();
  t.after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  const manager = await LogManager.open({ logDirs: [dir], ...identity });
  for (let p = 0; p < 50; p++) {
    const log = manager.createLog('t', p, logConfig({}));
    log.appendAsLeader(batch(), 7);
    log.appendAsLeader(batch(), 9);
    log.maybeIncrementLogStartOffset(1, 'deleteRecords');
  }
  // No wait: the asynchronous writes are still queued or in flight.
  await manager.closeAll();
  assert.equal(fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_FILE)), true);
  const starts = readOffsetCheckpoint(path.join(dir, LOG_START_OFFSET_CHECKPOINT));
  assert.equal(starts.valid, true);
  for (let p = 0; p < 50; p++) {
    assert.equal(starts.offsets.get(`t-${p}`), 1);
    assert.deepEqual(readLeaderEpochCheckpoint(path.join(dir, `t-${p}`, LEADER_EPOCH_CHECKPOINT)), [{ epoch: 7, startOffset: 1 }, { epoch: 9, startOffset: 2 }]);
  }
  assert.deepEqual(fs.readdirSync(path.join(dir, 't-0')).filter((name) => name.endsWith('.tmp')), []);
});

test('a failed leader epoch checkpoint write takes the log dir offline: KAFKA_STORAGE_ERROR, no clean shutdown marker', async (t) => {
  const dir = logDir();
  t.after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  const failures: string[] = [];
  const manager = await LogManager.open({ logDirs: [dir], ...identity, onLogDirFailure: (failed) => failures.push(failed) });
  const log = manager.createLog('t', 0, logConfig({}));
  // The temporary file cannot be created: the asynchronous write fails with EISDIR.
  fs.mkdirSync(path.join(log.dir, `${LEADER_EPOCH_CHECKPOINT}.async.tmp`));
  log.appendAsLeader(batch(), 4);
  await manager.flushCheckpoints();
  assert.deepEqual(failures, [dir]);
  assert.deepEqual(manager.offlineLogDirs, [dir]);
  assert.throws(() => log.appendAsLeader(batch(), 4), (error: unknown) => error instanceof StorageError && error.code === ErrorCode.KAFKA_STORAGE_ERROR);
  await manager.closeAll();
  assert.equal(fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_FILE)), false, 'the next start recovers this dir');
});

test('replication-offset-checkpoint: the high watermarks given are written in Kafka\'s format, periodically and at close, and read back at the next start', async (t) => {
  const dir = logDir();
  t.after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  const highWatermarks = new Map([['t-0', 1], ['t-1', 2]]);
  const highWatermarkOf = (topic: string, partition: number) => highWatermarks.get(`${topic}-${partition}`);
  const manager = await LogManager.open({ logDirs: [dir], ...identity, highWatermarkOf });
  for (let p = 0; p < 3; p++) manager.createLog('t', p, logConfig({})).appendAsLeader(batch(), 1);
  manager.checkpointHighWatermarks();
  await manager.flushCheckpoints();
  // t-2's partition is not hosted: no entry for it.
  assert.equal(fs.readFileSync(path.join(dir, REPLICATION_OFFSET_CHECKPOINT), 'utf8'), '0\n2\nt 0 1\nt 1 2\n');
  highWatermarks.set('t-1', 0);
  await manager.closeAll();
  assert.deepEqual(readOffsetCheckpoint(path.join(dir, REPLICATION_OFFSET_CHECKPOINT)).offsets, new Map([['t-0', 1], ['t-1', 0]]));

  // At the next start the file's values are what the partitions begin from, and a log whose
  // partition is not open yet keeps its value through the checkpoints written meanwhile.
  highWatermarks.clear();
  const reopened = await LogManager.open({ logDirs: [dir], ...identity, highWatermarkOf });
  assert.equal(reopened.checkpointedHighWatermark('t', 0), 1);
  assert.equal(reopened.checkpointedHighWatermark('t', 2), undefined);
  reopened.checkpointHighWatermarks();
  await reopened.flushCheckpoints();
  assert.deepEqual(readOffsetCheckpoint(path.join(dir, REPLICATION_OFFSET_CHECKPOINT)).offsets, new Map([['t-0', 1], ['t-1', 0]]));
  // A deleted log's entry goes at once: a re-created log of the same name starts without it.
  await reopened.deleteLog('t', 0);
  assert.equal(reopened.checkpointedHighWatermark('t', 0), undefined);
  assert.deepEqual(readOffsetCheckpoint(path.join(dir, REPLICATION_OFFSET_CHECKPOINT)).offsets, new Map([['t-1', 0]]));
  await reopened.closeAll();
});

test('without high watermarks to keep (no replica manager), no replication-offset-checkpoint is written', async (t) => {
  const dir = logDir();
  t.after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  const manager = await LogManager.open({ logDirs: [dir], ...identity });
  manager.createLog('t', 0, logConfig({})).appendAsLeader(batch(), 1);
  manager.checkpointHighWatermarks();
  await manager.closeAll();
  assert.equal(fs.existsSync(path.join(dir, REPLICATION_OFFSET_CHECKPOINT)), false);
});
