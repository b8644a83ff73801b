/**
 * A member of a KIP-848 consumer group, as an immutable value: operations build updated copies and
 * turn them into records; only replay stores them in the group (DESIGN rule 5).
 */

/** topicId -> partitions. Treated as immutable once built. */
export type Assignment = ReadonlyMap<string, ReadonlySet<number>>;

export const EMPTY_ASSIGNMENT: Assignment = new Map();

/** Kafka's MemberState byte values, as ConsumerGroupCurrentMemberAssignmentValue.State stores them. */
export const MemberState = {
  STABLE: 0,
  UNREVOKED_PARTITIONS: 1,
  UNRELEASED_PARTITIONS: 2,
  UNKNOWN: 127,
} as const;
export type MemberState = (typeof MemberState)[keyof typeof MemberState];

export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** Sorted, so that "did the subscription change" is a plain comparison. */
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly serverAssignorName: string | null;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: number;
  readonly assignedPartitions: Assignment;
  readonly partitionsPendingRevocation: Assignment;
}

export function newMember(memberId: string): ConsumerGroupMember {
  return {
    memberId, instanceId: null, rackId: null, clientId: '', clientHost: '', subscribedTopicNames: [],
    subscribedTopicRegex: null, rebalanceTimeoutMs: -1, serverAssignorName: null, memberEpoch: 0,
    previousMemberEpoch: -1, state: MemberState.STABLE, assignedPartitions: EMPTY_ASSIGNMENT,
    partitionsPendingRevocation: EMPTY_ASSIGNMENT,
  };
}

/** The member has caught up with the target assignment of `targetAssignmentEpoch`. */
export function isReconciledTo(member: ConsumerGroupMember, targetAssignmentEpoch: number): boolean {
  return member.state === MemberState.STABLE && member.memberEpoch === targetAssignmentEpoch;
}

/** The same member epoch as before unless `epoch` differs, in which case the previous one is kept for lost responses. */
export function withMemberEpoch(member: ConsumerGroupMember, epoch: number): Pick<ConsumerGroupMember, 'memberEpoch' | 'previousMemberEpoch'> {
  return { memberEpoch: epoch, previousMemberEpoch: member.memberEpoch };
}

export function assignmentFrom(entries: Iterable<{ topicId: string; partitions: readonly number[] }>): Assignment {
  const result = new Map<string, Set<number>>();
  for (const { topicId, partitions } of entries) {
    if (partitions.length === 0) continue;
    let set = result.get(topicId);
    if (set === undefined) result.set(topicId, set = new Set());
    for (const partition of partitions) set.add(partition);
  }
  return result;
}

/** Sorted topic/partition lists, the shape records and responses carry. */
export function assignmentToList(assignment: Assignment): Array<{ topicId: string; partitions: number[] }> {
  return [...assignment.keys()].sort().map((topicId) => ({
    topicId, partitions: [...assignment.get(topicId)!].sort((a, b) => a - b),
  }));
}

export function assignmentsEqual(a: Assignment, b: Assignment): boolean {
  if (a.size !== b.size) return false;
  for (const [topicId, partitions] of a) {
    const other = b.get(topicId);
    if (other === undefined || other.size !== partitions.size) return false;
    for (const partition of partitions) if (!other.has(partition)) return false;
  }
  return true;
}

export function assignmentSize(assignment: Assignment): number {
  let size = 0;
  for (const partitions of assignment.values()) size += partitions.size;
  return size;
}

function listsEqual(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** Equality of the fields ConsumerGroupMemberMetadataValue carries (the subscription part). */
export function subscriptionEquals(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return a.instanceId === b.instanceId && a.rackId === b.rackId && a.clientId === b.clientId
    && a.clientHost === b.clientHost && listsEqual(a.subscribedTopicNames, b.subscribedTopicNames)
    && a.subscribedTopicRegex === b.subscribedTopicRegex && a.rebalanceTimeoutMs === b.rebalanceTimeoutMs
    && a.serverAssignorName === b.serverAssignorName;
}

/** Equality of the fields ConsumerGroupCurrentMemberAssignmentValue carries. */
export function currentAssignmentEquals(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return a.memberEpoch === b.memberEpoch && a.previousMemberEpoch === b.previousMemberEpoch && a.state === b.state
    && assignmentsEqual(a.assignedPartitions, b.assignedPartitions)
    && assignmentsEqual(a.partitionsPendingRevocation, b.partitionsPendingRevocation);
}
