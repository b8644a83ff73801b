import type { Admin, GroupDescription, TopicPartitionOffset } from '../../client/index.ts';
import { keyOf } from '../../client/index.ts';
import type { GroupPartitionOffset } from '../api-types.ts';
import { allTopicsMetadata, partitionOffsets, type PartitionOffsets } from './cluster-state.ts';

/**
 * Start and end offsets of the partitions named, for lag: only partitions the cluster still has
 * and that have a leader (a deleted topic's committed offsets stay until the group expires).
 */
export async function offsetsOf(admin: Admin, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<Map<string, PartitionOffsets>> {
  if (partitions.length === 0) return new Map();
  const wanted = new Set(partitions.map(keyOf));
  const metadata = await allTopicsMetadata(admin);
  const topics = [...new Set(partitions.map((p) => p.topic))].flatMap((name) => {
    const topic = metadata.topics.get(name);
    return topic === undefined ? [] : [{ ...topic, partitions: topic.partitions.filter((p) => wanted.has(keyOf({ topic: name, partition: p.partition }))) }];
  });
  return partitionOffsets(admin, topics);
}

/** A committed offset, or null for "none" (OffsetFetch answers -1). */
const committedOf = (c: TopicPartitionOffset | undefined): number | null => (c === undefined || c.offset < 0 ? null : c.offset);

/**
 * A group's offsets per partition, as kafka-consumer-groups --describe shows them: every partition
 * with a committed offset or assigned to a member; lag = end offset - committed offset.
 */
export function groupOffsets(
  description: GroupDescription | null, committed: readonly TopicPartitionOffset[], offsets: ReadonlyMap<string, PartitionOffsets>,
): GroupPartitionOffset[] {
  const owners = new Map<string, { memberId: string; clientId: string }>();
  for (const member of description?.members ?? []) {
    for (const tp of member.assignment) owners.set(keyOf(tp), { memberId: member.memberId, clientId: member.clientId });
  }
  const byKey = new Map(committed.map((c) => [keyOf(c), c]));
  const keys = new Map<string, { topic: string; partition: number }>();
  for (const c of committed) keys.set(keyOf(c), { topic: c.topic, partition: c.partition });
  for (const member of description?.members ?? []) for (const tp of member.assignment) keys.set(keyOf(tp), tp);
  return [...keys].map(([key, tp]) => {
    const committedOffset = committedOf(byKey.get(key));
    const o = offsets.get(key);
    const endOffset = o?.endOffset ?? -1;
    const owner = owners.get(key);
    return {
      topic: tp.topic, partition: tp.partition, committedOffset, startOffset: o?.startOffset ?? -1, endOffset,
      lag: committedOffset === null || o === undefined ? null : Math.max(0, endOffset - committedOffset),
      memberId: owner?.memberId ?? null, clientId: owner?.clientId ?? null,
    };
  }).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

export function totalLag(offsets: readonly GroupPartitionOffset[]): number {
  return offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0);
}

/** The total lag of one group now: committed offsets against end offsets (members do not matter). */
export async function groupTotalLag(admin: Admin, groupId: string): Promise<number> {
  const committed = await admin.listConsumerGroupOffsets(groupId);
  return totalLag(groupOffsets(null, committed, await offsetsOf(admin, committed)));
}
