import { DecodeError, Reader } from '../protocol/primitives/reader.ts';
import { Writer } from '../protocol/primitives/writer.ts';
import type { TopicPartition } from './topic-partition.ts';

/** What a sticky assignor learns about a member: the partitions it had and in which generation (-1: unknown). */
export interface StickyMemberData {
  readonly partitions: readonly TopicPartition[];
  readonly generation: number;
}

export const DEFAULT_GENERATION = -1;

/**
 * Java's StickyAssignor userData, "StickyAssignorUserData" in the classic (non-flexible) encoding:
 *   V0: previous_assignment: [topic: string, partitions: [int32]]
 *   V1: V0, then generation: int32
 * The eager StickyAssignor revokes everything before it joins, so its subscription's ownedPartitions
 * are empty: this userData is how the leader learns what each member had. Java writes V1 and reads
 * V1, then V0; bytes it cannot read count as no previous assignment.
 */
export function encodeStickyUserData(data: StickyMemberData): Buffer {
  const byTopic = new Map<string, number[]>();
  for (const tp of data.partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  const w = new Writer();
  w.array([...byTopic], (w, [topic, partitions]) => {
    w.string(topic);
    w.array(partitions, (w, p) => w.int32(p));
  });
  w.int32(data.generation);
  return w.toBuffer();
}

export function decodeStickyUserData(bytes: Buffer): StickyMemberData {
  const r = new Reader(bytes);
  let partitions: TopicPartition[];
  try {
    // A topic entry is at least a 2-byte string length and a 4-byte array count.
    partitions = r.array((r) => {
      const topic = r.string();
      return r.array((r) => r.int32(), 4).map((partition) => ({ topic, partition }));
    }, 6).flat();
  } catch (error) {
    if (error instanceof DecodeError) return { partitions: [], generation: DEFAULT_GENERATION };
    throw error;
  }
  // V0 ends here; trailing bytes of a newer version are ignored, as Java's schema reader does.
  return { partitions, generation: r.remaining >= 4 ? r.int32() : DEFAULT_GENERATION };
}

/**
 * Java's CooperativeStickyAssignor userData: just generation: int32. Subscriptions v2+ carry the
 * generation in their own field, which wins; this is for leaders reading v0/v1 subscriptions.
 */
export function encodeCooperativeUserData(generation: number): Buffer {
  return new Writer().int32(generation).toBuffer();
}

export function decodeCooperativeUserData(bytes: Buffer | null | undefined): number {
  return bytes !== null && bytes !== undefined && bytes.length >= 4 ? bytes.readInt32BE(0) : DEFAULT_GENERATION;
}
