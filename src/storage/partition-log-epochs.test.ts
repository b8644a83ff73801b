import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { buildBatch } from './batch-fixture.ts';
import { LEADER_EPOCH_CHECKPOINT } from './leader-epoch-cache.ts';
import { logConfig, type LogConfig } from './log-config.ts';
import { PartitionLog } from './partition-log.ts';
import { ManualScheduler } from './scheduler.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

function logDir(): string {
  return path.join(tempDirSync('samsa-log-epochs-'), 'orders-0');
}

function openLog(dir: string, options: { config?: Partial<LogConfig>; recover?: boolean; logStartOffset?: number } = {}): PartitionLog {
  return PartitionLog.open({
    dir, topic: 'orders', partition: 0, config: logConfig(options.config ?? {}), scheduler: new ManualScheduler(),
    recover: options.recover, logStartOffset: options.logStartOffset,
  });
}

/** One batch of `count` records appended as leader in `epoch`. */
function append(log: PartitionLog, epoch: number, count = 2): void {
  log.appendAsLeader(buildBatch({ records: Array.from({ length: count }, (_, i) => ({ value: `v${i}` })), padTo: 200 }), epoch);
}

/** The file once the log's asynchronous checkpoint writes are done. */
async function checkpointText(log: PartitionLog): Promise<string> {
  await log.leaderEpochCache.flushAsync();
  return fs.readFileSync(path.join(log.dir, LEADER_EPOCH_CHECKPOINT), 'utf8');
}

test('leader appends record each new epoch\'s first offset in leader-epoch-checkpoint, kept across a restart', async () => {
  const dir = logDir();
  const log = openLog(dir);
  assert.equal(log.leaderEpochCache.latestEpoch, -1);
  assert.equal(fs.existsSync(path.join(dir, LEADER_EPOCH_CHECKPOINT)), false, 'a new log writes no checkpoint before its first epoch');
  append(log, 0);
  append(log, 0);
  append(log, 3);
  append(log, 3);
  append(log, 5);
  assert.deepEqual(log.leaderEpochCache.entries, [{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 4 }, { epoch: 5, startOffset: 8 }]);
  assert.equal(await checkpointText(log), '0\n3\n0 0\n3 4\n5 8\n');
  assert.deepEqual(log.leaderEpochCache.endOffsetFor(3, log.logEndOffset), { epoch: 3, endOffset: 8 });
  assert.deepEqual(log.leaderEpochCache.endOffsetFor(4, log.logEndOffset), { epoch: 3, endOffset: 8 });
  assert.deepEqual(log.leaderEpochCache.endOffsetFor(5, log.logEndOffset), { epoch: 5, endOffset: 10 });
  assert.deepEqual(log.leaderEpochCache.endOffsetFor(6, log.logEndOffset), { epoch: -1, endOffset: -1 });
  log.flush();
  log.close();
  for (const recover of [false, true]) {
    const reopened = openLog(dir, { recover });
    assert.deepEqual(reopened.leaderEpochCache.entries, [{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 4 }, { epoch: 5, startOffset: 8 }]);
    reopened.close();
  }
});

test('a follower\'s appends record the epochs in the leader\'s batch headers', () => {
  const leader = openLog(logDir());
  append(leader, 1);
  append(leader, 1);
  append(leader, 4, 3);
  append(leader, 7);
  const follower = openLog(logDir());
  follower.appendAsFollower(leader.read(0, 1 << 20).records);
  assert.deepEqual(follower.leaderEpochCache.entries, [{ epoch: 1, startOffset: 0 }, { epoch: 4, startOffset: 4 }, { epoch: 7, startOffset: 7 }]);
  assert.deepEqual(follower.leaderEpochCache.entries, leader.leaderEpochCache.entries);
});

