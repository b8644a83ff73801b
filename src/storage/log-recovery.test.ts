import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildBatch, readRecords } from './batch-fixture.ts';
import { nodeFileIo, type FileIo } from './file-handle-pool.ts';
import { logConfig } from './log-config.ts';
import { LogManager } from './log-manager.ts';
import type { PartitionLog } from './partition-log.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

const identity = { nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qg' };
const config = logConfig({ segmentBytes: 1000, indexIntervalBytes: 100 });

function logDir(): string {
  return path.join(tempDirSync('samsa-recovery-'), 'data');
}

async function open(dir: string): Promise<LogManager> {
  return LogManager.open({ logDirs: [dir], ...identity, configForTopic: () => config });
}

function fill(log: PartitionLog, count: number): void {
  for (let b = 0; b < count; b++) {
    const records = [0, 1].map((i) => ({ value: `v${log.logEndOffset + i}` }));
    log.appendAsLeader(buildBatch({ records, padTo: 200 }), 0);
  }
}

function values(log: PartitionLog): string[] {
  const out: string[] = [];
  let next = log.logStartOffset;
  while (next < log.logEndOffset) {
    const got = readRecords(log.read(next, 1 << 20).records);
    out.push(...got.map((r) => r.value));
    next = got[got.length - 1].offset + 1;
  }
  return out;
}

function segmentFile(log: PartitionLog, baseOffset: number, suffix = '.log'): string {
  return path.join(log.dir, `${String(baseOffset).padStart(20, '0')}${suffix}`);
}

test('clean shutdown: the restart checks no batch at all', async () => {
  const dir = logDir();
  const manager = await open(dir);
  fill(manager.createLog('t', 0, config), 30);
  await manager.closeAll();
  assert.match(fs.readFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), 'utf8'), /^0\n1\nt 0 60\n$/);
  const reopened = await open(dir);
  const log = reopened.getLog('t', 0) as PartitionLog;
  assert.equal(log.recoveredBatchesOnOpen, 0);
  assert.equal(log.recoveredSegmentsOnOpen, 0);
  assert.equal(values(log).length, 60);
  await reopened.closeAll();
});

test('unclean stop: only segments from the recovery point on are checked', async () => {
  const dir = logDir();
  const manager = await open(dir);
  const log = manager.createLog('t', 0, config);
  fill(log, 30);
  log.flush();
  await manager.checkpointRecoveryPoints();
  assert.equal(log.recoveryPoint, 60);
  fill(log, 10); // unflushed: two or three more segments
  const unflushed = log.segmentSummaries().filter((s) => s.nextOffset > 60).length;
  assert.ok(unflushed >= 2 && unflushed < log.segmentSummaries().length);
  log.close(); // kill -9: no marker
  const reopened = await open(dir);
  const again = reopened.getLog('t', 0) as PartitionLog;
  assert.equal(again.recoveredSegmentsOnOpen, unflushed, 'the segment holding the recovery point and all after it');
  assert.ok(again.recoveredBatchesOnOpen > 0 && again.recoveredBatchesOnOpen < 40);
  assert.equal(values(again).length, 80);
  await reopened.closeAll();
});

test('unclean stop, corrupt middle segment after the recovery point: cut there, later segments removed', async () => {
  const dir = logDir();
  const manager = await open(dir);
  const log = manager.createLog('t', 0, config);
  fill(log, 40);
  const segments = log.segmentSummaries();
  assert.ok(segments.length >= 4);
  log.close(); // never flushed: recovery point 0, every segment is checked
  const middle = segments[1];
  const file = segmentFile(log, middle.baseOffset);
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 30] ^= 0xff; // inside the last batch of the middle segment
  fs.writeFileSync(file, bytes);
  const reopened = await open(dir);
  const again = reopened.getLog('t', 0) as PartitionLog;
  assert.equal(again.logEndOffset, middle.nextOffset - 2);
  assert.deepEqual(again.segmentSummaries().map((s) => s.baseOffset), [segments[0].baseOffset, middle.baseOffset]);
  for (const later of segments.slice(2)) assert.equal(fs.existsSync(segmentFile(log, later.baseOffset)), false);
  assert.deepEqual(values(again), Array.from({ length: middle.nextOffset - 2 }, (_, i) => `v${i}`));
  fill(again, 1);
  assert.equal(values(again).at(-1), `v${middle.nextOffset - 1}`);
  await reopened.closeAll();
});

test('missing or corrupt checkpoint files and a corrupt index: the start checks everything and never fails', async () => {
  const dir = logDir();
  const manager = await open(dir);
  const log = manager.createLog('t', 0, config);
  fill(log, 30);
  log.maybeIncrementLogStartOffset(5, 'test');
  await manager.closeAll();
  fs.rmSync(path.join(dir, '.kafka_cleanshutdown'));
  fs.writeFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), 'garbage\n');
  fs.rmSync(path.join(dir, 'log-start-offset-checkpoint'));
  fs.writeFileSync(segmentFile(log, 0, '.index'), Buffer.from('nonsense!'));
  const reopened = await open(dir);
  const again = reopened.getLog('t', 0) as PartitionLog;
  assert.equal(again.recoveredSegmentsOnOpen, again.segmentSummaries().length);
  assert.equal(again.logStartOffset, 0, 'without its checkpoint the start falls back to the first segment');
  assert.equal(fs.statSync(segmentFile(log, 0, '.index')).size % 8, 0);
  assert.equal(values(again).length, 60);
  await reopened.closeAll();
});

test('unclean stop: timers run between the logs being recovered, before the open settles (the broker\'s ZooKeeper pings go on)', async () => {
  const dir = logDir();
  const partitions = 4;
  const manager = await open(dir);
  // The partitions whose segment files the open has read so far, as each tick of the timer sees them.
  const opened = new Set<string>();
  const fileIo: FileIo = { ...nodeFileIo, open: (file) => { opened.add(path.basename(path.dirname(file))); return nodeFileIo.open(file); } };
  let opening = false;
  const openedAtTicks: number[] = [];
  // Set before the writes below, so it is due by the time the open first gives the loop a turn.
  const timer = setInterval(() => { if (opening) openedAtTicks.push(opened.size); }, 1);
  try {
    for (let p = 0; p < partitions; p++) fill(manager.createLog('t', p, config), 20);
    for (const log of manager.allLogs()) log.close(); // kill -9: no marker, nothing flushed
    opening = true;
    const reopened = await LogManager.open({ logDirs: [dir], ...identity, configForTopic: () => config, fileIo })
      .finally(() => { opening = false; });
    assert.ok(openedAtTicks.length > 0, 'the timer ran while the logs were recovered');
    assert.ok(openedAtTicks.some((count) => count > 0 && count < partitions), `a tick between two partitions' recoveries (ticks saw ${openedAtTicks.join(', ')} partitions opened)`);
    for (let p = 0; p < partitions; p++) {
      const log = reopened.getLog('t', p) as PartitionLog;
      assert.ok(log.recoveredBatchesOnOpen > 0, `t-${p} was recovered`);
      assert.deepEqual(values(log), Array.from({ length: 40 }, (_, i) => `v${i}`));
    }
    await reopened.closeAll();
  } finally {
    clearInterval(timer);
  }
});
