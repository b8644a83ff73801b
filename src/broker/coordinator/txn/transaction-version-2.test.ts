import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../protocol/errors.ts';
import type { TransactionMetadata } from './transaction-metadata.ts';
import { stateName, TransactionState } from './transaction-state.ts';
import { createTransactionTest } from './transaction-test-harness.ts';

const tp = (topic: string, partition: number) => ({ topic, partition });
const TV2 = 2;

test('version 2: every EndTxn bumps the epoch and answers it; the markers carry the bumped epoch', async () => {
  const t = await createTransactionTest({ topics: { orders: 1 }, transactionVersionLevel: TV2 });
  const { producerId } = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  assert.equal(await t.coordinator.handleAddPartitionsToTransaction('app', producerId, 0, [tp('orders', 0)], TV2), ErrorCode.NONE);
  const first = await t.coordinator.handleEndTransaction('app', producerId, 0, true, TV2);
  assert.deepEqual(first, { errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
  assert.deepEqual(t.sent[0]!.request.markers.map((m) => [m.transactionResult, m.producerEpoch]), [[true, 1]]);
  await t.settle();
  assert.equal(stateName(t.metadata('app')!.state), 'CompleteCommit');
  // The next transaction runs at the new epoch; the old one is fenced.
  assert.equal(await t.coordinator.handleAddPartitionsToTransaction('app', producerId, 0, [tp('orders', 0)], TV2), ErrorCode.PRODUCER_FENCED);
  assert.equal(await t.coordinator.handleAddPartitionsToTransaction('app', producerId, 1, [tp('orders', 0)], TV2), ErrorCode.NONE);
  assert.deepEqual(await t.coordinator.handleEndTransaction('app', producerId, 1, false, TV2), { errorCode: ErrorCode.NONE, producerId, producerEpoch: 2 });
});

test('version 2: Kafka\'s table for ends with no transaction open (retry = the epoch before the last bump)', async () => {
  const t = await createTransactionTest({ topics: { orders: 1 }, transactionVersionLevel: TV2 });
  const { producerId } = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  const end = (epoch: number, commit: boolean) => t.coordinator.handleEndTransaction('app', producerId, epoch, commit, TV2);
  // Empty: an abort at the current epoch bumps it (a client unsure of the state may always abort); a commit is refused.
  assert.equal((await end(0, true)).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.deepEqual(await end(0, false), { errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
  await t.settle();
  assert.equal(stateName(t.metadata('app')!.state), 'CompleteAbort');
  // CompleteAbort: a retried abort (epoch 0) is answered with the current epoch; a commit either way is refused.
  assert.deepEqual(await end(0, false), { errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
  assert.equal((await end(0, true)).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.equal((await end(1, true)).errorCode, ErrorCode.INVALID_TXN_STATE);
  // CompleteCommit: a retried commit is fine, a retried abort is not, an abort at the current epoch bumps.
  await t.coordinator.handleAddPartitionsToTransaction('app', producerId, 1, [tp('orders', 0)], TV2);
  assert.deepEqual(await end(1, true), { errorCode: ErrorCode.NONE, producerId, producerEpoch: 2 });
  await t.settle();
  assert.deepEqual(await end(1, true), { errorCode: ErrorCode.NONE, producerId, producerEpoch: 2 });
  assert.equal((await end(1, false)).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.deepEqual(await end(2, false), { errorCode: ErrorCode.NONE, producerId, producerEpoch: 3 });
  // An epoch from before is fenced.
  assert.equal((await end(0, false)).errorCode, ErrorCode.PRODUCER_FENCED);
});

test('version 2: a retried EndTxn while the markers are still out is told CONCURRENT_TRANSACTIONS', async () => {
  const t = await createTransactionTest({ topics: { orders: 1 }, transactionVersionLevel: TV2, autoAnswerMarkers: false });
  const { producerId } = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('app', producerId, 0, [tp('orders', 0)], TV2);
  await t.coordinator.handleEndTransaction('app', producerId, 0, true, TV2);
  assert.equal((await t.coordinator.handleEndTransaction('app', producerId, 0, true, TV2)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal((await t.coordinator.handleEndTransaction('app', producerId, 0, false, TV2)).errorCode, ErrorCode.INVALID_TXN_STATE);
  t.sent[0]!.answer();
  await t.settle();
  assert.equal(stateName(t.metadata('app')!.state), 'CompleteCommit');
});

test('version 2: the end that uses up the epochs moves the producer to a new id at epoch 0; its retry gets the same answer', async () => {
  const nearlyExhausted: TransactionMetadata = {
    transactionalId: 'old', producerId: 7n, prevProducerId: 7n, nextProducerId: -1n, producerEpoch: 32766, lastProducerEpoch: -1,
    txnTimeoutMs: 60_000, state: TransactionState.ONGOING, topicPartitions: [tp('orders', 0)], txnStartTimestamp: 1_700_000_000_000,
    txnLastUpdateTimestamp: 1_700_000_000_000, clientTransactionVersion: TV2,
  };
  const t = await createTransactionTest({ topics: { orders: 1 }, transactionVersionLevel: TV2, seed: [nearlyExhausted] });
  const end = await t.coordinator.handleEndTransaction('old', 7n, 32766, true, TV2);
  assert.deepEqual(end, { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
  assert.deepEqual(t.sent[0]!.request.markers.map((m) => [m.producerId, m.producerEpoch]), [[7n, 32767]], 'the old id\'s last epoch marks the data');
  await t.settle();
  const completed = t.metadata('old')!;
  assert.deepEqual([stateName(completed.state), completed.producerId, completed.producerEpoch, completed.prevProducerId], ['CompleteCommit', 1000n, 0, 7n]);
  assert.deepEqual(await t.coordinator.handleEndTransaction('old', 7n, 32766, true, TV2), end, 'a retry naming the old id');
  assert.equal(await t.coordinator.handleAddPartitionsToTransaction('old', 1000n, 0, [tp('orders', 0)], TV2), ErrorCode.NONE);
});

test('with transaction.version 2 the coordinator\'s own abort bumps the fenced epoch once more, as Kafka\'s does', async () => {
  const t = await createTransactionTest({ topics: { orders: 1 }, transactionVersionLevel: TV2 });
  const { producerId } = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('app', producerId, 0, [tp('orders', 0)], TV2);
  assert.equal((await t.coordinator.handleInitProducerId('app', 60_000, undefined)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.deepEqual(t.sent[0]!.request.markers.map((m) => [m.transactionResult, m.producerEpoch]), [[false, 2]]);
  await t.settle();
  assert.deepEqual(await t.coordinator.handleInitProducerId('app', 60_000, undefined), { errorCode: ErrorCode.NONE, producerId, producerEpoch: 3 });
});
