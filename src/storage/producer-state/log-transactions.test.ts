import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { buildEndTransactionMarker } from '../../protocol/records/control-record.ts';
import { buildRecordBatch } from '../../protocol/records/record-batch-builder.ts';
import { tempDirSync } from '../../../test/helpers/temp-dir.ts';
import { logConfig, type LogConfig } from '../log-config.ts';
import { PartitionLog } from '../partition-log.ts';
import { decodeSnapshot, encodeSnapshot } from './producer-snapshot-file.ts';
import { lastSequenceOf } from './log-transactions.ts';

function openLog(dir: string, config: Partial<LogConfig> = {}, recover = true): PartitionLog {
  return PartitionLog.open({ dir: path.join(dir, 't-0'), topic: 't', partition: 0, config: logConfig(config), recover });
}

function batch(producerId: number, epoch: number, sequence: number, count = 1, transactional = false): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`p${producerId}-${sequence + i}`), timestamp: 1_000 + sequence + i }));
  return buildRecordBatch(records, { producerId, producerEpoch: epoch, baseSequence: sequence, isTransactional: transactional });
}

function marker(log: PartitionLog, producerId: number, epoch: number, commit: boolean, coordinatorEpoch = 0): number {
  const control = buildEndTransactionMarker({ type: commit ? 1 : 0, coordinatorEpoch, producerId, producerEpoch: epoch, timestamp: 2_000 });
  return log.appendAsLeader(control, 0, -1, { origin: 'coordinator' }).firstOffset;
}

function code(work: () => unknown): number {
  try {
    work();
  } catch (error) {
    if (error instanceof KafkaError) return error.code;
    throw error;
  }
  return ErrorCode.NONE;
}