test('truncation cuts the epochs after the new end; emptying the log clears them', async () => {
  const dir = logDir();
  const log = openLog(dir, { config: { segmentBytes: 500 } });
  for (const epoch of [0, 2, 2, 4, 6]) append(log, epoch);
  assert.deepEqual(log.leaderEpochCache.entries.map((entry) => entry.epoch), [0, 2, 4, 6]);
  log.truncateTo(6);
  assert.equal(log.logEndOffset, 6);
  assert.deepEqual(log.leaderEpochCache.entries, [{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 2 }]);
  assert.equal(await checkpointText(log), '0\n2\n0 0\n2 2\n');
  append(log, 9);
  assert.deepEqual(log.leaderEpochCache.endOffsetFor(2, log.logEndOffset), { epoch: 2, endOffset: 6 }, 'the epoch after the cut starts where the log was cut');
  log.truncateFullyAndStartAt(100);
  assert.deepEqual(log.leaderEpochCache.entries, []);
  assert.equal(await checkpointText(log), '0\n0\n');
  append(log, 10);
  assert.deepEqual(log.leaderEpochCache.entries, [{ epoch: 10, startOffset: 100 }]);
});

test('the log start moving (DeleteRecords, retention) moves the first epoch\'s start, and survives a restart', () => {
  const dir = logDir();
  const log = openLog(dir, { config: { segmentBytes: 500 } });
  for (const epoch of [0, 0, 1, 1, 2, 2]) append(log, epoch);
  log.maybeIncrementLogStartOffset(3, 'DeleteRecords');
  assert.deepEqual(log.leaderEpochCache.entries, [{ epoch: 0, startOffset: 3 }, { epoch: 1, startOffset: 4 }, { epoch: 2, startOffset: 8 }]);
  log.maybeIncrementLogStartOffset(5, 'DeleteRecords');
  assert.deepEqual(log.leaderEpochCache.entries, [{ epoch: 1, startOffset: 5 }, { epoch: 2, startOffset: 8 }]);
  const deleted = log.deleteOldestSegments(log.segmentSummaries().length - 1, 'retention');
  assert.ok(deleted > 0);
  assert.equal(log.leaderEpochCache.entries[0].startOffset, log.logStartOffset);
  const start = log.logStartOffset;
  log.flush();
  log.close();
  const reopened = openLog(dir, { recover: false, logStartOffset: start });
  assert.equal(reopened.leaderEpochCache.entries[0].startOffset, start);
  assert.equal(reopened.leaderEpochCache.latestEpoch, 2);
  reopened.close();
});

test('a missing checkpoint is rebuilt from the log on open', async () => {
  const dir = logDir();
  const log = openLog(dir, { config: { segmentBytes: 500 } });
  for (const epoch of [1, 1, 3, 3, 8]) append(log, epoch);
  const entries = log.leaderEpochCache.entries;
  log.flush();
  log.close();
  fs.rmSync(path.join(dir, LEADER_EPOCH_CHECKPOINT));
  const reopened = openLog(dir, { recover: false });
  assert.deepEqual(reopened.leaderEpochCache.entries, entries);
  assert.equal(await checkpointText(reopened), '0\n3\n1 0\n3 4\n8 8\n');
  reopened.close();
});

test('after an unclean stop, epochs of a lost tail are dropped when recovery cuts the log', async () => {
  const dir = logDir();
  const log = openLog(dir);
  append(log, 0);
  append(log, 2);
  const intact = log.size;
  append(log, 5);
  assert.equal(log.leaderEpochCache.latestEpoch, 5);
  log.flush();
  log.close();
  // The last batch was torn by the crash: recovery cuts it, and its epoch goes with it.
  const segment = path.join(dir, '00000000000000000000.log');
  fs.truncateSync(segment, intact + 30);
  const reopened = openLog(dir, { recover: true });
  assert.equal(reopened.logEndOffset, 4);
  assert.deepEqual(reopened.leaderEpochCache.entries, [{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 2 }]);
  assert.equal(await checkpointText(reopened), '0\n2\n0 0\n2 2\n');
  assert.deepEqual(reopened.leaderEpochCache.endOffsetFor(2, reopened.logEndOffset), { epoch: 2, endOffset: 4 });
  reopened.close();
});

