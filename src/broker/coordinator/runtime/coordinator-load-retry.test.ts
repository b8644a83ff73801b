import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { OffsetCommitRequest } from '../../../protocol/generated/offset-commit.ts';
import { createCapturingLogger, createSilentLogger } from '../../logger.ts';
import { groupConfigWith } from '../group/group-config.ts';
import { GroupCoordinatorShard } from '../group/group-coordinator-shard.ts';
import type { CoordinatorLog } from './coordinator-log.ts';
import { CoordinatorRuntime, type CoordinatorRecord, type CoordinatorShard, type ShardContext } from './coordinator-runtime.ts';
import { InMemoryCoordinatorLog } from './in-memory-coordinator-log.ts';
import { ManualTime } from './manual-time.ts';
import { createTestRuntime } from './test-runtime.ts';

const NO_TOPICS = { partitionCount: () => undefined, topicId: () => undefined, topicName: () => undefined, topicNames: () => [] };

/** The log, except that the reads numbered in `failing` (from 1) throw an I/O error, as a failing disk would. */
function failingReads(log: CoordinatorLog, failing: readonly number[]): CoordinatorLog & { readonly reads: () => number } {
  let reads = 0;
  return {
    hosts: (partition) => log.hosts(partition),
    append: (partition, batch) => log.append(partition, batch),
    logStartOffset: (partition) => log.logStartOffset(partition),
    logEndOffset: (partition) => log.logEndOffset(partition),
    read: (partition, fetchOffset, maxBytes) => {
      reads++;
      if (failing.includes(reads)) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
      return log.read(partition, fetchOffset, maxBytes);
    },
    reads: () => reads,
  };
}

function commit(groupId: string, topic: string, partition: number, offset: number): OffsetCommitRequest {
  return {
    groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, committedOffset: BigInt(offset), committedLeaderEpoch: -1, committedMetadata: '' }] }],
  };
}

const isCode = (code: number) => (error: unknown) => error instanceof KafkaError && error.code === code;

test('a load that fails is retried after a doubling backoff, answering COORDINATOR_LOAD_IN_PROGRESS meanwhile; the groups then work, the failure logged once', async () => {
  // What a broker wrote before it went down: a group with committed offsets.
  const before = await createTestRuntime();
  await before.runtime.scheduleWriteOperation('commit', 0, (s) => s.offsets.commitOffset(commit('readers', 'orders', 0, 42), 8));

  const time = new ManualTime();
  const { logger, lines } = createCapturingLogger();
  const log = failingReads(before.log, [1, 2]);
  const runtime = new CoordinatorRuntime({
    log, shardFactory: (context) => new GroupCoordinatorShard(context), time, logger, config: groupConfigWith(), metadata: NO_TOPICS,
    loadRetryBackoffMs: 100, loadRetryBackoffMaxMs: 150,
  });
  const fetch = () => runtime.scheduleReadOperation('fetch', 0, (s) =>
    s.offsets.fetchOffsets({ groupId: 'readers', memberId: null, memberEpoch: -1, topics: [{ name: 'orders', partitionIndexes: [0] }] }).topics[0]!.partitions[0]!.committedOffset);

  await assert.rejects(runtime.loadPartition(0), /EIO/);
  assert.equal(runtime.isLoading(0), true);
  await assert.rejects(fetch(), isCode(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS));
  await assert.rejects(runtime.scheduleWriteOperation('commit', 0, (s) => s.offsets.commitOffset(commit('readers', 'orders', 0, 1), 8)),
    isCode(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS));

  time.advance(99);
  assert.equal(log.reads(), 1, 'no retry before the backoff has passed');
  time.advance(1);
  await assert.rejects(runtime.loadPartition(0), /EIO/);
  assert.equal(log.reads(), 2);
  await assert.rejects(fetch(), isCode(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS));

  // The second wait doubles, capped at loadRetryBackoffMaxMs.
  time.advance(149);
  assert.equal(log.reads(), 2);
  time.advance(1);
  await runtime.loadPartition(0);
  assert.equal(runtime.isActive(0), true);
  assert.equal(await fetch(), 42n);
  await runtime.scheduleWriteOperation('commit', 0, (s) => s.offsets.commitOffset(commit('readers', 'orders', 0, 43), 8));
  assert.equal(await fetch(), 43n);
  assert.deepEqual(runtime.shard(0)!.listGroups([], []).map((g) => g.groupId), ['readers']);

  // Two identical failures: one error line; then one line saying the load made it.
  const failures = lines.filter((line) => line.msg.startsWith('loading coordinator partition failed'));
  assert.deepEqual(failures.map((line) => line.level), [50, 20]);
  assert.equal(lines.filter((line) => line.msg === 'coordinator partition loaded after failed attempts').length, 1);
  runtime.close();
});

/** A shard whose state is the list of values replayed, so that a record replayed twice shows. */
class ListShard implements CoordinatorShard {
  readonly values: string[] = [];
  constructor(_context: ShardContext) {}
  replay(record: CoordinatorRecord): void {
    this.values.push(record.value!.toString());
  }
}

test('a load that fails halfway is retried on a fresh shard: nothing the failed attempt replayed is counted twice', async () => {
  const log = new InMemoryCoordinatorLog([0]);
  const time = new ManualTime();
  const build = (source: CoordinatorLog) => new CoordinatorRuntime({
    log: source, shardFactory: (context) => new ListShard(context), time, logger: createSilentLogger(), config: groupConfigWith(), metadata: NO_TOPICS,
    loadBufferSize: 64, loadRetryBackoffMs: 100,
  });
  const writer = build(log);
  await writer.loadPartition(0);
  for (let i = 0; i < 10; i++) {
    await writer.scheduleWriteOperation('w', 0, () => ({ records: [{ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }], response: undefined }));
  }
  // Small reads: the third fails after two have been replayed.
  const flaky = failingReads(log, [3]);
  const reader = build(flaky);
  await assert.rejects(reader.loadPartition(0), /EIO/);
  time.advance(100);
  await reader.loadPartition(0);
  assert.deepEqual(reader.shard(0)!.values, writer.shard(0)!.values);
});

test('a partition unloaded while its load waits for a retry is not loaded again: it answers NOT_COORDINATOR', async () => {
  const before = await createTestRuntime();
  await before.runtime.scheduleWriteOperation('commit', 0, (s) => s.offsets.commitOffset(commit('readers', 'orders', 0, 42), 8));
  const time = new ManualTime();
  const log = failingReads(before.log, [1]);
  const runtime = new CoordinatorRuntime({
    log, shardFactory: (context) => new GroupCoordinatorShard(context), time, logger: createSilentLogger(), config: groupConfigWith(), metadata: NO_TOPICS,
    loadRetryBackoffMs: 100,
  });
  await assert.rejects(runtime.loadPartition(0), /EIO/);
  runtime.unloadPartition(0);
  assert.equal(time.pendingTimers, 0);
  time.advance(1000);
  assert.equal(log.reads(), 1);
  await assert.rejects(runtime.scheduleReadOperation('r', 0, () => 1), isCode(ErrorCode.NOT_COORDINATOR));
});
