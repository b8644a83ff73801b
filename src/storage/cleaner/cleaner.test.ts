import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, test } from 'node:test';
import { CompressionType } from '../../protocol/records/batch-header.ts';
import { buildRecordBatch } from '../../protocol/records/record-batch-builder.ts';
import type { PartitionLog } from '../partition-log.ts';
import { append, lastValues, openLog, readAll, readBatches, tempDir } from './cleaner-fixture.ts';
import { cleanerConfig } from './cleaner-config.ts';
import { Cleaner } from './cleaner.ts';

const opened: PartitionLog[] = [];
afterEach(() => {
  for (const log of opened.splice(0)) log.close();
});

function newLog(segmentBytes = 400): PartitionLog {
  const log = openLog(tempDir(), segmentBytes);
  opened.push(log);
  return log;
}

const cleaner = (): Cleaner => new Cleaner({ dedupeBufferSize: 24 * 1000, loadFactor: 0.9, ioBufferSize: 1024 });
const compact = cleanerConfig({ compact: true, segmentBytes: 4000 });

function assertIncreasing(offsets: readonly number[]): void {
  for (let i = 1; i < offsets.length; i++) assert.ok(offsets[i] > offsets[i - 1], `offsets ${offsets.join(',')}`);
}

test('cleaning keeps the latest value per key at its offset, and never touches the active segment', () => {
  const log = newLog();
  const written = new Map<string, number>();
  for (let i = 0; i < 60; i++) {
    const offset = append(log, [{ key: `k${i % 5}`, value: `v${i}` }]);
    written.set(`v${i}`, offset);
  }
  const before = readAll(log);
  const activeBase = log.segmentBaseOffsets.at(-1) as number;
  const activeRecords = before.filter((r) => r.offset >= activeBase);
  assert.ok(log.segmentBaseOffsets.length > 3);

  const result = cleaner().clean(log, compact, undefined, 10_000);
  assert.equal(result.aborted, false);
  assert.equal(result.endOffset, activeBase);
  assert.ok(result.recordsRemoved > 0);

  const after = readAll(log);
  assertIncreasing(after.map((r) => r.offset));
  for (const r of after) assert.equal(written.get(r.value as string), r.offset, 'each record keeps its offset');
  assert.deepEqual(lastValues(after), lastValues(before));
  assert.deepEqual(after.filter((r) => r.offset >= activeBase), activeRecords, 'active segment untouched');
  // Below the active segment at most one record per key survives.
  const cleaned = after.filter((r) => r.offset < activeBase);
  assert.equal(new Set(cleaned.map((r) => r.key)).size, cleaned.length);
  assert.equal(log.logEndOffset, 60);
  assert.ok(log.segmentBaseOffsets.length < 5, `segments merged: ${log.segmentBaseOffsets.join(',')}`);
  assert.deepEqual(fs.readdirSync(log.dir).filter((n) => n.includes('.cleaned') || n.includes('.swap')), []);

  // A second clean finds nothing more to remove; appends and reads go on.
  const again = cleaner().clean(log, compact, result.endOffset, 10_000);
  assert.equal(again.recordsRemoved, 0);
  // (that pass may still merge the small cleaned segments; after it nothing is rewritten)
  assert.equal(cleaner().clean(log, compact, result.endOffset, 10_000).segmentsSwapped, 0, 'clean segments are not rewritten');
  append(log, [{ key: 'k1', value: 'later' }]);
  assert.equal(readAll(log).at(-1)?.value, 'later');
});

test('the log reopens from cleaned segments with the same records', () => {
  const dir = tempDir();
  let log = openLog(dir, 300);
  for (let i = 0; i < 40; i++) append(log, [{ key: `k${i % 3}`, value: `v${i}` }, { key: `x${i % 7}`, value: `w${i}` }]);
  cleaner().clean(log, compact, undefined, 10_000);
  const cleaned = readAll(log);
  log.close();
  log = openLog(dir, 300);
  opened.push(log);
  assert.deepEqual(readAll(log), cleaned);
  assert.equal(log.logEndOffset, 80);
});

