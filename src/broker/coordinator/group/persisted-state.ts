import type { GroupCoordinatorShard } from './group-coordinator-shard.ts';

/**
 * What of a shard's state the log persists, as plain sorted data: every committed offset (with the
 * offset of its record), the offsets of open transactions, and
 * every group's identity, kind, state and persisted membership (classic: generation and members;
 * consumer: epochs, members with their epochs, target assignment). Two shards with equal snapshots
 * hold the same coordinator state; a shard rebuilt from __consumer_offsets must equal the live one.
 */
export function persistedState(shard: GroupCoordinatorShard): unknown {
  const offsets = shard.offsets.groupIds().sort().map((groupId) => [
    groupId,
    [...shard.offsets.groupOffsets(groupId)].sort(([a], [b]) => compare(a, b)).map(([topic, partitions]) =>
      [topic, [...partitions].sort(([a], [b]) => a - b)]),
  ]);
  const groups = [...shard.groups.values()].sort((a, b) => compare(a.groupId, b.groupId)).map((group) => {
    const details = group as unknown as {
      generationId?: number; groupEpoch?: number; assignmentEpoch?: number;
      members?: ReadonlyMap<string, { memberEpoch?: number }>; targetAssignment?: ReadonlyMap<string, unknown>;
    };
    return {
      groupId: group.groupId,
      type: group.type,
      state: group.stateName(),
      protocolType: group.protocolType(),
      empty: group.isEmpty(),
      generationId: details.generationId,
      groupEpoch: details.groupEpoch,
      assignmentEpoch: details.assignmentEpoch,
      members: details.members === undefined ? undefined
        : [...details.members].sort(([a], [b]) => compare(a, b)).map(([memberId, member]) => [memberId, member.memberEpoch]),
      targetAssignment: details.targetAssignment === undefined ? undefined
        : [...details.targetAssignment].sort(([a], [b]) => compare(a, b)),
    };
  });
  return { offsets, pendingTransactionalOffsets: shard.offsets.pendingTransactionalState(), groups };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
