import { OffsetStore, type StoredOffset } from './offset-store.ts';

interface OpenTransaction {
  readonly offsets: OffsetStore;
  /** Every group the transaction committed offsets for, even those whose offsets were deleted since. */
  readonly groups: Set<string>;
}

/**
 * Offsets committed by TxnOffsetCommit in transactions still open (Kafka's
 * pendingTransactionalOffsets and openTransactionsByGroup), by producer id. They are no one's
 * committed offsets until the transaction's COMMIT marker moves them over; an ABORT marker drops
 * them. A group keeps an open transaction from its first transactional commit to the marker.
 */
export class PendingTransactionalOffsets {
  private readonly byProducer = new Map<bigint, OpenTransaction>();
  private readonly openByGroup = new Map<string, Set<bigint>>();

  add(producerId: bigint, groupId: string, topic: string, partition: number, offset: StoredOffset): void {
    let transaction = this.byProducer.get(producerId);
    if (transaction === undefined) this.byProducer.set(producerId, (transaction = { offsets: new OffsetStore(), groups: new Set() }));
    transaction.offsets.put(groupId, topic, partition, offset);
    transaction.groups.add(groupId);
    let producers = this.openByGroup.get(groupId);
    if (producers === undefined) this.openByGroup.set(groupId, (producers = new Set()));
    producers.add(producerId);
  }

  /** Whether an open transaction holds an offset for the partition (OffsetFetch's UNSTABLE_OFFSET_COMMIT). */
  has(groupId: string, topic: string, partition: number): boolean {
    for (const producerId of this.openByGroup.get(groupId) ?? []) {
      if (this.byProducer.get(producerId)?.offsets.has(groupId, topic, partition) === true) return true;
    }
    return false;
  }

  hasOpenTransactions(groupId: string): boolean {
    return this.openByGroup.has(groupId);
  }

  /** A tombstone for the partition: no open transaction's offset for it survives. */
  remove(groupId: string, topic: string, partition: number): void {
    for (const producerId of this.openByGroup.get(groupId) ?? []) this.byProducer.get(producerId)?.offsets.remove(groupId, topic, partition);
  }

  /** The producer's transaction ended: its offsets (to commit, or not), which are pending no more. */
  complete(producerId: bigint): OffsetStore | undefined {
    const transaction = this.byProducer.get(producerId);
    if (transaction === undefined) return undefined;
    this.byProducer.delete(producerId);
    for (const groupId of transaction.groups) {
      const producers = this.openByGroup.get(groupId);
      producers?.delete(producerId);
      if (producers?.size === 0) this.openByGroup.delete(groupId);
    }
    return transaction.offsets;
  }

  /** The group's pending offsets, of every open transaction: [topic, partition]. */
  *partitions(groupId: string): Generator<[string, number]> {
    for (const producerId of this.openByGroup.get(groupId) ?? []) {
      for (const [topic, partitions] of this.byProducer.get(producerId)?.offsets.group(groupId) ?? []) {
        for (const partition of partitions.keys()) yield [topic, partition];
      }
    }
  }

  /** Every pending offset: [producerId, groupId, topic, partition, offset]. */
  *entries(): Generator<[bigint, string, string, number, StoredOffset]> {
    for (const [producerId, transaction] of this.byProducer) {
      for (const entry of transaction.offsets.entries()) yield [producerId, ...entry];
    }
  }

  /** Open transactions by group, for state comparisons: [groupId, producer ids]. */
  openTransactions(): [string, bigint[]][] {
    return [...this.openByGroup].map(([groupId, producers]) => [groupId, [...producers]]);
  }
}