test('tombstones stay until delete.retention.ms after their first clean, then go', () => {
  const log = newLog(300);
  append(log, [{ key: 'a', value: 'a1' }, { key: 'b', value: 'b1' }]);
  append(log, [{ key: 'a', value: null }]);
  for (let i = 0; i < 30; i++) append(log, [{ key: `f${i}`, value: 'x'.repeat(20) }]);
  const config = cleanerConfig({ compact: true, deleteRetentionMs: 1_000, segmentBytes: 4000 });
  const c = cleaner();

  const first = c.clean(log, config, undefined, 50_000);
  let records = readAll(log);
  assert.equal(records.find((r) => r.key === 'a')?.value, null, 'the tombstone is still there');
  assert.equal(records.filter((r) => r.key === 'a').length, 1, 'the value it deletes is gone');
  assert.equal(first.deleteHorizonMs, 51_000);
  const tombstoneBatch = readBatches(log).find((b) => b.records.some((r) => r.key?.toString() === 'a'));
  assert.equal(tombstoneBatch?.hasDeleteHorizon, true);
  assert.equal(tombstoneBatch?.baseTimestamp, 51_000, 'KIP-534: baseTimestamp carries the horizon');
  assert.equal(tombstoneBatch?.records[0].timestamp, 1_000, 'record timestamps unchanged');

  c.clean(log, config, first.endOffset, 50_999);
  assert.equal(readAll(log).filter((r) => r.key === 'a').length, 1, 'kept until the horizon');
  c.clean(log, config, first.endOffset, 51_000);
  records = readAll(log);
  assert.equal(records.filter((r) => r.key === 'a').length, 0, 'gone once past the horizon');
  assert.equal(records.find((r) => r.key === 'b')?.value, 'b1');
});

test('min.compaction.lag.ms: segments with records younger than the lag are not cleaned', () => {
  const log = newLog(200);
  for (let i = 0; i < 20; i++) append(log, [{ key: 'k', value: `old${i}` }], CompressionType.none, 1_000);
  const cutoff = log.logEndOffset;
  for (let i = 0; i < 20; i++) append(log, [{ key: 'k', value: `new${i}` }], CompressionType.none, 9_000);
  const config = cleanerConfig({ compact: true, minCompactionLagMs: 5_000, segmentBytes: 4000 });
  const result = cleaner().clean(log, config, undefined, 10_000);
  assert.ok(result.endOffset <= cutoff, `cleaned up to ${result.endOffset}, young records from ${cutoff}`);
  const after = readAll(log);
  assert.equal(after.filter((r) => r.value?.startsWith('old')).length, 1, 'old records deduplicated');
  assert.equal(after.filter((r) => r.value?.startsWith('new')).length, 20, 'young records untouched');
  // Once old enough, they are cleaned.
  cleaner().clean(log, config, result.endOffset, 20_000);
  const activeBase = log.segmentBaseOffsets.at(-1) as number;
  const cleaned = readAll(log).filter((r) => r.offset < activeBase);
  assert.equal(cleaned.length, 1);
});

for (const [name, compression] of [['gzip', CompressionType.gzip], ['lz4', CompressionType.lz4], ['zstd', CompressionType.zstd]] as const) {
  test(`compressed (${name}) batches are cleaned and stay ${name}`, () => {
    const log = newLog(600);
    for (let i = 0; i < 30; i++) {
      append(log, [0, 1, 2, 3].map((j) => ({ key: `k${(i + j) % 6}`, value: `v${i}-${j}` })), compression);
    }
    const before = readAll(log);
    cleaner().clean(log, compact, undefined, 10_000);
    const after = readAll(log);
    assert.ok(after.length < before.length);
    assert.deepEqual(lastValues(after), lastValues(before));
    assertIncreasing(after.map((r) => r.offset));
    for (const batch of readBatches(log)) assert.equal(batch.compression, compression);
    const byOffset = new Map(before.map((r) => [r.offset, r.value]));
    for (const r of after) assert.equal(byOffset.get(r.offset), r.value);
  });
}

