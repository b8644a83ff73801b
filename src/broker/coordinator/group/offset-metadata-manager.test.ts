import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { OffsetCommitRequest } from '../../../protocol/generated/offset-commit.ts';
import { createTestRuntime } from '../runtime/test-runtime.ts';
import { decodeRecord } from './group-records.ts';
import { persistedState } from './persisted-state.ts';

function commitRequest(groupId: string, offsets: Record<string, number>, extra: Partial<OffsetCommitRequest> = {}): OffsetCommitRequest {
  const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }[]>();
  for (const [tp, offset] of Object.entries(offsets)) {
    const [topic, partition] = tp.split(':') as [string, string];
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partitionIndex: Number(partition), committedOffset: BigInt(offset), committedLeaderEpoch: -1, committedMetadata: '' }]);
  }
  return { groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })), ...extra };
}

test('commits are stored as key v1 / value v3 records (v1 with an explicit retention) and read back', async () => {
  const t = await createTestRuntime();
  await t.runtime.scheduleWriteOperation('c', 0, (s) => s.offsets.commitOffset(commitRequest('g', { 'a:0': 5, 'a:1': 6 }), 8));
  await t.runtime.scheduleWriteOperation('c', 0, (s) => s.offsets.commitOffset(commitRequest('g', { 'b:0': 7 }, { retentionTimeMs: 1000n }), 2));
  const decoded = t.records().map((r) => decodeRecord(r));
  assert.deepEqual(decoded.map((r) => [r.type, r.valueVersion]), [[1, 3], [1, 3], [1, 1]]);
  assert.equal(t.shard().offsets.offset('g', 'b', 0)!.expireTimestampMs, t.time.now() + 1000);
  const fetched = await t.runtime.scheduleReadOperation('f', 0, (s) => s.offsets.fetchOffsets({ groupId: 'g', memberId: null, memberEpoch: -1, topics: [{ name: 'a', partitionIndexes: [1, 2] }] }));
  assert.deepEqual(fetched.topics[0]!.partitions.map((p) => p.committedOffset), [6n, -1n]);
  assert.deepEqual(persistedState(t.replayFresh()), persistedState(t.shard()));
});

test('oversized metadata is refused per partition, the others are committed', async () => {
  const t = await createTestRuntime({ config: { 'offset.metadata.max.bytes': 3 } });
  const request = commitRequest('g', { 'a:0': 1, 'a:1': 2 });
  request.topics[0]!.partitions[0]!.committedMetadata = 'four';
  request.topics[0]!.partitions[1]!.committedMetadata = 'thr';
  const response = await t.runtime.scheduleWriteOperation('c', 0, (s) => s.offsets.commitOffset(request, 8));
  assert.deepEqual(response[0]!.partitions.map((p) => p.errorCode), [ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE]);
  assert.equal(t.shard().offsets.offset('g', 'a', 0), undefined);
  assert.equal(t.shard().offsets.offset('g', 'a', 1)!.metadata, 'thr');
});

test('a generation for an unknown group is ILLEGAL_GENERATION before v9 and GROUP_ID_NOT_FOUND from v9; nothing is written', async () => {
  const t = await createTestRuntime();
  for (const [version, code] of [[8, ErrorCode.ILLEGAL_GENERATION], [9, ErrorCode.GROUP_ID_NOT_FOUND]] as const) {
    await assert.rejects(t.runtime.scheduleWriteOperation('c', 0, (s) => s.offsets.commitOffset(commitRequest('g', { 'a:0': 1 }, { generationIdOrMemberEpoch: 2, memberId: 'm' }), version)),
      (error: KafkaError) => error.code === code);
  }
  assert.equal(t.records().length, 0);
});

test('offsets of an empty group expire offsets.retention.minutes after their commit, checked every offsets.retention.check.interval.ms', async () => {
  const t = await createTestRuntime({ config: { 'offsets.retention.minutes': 1, 'offsets.retention.check.interval.ms': 10_000 } });
  await t.runtime.scheduleWriteOperation('c', 0, (s) => s.offsets.commitOffset(commitRequest('old', { 'a:0': 1 }), 8));
  t.time.advance(30_000);
  await t.runtime.idle(0);
  await t.runtime.scheduleWriteOperation('c', 0, (s) => s.offsets.commitOffset(commitRequest('young', { 'a:0': 2 }), 8));
  t.time.advance(30_000);
  await t.runtime.idle(0);
  assert.equal(t.shard().offsets.hasOffsets('old'), false);
  assert.equal(t.shard().offsets.offset('young', 'a', 0)!.committedOffset, 2);
  t.time.advance(30_000);
  await t.runtime.idle(0);
  assert.equal(t.shard().offsets.hasOffsets('young'), false);
  // An empty group whose offsets all expired is deleted too (GroupMetadata tombstone).
  assert.equal(t.shard().groups.has('old'), false);
  assert.deepEqual(persistedState(t.replayFresh()), persistedState(t.shard()));
});

