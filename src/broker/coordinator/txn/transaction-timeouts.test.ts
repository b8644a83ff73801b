import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { TransactionMetadata } from './transaction-metadata.ts';
import { stateName } from './transaction-state.ts';
import { createTransactionTest } from './transaction-test-harness.ts';

const tp = (topic: string, partition: number) => ({ topic, partition });

/** Live state against replayed state: everything but the last epoch, which Kafka's log does not keep either. */
function persisted(m: TransactionMetadata | undefined): Omit<TransactionMetadata, 'lastProducerEpoch'> | undefined {
  if (m === undefined) return undefined;
  const { lastProducerEpoch: _dropped, ...rest } = m;
  return rest;
}

test('a transaction past its timeout is aborted by the coordinator under a bumped epoch; its producer is fenced when it comes back', async () => {
  const t = await createTransactionTest({ topics: { orders: 1 }, config: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 1000 } });
  const { producerId, producerEpoch } = await t.coordinator.handleInitProducerId('slow', 3000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('slow', producerId, producerEpoch, [tp('orders', 0)], 0);
  await t.advance(2000);
  assert.equal(stateName(t.metadata('slow')!.state), 'Ongoing', 'not yet past its 3 s timeout');
  assert.equal(t.sent.length, 0);
  await t.advance(2000);
  const aborted = t.metadata('slow')!;
  assert.equal(stateName(aborted.state), 'CompleteAbort');
  assert.equal(aborted.producerEpoch, producerEpoch + 1);
  assert.deepEqual(t.sent.map((s) => s.request.markers.map((m) => [m.transactionResult, m.producerEpoch])), [[[false, producerEpoch + 1]]]);
  // The producer comes back with its old epoch.
  assert.equal((await t.coordinator.handleEndTransaction('slow', producerId, producerEpoch, true, 0)).errorCode, ErrorCode.PRODUCER_FENCED);
  assert.equal(await t.coordinator.handleAddPartitionsToTransaction('slow', producerId, producerEpoch, [tp('orders', 0)], 0), ErrorCode.PRODUCER_FENCED);
  // A fresh InitProducerId continues with the next epoch.
  assert.deepEqual(await t.coordinator.handleInitProducerId('slow', 3000, undefined), { errorCode: ErrorCode.NONE, producerId, producerEpoch: producerEpoch + 2 });
});

