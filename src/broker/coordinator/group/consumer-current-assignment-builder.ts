import { MemberState, withMemberEpoch, type Assignment, type ConsumerGroupMember } from './consumer-group-member.ts';
import { FencedMemberEpochError } from './consumer-group-errors.ts';

export interface OwnedTopicPartitions {
  readonly topicId: string;
  readonly partitions: readonly number[];
}

/**
 * The reconciliation of KIP-848: moves a member's current assignment towards the group's target,
 * one step per heartbeat, so that no partition is ever owned by two members:
 * - partitions the member must give up are revoked first (UNREVOKED_PARTITIONS; the member keeps its
 *   epoch until its heartbeat no longer lists them as owned);
 * - then it moves to the target epoch and receives the new partitions, except those another member
 *   still owns (`currentPartitionEpoch` != -1): it waits for them in UNRELEASED_PARTITIONS.
 *
 * `owned` is the heartbeat's TopicPartitions, or null when the member did not send them.
 */
export function buildCurrentAssignment(
  member: ConsumerGroupMember,
  targetAssignmentEpoch: number,
  target: Assignment,
  currentPartitionEpoch: (topicId: string, partition: number) => number,
  owned: readonly OwnedTopicPartitions[] | null,
): ConsumerGroupMember {
  const ownsAnyOf = (assignment: Assignment): boolean => {
    if (owned === null) return true;
    return owned.some(({ topicId, partitions }) => {
      const pending = assignment.get(topicId);
      return pending !== undefined && partitions.some((partition) => pending.has(partition));
    });
  };

  const next = (memberEpoch: number): ConsumerGroupMember => {
    const assigned = new Map<string, Set<number>>();
    const revoking = new Map<string, Set<number>>();
    const adding = new Map<string, Set<number>>();
    let unreleased = false;
    const topicIds = new Set([...target.keys(), ...member.assignedPartitions.keys()]);
    for (const topicId of topicIds) {
      const targetPartitions = target.get(topicId) ?? new Set<number>();
      const current = member.assignedPartitions.get(topicId) ?? new Set<number>();
      const kept = new Set([...current].filter((p) => targetPartitions.has(p)));
      const revoked = new Set([...current].filter((p) => !kept.has(p)));
      const pending = new Set<number>();
      for (const partition of targetPartitions) {
        if (kept.has(partition)) continue;
        if (currentPartitionEpoch(topicId, partition) !== -1) unreleased = true;
        else pending.add(partition);
      }
      if (kept.size > 0) assigned.set(topicId, kept);
      if (revoked.size > 0) revoking.set(topicId, revoked);
      if (pending.size > 0) adding.set(topicId, pending);
    }

    if (revoking.size > 0 && ownsAnyOf(revoking)) {
      return {
        ...member, ...withMemberEpoch(member, memberEpoch), state: MemberState.UNREVOKED_PARTITIONS,
        assignedPartitions: assigned, partitionsPendingRevocation: revoking,
      };
    }
    for (const [topicId, partitions] of adding) {
      const set = assigned.get(topicId) ?? new Set<number>();
      for (const partition of partitions) set.add(partition);
      assigned.set(topicId, set);
    }
    return {
      ...member, ...withMemberEpoch(member, targetAssignmentEpoch),
      state: unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE,
      assignedPartitions: assigned, partitionsPendingRevocation: new Map(),
    };
  };

  switch (member.state) {
    case MemberState.STABLE:
      return member.memberEpoch !== targetAssignmentEpoch ? next(member.memberEpoch) : member;
    case MemberState.UNREVOKED_PARTITIONS:
      return ownsAnyOf(member.partitionsPendingRevocation) ? member : next(member.memberEpoch + 1);
    case MemberState.UNRELEASED_PARTITIONS:
      return next(member.memberEpoch);
    default:
      // A state written by a newer version: the member starts over with nothing.
      if (owned === null || owned.length > 0) {
        throw new FencedMemberEpochError('The consumer group member is in an unknown state. The member must abandon all its partitions and rejoin.');
      }
      return next(targetAssignmentEpoch);
  }
}