test('a retried batch of one of the last five is answered with its first offsets and not written again; a gap or an old epoch is refused', () => {
  const log = openLog(tempDirSync('samsa-txn-'));
  for (let sequence = 0; sequence < 12; sequence += 2) log.appendAsLeader(batch(7, 0, sequence, 2), 0);
  assert.equal(log.logEndOffset, 12);
  const retry = log.appendAsLeader(batch(7, 0, 8, 2), 0);
  assert.deepEqual([retry.firstOffset, retry.lastOffset, retry.duplicate], [8, 9, true]);
  assert.equal(log.logEndOffset, 12, 'nothing was appended');
  assert.equal(code(() => log.appendAsLeader(batch(7, 0, 0, 2), 0)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'older than the last five');
  assert.equal(code(() => log.appendAsLeader(batch(7, 0, 14, 1), 0)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'a gap');
  assert.equal(code(() => log.appendAsLeader(batch(7, 1, 3, 1), 0)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'a new epoch starts at 0');
  log.appendAsLeader(batch(7, 1, 0, 1), 0);
  assert.equal(code(() => log.appendAsLeader(batch(7, 0, 12, 1), 0)), ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(code(() => log.appendAsLeader(batch(8, 0, 41, 1), 0)), ErrorCode.NONE, 'an unknown producer may start anywhere (KIP-360)');
  assert.equal(log.logEndOffset, 14);
  log.close();
});

test('an aborted transaction is indexed, the last stable offset waits for open transactions and the high watermark, and clients may not write markers', () => {
  const log = openLog(tempDirSync('samsa-txn-'));
  log.appendAsLeader(batch(1, 0, 0, 2), 0); // 0-1 plain idempotent
  log.appendAsLeader(batch(2, 0, 0, 2, true), 0); // 2-3 txn of 2
  log.appendAsLeader(batch(3, 0, 0, 1, true), 0); // 4 txn of 3
  const state = log.transactions.producerState;
  assert.equal(state.firstUnstableOffset(100), 2);
  assert.equal(code(() => log.appendAsLeader(batch(2, 0, 2, 1, false), 0)), ErrorCode.INVALID_TXN_STATE, 'non-transactional write inside a transaction');
  assert.equal(marker(log, 2, 0, false), 5);
  assert.equal(state.firstUnstableOffset(5), 2, 'the abort marker is not below the high watermark yet');
  assert.equal(state.firstUnstableOffset(6), 4, 'then only the transaction of producer 3 is open');
  assert.deepEqual(log.transactions.abortedTransactions(0, 100), [{ producerId: 2, firstOffset: 2, lastOffset: 5, lastStableOffset: 4 }]);
  assert.deepEqual(log.transactions.abortedTransactions(6, 100), [], 'a fetch after the marker needs nothing');
  marker(log, 3, 0, true);
  assert.equal(state.firstUnstableOffset(7), undefined);
  const forged = buildEndTransactionMarker({ type: 0, coordinatorEpoch: 0, producerId: 3, producerEpoch: 0, timestamp: 1 });
  assert.equal(code(() => log.appendAsLeader(forged, 0)), ErrorCode.INVALID_RECORD);
  log.appendAsLeader(batch(3, 0, 1, 1, true), 0);
  marker(log, 3, 0, false, 5);
  assert.equal(code(() => marker(log, 3, 0, true, 4)), ErrorCode.TRANSACTION_COORDINATOR_FENCED, 'a deposed coordinator');
  log.appendAsLeader(batch(3, 1, 0, 1, true), 0);
  assert.equal(code(() => log.appendAsLeader(batch(3, 0, 0, 1, true), 0, -1, { origin: 'coordinator' })), ErrorCode.INVALID_PRODUCER_EPOCH,
    'a coordinator\'s batch (TxnOffsetCommit) of a fenced epoch');
  log.close();
});

test('producer state survives a clean restart, a crash (rebuilt from a snapshot and the log) and a truncation', () => {
  const dir = tempDirSync('samsa-txn-');
  let log = openLog(dir, { segmentBytes: 400 });
  for (let sequence = 0; sequence < 20; sequence++) log.appendAsLeader(batch(9, 0, sequence), 0);
  log.appendAsLeader(batch(4, 0, 0, 1, true), 0);
  const aborted = marker(log, 4, 0, false);
  log.appendAsLeader(batch(5, 0, 0, 1, true), 0);
  const files = fs.readdirSync(path.join(dir, 't-0'));
  assert.ok(files.filter((name) => name.endsWith('.snapshot')).length >= 2, `a snapshot per roll: ${files.join(' ')}`);
  assert.ok(files.some((name) => name.endsWith('.txnindex')));
  const end = log.logEndOffset;
  log.close();

  for (const recover of [false, true]) {
    // recover=true with no recovery point: the unclean path, from the newest snapshot below the end.
    if (recover) for (const name of fs.readdirSync(path.join(dir, 't-0'))) if (name === `${String(end).padStart(20, '0')}.snapshot`) fs.rmSync(path.join(dir, 't-0', name));
    log = openLog(dir, { segmentBytes: 400 }, recover);
    const retry = log.appendAsLeader(batch(9, 0, 19), 0);
    assert.equal(retry.duplicate, true, 'the last batch is still known');
    assert.equal(log.logEndOffset, end);
    assert.equal(log.transactions.producerState.firstUnstableOffset(end), end - 1, 'producer 5 still has its transaction open');
    assert.deepEqual(log.transactions.abortedTransactions(0, end).map((txn) => txn.lastOffset), [aborted]);
    log.close();
  }

  log = openLog(dir, { segmentBytes: 400 });
  log.truncateTo(aborted);
  assert.equal(log.transactions.producerState.firstUnstableOffset(aborted), aborted - 1, 'the abort went with the truncation');
  assert.deepEqual(log.transactions.abortedTransactions(0, 100), []);
  assert.equal(code(() => log.appendAsLeader(batch(9, 0, 20), 0)), ErrorCode.NONE);
  log.close();
});

test('snapshots round-trip in Kafka\'s format and a torn one is rejected', () => {
  const entries = [
    { producerId: 3, producerEpoch: 2, batches: [{ firstSeq: 5, lastSeq: 9, firstOffset: 100, lastOffset: 104, timestamp: 77 }], coordinatorEpoch: 4, currentTxnFirstOffset: 100, lastTimestamp: 77 },
    { producerId: 2 ** 40, producerEpoch: 0, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: 5 },
  ];
  const bytes = encodeSnapshot(entries);
  assert.equal(bytes.length, 10 + 2 * 46);
  assert.deepEqual(decodeSnapshot(bytes), entries);
  assert.equal(decodeSnapshot(bytes.subarray(0, bytes.length - 1)), undefined);
  const flipped = Buffer.from(bytes);
  flipped[20] ^= 1;
  assert.equal(decodeSnapshot(flipped), undefined);
});

test('sequences wrap at int32', () => {
  assert.equal(lastSequenceOf(0x7fff_fffe, 3), 1);
  assert.equal(lastSequenceOf(5, 0), 5);
  assert.equal(lastSequenceOf(-1, 4), -1);
});

test('producer.id.expiration.ms: an idle producer is forgotten, one with an open transaction is kept', () => {
  const log = openLog(tempDirSync('samsa-txn-'));
  log.appendAsLeader(batch(1, 0, 0), 0); // max timestamp 1_000
  log.appendAsLeader(batch(2, 0, 0, 1, true), 0); // an open transaction, also at 1_000
  const state = log.transactions.producerState;
  assert.equal(state.removeExpired(1_000 + 59_999, 60_000), 0, 'not idle long enough');
  assert.equal(state.removeExpired(1_000 + 60_000, 60_000), 1);
  assert.equal(state.entry(1), undefined);
  assert.notEqual(state.entry(2), undefined, 'its transaction is still open');
  assert.equal(code(() => log.appendAsLeader(batch(1, 0, 7), 0)), ErrorCode.NONE, 'a forgotten producer may go on at any sequence');
  log.close();
});
