import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { PartitionLog } from '../partition-log.ts';
import { append, lastValues, openLog, readAll, readBatches, tempDir, type ReadRecord } from './cleaner-fixture.ts';
import { cleanerConfig } from './cleaner-config.ts';
import { Cleaner } from './cleaner.ts';
import { LogCleaner } from './log-cleaner.ts';
import { markers, Producers, readCommitted } from './txn-fixture.ts';

const opened: PartitionLog[] = [];
afterEach(() => {
  for (const log of opened.splice(0)) log.close();
});

function newLog(segmentBytes: number, dir = tempDir()): PartitionLog {
  const log = openLog(dir, segmentBytes);
  opened.push(log);
  return log;
}

const cleaner = (): Cleaner => new Cleaner({ dedupeBufferSize: 24 * 1000, loadFactor: 0.9, ioBufferSize: 1024 });
const compact = cleanerConfig({ compact: true, deleteRetentionMs: 1_000, segmentBytes: 4000 });

function fill(log: PartitionLog, count: number, prefix = 'f'): void {
  for (let i = 0; i < count; i++) append(log, [{ key: `${prefix}${i}`, value: 'x'.repeat(20) }]);
}

function activeBase(log: PartitionLog): number {
  return log.segmentBaseOffsets.at(-1) as number;
}

function segmentHolding(log: PartitionLog, offset: number): number {
  return log.segmentBaseOffsets.filter((base) => base <= offset).at(-1) as number;
}

/** What a read_committed consumer sees now is what it saw before cleaning: same records at the same offsets, same last values. */
function assertSameCommittedView(log: PartitionLog, before: readonly ReadRecord[], message: string): void {
  const now = readCommitted(log);
  const byOffset = new Map(before.map((r) => [r.offset, r]));
  for (const r of now) assert.deepEqual(r, byOffset.get(r.offset), `${message}: record at ${r.offset} was visible before, the same`);
  const live = (records: readonly ReadRecord[]) => [...lastValues(records)].filter(([, value]) => value !== null).sort();
  assert.deepEqual(live(now), live(before), `${message}: every key reads as its last committed value`);
}

/** Each aborted transaction the log's index names still has its ABORT marker: a reader told of one meets its end. */
function assertIndexedAbortsHaveMarkers(log: PartitionLog, message: string): void {
  const aborts = new Set(markers(log).filter((m) => m.type === 'ABORT').map((m) => m.offset));
  for (const txn of log.transactions.abortedTransactions(log.logStartOffset, log.logEndOffset)) {
    assert.ok(aborts.has(txn.lastOffset), `${message}: the ABORT marker at ${txn.lastOffset} is still there`);
  }
}

test('cleaning removes records of aborted transactions, which never supersede a committed value of their key', () => {
  const log = newLog(400);
  const producers = new Producers(log);
  append(log, [{ key: 'a', value: 'a-committed' }, { key: 'b', value: 'b-committed' }]);
  producers.send(7, [['a', 'a-aborted'], ['c', 'c-aborted']]);
  producers.send(8, [['d', 'd-committed']]);
  const lastAborted = producers.send(7, [['b', 'b-aborted']]);
  const abort = producers.abort(7);
  const commit = producers.commit(8);
  fill(log, 20);
  assert.ok(commit < activeBase(log));
  const committed = readCommitted(log);
  assert.equal(lastValues(committed).get('a'), 'a-committed');
  assert.equal(lastValues(readAll(log)).get('a'), 'a-aborted', 'read_uncommitted sees the aborted values before cleaning');

  const result = cleaner().clean(log, compact, undefined, 10_000);
  assert.equal(result.recordsRemoved, 3);
  const after = readAll(log);
  assert.deepEqual(after.filter((r) => r.value?.endsWith('-aborted')), [], 'aborted records are gone');
  const values = lastValues(after);
  assert.deepEqual([values.get('a'), values.get('b'), values.get('d')], ['a-committed', 'b-committed', 'd-committed'],
    'the committed values stay: the aborted ones never entered the offset map');
  assertSameCommittedView(log, committed, 'after cleaning');
  // This pass saw the transaction's batches: its marker and index entry stay with it for now.
  assert.deepEqual(markers(log).map((m) => [m.offset, m.type]), [[abort, 'ABORT'], [commit, 'COMMIT']]);
  assert.deepEqual(log.transactions.abortedTransactions(0, log.logEndOffset).map((txn) => [txn.producerId, txn.lastOffset]), [[7, abort]]);
  // Producer 7's last batch holds its last sequence: it stays, emptied, so a replay rebuilds its state.
  const emptied = readBatches(log).find((batch) => batch.baseOffset === lastAborted);
  assert.deepEqual([emptied?.producerId, emptied?.records.length, emptied?.baseSequence], [7, 0, 2]);

  // The cleaned segment's .txnindex on disk says the same.
  const dir = log.dir;
  log.close();
  const reopened = newLog(400, dir.slice(0, -'/t-0'.length));
  assert.deepEqual(reopened.transactions.abortedTransactions(0, reopened.logEndOffset).map((txn) => txn.lastOffset), [abort]);
  assertSameCommittedView(reopened, committed, 'after a restart');
});

