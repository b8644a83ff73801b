import type { CoordinatorRecord, TopicsView } from '../runtime/coordinator-runtime.ts';
import type { AssignmentMemberSpec, PartitionAssignor } from './assignors/partition-assignor.ts';
import type { ConsumerGroup } from './consumer-group.ts';
import { assignmentsEqual, EMPTY_ASSIGNMENT, type Assignment, type ConsumerGroupMember } from './consumer-group-member.ts';
import { targetAssignmentEpochRecord, targetAssignmentRecord, type SubscriptionMetadata } from './consumer-group-records.ts';

/**
 * The id and partition count of every subscribed topic that exists: what the target assignment is
 * computed from. When it changes (a topic created, deleted or grown) the group epoch is bumped and
 * the target assignment recomputed, as Kafka does with its subscription metadata.
 */
export function computeSubscriptionMetadata(topicNames: Iterable<string>, metadata: TopicsView): Map<string, { topicId: string; numPartitions: number }> {
  const result = new Map<string, { topicId: string; numPartitions: number }>();
  for (const name of [...topicNames].sort()) {
    const topicId = metadata.topicId(name);
    const numPartitions = metadata.partitionCount(name);
    if (topicId !== undefined && numPartitions !== undefined && numPartitions > 0) result.set(name, { topicId, numPartitions });
  }
  return result;
}

export function subscriptionMetadataEquals(a: SubscriptionMetadata, b: SubscriptionMetadata): boolean {
  if (a.size !== b.size) return false;
  for (const [name, topic] of a) {
    const other = b.get(name);
    if (other === undefined || other.topicId !== topic.topicId || other.numPartitions !== topic.numPartitions) return false;
  }
  return true;
}

export interface TargetAssignmentInput {
  readonly group: ConsumerGroup;
  readonly groupEpoch: number;
  readonly assignor: PartitionAssignor;
  readonly subscriptionMetadata: SubscriptionMetadata;
  /** The member as updated by this heartbeat (may be new to the group). */
  readonly updatedMember?: ConsumerGroupMember;
  /** A departed static member the updated member replaces: its target assignment passes on. */
  readonly replacedMemberId?: string;
}

export interface TargetAssignmentResult {
  readonly records: CoordinatorRecord[];
  readonly assignment: ReadonlyMap<string, Assignment>;
}

/**
 * Runs the assignor over the group's members (with the heartbeat's change applied) and returns the
 * records of the delta: a target assignment record for each member whose target changed, then the
 * new target assignment epoch, as Kafka's TargetAssignmentBuilder.
 */
export function computeTargetAssignment(input: TargetAssignmentInput): TargetAssignmentResult {
  const { group, groupEpoch, assignor, subscriptionMetadata, updatedMember, replacedMemberId } = input;
  const members = new Map(group.members);
  if (replacedMemberId !== undefined) members.delete(replacedMemberId);
  if (updatedMember !== undefined) members.set(updatedMember.memberId, updatedMember);

  const specs = new Map<string, AssignmentMemberSpec>();
  for (const member of members.values()) {
    let current = group.targetAssignment.get(member.memberId);
    if (current === undefined && replacedMemberId !== undefined && member.memberId === updatedMember?.memberId) {
      current = group.targetAssignment.get(replacedMemberId);
    }
    const subscribedTopicIds = new Set<string>();
    for (const name of member.subscribedTopicNames) {
      const topic = subscriptionMetadata.get(name);
      if (topic !== undefined) subscribedTopicIds.add(topic.topicId);
    }
    specs.set(member.memberId, {
      memberId: member.memberId, instanceId: member.instanceId, rackId: member.rackId,
      subscribedTopicIds, assignment: current ?? EMPTY_ASSIGNMENT,
    });
  }
  const partitionCounts = new Map([...subscriptionMetadata.values()].map(({ topicId, numPartitions }) => [topicId, numPartitions]));
  const result = assignor.assign({ members: specs }, { numPartitions: (topicId) => partitionCounts.get(topicId) ?? -1 });

  const records: CoordinatorRecord[] = [];
  for (const memberId of [...specs.keys()].sort()) {
    const next = result.get(memberId) ?? EMPTY_ASSIGNMENT;
    const previous = group.targetAssignment.get(memberId);
    if (previous === undefined || !assignmentsEqual(previous, next)) records.push(targetAssignmentRecord(group.groupId, memberId, next));
  }
  records.push(targetAssignmentEpochRecord(group.groupId, groupEpoch));
  return { records, assignment: result };
}