test('transactional ids unused for transactional.id.expiration.ms are removed with a tombstone; open ones stay', async () => {
  const t = await createTransactionTest({
    topics: { orders: 1 },
    config: { 'transactional.id.expiration.ms': 60_000, 'transaction.remove.expired.transaction.cleanup.interval.ms': 10_000, 'transaction.max.timeout.ms': 900_000 },
  });
  await t.coordinator.handleInitProducerId('idle', 60_000, undefined);
  const busy = await t.coordinator.handleInitProducerId('busy', 900_000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('busy', busy.producerId, busy.producerEpoch, [tp('orders', 0)], 0);
  await t.advance(50_000);
  assert.ok(t.metadata('idle'));
  await t.advance(20_000);
  assert.equal(t.metadata('idle'), undefined);
  assert.equal((await t.coordinator.handleDescribeTransactions('idle')).errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  assert.ok(t.metadata('busy'), 'an open transaction never expires');
  const last = t.records().at(-1)!;
  assert.equal(last.value, null, 'a tombstone, so compaction removes the id');
  assert.equal(t.replayFresh().get('idle'), undefined);
  // The id may be used again: a new producer id.
  assert.equal((await t.coordinator.handleInitProducerId('idle', 60_000, undefined)).producerId, 1002n);
});

test('replaying the log gives the state the coordinator holds, after every kind of transition', async () => {
  const t = await createTransactionTest({ topics: { orders: 2 }, transactionVersionLevel: 2 });
  const a = await t.coordinator.handleInitProducerId('a', 60_000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('a', a.producerId, a.producerEpoch, [tp('orders', 1), tp('orders', 0)], 0);
  await t.coordinator.handleEndTransaction('a', a.producerId, a.producerEpoch, true, 0);
  const b = await t.coordinator.handleInitProducerId('b', 60_000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('b', b.producerId, b.producerEpoch, [tp('orders', 0)], 0);
  await t.coordinator.handleInitProducerId('b', 60_000, undefined); // fences and aborts
  await t.settle();
  const c = await t.coordinator.handleInitProducerId('c', 60_000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('c', c.producerId, c.producerEpoch, [tp('orders', 0)], 2);
  const cEnd = await t.coordinator.handleEndTransaction('c', c.producerId, c.producerEpoch, false, 2);
  await t.coordinator.handleAddPartitionsToTransaction('c', cEnd.producerId, cEnd.producerEpoch, [tp('orders', 1)], 2);
  await t.settle();
  const live = t.shard();
  const replayed = t.replayFresh();
  assert.deepEqual([...replayed.transactions.keys()].sort(), [...live.transactions.keys()].sort());
  for (const id of live.transactions.keys()) assert.deepEqual(persisted(replayed.get(id)), persisted(live.get(id)), id);
  assert.deepEqual(['a', 'b', 'c'].map((id) => stateName(live.get(id)!.state)), ['CompleteCommit', 'CompleteAbort', 'Ongoing']);
});

test('a partition loaded with a transaction left completing sends its markers again under the new coordinator epoch, then completes it', async () => {
  const t = await createTransactionTest({ topics: { orders: 1 }, autoAnswerMarkers: false });
  const { producerId, producerEpoch } = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('app', producerId, producerEpoch, [tp('orders', 0)], 0);
  await t.coordinator.handleEndTransaction('app', producerId, producerEpoch, true, 0);
  assert.equal(t.sent.length, 1);
  // Leadership of the partition moves away and comes back with a new epoch before the marker was answered.
  t.coordinator.onLeadershipChange({ becameLeader: [], becameFollower: [{ topic: '__transaction_state', partition: 0 }], stopped: [] });
  assert.equal((await t.coordinator.handleInitProducerId('app', 60_000, undefined)).errorCode, ErrorCode.NOT_COORDINATOR);
  t.sent[0]!.answer();
  await t.settle();
  t.coordinator.onLeadershipChange({ becameLeader: [{ topic: '__transaction_state', partition: 0, leaderEpoch: 4 }], becameFollower: [], stopped: [] });
  await t.settle();
  assert.equal(stateName(t.metadata('app')!.state), 'PrepareCommit', 'the old answer completed nothing');
  assert.equal(t.sent.length, 2);
  assert.deepEqual(t.sent[1]!.request.markers.map((m) => [m.transactionResult, m.coordinatorEpoch]), [[true, 4]]);
  t.sent[1]!.answer();
  await t.settle();
  assert.equal(stateName(t.metadata('app')!.state), 'CompleteCommit');
});

test('a prepare the log took but did not confirm in time is written again until durable; its markers go then', async () => {
  const t = await createTransactionTest({ topics: { orders: 1 } });
  const { producerId, producerEpoch } = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('app', producerId, producerEpoch, [tp('orders', 0)], 0);
  let release!: () => void;
  const slowReplicas = new Promise<void>((resolve) => { release = resolve; });
  const timedOut = Promise.reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, 'replicas too slow'));
  timedOut.catch(() => undefined);
  t.log.durableWhen(timedOut);
  const end = await t.coordinator.handleEndTransaction('app', producerId, producerEpoch, true, 0);
  assert.equal(end.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE, 'the client hears the write was not confirmed, and retries');
  assert.equal(stateName(t.metadata('app')!.state), 'PrepareCommit');
  assert.equal(t.sent.length, 0, 'no marker before the prepare is durable');
  t.log.durableWhen(slowReplicas);
  await t.settle();
  await t.advance(100);
  assert.equal(t.sent.length, 0);
  release();
  await t.settle();
  t.log.durableWhen(undefined);
  await t.advance(0);
  assert.equal(t.sent.length, 1);
  assert.equal(stateName(t.metadata('app')!.state), 'CompleteCommit');
  // The client's retry finds the transaction committed.
  assert.equal((await t.coordinator.handleEndTransaction('app', producerId, producerEpoch, true, 0)).errorCode, ErrorCode.NONE);
});