test('nothing from the segment holding an open transaction or the last stable offset on is cleaned', () => {
  const log = newLog(300);
  const producers = new Producers(log);
  for (let i = 0; i < 15; i++) append(log, [{ key: `k${i % 3}`, value: `early${i}` }]);
  const open = producers.send(9, [['k0', 'open']]);
  for (let i = 0; i < 30; i++) append(log, [{ key: `k${i % 3}`, value: `late${i}` }]);
  const bound = segmentHolding(log, open);
  assert.ok(bound > 0 && bound < activeBase(log));
  const before = readAll(log);

  const first = cleaner().clean(log, compact, undefined, 10_000);
  assert.equal(first.endOffset, bound, 'the open transaction may still be aborted: the cleaning stops before it');
  const after = readAll(log);
  assert.deepEqual(after.filter((r) => r.offset >= bound), before.filter((r) => r.offset >= bound), 'untouched from there on');
  assert.equal(after.filter((r) => r.offset < bound).length, 3, 'below it, one record per key');

  // Committed, but the broker's last stable offset (say the high watermark) lies further on: that bounds it now.
  producers.commit(9);
  const lastStableOffset = log.segmentBaseOffsets[log.segmentBaseOffsets.indexOf(bound) + 2] + 1;
  const stableBound = segmentHolding(log, lastStableOffset);
  const logCleaner = new LogCleaner({
    logs: () => [{ log, config: cleanerConfig({ ...compact, minCleanableDirtyRatio: 0.01 }), lastStableOffset }],
    now: () => 10_000, config: { dedupeBufferSize: 24 * 100 },
  });
  const beforeSecond = readAll(log);
  assert.equal(logCleaner.cleanFilthiestLog()?.endOffset, stableBound);
  assert.deepEqual(readAll(log).filter((r) => r.offset >= stableBound), beforeSecond.filter((r) => r.offset >= stableBound));
  assert.equal(readAll(log).filter((r) => r.offset < stableBound).length, 3);

  // Decided and replicated: up to the active segment.
  assert.equal(cleaner().clean(log, compact, stableBound, 10_000).endOffset, activeBase(log));
  assert.deepEqual(lastValues(readCommitted(log)), lastValues(before));
});

test('a marker stays while its transaction has data in the log; once none is left it goes delete.retention.ms after the pass that found that', () => {
  const log = newLog(300);
  const producers = new Producers(log);
  producers.send(7, [['x', 'x-txn']]);
  const superseded = producers.commit(7);
  producers.send(8, [['y', 'y-txn']]);
  const aborted = producers.abort(8);
  producers.send(9, [['z', 'z-txn']]);
  const live = producers.commit(9);
  append(log, [{ key: 'x', value: 'x-plain' }]);
  // Later transactions of 7 and 8: their earlier batches are then not what their producer states rest on.
  producers.send(7, [['x7', 'later']]);
  const later7 = producers.commit(7);
  producers.send(8, [['y8', 'later']]);
  const later8 = producers.commit(8);
  fill(log, 20);
  assert.ok(later8 < activeBase(log));
  const committed = readCommitted(log);
  const c = cleaner();
  const at = (nowMs: number) => {
    const result = c.clean(log, compact, undefined, nowMs);
    assertSameCommittedView(log, committed, `pass at ${nowMs}`);
    return result;
  };
  const all = [[superseded, 7, 'COMMIT'], [aborted, 8, 'ABORT'], [live, 9, 'COMMIT'], [later7, 7, 'COMMIT'], [later8, 8, 'COMMIT']];

  // First pass: it removes the transactions' data (superseded, aborted) but saw it, so the markers stay as they are.
  at(50_000);
  assert.deepEqual(readAll(log).filter((r) => r.value === 'x-txn' || r.value === 'y-txn'), []);
  assert.deepEqual(markers(log).map((m) => [m.offset, m.producerId, m.type, m.deleteHorizonMs]), all.map((m) => [...m, undefined]));
  assert.deepEqual(log.transactions.abortedTransactions(0, log.logEndOffset).map((txn) => txn.lastOffset), [aborted]);

  // Second pass: no data left for the first two: they get a delete horizon, and the abort's index entry goes.
  const second = at(50_000);
  assert.equal(second.deleteHorizonMs, 51_000, 'the log cleaner comes back for them then');
  assert.deepEqual(markers(log).map((m) => [m.offset, m.deleteHorizonMs]),
    [[superseded, 51_000], [aborted, 51_000], [live, undefined], [later7, undefined], [later8, undefined]]);
  assert.deepEqual(log.transactions.abortedTransactions(0, log.logEndOffset), []);

  at(50_999);
  assert.equal(markers(log).length, 5, 'kept until the horizon');
  at(51_000);
  assert.deepEqual(markers(log).map((m) => m.offset), [live, later7, later8], 'gone at the horizon; those with data stay');
  assert.deepEqual([lastValues(readAll(log)).get('x'), lastValues(readAll(log)).get('z')], ['x-plain', 'z-txn']);
});

