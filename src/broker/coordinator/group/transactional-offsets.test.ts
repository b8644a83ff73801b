/**
 * Transactional offset commits (TxnOffsetCommit) in the group coordinator: pending per producer
 * until the transaction's marker, committed or dropped by it, and the same state whether reached
 * live or by replaying the __consumer_offsets partition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { TxnOffsetCommitRequest } from '../../../protocol/generated/txn-offset-commit.ts';
import { decodeEndTransactionMarker } from '../../../protocol/records/control-record.ts';
import { ControlRecordType, controlRecordType, decodeRecordBatches } from '../../../protocol/records/record-batch.ts';
import { createTestRuntime, type TestRuntime } from '../runtime/test-runtime.ts';
import { ClassicHarness } from './classic-test-harness.ts';
import type { GroupCoordinatorShard } from './group-coordinator-shard.ts';
import { persistedState } from './persisted-state.ts';

function txnRequest(groupId: string, producerId: bigint, offsets: Record<string, number>, extra: Partial<TxnOffsetCommitRequest> = {}): TxnOffsetCommitRequest {
  const byTopic = new Map<string, TxnOffsetCommitRequest['topics'][number]['partitions']>();
  for (const [tp, offset] of Object.entries(offsets)) {
    const [topic, partition] = tp.split(':') as [string, string];
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partitionIndex: Number(partition), committedOffset: BigInt(offset), committedLeaderEpoch: 4, committedMetadata: 'txn' }]);
  }
  return {
    transactionalId: `tx-${producerId}`, groupId, producerId, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })), ...extra,
  };
}

function txnCommit(t: TestRuntime<GroupCoordinatorShard>, request: TxnOffsetCommitRequest, apiVersion = 3) {
  return t.runtime.scheduleTransactionalWriteOperation('txn-commit-offset', 0, request.producerId, request.producerEpoch,
    (shard) => shard.offsets.commitTransactionalOffset(request, apiVersion));
}

function plainCommit(t: TestRuntime<GroupCoordinatorShard>, groupId: string, topic: string, partition: number, offset: number) {
  return t.runtime.scheduleWriteOperation('commit-offset', 0, (shard) => shard.offsets.commitOffset({
    groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, committedOffset: BigInt(offset), committedLeaderEpoch: -1, committedMetadata: '' }] }],
  }, 8));
}

function complete(t: TestRuntime<GroupCoordinatorShard>, producerId: bigint, commit: boolean, coordinatorEpoch = 7) {
  return t.runtime.scheduleTransactionCompletion('write-txn-marker', 0, producerId, 0, coordinatorEpoch, commit);
}

async function fetch(t: TestRuntime<GroupCoordinatorShard>, groupId: string, topic: string, partitions: number[], requireStable = false) {
  const response = await t.runtime.scheduleReadOperation('fetch-offsets', 0, (shard) => shard.offsets.fetchOffsets({
    groupId, memberId: null, memberEpoch: -1, topics: [{ name: topic, partitionIndexes: partitions }], requireStable,
  }));
  return response.topics[0]!.partitions.map((p) => ({ offset: Number(p.committedOffset), errorCode: p.errorCode }));
}

function sameAsReplayed(t: TestRuntime<GroupCoordinatorShard>): void {
  assert.deepEqual(persistedState(t.replayFresh()), persistedState(t.shard()));
}

test('a transaction\'s offsets are invisible until its COMMIT marker, UNSTABLE_OFFSET_COMMIT with require_stable, then committed', async () => {
  const t = await createTestRuntime();
  await plainCommit(t, 'g', 'a', 0, 3);
  const response = await txnCommit(t, txnRequest('g', 42n, { 'a:0': 10, 'a:1': 11 }));
  assert.deepEqual(response, [{ name: 'a', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 0 }] }]);

  assert.deepEqual(await fetch(t, 'g', 'a', [0, 1]), [{ offset: 3, errorCode: 0 }, { offset: -1, errorCode: 0 }]);
  assert.deepEqual(await fetch(t, 'g', 'a', [0, 1, 2], true), [
    { offset: -1, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }, { offset: -1, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }, { offset: -1, errorCode: 0 },
  ]);
  assert.equal(t.shard().offsets.pendingTransactionalOffset(42n, 'g', 'a', 1)?.committedOffset, 11);
  sameAsReplayed(t);

  await complete(t, 42n, true);
  assert.deepEqual(await fetch(t, 'g', 'a', [0, 1], true), [{ offset: 10, errorCode: 0 }, { offset: 11, errorCode: 0 }]);
  assert.equal(t.shard().offsets.offset('g', 'a', 0)!.metadata, 'txn');
  assert.equal(t.shard().offsets.offset('g', 'a', 0)!.leaderEpoch, 4);
  assert.equal(t.shard().offsets.hasPendingTransactionalOffsets('g', 'a', 0), false);
  sameAsReplayed(t);

  // The log: a plain batch, the producer's transactional batch (base sequence 0, as Kafka's
  // coordinator writes it) and its COMMIT marker carrying the transaction coordinator's epoch.
  const batches = decodeRecordBatches(t.log.allBatches(0));
  assert.deepEqual(batches.map((b) => [b.producerId, b.producerEpoch, b.baseSequence, b.isTransactional, b.isControl]),
    [[-1, -1, -1, false, false], [42, 0, 0, true, false], [42, 0, -1, true, true]]);
  const marker = batches[2]!.records[0]!;
  assert.equal(controlRecordType(marker), ControlRecordType.COMMIT);
  assert.equal(decodeEndTransactionMarker(marker).coordinatorEpoch, 7);
});

test('an ABORT marker drops the transaction\'s offsets and keeps the committed ones', async () => {
  const t = await createTestRuntime();
  await plainCommit(t, 'g', 'a', 0, 3);
  await txnCommit(t, txnRequest('g', 5n, { 'a:0': 10, 'b:0': 20 }));
  await complete(t, 5n, false);
  assert.deepEqual(await fetch(t, 'g', 'a', [0], true), [{ offset: 3, errorCode: 0 }]);
  assert.deepEqual(await fetch(t, 'g', 'b', [0], true), [{ offset: -1, errorCode: 0 }]);
  assert.equal(t.shard().offsets.pendingTransactionalOffset(5n, 'g', 'b', 0), undefined);
  const batches = decodeRecordBatches(t.log.allBatches(0));
  assert.equal(controlRecordType(batches.at(-1)!.records[0]!), ControlRecordType.ABORT);
  sameAsReplayed(t);
});

test('transactions of two producers are independent; a marker for a producer without offsets changes nothing', async () => {
  const t = await createTestRuntime();
  await txnCommit(t, txnRequest('g', 1n, { 'a:0': 10 }));
  await txnCommit(t, txnRequest('g', 2n, { 'a:1': 20 }));
  await complete(t, 3n, true);
  await complete(t, 2n, true);
  assert.deepEqual(await fetch(t, 'g', 'a', [0, 1], true), [{ offset: -1, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }, { offset: 20, errorCode: 0 }]);
  sameAsReplayed(t);
  await complete(t, 1n, false);
  assert.deepEqual(await fetch(t, 'g', 'a', [0, 1], true), [{ offset: -1, errorCode: 0 }, { offset: 20, errorCode: 0 }]);
  sameAsReplayed(t);
});

test('a plain commit written after the transaction\'s record stays when the transaction commits (the later record wins)', async () => {
  const t = await createTestRuntime();
  await txnCommit(t, txnRequest('g', 9n, { 'a:0': 10, 'a:1': 11 }));
  await plainCommit(t, 'g', 'a', 0, 50);
  await complete(t, 9n, true);
  assert.deepEqual(await fetch(t, 'g', 'a', [0, 1]), [{ offset: 50, errorCode: 0 }, { offset: 11, errorCode: 0 }]);
  sameAsReplayed(t);
  // A plain commit before the transaction's record is replaced by it.
  await plainCommit(t, 'g', 'a', 0, 60);
  await txnCommit(t, txnRequest('g', 9n, { 'a:0': 70 }));
  await complete(t, 9n, true);
  assert.deepEqual(await fetch(t, 'g', 'a', [0]), [{ offset: 70, errorCode: 0 }]);
  sameAsReplayed(t);
});

test('a group that does not exist accepts a commit without a generation (its simple group is made), and refuses one with a generation', async () => {
  const t = await createTestRuntime();
  await assert.rejects(txnCommit(t, txnRequest('g', 1n, { 'a:0': 1 }, { generationId: 3, memberId: 'm' })), (e: KafkaError) => e.code === ErrorCode.ILLEGAL_GENERATION);
  assert.equal(t.records().length, 0);
  await txnCommit(t, txnRequest('g', 1n, { 'a:0': 1 }), 0);
  const group = t.shard().groups.get('g');
  assert.equal(group?.type, 'classic');
  assert.equal(group?.stateName(), 'Empty');
});

test('oversized metadata is refused per partition; the transaction holds the others', async () => {
  const t = await createTestRuntime({ config: { 'offset.metadata.max.bytes': 2 } });
  const response = await txnCommit(t, txnRequest('g', 1n, { 'a:0': 1, 'a:1': 2 }));
  assert.deepEqual(response[0]!.partitions.map((p) => p.errorCode), [ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
  const request = txnRequest('g', 1n, { 'a:0': 1, 'a:1': 2 });
  request.topics[0]!.partitions[1]!.committedMetadata = 'ok';
  const second = await txnCommit(t, request);
  assert.deepEqual(second[0]!.partitions.map((p) => p.errorCode), [ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE]);
  await complete(t, 1n, true);
  assert.deepEqual(await fetch(t, 'g', 'a', [0, 1]), [{ offset: -1, errorCode: 0 }, { offset: 2, errorCode: 0 }]);
});

test('classic group members are checked as OffsetCommit\'s (v3+): generation, member id, static member; no check of the rebalance state', async () => {
  const h = await ClassicHarness.create();
  const answer = h.join('g', { groupInstanceId: 'static-1' });
  await h.advance(0);
  const joined = await answer;
  const { memberId } = joined;
  const commit = (extra: Partial<TxnOffsetCommitRequest>) => txnCommit(h.t, txnRequest('g', 1n, { 'a:0': 1 }, extra)).then(() => ErrorCode.NONE, (e: KafkaError) => e.code);
  // CompletingRebalance: an OffsetCommit would be REBALANCE_IN_PROGRESS; a transactional one is accepted.
  assert.equal(h.group('g').stateName(), 'CompletingRebalance');
  assert.equal(await commit({ generationId: joined.generationId, memberId, groupInstanceId: 'static-1' }), ErrorCode.NONE);
  assert.equal(await commit({ generationId: joined.generationId + 1, memberId, groupInstanceId: 'static-1' }), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await commit({ generationId: joined.generationId, memberId: 'nobody', groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await commit({ generationId: joined.generationId, memberId: 'other', groupInstanceId: 'static-1' }), ErrorCode.FENCED_INSTANCE_ID);
  // v0-2 carry no member: a producer without group metadata may commit for a group with members.
  assert.equal(await commit({ generationId: -1, memberId: '', groupInstanceId: null }), ErrorCode.NONE);
  h.t.runtime.close();
});

test('a KIP-848 member with a stale epoch gets ILLEGAL_GENERATION, its current epoch commits', async () => {
  const t = await createTestRuntime({ topics: [{ name: 'a', partitions: 2 }] });
  const joined = await t.runtime.scheduleWriteOperation('heartbeat', 0, (s) => s.consumer.heartbeat({
    groupId: 'g', memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: ['a'], serverAssignor: null, topicPartitions: [],
  }, { clientId: 'c', clientHost: '/127.0.0.1' }));
  const commit = (generationId: number) => txnCommit(t, txnRequest('g', 1n, { 'a:0': 1 }, { generationId, memberId: joined.memberId! }))
    .then(() => ErrorCode.NONE, (e: KafkaError) => e.code);
  assert.equal(await commit(joined.memberEpoch + 1), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await commit(joined.memberEpoch), ErrorCode.NONE);
  t.runtime.close();
});

test('OffsetDelete and DeleteGroups write tombstones for pending offsets too; a later COMMIT brings nothing back', async () => {
  const t = await createTestRuntime();
  await txnCommit(t, txnRequest('g', 1n, { 'a:0': 10, 'b:0': 20 }));
  await t.runtime.scheduleWriteOperation('delete-offsets', 0, (s) => s.offsets.deleteOffsets({ groupId: 'g', topics: [{ name: 'a', partitions: [{ partitionIndex: 0 }] }] }));
  assert.deepEqual(await fetch(t, 'g', 'a', [0], true), [{ offset: -1, errorCode: 0 }]);
  assert.deepEqual(await fetch(t, 'g', 'b', [0], true), [{ offset: -1, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }]);
  const [deleted] = await t.runtime.scheduleWriteOperation('delete-groups', 0, (s) => s.deleteGroups(['g']));
  assert.equal(deleted!.errorCode, ErrorCode.NONE);
  assert.equal(t.shard().groups.has('g'), false);
  sameAsReplayed(t);
  await complete(t, 1n, true);
  assert.equal(t.shard().offsets.hasOffsets('g'), false);
  sameAsReplayed(t);
});

test('expiry keeps an offset with a transaction pending for its partition, and a group with an open transaction', async () => {
  const t = await createTestRuntime({ config: { 'offsets.retention.minutes': 1, 'offsets.retention.check.interval.ms': 10_000 } });
  await plainCommit(t, 'g', 'a', 0, 1);
  await txnCommit(t, txnRequest('g', 1n, { 'a:0': 2 }));
  await txnCommit(t, txnRequest('only-pending', 2n, { 'a:0': 3 }));
  t.time.advance(120_000);
  await t.runtime.idle(0);
  assert.equal(t.shard().offsets.offset('g', 'a', 0)?.committedOffset, 1);
  assert.equal(t.shard().groups.has('only-pending'), true);
  sameAsReplayed(t);
  await complete(t, 1n, true);
  await complete(t, 2n, true);
  assert.equal(t.shard().offsets.offset('g', 'a', 0)?.committedOffset, 2);
  // Their commit timestamp is the TxnOffsetCommit's, as in Kafka: long past retention already.
  t.time.advance(10_000);
  await t.runtime.idle(0);
  assert.equal(t.shard().offsets.hasOffsets('g'), false);
  assert.equal(t.shard().groups.has('only-pending'), false);
  sameAsReplayed(t);
});

test('deleted topic partitions lose their pending offsets too', async () => {
  const t = await createTestRuntime();
  await txnCommit(t, txnRequest('g', 1n, { 'a:0': 2, 'a:1': 3 }));
  const removed = await t.runtime.scheduleWriteOperation('on-partitions-deleted', 0, (s) => s.onPartitionsDeleted([{ topic: 'a', partition: 0 }]));
  assert.equal(removed, 1);
  await complete(t, 1n, true);
  assert.deepEqual(await fetch(t, 'g', 'a', [0, 1]), [{ offset: -1, errorCode: 0 }, { offset: 3, errorCode: 0 }]);
  sameAsReplayed(t);
});

test('a partition loaded from a log with open, committed and aborted transactions has the live state', async () => {
  const t = await createTestRuntime({ partitions: 1 });
  await plainCommit(t, 'g', 'a', 0, 1);
  await txnCommit(t, txnRequest('g', 1n, { 'a:0': 2 }));
  await txnCommit(t, txnRequest('g', 2n, { 'a:1': 3 }));
  await txnCommit(t, txnRequest('h', 3n, { 'a:0': 4 }));
  await complete(t, 1n, true);
  await complete(t, 2n, false);
  const live = persistedState(t.shard());
  // Through the runtime's own load (the loader reading the log in small pieces).
  t.runtime.unloadPartition(0);
  await t.runtime.loadPartition(0);
  assert.deepEqual(persistedState(t.shard()), live);
  assert.deepEqual(await fetch(t, 'h', 'a', [0], true), [{ offset: -1, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }]);
  await complete(t, 3n, true);
  assert.deepEqual(await fetch(t, 'h', 'a', [0], true), [{ offset: 4, errorCode: 0 }]);
});

test('a marker for a partition this runtime does not host is NOT_COORDINATOR, and writes nothing', async () => {
  const t = await createTestRuntime();
  await assert.rejects(t.runtime.scheduleTransactionCompletion('m', 5, 1n, 0, 0, true), (e: KafkaError) => e.code === ErrorCode.NOT_COORDINATOR);
  await assert.rejects(t.runtime.scheduleTransactionalWriteOperation('w', 5, 1n, 0, () => ({ records: [], response: undefined })),
    (e: KafkaError) => e.code === ErrorCode.NOT_COORDINATOR);
  assert.equal(t.log.allBatches(0).length, 0);
});
