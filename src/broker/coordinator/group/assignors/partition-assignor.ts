/**
 * Server-side assignors of KIP-848 consumer groups: the coordinator computes the target assignment of
 * every member from the members' subscriptions and the partition counts of the subscribed topics.
 * An assignor is a pure function: same input, same output (the result is written to the log, so a
 * reload never re-runs it).
 */

/** topicId -> partitions. */
export type TopicPartitionsById = ReadonlyMap<string, ReadonlySet<number>>;

export interface AssignmentMemberSpec {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  /** Ids of the subscribed topics that exist. */
  readonly subscribedTopicIds: ReadonlySet<string>;
  /** The member's current target assignment: what stickiness keeps. */
  readonly assignment: TopicPartitionsById;
}

export interface AssignmentGroupSpec {
  readonly members: ReadonlyMap<string, AssignmentMemberSpec>;
}

export interface SubscribedTopicDescriber {
  /** Partition count of a topic, or -1 when the topic is unknown. */
  numPartitions(topicId: string): number;
}

/** memberId -> its new target assignment. Every member of the spec has an entry. */
export type GroupAssignment = Map<string, Map<string, Set<number>>>;

export interface PartitionAssignor {
  readonly name: string;
  assign(group: AssignmentGroupSpec, topics: SubscribedTopicDescriber): GroupAssignment;
}

export function emptyGroupAssignment(group: AssignmentGroupSpec): GroupAssignment {
  const result: GroupAssignment = new Map();
  for (const memberId of group.members.keys()) result.set(memberId, new Map());
  return result;
}

export function addPartition(assignment: Map<string, Set<number>>, topicId: string, partition: number): void {
  let partitions = assignment.get(topicId);
  if (partitions === undefined) {
    partitions = new Set();
    assignment.set(topicId, partitions);
  }
  partitions.add(partition);
}

export function removePartition(assignment: Map<string, Set<number>>, topicId: string, partition: number): void {
  const partitions = assignment.get(topicId);
  if (partitions === undefined) return;
  partitions.delete(partition);
  if (partitions.size === 0) assignment.delete(topicId);
}

/** Members in a stable order: static members by instance id first would not matter; member id keeps it simple and deterministic. */
export function sortedMemberIds(group: AssignmentGroupSpec): string[] {
  return [...group.members.keys()].sort();
}
