import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transactionLogKey } from '../../../protocol/generated/records/transaction-log-key.ts';
import { transactionLogValue } from '../../../protocol/generated/records/transaction-log-value.ts';
import { Reader } from '../../../protocol/primitives/reader.ts';
import { Writer } from '../../../protocol/primitives/writer.ts';
import { decodeTransactionRecord, transactionRecord, transactionTombstone } from './transaction-log.ts';
import type { TransactionMetadata } from './transaction-metadata.ts';
import { TransactionState } from './transaction-state.ts';

const ongoing: TransactionMetadata = {
  transactionalId: 'app', producerId: 42n, prevProducerId: 41n, nextProducerId: 43n, producerEpoch: 7, lastProducerEpoch: 6, txnTimeoutMs: 60_000,
  state: TransactionState.PREPARE_COMMIT, topicPartitions: [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 3 }, { topic: 'b', partition: 1 }],
  txnStartTimestamp: 1_700_000_000_000, txnLastUpdateTimestamp: 1_700_000_000_500, clientTransactionVersion: 2,
};

test('a record round-trips every field; the last epoch rides only in memory, as Kafka does not write it', () => {
  const record = transactionRecord(ongoing);
  assert.equal(record.key.readInt16BE(0), 0, 'key version 0: the transaction log record type');
  assert.equal(record.value!.readInt16BE(0), 1, 'value version 1, as Kafka 4 writes');
  assert.deepEqual(decodeTransactionRecord(record), { transactionalId: 'app', metadata: ongoing });
  const fromLog = decodeTransactionRecord({ key: Buffer.from(record.key), value: Buffer.from(record.value!) });
  assert.deepEqual(fromLog?.metadata, { ...ongoing, lastProducerEpoch: -1 });
  assert.deepEqual(decodeTransactionRecord(transactionTombstone('app')), { transactionalId: 'app', metadata: null });
});

test('a version 0 value, as Kafka 3 wrote it, loads with the version 1 fields at their defaults; Empty carries no partitions', () => {
  const key = new Writer();
  key.int16(0);
  transactionLogKey.encode(key, { transactionalId: 'old' }, 0);
  const value = new Writer();
  value.int16(0);
  transactionLogValue.encode(value, {
    producerId: 5n, producerEpoch: 2, transactionTimeoutMs: 1000, transactionStatus: TransactionState.EMPTY, transactionPartitions: null,
    transactionLastUpdateTimestampMs: 10n, transactionStartTimestampMs: -1n,
  }, 0);
  const decoded = decodeTransactionRecord({ key: key.toBuffer(), value: value.toBuffer() });
  assert.deepEqual(decoded?.metadata, {
    transactionalId: 'old', producerId: 5n, prevProducerId: -1n, nextProducerId: -1n, producerEpoch: 2, lastProducerEpoch: -1, txnTimeoutMs: 1000,
    state: TransactionState.EMPTY, topicPartitions: [], txnStartTimestamp: -1, txnLastUpdateTimestamp: 10, clientTransactionVersion: 0,
  });
  const empty = transactionRecord(decoded!.metadata!);
  assert.equal(transactionLogValue.decode(new Reader(empty.value!, 2), 1).transactionPartitions, null);
});

test('a key of another version is skipped; a state id Kafka does not define, or a broken value, is refused', () => {
  const other = Buffer.from([0, 9, 0, 0]);
  assert.equal(decodeTransactionRecord({ key: other, value: null }), undefined);
  const record = transactionRecord(ongoing);
  const badState = Buffer.from(record.value!);
  // Version (2) + producer id (8) + epoch (2) + timeout (4), then the status byte.
  badState.writeInt8(9, 2 + 8 + 2 + 4);
  assert.throws(() => decodeTransactionRecord({ key: record.key, value: badState }), /Unknown transaction state id 9/);
  assert.throws(() => decodeTransactionRecord({ key: record.key, value: record.value!.subarray(0, 5) }));
  assert.throws(() => decodeTransactionRecord({ key: record.key, value: Buffer.from([0, 7]) }), /version 7/);
});
