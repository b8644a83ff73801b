import type { OffsetAndMetadata } from './offset-records.ts';

/** An offset as a shard holds it: with the offset of the record in __consumer_offsets it was replayed from. */
export interface StoredOffset extends OffsetAndMetadata {
  /**
   * Where its record is in the log: a transaction's offset, written before a plain commit of the
   * same partition but committed after it, must not replace it (Kafka keeps the later record).
   */
  readonly recordOffset: number;
}

/** Offsets by group id, topic and partition; empty levels are removed, so a group without offsets is absent. */
export class OffsetStore {
  private readonly byGroup = new Map<string, Map<string, Map<number, StoredOffset>>>();

  get(groupId: string, topic: string, partition: number): StoredOffset | undefined {
    return this.byGroup.get(groupId)?.get(topic)?.get(partition);
  }

  has(groupId: string, topic: string, partition: number): boolean {
    return this.get(groupId, topic, partition) !== undefined;
  }

  put(groupId: string, topic: string, partition: number, offset: StoredOffset): void {
    let byTopic = this.byGroup.get(groupId);
    if (byTopic === undefined) this.byGroup.set(groupId, (byTopic = new Map()));
    let partitions = byTopic.get(topic);
    if (partitions === undefined) byTopic.set(topic, (partitions = new Map()));
    partitions.set(partition, offset);
  }

  remove(groupId: string, topic: string, partition: number): void {
    const byTopic = this.byGroup.get(groupId);
    const partitions = byTopic?.get(topic);
    if (byTopic === undefined || partitions === undefined) return;
    partitions.delete(partition);
    if (partitions.size === 0) byTopic.delete(topic);
    if (byTopic.size === 0) this.byGroup.delete(groupId);
  }

  /** The group's offsets by topic and partition; undefined when it has none. */
  group(groupId: string): ReadonlyMap<string, ReadonlyMap<number, StoredOffset>> | undefined {
    return this.byGroup.get(groupId);
  }

  groupIds(): string[] {
    return [...this.byGroup.keys()];
  }

  /** Every offset: [groupId, topic, partition, offset]. */
  *entries(): Generator<[string, string, number, StoredOffset]> {
    for (const [groupId, byTopic] of this.byGroup) {
      for (const [topic, partitions] of byTopic) {
        for (const [partition, offset] of partitions) yield [groupId, topic, partition, offset];
      }
    }
  }
}
