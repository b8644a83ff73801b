import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode } from '../protocol/errors.ts';
import { buildBatch } from './batch-fixture.ts';
import { LOG_START_OFFSET_CHECKPOINT, readOffsetCheckpoint } from './checkpoint-file.ts';
import { StorageError } from './errors.ts';
import { LEADER_EPOCH_CHECKPOINT, readLeaderEpochCheckpoint } from './leader-epoch-cache.ts';
import { logConfig } from './log-config.ts';
import { CLEAN_SHUTDOWN_FILE, LogManager } from './log-manager.ts';

const identity = { nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qg' };

function logDir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-checkpoints-')), 'logs');
}

function batch(): Buffer {
  return buildBatch({ records: [{ value: 'a' }, { value: 'b' }] });
}

test('a clean close writes every pending checkpoint before the clean shutdown marker', async (t) => {
  const dir = logDir();
  t.after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  const manager = LogManager.open({ logDirs: [dir], ...identity });
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
  const manager = LogManager.open({ logDirs: [dir], ...identity, onLogDirFailure: (failed) => failures.push(failed) });
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