test('OffsetDelete tombstones what exists; DeleteGroups removes offsets and group, NON_EMPTY/NOT_FOUND per group', async () => {
  const t = await createTestRuntime();
  await t.runtime.scheduleWriteOperation('c', 0, (s) => s.offsets.commitOffset(commitRequest('g', { 'a:0': 1, 'b:0': 2 }), 8));
  const deleted = await t.runtime.scheduleWriteOperation('d', 0, (s) => s.offsets.deleteOffsets({ groupId: 'g', topics: [{ name: 'a', partitions: [{ partitionIndex: 0 }, { partitionIndex: 5 }] }] }));
  assert.deepEqual(deleted[0]!.partitions.map((p) => p.errorCode), [0, 0]);
  assert.equal(t.records().filter((r) => r.value === null).length, 1);
  await assert.rejects(t.runtime.scheduleWriteOperation('d', 0, (s) => s.offsets.deleteOffsets({ groupId: 'none', topics: [] })),
    (error: KafkaError) => error.code === ErrorCode.GROUP_ID_NOT_FOUND);
  const results = await t.runtime.scheduleWriteOperation('dg', 0, (s) => s.deleteGroups(['g', 'none']));
  assert.deepEqual(results.map((r) => r.errorCode), [ErrorCode.NONE, ErrorCode.GROUP_ID_NOT_FOUND]);
  assert.equal(t.shard().offsets.hasOffsets('g'), false);
  assert.equal(t.shard().groups.has('g'), false);
  assert.deepEqual(persistedState(t.replayFresh()), persistedState(t.shard()));
});

test('deleted partitions lose their offsets in every group of every shard, through tombstones; an empty group left without offsets goes at the next expiry check', async () => {
  const t = await createTestRuntime({ partitions: 2, config: { 'offsets.retention.check.interval.ms': 10_000 } });
  await t.runtime.scheduleWriteOperation('c', 0, (s) => s.offsets.commitOffset(commitRequest('only-gone', { 'gone:0': 1, 'gone:1': 2 }), 8));
  await t.runtime.scheduleWriteOperation('c', 0, (s) => s.offsets.commitOffset(commitRequest('mixed', { 'gone:0': 3, 'gone:2': 4, 'kept:0': 5 }), 8));
  await t.runtime.scheduleWriteOperation('c', 1, (s) => s.offsets.commitOffset(commitRequest('other-shard', { 'gone:1': 6, 'gone-too:0': 7 }), 8));

  const deleted = [0, 1, 2].map((partition) => ({ topic: 'gone', partition }));
  await Promise.all(t.runtime.scheduleWriteAllOperation('deleted', (s) => s.onPartitionsDeleted(deleted)));

  const fetchAll = (partition: number, groupId: string) => t.runtime.scheduleReadOperation('f', partition, (s) =>
    s.offsets.fetchOffsets({ groupId, memberId: null, memberEpoch: -1, topics: null }).topics.flatMap((topic) =>
      topic.partitions.map((p) => `${topic.name}:${p.partitionIndex}=${p.committedOffset}`)));
  assert.deepEqual(await fetchAll(0, 'only-gone'), []);
  assert.deepEqual(await fetchAll(0, 'mixed'), ['kept:0=5']);
  assert.deepEqual(await fetchAll(1, 'other-shard'), ['gone-too:0=7']);
  // Tombstones only for what existed: 2 + 2 on partition 0, 1 on partition 1.
  assert.equal(t.records(0).filter((r) => r.value === null).length, 4);
  assert.equal(t.records(1).filter((r) => r.value === null).length, 1);
  for (const partition of [0, 1]) assert.deepEqual(persistedState(t.replayFresh(partition)), persistedState(t.shard(partition)));

  // As in Kafka, the group itself is not deleted with its offsets, but by the periodic cleanup.
  const listed = (partition: number) => t.shard(partition).listGroups([], []).map((g) => `${g.groupId}:${g.groupState}`).sort();
  assert.deepEqual(listed(0), ['mixed:Empty', 'only-gone:Empty']);
  t.time.advance(10_000);
  await t.runtime.idle(0);
  assert.deepEqual(listed(0), ['mixed:Empty']);
  assert.equal(t.replayFresh(0).groups.has('only-gone'), false);
});
