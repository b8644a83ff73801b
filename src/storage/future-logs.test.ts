import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildBatch, readRecords } from './batch-fixture.ts';
import { LogManager } from './log-manager.ts';
import type { PartitionLog } from './partition-log.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

const identity = { nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qg' };

function twoDirs(): string[] {
  const root = tempDirSync('samsa-future-');
  return [path.join(root, 'a'), path.join(root, 'b')];
}

/** A log 't-0' in the first dir with `count` one-record batches, v0..v<count-1>. */
async function managerWithLog(logDirs: string[], count: number): Promise<{ manager: LogManager; log: PartitionLog }> {
  const manager = await LogManager.open({ logDirs, ...identity });
  const log = manager.createLog('t', 0);
  assert.equal(path.dirname(log.dir), logDirs[0]);
  for (let i = 0; i < count; i++) log.appendAsLeader(buildBatch({ records: [{ value: `v${i}` }] }), 0);
  return { manager, log };
}

/** Copies the current log into the future up to `endOffset`, as ReplicaAlterLogDirsManager does. */
function copy(from: PartitionLog, to: PartitionLog, endOffset: number): void {
  while (to.logEndOffset < endOffset) to.appendAsFollower(from.read(to.logEndOffset, 1, true, endOffset).records);
}

const values = (log: PartitionLog | undefined): string[] => readRecords(log?.read(log.logStartOffset, 1 << 20).records ?? Buffer.alloc(0)).map((r) => r.value);

test('a future log is swapped in with the log start offset and leader epochs; the old dir goes; a restart finds the log in the new dir', async () => {
  const logDirs = twoDirs();
  const { manager, log } = await managerWithLog(logDirs, 10);
  log.maybeIncrementLogStartOffset(3, 'test');
  log.leaderEpochCache.assign(4, log.logEndOffset); // an epoch begun without a batch
  const future = manager.getOrCreateFutureLog('t', 0, logDirs[1]!);
  assert.match(path.basename(future.dir), /^t-0\.[0-9a-f]{32}-future$/);
  assert.equal(future.logStartOffset, 3);
  assert.deepEqual(manager.logDirsInfo().map((d) => d.partitions.map((p) => [p.isFutureKey, p.offsetLag])), [[[false, 0]], [[true, 7]]]);
  copy(log, future, log.logEndOffset);
  const swapped = manager.replaceCurrentWithFutureLog('t', 0);
  assert.equal(manager.getLog('t', 0), swapped);
  assert.equal(manager.getFutureLog('t', 0), undefined);
  assert.equal(swapped.dir, path.join(logDirs[1]!, 't-0'));
  assert.equal(swapped.logStartOffset, 3);
  assert.deepEqual(swapped.leaderEpochCache.entries, [{ epoch: 0, startOffset: 3 }, { epoch: 4, startOffset: 10 }]);
  assert.deepEqual(values(swapped), ['v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9']);
  assert.ok(log.isClosed);
  await manager.closeAll();
  assert.deepEqual(fs.readdirSync(logDirs[0]!).filter((name) => name.startsWith('t-0')), [], 'the old dir was removed');
  const restarted = await LogManager.open({ logDirs, ...identity });
  assert.equal(restarted.logDirOf('t', 0), logDirs[1]);
  assert.equal(restarted.getLog('t', 0)?.logStartOffset, 3);
  assert.deepEqual(values(restarted.getLog('t', 0)), ['v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9']);
  await restarted.closeAll();
});

test('a crash during a copy: the future log is resumed at the next start, cut back to what its current log kept', async () => {
  const logDirs = twoDirs();
  const { manager, log } = await managerWithLog(logDirs, 10);
  log.flush();
  const future = manager.getOrCreateFutureLog('t', 0, logDirs[1]!);
  copy(log, future, 6);
  future.flush();
  // The crash: nothing is closed, no clean shutdown marker is written.
  const afterCrash = await LogManager.open({ logDirs, ...identity });
  assert.equal(afterCrash.logDirOf('t', 0), logDirs[0], 'the current log stays the log');
  assert.deepEqual(values(afterCrash.getLog('t', 0)), Array.from({ length: 10 }, (_, i) => `v${i}`));
  const resumed = afterCrash.getFutureLog('t', 0);
  assert.equal(resumed?.logDir, logDirs[1]);
  assert.equal(resumed?.log.logEndOffset, 6);
  copy(afterCrash.getLog('t', 0)!, resumed!.log, 10);
  afterCrash.getLog('t', 0)!.close(); // the first manager's handles are gone with its process, in a real crash
  await afterCrash.closeAll();

  // A future ahead of its current log (whose unflushed tail a crash took) is cut back to it.
  const segment = path.join(logDirs[0]!, 't-0', '00000000000000000000.log');
  const reopened = await LogManager.open({ logDirs, ...identity });
  const firstSeven = reopened.getLog('t', 0)!.read(0, 1 << 20, true, 7).records.length;
  await reopened.closeAll();
  fs.truncateSync(segment, firstSeven);
  fs.rmSync(path.join(logDirs[0]!, '.kafka_cleanshutdown'));
  const cut = await LogManager.open({ logDirs, ...identity });
  assert.equal(cut.getLog('t', 0)?.logEndOffset, 7);
  assert.equal(cut.getFutureLog('t', 0)?.log.logEndOffset, 7);
  await cut.closeAll();
});

test('a crash between the swap\'s renames: the complete future log becomes the log; a deleted log takes its future along', async () => {
  const logDirs = twoDirs();
  const { manager, log } = await managerWithLog(logDirs, 5);
  const future = manager.getOrCreateFutureLog('t', 0, logDirs[1]!);
  copy(log, future, 5);
  await manager.closeAll();
  // What the swap leaves after its first rename: the current log renamed for delete with the future's uuid.
  const futureName = fs.readdirSync(logDirs[1]!).find((name) => name.endsWith('-future'))!;
  const uuid = /^t-0\.([0-9a-f]+)-future$/.exec(futureName)![1];
  fs.renameSync(path.join(logDirs[0]!, 't-0'), path.join(logDirs[0]!, `t-0.${uuid}-delete`));
  const restarted = await LogManager.open({ logDirs, ...identity });
  assert.equal(restarted.logDirOf('t', 0), logDirs[1]);
  assert.equal(restarted.getFutureLog('t', 0), undefined);
  assert.deepEqual(values(restarted.getLog('t', 0)), ['v0', 'v1', 'v2', 'v3', 'v4']);
  assert.deepEqual(fs.readdirSync(logDirs[1]!).filter((name) => name.startsWith('t-0')), ['t-0']);

  // deleteLog removes a future log too, first.
  restarted.getOrCreateFutureLog('t', 0, logDirs[0]!);
  await restarted.deleteLog('t', 0);
  await restarted.closeAll();
  for (const dir of logDirs) assert.deepEqual(fs.readdirSync(dir).filter((name) => name.startsWith('t-0')), []);
  const empty = await LogManager.open({ logDirs, ...identity });
  assert.deepEqual(empty.allLogs(), []);
  await empty.closeAll();
});
