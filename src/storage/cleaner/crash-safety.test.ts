import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { PartitionLog } from '../partition-log.ts';
import { append, lastValues, openLog, readAll, tempDir, type ReadRecord } from './cleaner-fixture.ts';
import type { CleanableLog, CleanableSegment, SegmentSwap } from './cleanable-log.ts';
import { cleanerConfig } from './cleaner-config.ts';
import { Cleaner } from './cleaner.ts';
import { recoverCleanerFiles } from './segment-swap.ts';

/**
 * A crash is simulated by copying the partition directory as it is at some moment (writes are
 * synchronous, so the copy holds everything written so far) and opening the copy as the broker
 * would after a restart: recoverCleanerFiles, then the log.
 */
function snapshot(log: PartitionLog, snapshots: string[]): void {
  const root = tempDir('samsa-crash-');
  fs.cpSync(log.dir, path.join(root, 't-0'), { recursive: true });
  snapshots.push(root);
}

function checkRecovered(root: string, written: readonly ReadRecord[], logEndOffset: number, segmentBytes: number): string[] {
  const log = openLog(root, segmentBytes);
  try {
    const names = fs.readdirSync(log.dir);
    assert.deepEqual(names.filter((n) => n.endsWith('.cleaned') || n.endsWith('.swap')), [], 'no cleaner leftovers');
    const records = readAll(log);
    const byOffset = new Map(written.map((r) => [r.offset, r]));
    for (let i = 1; i < records.length; i++) assert.ok(records[i].offset > records[i - 1].offset);
    for (const r of records) assert.deepEqual(r, byOffset.get(r.offset), `record at ${r.offset} is what was written there`);
    assert.deepEqual(lastValues(records), lastValues(written), 'every key reads as its last value');
    assert.equal(log.logEndOffset, logEndOffset);
    return names;
  } finally {
    log.close();
  }
}

test('a crash at any step of a cleaning, and inside the swap, leaves a consistent log', () => {
  const segmentBytes = 350;
  const log = openLog(tempDir(), segmentBytes);
  for (let i = 0; i < 90; i++) append(log, [{ key: `k${i % 7}`, value: `v${i}` }, { key: `j${i % 3}`, value: i % 10 === 0 ? null : `w${i}` }]);
  const written = readAll(log);
  const snapshots: string[] = [];
  const points: string[] = [];

  // The log as the cleaner sees it, with crash points at the swap's commit and inside the hook.
  const watched: CleanableLog = {
    get topic() { return log.topic; },
    get partition() { return log.partition; },
    get dir() { return log.dir; },
    get logStartOffset() { return log.logStartOffset; },
    get logEndOffset() { return log.logEndOffset; },
    get isClosed() { return log.isClosed; },
    get transactions() { return log.transactions; },
    cleanerView: () => log.cleanerView(),
    replaceWithCleaned(old: readonly CleanableSegment[], swap: SegmentSwap): void {
      snapshot(log, snapshots); // .swap renamed, old segments intact
      points.push('swap committed');
      log.replaceWithCleaned(old, {
        baseOffset: swap.baseOffset,
        abortedTransactions: swap.abortedTransactions,
        install: () => {
          snapshot(log, snapshots); // old segments deleted, swap not yet renamed
          points.push('old segments deleted');
          swap.install();
        },
        discard: () => swap.discard(),
      });
    },
  };
  const job = new Cleaner({ dedupeBufferSize: 24 * 100, loadFactor: 0.9, ioBufferSize: 300 })
    .startCleaning(watched, cleanerConfig({ compact: true, segmentBytes: 1_000 }), undefined, 10_000);
  let sawCleaned = false;
  while (!job.step()) {
    sawCleaned ||= fs.readdirSync(log.dir).some((n) => n.endsWith('.cleaned'));
    snapshot(log, snapshots);
    points.push('between steps');
  }
  assert.equal(job.result.aborted, false);
  assert.ok(job.result.segmentsSwapped >= 2, `${job.result.segmentsSwapped} swaps`);
  assert.ok(sawCleaned, 'some snapshots hold a half-written .cleaned file');
  assert.ok(points.includes('swap committed') && points.includes('old segments deleted'));

  const end = log.logEndOffset;
  let completedSwaps = 0;
  snapshots.forEach((root, i) => {
    const before = fs.readdirSync(path.join(root, 't-0'));
    if (before.some((n) => n.endsWith('.swap'))) completedSwaps += 1;
    checkRecovered(root, written, end, segmentBytes);
    assert.ok(points[i]);
    fs.rmSync(root, { recursive: true, force: true });
  });
  assert.ok(completedSwaps >= 4, 'recovery completed the interrupted swaps');
  // The finished cleaning reads the same way.
  assert.deepEqual(lastValues(readAll(log)), lastValues(written));
  log.close();
});

test('recoverCleanerFiles: .cleaned files go, a .swap replaces exactly the segments of its range', () => {
  const segmentBytes = 250;
  const root = tempDir();
  let log = openLog(root, segmentBytes);
  for (let i = 0; i < 30; i++) append(log, [{ key: `k${i % 4}`, value: `v${i}` }]);
  const written = readAll(log);
  const end = log.logEndOffset;
  const bases = log.segmentBaseOffsets;
  log.close();
  // A torn .cleaned (the crash came while writing it) is deleted; the old segments stay.
  fs.writeFileSync(path.join(root, 't-0', `${String(bases[0]).padStart(20, '0')}.log.cleaned`), Buffer.from('torn'));
  assert.deepEqual(recoverCleanerFiles(path.join(root, 't-0')), []);
  assert.deepEqual(checkRecovered(root, written, end, segmentBytes).filter((n) => n.endsWith('.log')).length, bases.length);
  // A missing directory is nothing to recover.
  assert.deepEqual(recoverCleanerFiles(path.join(root, 'absent')), []);
  log = openLog(root, segmentBytes);
  assert.deepEqual(log.segmentBaseOffsets, bases);
  log.close();
});
