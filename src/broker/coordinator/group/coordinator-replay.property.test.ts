/**
 * The property the issue asks for: whatever history of operations the coordinator goes through
 * (commits, transactional commits and their COMMIT or ABORT markers, offset deletes, group
 * deletions, KIP-848 members joining, heartbeating and leaving, time passing so sessions and
 * offsets expire), a shard rebuilt by replaying its __consumer_offsets partition holds exactly the
 * live shard's state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KafkaError } from '../../../protocol/errors.ts';
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../../../protocol/generated/consumer-group-heartbeat.ts';
import { createTestRuntime, type TestRuntime } from '../runtime/test-runtime.ts';
import type { GroupCoordinatorShard } from './group-coordinator-shard.ts';
import { persistedState } from './persisted-state.ts';

const GROUPS = ['simple-a', 'simple-b', 'kip848-a', 'kip848-b'] as const;
const TOPICS = ['t0', 't1'] as const;

type Command =
  | { kind: 'commit'; group: string; topic: string; partitions: number[]; offset: number; metadata: string; retentionMs: number | null; version: number }
  | { kind: 'txnCommit'; group: string; topic: string; partitions: number[]; offset: number; producerId: bigint }
  | { kind: 'endTxn'; producerId: bigint; commit: boolean }
  | { kind: 'deleteOffsets'; group: string; topic: string; partitions: number[] }
  | { kind: 'deleteGroups'; groups: string[] }
  | { kind: 'join'; group: string; topics: string[] }
  | { kind: 'heartbeat'; group: string; member: number }
  | { kind: 'leave'; group: string; member: number }
  | { kind: 'advance'; ms: number };

const group = fc.constantFrom(...GROUPS);
const topic = fc.constantFrom(...TOPICS);
const producerId = fc.constantFrom(1n, 2n);
const partitions = fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('commit' as const), group, topic, partitions, offset: fc.integer({ min: 0, max: 1000 }),
    metadata: fc.oneof(fc.constant(''), fc.string({ maxLength: 8 }), fc.constant('x'.repeat(40))),
    retentionMs: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: null }), version: fc.constantFrom(2, 5, 8, 9),
  }),
  fc.record({ kind: fc.constant('txnCommit' as const), group, topic, partitions, offset: fc.integer({ min: 0, max: 1000 }), producerId }),
  fc.record({ kind: fc.constant('endTxn' as const), producerId, commit: fc.boolean() }),
  fc.record({ kind: fc.constant('deleteOffsets' as const), group, topic, partitions }),
  fc.record({ kind: fc.constant('deleteGroups' as const), groups: fc.uniqueArray(group, { minLength: 1, maxLength: 2 }) }),
  fc.record({ kind: fc.constant('join' as const), group: fc.constantFrom('kip848-a', 'kip848-b'), topics: fc.uniqueArray(topic, { minLength: 1, maxLength: 2 }) }),
  fc.record({ kind: fc.constant('heartbeat' as const), group: fc.constantFrom('kip848-a', 'kip848-b'), member: fc.nat(5) }),
  fc.record({ kind: fc.constant('leave' as const), group: fc.constantFrom('kip848-a', 'kip848-b'), member: fc.nat(5) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(1_000, 20_000, 50_000, 130_000) }),
);

interface Member { memberId: string; memberEpoch: number }

async function run(t: TestRuntime<GroupCoordinatorShard>, members: Map<string, Member[]>, c: Command): Promise<void> {
  const { runtime } = t;
  const write = <T>(operation: (shard: GroupCoordinatorShard) => { records: readonly { key: Buffer; value: Buffer | null }[]; response: T | Promise<T> }) =>
    runtime.scheduleWriteOperation(c.kind, 0, operation).catch((error: unknown) => {
      if (!(error instanceof KafkaError)) throw error;
      return undefined;
    });
  switch (c.kind) {
    case 'commit':
      await write((s) => s.offsets.commitOffset({
        groupId: c.group, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
        retentionTimeMs: c.retentionMs === null || c.version > 4 ? -1n : BigInt(c.retentionMs),
        topics: [{ name: c.topic, partitions: c.partitions.map((p) => ({ partitionIndex: p, committedOffset: BigInt(c.offset), committedLeaderEpoch: p, committedMetadata: c.metadata })) }],
      }, c.version));
      return;
    case 'txnCommit':
      await runtime.scheduleTransactionalWriteOperation(c.kind, 0, c.producerId, 0, (s) => s.offsets.commitTransactionalOffset({
        transactionalId: `tx-${c.producerId}`, groupId: c.group, producerId: c.producerId, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null,
        topics: [{ name: c.topic, partitions: c.partitions.map((p) => ({ partitionIndex: p, committedOffset: BigInt(c.offset), committedLeaderEpoch: -1, committedMetadata: '' })) }],
      }, 3)).catch((error: unknown) => {
        if (!(error instanceof KafkaError)) throw error;
      });
      return;
    case 'endTxn':
      await runtime.scheduleTransactionCompletion(c.kind, 0, c.producerId, 0, 0, c.commit);
      return;
    case 'deleteOffsets':
      await write((s) => s.offsets.deleteOffsets({ groupId: c.group, topics: [{ name: c.topic, partitions: c.partitions.map((p) => ({ partitionIndex: p })) }] }));
      return;
    case 'deleteGroups':
      await write((s) => s.deleteGroups(c.groups));
      return;
    case 'advance':
      t.time.advance(c.ms);
      await runtime.idle(0);
      return;
    default: {
      const list = members.get(c.group) ?? [];
      const member = c.kind === 'join' ? { memberId: '', memberEpoch: 0 } : list[c.member % Math.max(list.length, 1)];
      if (member === undefined) return;
      const request: ConsumerGroupHeartbeatRequest = {
        groupId: c.group, memberId: member.memberId, memberEpoch: c.kind === 'leave' ? -1 : member.memberEpoch, instanceId: null, rackId: null,
        rebalanceTimeoutMs: c.kind === 'join' ? 30_000 : -1, subscribedTopicNames: c.kind === 'join' ? c.topics : null,
        serverAssignor: null, topicPartitions: c.kind === 'join' ? [] : null,
      };
      const response = await write((s) => s.consumer.heartbeat(request, { clientId: 'prop', clientHost: '/127.0.0.1' })) as ConsumerGroupHeartbeatResponse | undefined;
      if (c.kind === 'leave') members.set(c.group, list.filter((m) => m !== member));
      else if (response !== undefined && response.errorCode === 0 && response.memberId !== null) {
        if (c.kind === 'join') members.set(c.group, [...list, { memberId: response.memberId, memberEpoch: response.memberEpoch }]);
        else member.memberEpoch = response.memberEpoch;
      } else if (c.kind === 'heartbeat') {
        members.set(c.group, list.filter((m) => m !== member));
      }
    }
  }
}

test('property: a shard rebuilt from its __consumer_offsets records equals the live shard after any history', async () => {
  await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 10, maxLength: 60, size: "max" }), async (commands) => {
    const t = await createTestRuntime({
      topics: TOPICS.map((name) => ({ name, partitions: 3 })),
      config: { 'offsets.retention.minutes': 2, 'offsets.retention.check.interval.ms': 30_000, 'offset.metadata.max.bytes': 32 },
    });
    const members = new Map<string, Member[]>();
    for (const c of commands) {
      await run(t, members, c);
      assert.deepEqual(persistedState(t.replayFresh()), persistedState(t.shard()));
    }
    t.runtime.close();
  }), { numRuns: 60 });
});
