import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../protocol/errors.ts';
import { createTransactionTest } from './transaction-test-harness.ts';
import { stateName } from './transaction-state.ts';

const tp = (topic: string, partition: number) => ({ topic, partition });

test('InitProducerId gives a new transactional id a producer id at epoch 0, and each later call the next epoch', async () => {
  const t = await createTransactionTest();
  const first = await t.coordinator.handleInitProducerId('app-1', 60_000, undefined);
  assert.deepEqual(first, { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
  const second = await t.coordinator.handleInitProducerId('app-1', 60_000, undefined);
  assert.deepEqual(second, { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 1 });
  const other = await t.coordinator.handleInitProducerId('app-2', 60_000, undefined);
  assert.equal(other.producerId, 1001n, 'another id gets another producer id');
  assert.equal(stateName(t.metadata('app-1')!.state), 'Empty');
});

test('InitProducerId refuses an empty transactional id and a timeout above transaction.max.timeout.ms', async () => {
  const t = await createTransactionTest({ config: { 'transaction.max.timeout.ms': 60_000 } });
  assert.equal((await t.coordinator.handleInitProducerId('', 1000, undefined)).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await t.coordinator.handleInitProducerId('app', 60_001, undefined)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await t.coordinator.handleInitProducerId('app', 0, undefined)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await t.coordinator.handleInitProducerId('app', 60_000, undefined)).errorCode, ErrorCode.NONE);
});

test('a committed transaction: Ongoing with its partitions, PrepareCommit answered, markers to each leader, then CompleteCommit', async () => {
  const t = await createTransactionTest({ topics: { orders: 2, audit: 1 }, autoAnswerMarkers: false });
  t.leaders.set('audit-0', 2);
  const { producerId, producerEpoch } = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  assert.equal(await t.coordinator.handleAddPartitionsToTransaction('app', producerId, producerEpoch, [tp('orders', 0), tp('orders', 1)], 0), ErrorCode.NONE);
  t.time.advance(5);
  assert.equal(await t.coordinator.handleAddPartitionsToTransaction('app', producerId, producerEpoch, [tp('audit', 0), tp('orders', 0)], 0), ErrorCode.NONE);
  const ongoing = t.metadata('app')!;
  assert.equal(stateName(ongoing.state), 'Ongoing');
  assert.deepEqual(ongoing.topicPartitions, [tp('audit', 0), tp('orders', 0), tp('orders', 1)]);
  assert.equal(ongoing.txnStartTimestamp, t.time.now() - 5, 'the transaction began with its first partition');

  const end = await t.coordinator.handleEndTransaction('app', producerId, producerEpoch, true, 0);
  assert.deepEqual(end, { errorCode: ErrorCode.NONE, producerId: -1n, producerEpoch: -1 });
  assert.equal(stateName(t.metadata('app')!.state), 'PrepareCommit');
  // One request per destination broker, each marker a COMMIT of this producer under coordinator epoch 0.
  assert.deepEqual(t.sent.map((s) => s.brokerId).sort(), [1, 2]);
  const toBroker1 = t.sent.find((s) => s.brokerId === 1)!.request.markers;
  assert.deepEqual(toBroker1, [{ producerId, producerEpoch, transactionResult: true, coordinatorEpoch: 0, topics: [{ name: 'orders', partitionIndexes: [0, 1] }] }]);

  // While the markers are out, the transaction is completing.
  assert.equal(await t.coordinator.handleAddPartitionsToTransaction('app', producerId, producerEpoch, [tp('orders', 0)], 0), ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal((await t.coordinator.handleInitProducerId('app', 60_000, undefined)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  t.sent.find((s) => s.brokerId === 1)!.answer();
  await t.settle();
  const describing = await t.coordinator.handleDescribeTransactions('app');
  assert.equal(describing.transactionState, 'PrepareCommit');
  assert.deepEqual(describing.topics, [{ topic: 'audit', partitions: [0] }], 'only partitions still without a marker');

  t.sent.find((s) => s.brokerId === 2)!.answer();
  await t.settle();
  const done = t.metadata('app')!;
  assert.equal(stateName(done.state), 'CompleteCommit');
  assert.deepEqual(done.topicPartitions, []);
  assert.equal(done.producerEpoch, producerEpoch, 'version 1 keeps the epoch');
  // A retried commit is answered NONE; an abort of a committed transaction is refused.
  assert.equal((await t.coordinator.handleEndTransaction('app', producerId, producerEpoch, true, 0)).errorCode, ErrorCode.NONE);
  assert.equal((await t.coordinator.handleEndTransaction('app', producerId, producerEpoch, false, 0)).errorCode, ErrorCode.INVALID_TXN_STATE);
  // The next transaction starts from CompleteCommit.
  assert.equal(await t.coordinator.handleAddPartitionsToTransaction('app', producerId, producerEpoch, [tp('orders', 1)], 0), ErrorCode.NONE);
  assert.deepEqual(t.metadata('app')!.topicPartitions, [tp('orders', 1)]);
});

test('requests naming the wrong producer id or epoch are refused with Kafka\'s codes', async () => {
  const t = await createTransactionTest({ topics: { orders: 1 } });
  const { producerId, producerEpoch } = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  const add = (id: string, pid: bigint, epoch: number) => t.coordinator.handleAddPartitionsToTransaction(id, pid, epoch, [tp('orders', 0)], 0);
  assert.equal(await add('unknown', producerId, producerEpoch), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await add('app', producerId + 1n, producerEpoch), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await add('app', producerId, producerEpoch + 1), ErrorCode.PRODUCER_FENCED);
  assert.equal(await add('', producerId, producerEpoch), ErrorCode.INVALID_REQUEST);
  // EndTxn with no transaction open, or from an unknown id.
  assert.equal((await t.coordinator.handleEndTransaction('app', producerId, producerEpoch, true, 0)).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.equal((await t.coordinator.handleEndTransaction('nobody', producerId, producerEpoch, true, 0)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await add('app', producerId, producerEpoch), ErrorCode.NONE);
  assert.equal((await t.coordinator.handleEndTransaction('app', producerId, producerEpoch - 1, true, 0)).errorCode, ErrorCode.PRODUCER_FENCED);
  assert.equal((await t.coordinator.handleDescribeTransactions('nobody')).errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
});

test('a second producer with the same transactional id fences the first and aborts its open transaction', async () => {
  const t = await createTransactionTest({ topics: { orders: 2 }, autoAnswerMarkers: false });
  const zombie = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('app', zombie.producerId, zombie.producerEpoch, [tp('orders', 0), tp('orders', 1)], 0);

  // The new producer is told to retry while the old transaction is aborted under a bumped epoch.
  assert.equal((await t.coordinator.handleInitProducerId('app', 60_000, undefined)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  const aborting = t.metadata('app')!;
  assert.equal(stateName(aborting.state), 'PrepareAbort');
  assert.equal(aborting.producerEpoch, zombie.producerEpoch + 1);
  assert.equal(t.sent.length, 1);
  assert.deepEqual(t.sent[0]!.request.markers.map((m) => [m.transactionResult, m.producerEpoch]), [[false, zombie.producerEpoch + 1]]);
  assert.equal((await t.coordinator.handleInitProducerId('app', 60_000, undefined)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS, 'still aborting');

  t.sent[0]!.answer();
  await t.settle();
  assert.equal(stateName(t.metadata('app')!.state), 'CompleteAbort');
  const fresh = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  assert.deepEqual(fresh, { errorCode: ErrorCode.NONE, producerId: zombie.producerId, producerEpoch: zombie.producerEpoch + 2 });
  // The zombie can neither add to nor end a transaction.
  assert.equal(await t.coordinator.handleAddPartitionsToTransaction('app', zombie.producerId, zombie.producerEpoch, [tp('orders', 0)], 0), ErrorCode.PRODUCER_FENCED);
  assert.equal((await t.coordinator.handleEndTransaction('app', zombie.producerId, zombie.producerEpoch, true, 0)).errorCode, ErrorCode.PRODUCER_FENCED);
});

test('KIP-360: a producer naming its current epoch is bumped and may retry that call; another epoch is fenced', async () => {
  const t = await createTransactionTest();
  const first = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  const expected = { producerId: first.producerId, producerEpoch: first.producerEpoch };
  const bumped = await t.coordinator.handleInitProducerId('app', 60_000, expected);
  assert.deepEqual(bumped, { errorCode: ErrorCode.NONE, producerId: first.producerId, producerEpoch: 1 });
  const retried = await t.coordinator.handleInitProducerId('app', 60_000, expected);
  assert.deepEqual(retried, bumped, 'a retry of the bump that the producer never heard of gets the same epoch');
  assert.equal((await t.coordinator.handleInitProducerId('app', 60_000, { producerId: first.producerId, producerEpoch: 7 })).errorCode, ErrorCode.PRODUCER_FENCED);
  assert.equal((await t.coordinator.handleInitProducerId('app', 60_000, { producerId: 5n, producerEpoch: 1 })).errorCode, ErrorCode.PRODUCER_FENCED);
  // A new producer (no expected epoch) bumps and forgets the last epoch: the old producer's retry is fenced.
  await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  assert.equal((await t.coordinator.handleInitProducerId('app', 60_000, { producerId: first.producerId, producerEpoch: 1 })).errorCode, ErrorCode.PRODUCER_FENCED);
});

test('an id whose epochs ran out gets a new producer id at epoch 0', async () => {
  const t = await createTransactionTest({
    seed: [{
      transactionalId: 'old', producerId: 7n, prevProducerId: 7n, nextProducerId: -1n, producerEpoch: 32766, lastProducerEpoch: -1, txnTimeoutMs: 60_000,
      state: 4, topicPartitions: [], txnStartTimestamp: 1, txnLastUpdateTimestamp: 1_700_000_000_000, clientTransactionVersion: 0,
    }],
  });
  const expected = { producerId: 7n, producerEpoch: 32766 };
  const next = await t.coordinator.handleInitProducerId('old', 60_000, expected);
  assert.deepEqual(next, { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
  assert.equal(t.metadata('old')!.prevProducerId, 7n);
  // A retry naming the old id with its exhausted epoch is the rotation the producer never heard of: same answer.
  assert.deepEqual(await t.coordinator.handleInitProducerId('old', 60_000, expected), next);
  // A new producer rotates nothing more: the next epoch of the new id.
  assert.deepEqual(await t.coordinator.handleInitProducerId('old', 60_000, undefined), { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 1 });
});

test('verification (AddPartitionsToTxn verifyOnly) answers per partition without adding any', async () => {
  const t = await createTransactionTest({ topics: { orders: 3 } });
  const { producerId, producerEpoch } = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('app', producerId, producerEpoch, [tp('orders', 0)], 0);
  const codes = await t.coordinator.handleVerifyPartitionsInTransaction('app', producerId, producerEpoch, [tp('orders', 0), tp('orders', 1)]);
  assert.deepEqual(codes, [ErrorCode.NONE, ErrorCode.TRANSACTION_ABORTABLE]);
  assert.deepEqual(t.metadata('app')!.topicPartitions, [tp('orders', 0)]);
  assert.deepEqual(await t.coordinator.handleVerifyPartitionsInTransaction('app', producerId, producerEpoch + 1, [tp('orders', 0)]), [ErrorCode.PRODUCER_FENCED]);
  assert.deepEqual(await t.coordinator.handleVerifyPartitionsInTransaction('other', producerId, producerEpoch, [tp('orders', 0)]), [ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
  // Adding from a partition leader for a version 2 client (v4+, verifyOnly false).
  assert.equal(await t.coordinator.handleAddPartitionsToTransaction('app', producerId, producerEpoch, [tp('orders', 2)], 2), ErrorCode.NONE);
  assert.equal(t.metadata('app')!.clientTransactionVersion, 2);
});

test('ListTransactions filters by state, producer id and duration, and names unknown states; DescribeTransactions shows one', async () => {
  const t = await createTransactionTest({ partitions: 4, topics: { orders: 1 } });
  const a = await t.coordinator.handleInitProducerId('a', 60_000, undefined);
  const b = await t.coordinator.handleInitProducerId('b', 30_000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('b', b.producerId, b.producerEpoch, [tp('orders', 0)], 0);
  await t.advance(2000);
  const list = async (states: string[], producerIds: bigint[], durationMs = -1) =>
    (await t.coordinator.handleListTransactions({ states, producerIds, durationMs })).transactionStates.map((s) => `${s.transactionalId}:${s.transactionState}`).sort();
  assert.deepEqual(await list([], []), ['a:Empty', 'b:Ongoing']);
  assert.deepEqual(await list(['Ongoing'], []), ['b:Ongoing']);
  assert.deepEqual(await list([], [a.producerId]), ['a:Empty']);
  assert.deepEqual(await list([], [], 1000), ['a:Empty', 'b:Ongoing'], 'Empty has no start time: Kafka counts it as running since forever');
  assert.deepEqual(await list(['Ongoing'], [], 5000), []);
  const unknown = await t.coordinator.handleListTransactions({ states: ['Ongoing', 'Bogus'], producerIds: [], durationMs: -1 });
  assert.deepEqual(unknown.unknownStateFilters, ['Bogus']);
  const described = await t.coordinator.handleDescribeTransactions('b');
  assert.deepEqual(described, {
    errorCode: ErrorCode.NONE, transactionalId: 'b', transactionState: 'Ongoing', transactionTimeoutMs: 30_000,
    transactionStartTimeMs: BigInt(t.time.now() - 2000), producerId: b.producerId, producerEpoch: 0, topics: [{ topic: 'orders', partitions: [0] }],
  });
});

test('the partition for a transactional id is Java\'s String.hashCode modulo the partition count, as Kafka\'s', async () => {
  const t = await createTransactionTest({ partitions: 50 });
  // What Java computes (jshell): "my-txn".hashCode() = -1061187895, "transactional-id" 510590431, and
  // "polygenelubricants" Integer.MIN_VALUE, which Kafka's Utils.abs maps to 0.
  assert.equal(t.coordinator.partitionFor('my-txn'), 45);
  assert.equal(t.coordinator.partitionFor('transactional-id'), 31);
  assert.equal(t.coordinator.partitionFor('polygenelubricants'), 0);
  await t.coordinator.handleInitProducerId('my-txn', 1000, undefined);
  assert.ok(t.shard(t.coordinator.partitionFor('my-txn')).get('my-txn'));
});