/** A small deterministic generator (a linear congruential one), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

for (const seed of [1, 7, 42]) {
  test(`a read_committed reader sees the same records through any number of cleaning passes (seed ${seed})`, () => {
    const log = newLog(350);
    const producers = new Producers(log);
    const next = random(seed);
    const inTransaction = new Map<number, string[]>();
    const abortedValues = new Set<string>();
    const end = (producerId: number, commit: boolean) => {
      if (commit) producers.commit(producerId);
      else {
        producers.abort(producerId);
        for (const value of inTransaction.get(producerId) ?? []) abortedValues.add(value);
      }
      inTransaction.delete(producerId);
    };
    for (let step = 0; step < 160; step++) {
      const producerId = 1 + Math.floor(next() * 4);
      const key = `k${Math.floor(next() * 10)}`;
      const roll = next();
      if (roll < 0.3) {
        append(log, [{ key, value: next() < 0.1 ? null : `plain${step}` }]);
      } else if (roll < 0.8) {
        const values = inTransaction.get(producerId) ?? [];
        values.push(`p${producerId}-${step}`);
        inTransaction.set(producerId, values);
        producers.send(producerId, [[key, `p${producerId}-${step}`]]);
      } else if (inTransaction.has(producerId)) {
        end(producerId, next() < 0.5);
      }
    }
    for (const producerId of [...inTransaction.keys()]) end(producerId, producerId % 2 === 0);
    for (let i = 0; i < 30; i++) append(log, [{ key: `k${i % 10}`, value: `tail${i}` }]);
    assert.ok(abortedValues.size > 0);
    const written = markers(log).length;
    const committed = readCommitted(log);
    assert.ok(committed.every((r) => !abortedValues.has(r.value as string)));

    // A small map: passes cover part of the dirty range each, as on a busy log.
    const small = new Cleaner({ dedupeBufferSize: 24 * 8, loadFactor: 0.9, ioBufferSize: 512 });
    for (const nowMs of [10_000, 10_500, 11_000, 12_000, 13_000]) {
      let checkpoint: number | undefined;
      for (let pass = 0; pass < 60 && (checkpoint ?? 0) < activeBase(log); pass++) {
        checkpoint = small.clean(log, compact, checkpoint, nowMs).endOffset;
        assertSameCommittedView(log, committed, `at ${nowMs}, checkpoint ${checkpoint}`);
        assertIndexedAbortsHaveMarkers(log, `at ${nowMs}, checkpoint ${checkpoint}`);
      }
      assert.equal(checkpoint, activeBase(log));
      const leftover = readAll(log).filter((r) => abortedValues.has(r.value as string));
      assert.deepEqual(leftover, [], 'no aborted record survives a whole cleaning');
    }
    assert.ok(markers(log).length < written / 2, `${markers(log).length} of ${written} markers left`);

    const dir = log.dir;
    const indexed = log.transactions.abortedTransactions(0, log.logEndOffset);
    log.close();
    const reopened = newLog(350, dir.slice(0, -'/t-0'.length));
    assert.deepEqual(reopened.transactions.abortedTransactions(0, reopened.logEndOffset), indexed, 'the .txnindex files hold it');
    assertSameCommittedView(reopened, committed, 'after a restart');
  });
}