test('killed after records of a new epoch reached the disk but before its checkpoint did, the epoch is still known after reopen', async (t) => {
  const dir = logDir();
  t.after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  const modules = {
    log: new URL('./partition-log.ts', import.meta.url).href,
    config: new URL('./log-config.ts', import.meta.url).href,
    batch: new URL('./batch-fixture.ts', import.meta.url).href,
  };
  // The child appends in epoch 0 and lets that checkpoint land, rolls, then appends in epoch 3,
  // fsyncs the records and dies by SIGKILL in the same turn of its event loop: the epoch 3
  // checkpoint write has not started.
  const script = `
    const { PartitionLog } = await import(${JSON.stringify(modules.log)});
    const { logConfig } = await import(${JSON.stringify(modules.config)});
    const { buildBatch } = await import(${JSON.stringify(modules.batch)});
    const log = PartitionLog.open({ dir: ${JSON.stringify(dir)}, topic: 'orders', partition: 0, config: logConfig({ segmentBytes: 500 }) });
    const batch = () => buildBatch({ records: [{ value: 'a' }, { value: 'b' }], padTo: 200 });
    log.appendAsLeader(batch(), 0);
    log.appendAsLeader(batch(), 0);
    log.flush();
    await log.leaderEpochCache.flushAsync();
    process.stdout.write(JSON.stringify({ recoveryPoint: log.recoveryPoint }) + '\\n');
    log.appendAsLeader(batch(), 0);
    log.appendAsLeader(batch(), 3);
    log.appendAsLeader(batch(), 3);
    log.flush();
    process.kill(process.pid, 'SIGKILL');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk; });
  const [, signal] = await once(child, 'exit');
  assert.equal(signal, 'SIGKILL');
  const { recoveryPoint } = JSON.parse(output) as { recoveryPoint: number };
  assert.equal(fs.readFileSync(path.join(dir, LEADER_EPOCH_CHECKPOINT), 'utf8'), '0\n1\n0 0\n', 'the epoch 3 checkpoint never landed');

  const reopened = PartitionLog.open({
    dir, topic: 'orders', partition: 0, config: logConfig({ segmentBytes: 500 }), scheduler: new ManualScheduler(), recover: true, recoveryPoint,
  });
  t.after(() => reopened.close());
  assert.equal(reopened.logEndOffset, 10);
  assert.ok(reopened.segmentBaseOffsets[0] < recoveryPoint, 'segments below the recovery point were not re-read');
  assert.deepEqual(reopened.leaderEpochCache.entries, [{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 6 }]);
  assert.deepEqual(reopened.leaderEpochCache.endOffsetFor(0, reopened.logEndOffset), { epoch: 0, endOffset: 6 });
  assert.equal(await checkpointText(reopened), '0\n2\n0 0\n3 6\n');
});

test('close writes the pending epoch checkpoint before it returns', () => {
  const dir = logDir();
  const log = openLog(dir);
  append(log, 2);
  append(log, 6);
  assert.equal(log.leaderEpochCache.flushPending, true);
  log.close();
  assert.equal(fs.readFileSync(path.join(dir, LEADER_EPOCH_CHECKPOINT), 'utf8'), '0\n2\n2 0\n6 2\n');
  fs.rmSync(path.dirname(dir), { recursive: true });
});

test('truncating to the log end drops an epoch begun there with no batch (a leader that wrote nothing), as Kafka does', () => {
  const log = openLog(logDir());
  append(log, 3);
  const end = log.logEndOffset;
  // Leader in epoch 5 (makeLeader assigns it at the log end), then replaced before it wrote a batch.
  log.leaderEpochCache.assign(5, end);
  assert.equal(log.leaderEpochCache.latestEpoch, 5);
  // The new leader never had epoch 5: it answers a divergence at epoch 3's end, the log's end.
  log.truncateTo(end);
  assert.equal(log.logEndOffset, end, 'no record goes');
  assert.equal(log.leaderEpochCache.latestEpoch, 3, 'the next fetch names epoch 3, which the leader has: the divergence ends');
  log.close();
});