/** A transaction marker as a coordinator writes it: key (version 0, type 0 ABORT / 1 COMMIT), value (version 0, coordinator epoch). */
function appendMarker(log: PartitionLog, producerId: number, type: 'ABORT' | 'COMMIT'): number {
  const key = Buffer.alloc(4);
  key.writeInt16BE(type === 'COMMIT' ? 1 : 0, 2);
  const value = Buffer.alloc(6);
  value.writeInt32BE(3, 2);
  const batch = buildRecordBatch([{ key, value, timestamp: 1_000 }], { producerId, producerEpoch: 0, isTransactional: true, isControl: true });
  return log.appendAsLeader(batch, 0, -1, { origin: 'coordinator' }).firstOffset;
}

/** Transactional data records of one producer, one batch. */
function appendTransactional(log: PartitionLog, producerId: number, records: ReadonlyArray<{ key: string; value: string }>): number {
  const batch = buildRecordBatch(records.map((r) => ({ key: Buffer.from(r.key), value: Buffer.from(r.value), timestamp: 1_000 })),
    { producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true });
  return log.appendAsLeader(batch, 0).firstOffset;
}

test('keyless records are dropped from the cleaned range; control batches stay', () => {
  const log = newLog(300);
  append(log, [{ key: null, value: 'no key' }, { key: 'a', value: 'a1' }]);
  // Three transactions whose data every later record supersedes: committed, aborted, committed. The
  // markers' keys repeat (every COMMIT has the same key), so treated as data the first would go.
  appendTransactional(log, 7, [{ key: 'a', value: 'txn-7' }, { key: 'b', value: 'txn-7' }]);
  const commit = appendMarker(log, 7, 'COMMIT');
  appendTransactional(log, 8, [{ key: 'b', value: 'txn-8' }]);
  const abort = appendMarker(log, 8, 'ABORT');
  appendTransactional(log, 9, [{ key: 'a', value: 'txn-9' }]);
  const secondCommit = appendMarker(log, 9, 'COMMIT');
  for (let i = 0; i < 20; i++) append(log, [{ key: 'a', value: `a${i + 2}` }, { key: 'b', value: `b${i + 2}` }]);
  const markersBefore = readBatches(log).filter((batch) => batch.isControl);
  const activeBase = log.segmentBaseOffsets.at(-1) as number;
  assert.ok(secondCommit < activeBase, 'every marker is in the cleanable range');

  cleaner().clean(log, compact, undefined, 10_000);
  const after = readBatches(log);
  const records = after.flatMap((batch) => batch.records);
  assert.equal(records.filter((r) => r.key === null).length, 0, 'the keyless record is gone');
  assert.ok(!records.some((r) => r.value?.toString().startsWith('txn-')), 'the superseded transactional records are gone');
  // Kafka keeps a marker until its transaction's data is gone and delete.retention.ms has passed;
  // consumers reading across it need it to know where the transaction ended.
  const markersAfter = after.filter((batch) => batch.isControl);
  assert.deepEqual(markersAfter.map((batch) => [batch.baseOffset, batch.producerId, batch.isTransactional]), [
    [commit, 7, true], [abort, 8, true], [secondCommit, 9, true],
  ]);
  assert.deepEqual(markersAfter, markersBefore, 'each marker is kept byte for byte: header, key and value');
});

test('a full offset map cleans the part of the dirty range that fit; further passes finish it', () => {
  const log = newLog(500);
  for (let i = 0; i < 200; i++) append(log, [{ key: `k${i % 40}`, value: `v${i}` }]);
  const before = readAll(log);
  const small = new Cleaner({ dedupeBufferSize: 24 * 12, loadFactor: 0.9, ioBufferSize: 512 });
  assert.equal(small.map.maxEntries, 10);
  let checkpoint: number | undefined;
  let passes = 0;
  const activeBase = log.segmentBaseOffsets.at(-1) as number;
  while ((checkpoint ?? 0) < activeBase && passes < 100) {
    const result = small.clean(log, compact, checkpoint, 10_000);
    assert.ok(result.endOffset > (checkpoint ?? 0), 'every pass makes progress');
    checkpoint = result.endOffset;
    passes += 1;
  }
  assert.ok(passes > 1, `took ${passes} passes`);
  const after = readAll(log);
  assert.deepEqual(lastValues(after), lastValues(before));
  const cleaned = after.filter((r) => r.offset < activeBase);
  assert.equal(new Set(cleaned.map((r) => r.key)).size, cleaned.length);
});
