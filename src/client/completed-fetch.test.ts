import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError } from '../protocol/errors.ts';
import { buildEndTransactionMarker } from '../protocol/records/control-record.ts';
import { buildRecordBatch } from '../protocol/records/record-batch-builder.ts';
import { CompletedFetch, type PartitionState } from './completed-fetch.ts';

const ABORT = 0;
const COMMIT = 1;

function state(): PartitionState {
  return { topic: 't', partition: 3, position: 0, paused: false, highWatermark: 0, epoch: 0 };
}

function values(baseOffset: number, count: number, options: { producerId?: number; isTransactional?: boolean } = {}): Buffer {
  return buildRecordBatch(Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`v${baseOffset + i}`), timestamp: 1000 + i })),
    { baseOffset, producerEpoch: 0, ...options });
}

function marker(type: 0 | 1, producerId: number, baseOffset: number): Buffer {
  return buildEndTransactionMarker({ type, coordinatorEpoch: 0, producerId, producerEpoch: 0, timestamp: 2000, baseOffset });
}

function takeAll(fetch: CompletedFetch): number[] {
  const offsets: number[] = [];
  while (!fetch.drained) offsets.push(...fetch.take(3).map((r) => r.offset));
  return offsets;
}

// Producer 7 aborts a transaction (2-3, marker 4), then commits a second one (8-9, marker 10);
// producer 8 commits (5-6, marker 7) in between.
const transactions = Buffer.concat([
  values(0, 2),
  values(2, 2, { producerId: 7, isTransactional: true }), marker(ABORT, 7, 4),
  values(5, 2, { producerId: 8, isTransactional: true }), marker(COMMIT, 8, 7),
  values(8, 2, { producerId: 7, isTransactional: true }), marker(COMMIT, 7, 10),
]);

test('read_committed leaves out aborted transactions only: a producer\'s later committed transaction is delivered', () => {
  const fetch = new CompletedFetch(state(), 0, transactions, [{ producerId: 7, firstOffset: 2 }]);
  assert.equal(fetch.nextFetchOffset, 11);
  assert.deepEqual(takeAll(fetch), [0, 1, 5, 6, 8, 9]);
});

test('read_uncommitted delivers every data record; control records never reach the app', () => {
  assert.deepEqual(takeAll(new CompletedFetch(state(), 0, transactions, null)), [0, 1, 2, 3, 5, 6, 8, 9]);
});

test('records start at the fetch offset inside a batch, carry the partition, the batch\'s epoch and timestamp type, and read-only headers', () => {
  const logAppend = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('a'), timestamp: 5 }, { key: null, value: null, timestamp: 6 }],
    { baseOffset: 12, timestampType: 'LogAppendTime', maxTimestamp: 99, partitionLeaderEpoch: 4 });
  const fetch = new CompletedFetch(state(), 11, Buffer.concat([values(9, 3), logAppend, values(14, 2).subarray(0, 40)]), null);
  assert.equal(fetch.nextFetchOffset, 14, 'the cut-off last batch is left for the next fetch');
  const records = fetch.take(10);
  assert.deepEqual(records.map((r) => [r.topic, r.partition, r.offset, r.timestamp, r.timestampType, r.key?.toString() ?? null, r.value?.toString() ?? null, r.leaderEpoch]), [
    ['t', 3, 11, 1002, 'CreateTime', null, 'v11', -1],
    ['t', 3, 12, 99, 'LogAppendTime', 'k', 'a', 4],
    ['t', 3, 13, 99, 'LogAppendTime', null, null, 4],
  ]);
  assert.ok(records.every((r) => r.headers.length === 0 && Object.isFrozen(r.headers)));
});

test('a corrupt batch after good ones ends the fetch there; a corrupt first batch throws CORRUPT_MESSAGE', () => {
  // A value byte flipped (a disk gone bad): the records still parse, only the CRC tells.
  const bad = values(2, 2);
  bad[bad.indexOf('v3')] = 'x'.charCodeAt(0);
  const fetch = new CompletedFetch(state(), 0, Buffer.concat([values(0, 2), bad, values(4, 2)]), null);
  assert.equal(fetch.nextFetchOffset, 6);
  assert.deepEqual(takeAll(fetch), [0, 1]);
  assert.equal(fetch.nextFetchOffset, 2, 'the next fetch meets the corrupt batch again');
  assert.throws(() => new CompletedFetch(state(), 2, Buffer.concat([bad, values(4, 2)]), null).take(10),
    (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.CORRUPT_MESSAGE);
  const unchecked = new CompletedFetch(state(), 2, Buffer.concat([bad, values(4, 2)]), null, false).take(10);
  assert.deepEqual(unchecked.map((r) => r.value!.toString()), ['v2', 'x3', 'v4', 'v5'], 'check.crcs=false reads it');
});

test('an aborted transaction that began before the fetch offset is still left out; a fetch of markers and aborted batches only moves the position', () => {
  // Producer 7's transaction began at 0 (before this fetch, which starts at 2) and is aborted at 4.
  const bytes = Buffer.concat([values(2, 2, { producerId: 7, isTransactional: true }), marker(ABORT, 7, 4)]);
  const fetch = new CompletedFetch(state(), 2, bytes, [{ producerId: 7, firstOffset: 0 }]);
  assert.deepEqual(takeAll(fetch), []);
  assert.ok(fetch.drained);
  assert.equal(fetch.nextFetchOffset, 5, 'the next fetch starts after the marker');
});

test('read_committed: interleaved transactions of two producers, one aborted, then records outside any transaction', () => {
  // 0-1 producer 7 (aborted later), 2-3 producer 8 (committed), 4-5 producer 7 again, 6 ABORT(7), 7 COMMIT(8),
  // 8-9 plain records.
  const bytes = Buffer.concat([
    values(0, 2, { producerId: 7, isTransactional: true }), values(2, 2, { producerId: 8, isTransactional: true }),
    values(4, 2, { producerId: 7, isTransactional: true }), marker(ABORT, 7, 6), marker(COMMIT, 8, 7), values(8, 2),
  ]);
  assert.deepEqual(takeAll(new CompletedFetch(state(), 0, bytes, [{ producerId: 7, firstOffset: 0 }])), [2, 3, 8, 9]);
  assert.deepEqual(takeAll(new CompletedFetch(state(), 0, bytes, null)), [0, 1, 2, 3, 4, 5, 8, 9]);
});
