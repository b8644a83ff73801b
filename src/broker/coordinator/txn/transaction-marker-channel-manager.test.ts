import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../protocol/errors.ts';
import { ManualTime } from '../runtime/manual-time.ts';
import { createTransactionTest } from './transaction-test-harness.ts';
import { TransactionMarkerChannelManager, type MarkerDestination, type PendingCompleteTxn } from './transaction-marker-channel-manager.ts';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../../protocol/generated/write-txn-markers.ts';
import { createSilentLogger } from '../../logger.ts';
import { newTransactionMetadata, sortPartitions } from './transaction-metadata.ts';
import { TransactionState, stateName } from './transaction-state.ts';
import { settle } from './transaction-test-harness.ts';

const tp = (topic: string, partition: number) => ({ topic, partition });

async function committing(t: Awaited<ReturnType<typeof createTransactionTest>>, partitions: { topic: string; partition: number }[]) {
  const { producerId, producerEpoch } = await t.coordinator.handleInitProducerId('app', 60_000, undefined);
  await t.coordinator.handleAddPartitionsToTransaction('app', producerId, producerEpoch, partitions, 0);
  assert.equal((await t.coordinator.handleEndTransaction('app', producerId, producerEpoch, true, 0)).errorCode, ErrorCode.NONE);
}

test('a marker its leader refuses as no longer leading is sent again, to the new leader, until written', async () => {
  const t = await createTransactionTest({ topics: { orders: 2 }, autoAnswerMarkers: false });
  await committing(t, [tp('orders', 0), tp('orders', 1)]);
  assert.equal(t.sent.length, 1);
  t.leaders.set('orders-1', 3);
  t.sent[0]!.answer((_topic, partition) => (partition === 1 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.NONE));
  await t.settle();
  assert.equal(t.sent.length, 1, 'not before the backoff');
  assert.deepEqual(t.coordinator.markers.pendingPartitions('app'), [tp('orders', 1)]);
  await t.advance(100);
  assert.equal(t.sent.length, 2);
  assert.equal(t.sent[1]!.brokerId, 3);
  assert.deepEqual(t.sent[1]!.request.markers[0]!.topics, [{ name: 'orders', partitionIndexes: [1] }]);
  assert.equal(stateName(t.metadata('app')!.state), 'PrepareCommit');
  t.sent[1]!.answer();
  await t.settle();
  assert.equal(stateName(t.metadata('app')!.state), 'CompleteCommit');
  assert.equal(t.coordinator.markers.numTxnsWithPendingMarkers, 0);
});

test('markers are held while a partition has no leader, and sent again after a request fails on the network', async () => {
  const t = await createTransactionTest({ topics: { orders: 1 }, autoAnswerMarkers: false });
  t.leaders.set('orders-0', -1);
  await committing(t, [tp('orders', 0)]);
  await t.advance(500);
  assert.equal(t.sent.length, 0, 'no leader, nothing sent');
  t.leaders.set('orders-0', 2);
  await t.advance(100);
  assert.equal(t.sent.length, 1);
  t.sent[0]!.fail();
  await t.advance(100);
  assert.equal(t.sent.length, 2);
  t.sent[1]!.answer();
  await t.settle();
  assert.equal(stateName(t.metadata('app')!.state), 'CompleteCommit');
});

test('a partition of a deleted topic is dropped from the markers; the transaction completes without it', async () => {
  const t = await createTransactionTest({ topics: { orders: 1, gone: 1 }, autoAnswerMarkers: false });
  await committing(t, [tp('orders', 0), tp('gone', 0)]);
  t.topics.delete('gone');
  t.sent[0]!.answer((topic) => (topic === 'gone' ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NONE));
  await t.advance(100);
  assert.equal(t.sent.length, 1, 'nothing to send for the deleted topic');
  assert.equal(stateName(t.metadata('app')!.state), 'CompleteCommit');
});

test('a leader refusing the marker for a stale producer epoch ends the sending; the transaction stays completing', async () => {
  const t = await createTransactionTest({ topics: { orders: 1 }, autoAnswerMarkers: false });
  await committing(t, [tp('orders', 0)]);
  t.sent[0]!.answer(ErrorCode.INVALID_PRODUCER_EPOCH);
  await t.advance(1000);
  assert.equal(t.sent.length, 1);
  assert.equal(t.coordinator.markers.numTxnsWithPendingMarkers, 0);
  assert.equal(stateName(t.metadata('app')!.state), 'PrepareCommit');
});

test('markers queued for one broker while a request is out go together in its next request', async () => {
  const time = new ManualTime();
  const requests: { brokerId: number; request: WriteTxnMarkersRequest; answer: () => void }[] = [];
  const written: string[] = [];
  const destinations: Record<string, MarkerDestination> = { 'a-0': 1, 'b-0': 1, 'c-0': 2 };
  const markers = new TransactionMarkerChannelManager({
    leaderOf: (topic, partition) => destinations[`${topic}-${partition}`],
    send: (brokerId, request) => new Promise<WriteTxnMarkersResponse>((resolve) => {
      requests.push({
        brokerId, request,
        answer: () => resolve({ markers: request.markers.map((m) => ({ producerId: m.producerId, topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, errorCode: 0 })) })) })) }),
      });
    }),
    onMarkersWritten: (txn) => written.push(txn.transactionalId),
    time, logger: createSilentLogger(),
  });
  const pending = (id: string, producerId: bigint, partitions: { topic: string; partition: number }[]): PendingCompleteTxn => ({
    transactionalId: id, txnPartition: 0, coordinatorEpoch: 3, commit: true,
    prepared: { ...newTransactionMetadata(id, producerId, 1000, 0), producerEpoch: 5, state: TransactionState.PREPARE_COMMIT, topicPartitions: sortPartitions(partitions) },
  });
  markers.addTxnMarkersToSend(pending('t1', 1n, [tp('a', 0)]));
  markers.addTxnMarkersToSend(pending('t2', 2n, [tp('b', 0), tp('c', 0)]));
  markers.addTxnMarkersToSend(pending('t3', 3n, [tp('a', 0)]));
  assert.deepEqual(requests.map((r) => [r.brokerId, r.request.markers.map((m) => m.producerId)]), [[1, [1n]], [2, [2n]]]);
  requests[0]!.answer();
  await settle();
  assert.deepEqual(requests.map((r) => [r.brokerId, r.request.markers.map((m) => m.producerId)]), [[1, [1n]], [2, [2n]], [1, [2n, 3n]]]);
  assert.deepEqual(requests[2]!.request.markers.map((m) => m.coordinatorEpoch), [3, 3]);
  assert.deepEqual(written, ['t1']);
  requests[1]!.answer();
  requests[2]!.answer();
  await settle();
  assert.deepEqual(written, ['t1', 't2', 't3']);
  // A transaction with nothing to mark completes at once; one dropped with its partition never does.
  markers.addTxnMarkersToSend(pending('t4', 4n, []));
  markers.addTxnMarkersToSend({ ...pending('t5', 5n, [tp('a', 0)]), txnPartition: 7 });
  markers.removeMarkersForTxnTopicPartition(7);
  requests[3]!.answer();
  await settle();
  assert.deepEqual(written, ['t1', 't2', 't3', 't4']);
  markers.close();
});
