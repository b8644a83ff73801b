import type { TopicPartition } from './topic-partition.ts';

/** A partition the member owns, with its topic's id: heartbeats name topics by id, users by name. */
export interface OwnedPartition extends TopicPartition {
  readonly topicId: string;
}

/** Partitions by topic id, as ConsumerGroupHeartbeat carries them both ways. */
export interface TopicIdPartitions {
  readonly topicId: string;
  readonly partitions: readonly number[];
}

export interface Reconciliation {
  /** Owned but no longer assigned: give them up (onPartitionsRevoked) before taking anything. */
  readonly revoked: OwnedPartition[];
  /** Assigned, not owned yet, and their topic's name is known: take them (onPartitionsAssigned). */
  readonly added: OwnedPartition[];
  /** Assigned topic ids the metadata cannot name yet: kept for a later round, after a refresh. */
  readonly unresolved: string[];
}

const idKey = (topicId: string, partition: number): string => `${topicId}:${partition}`;

/**
 * One step of KIP-848's member-side reconciliation (Java's ConsumerMembershipManager): compares
 * what the member owns with the target the coordinator sent. Ownership is compared by topic id,
 * so a topic deleted and re-created under the same name is a different topic; partitions of topics
 * the metadata cannot name yet wait (the broker never asks a member to revoke what it did not get).
 */
export function reconcile(owned: readonly OwnedPartition[], target: readonly TopicIdPartitions[], topicName: (topicId: string) => string | undefined): Reconciliation {
  const assigned = new Set(target.flatMap((t) => t.partitions.map((p) => idKey(t.topicId, p))));
  const ownedKeys = new Set(owned.map((o) => idKey(o.topicId, o.partition)));
  const revoked = owned.filter((o) => !assigned.has(idKey(o.topicId, o.partition)));
  const added: OwnedPartition[] = [];
  const unresolved: string[] = [];
  for (const { topicId, partitions } of target) {
    const topic = topicName(topicId);
    if (topic === undefined) {
      unresolved.push(topicId);
      continue;
    }
    for (const partition of [...partitions].sort((a, b) => a - b)) {
      if (!ownedKeys.has(idKey(topicId, partition))) added.push({ topic, partition, topicId });
    }
  }
  return { revoked, added, unresolved };
}

/** The owned partitions as a heartbeat's TopicPartitions: grouped by topic id, sorted, so equal sets compare equal. */
export function byTopicId(owned: readonly OwnedPartition[]): TopicIdPartitions[] {
  const grouped = new Map<string, number[]>();
  for (const { topicId, partition } of owned) {
    let list = grouped.get(topicId);
    if (list === undefined) grouped.set(topicId, list = []);
    list.push(partition);
  }
  return [...grouped].sort(([a], [b]) => a.localeCompare(b)).map(([topicId, partitions]) => ({ topicId, partitions: partitions.sort((a, b) => a - b) }));
}

/** Plain TopicPartitions for the hooks and the user's listener (no topic ids). */
export function topicPartitions(partitions: readonly OwnedPartition[]): TopicPartition[] {
  return partitions.map(({ topic, partition }) => ({ topic, partition }));
}
