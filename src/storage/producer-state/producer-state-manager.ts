import {
  NUM_BATCHES_TO_RETAIN, newEntry, type BatchMetadata, type ProducerStateEntry,
} from './producer-state-entry.ts';

/** A transaction whose marker was appended (Kafka's CompletedTxn): data from firstOffset, marker at lastOffset. */
export interface CompletedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly isAborted: boolean;
}

/** One entry of an aborted-transaction index (Kafka's AbortedTxn). */
export interface AbortedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The last stable offset when the abort was written: where a read_committed search may stop. */
  readonly lastStableOffset: number;
}

export interface DataBatchUpdate {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastSequence: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
  readonly isTransactional: boolean;
}

export interface MarkerUpdate {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
  readonly offset: number;
  readonly timestamp: number;
}

/**
 * The producer state of one partition (Kafka's ProducerStateManager), kept in step with the log:
 * every appended batch that carries a producer id updates it, as leader, as follower, and when the
 * log is replayed at open. It answers deduplication (the last five batches per producer), the
 * first unstable offset (open transactions, and completed ones whose marker the high watermark
 * has not passed yet) and which producers a partition knows (DescribeProducers).
 */
export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerStateEntry>();
  /** Open transactions, first offset -> producer id; appends come in offset order, so the first key is the least. */
  private readonly ongoing = new Map<number, number>();
  /** Completed transactions whose marker may still be above the high watermark. */
  private unreplicated: CompletedTxn[] = [];
  /** KIP-890: producers whose next transaction on this partition the coordinator confirmed, with the epoch confirmed. */
  private readonly verified = new Map<number, number>();

  entry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  get size(): number {
    return this.producers.size;
  }

  activeProducers(): ProducerStateEntry[] {
    return [...this.producers.values()];
  }

  /** A data batch was appended at [firstOffset, lastOffset] (Kafka's appendDataBatch). */
  updateData(batch: DataBatchUpdate): void {
    const entry = this.entryFor(batch.producerId);
    if (entry.producerEpoch !== batch.producerEpoch) {
      entry.producerEpoch = batch.producerEpoch;
      entry.batches = [];
    }
    const metadata: BatchMetadata = {
      firstSeq: batch.baseSequence, lastSeq: batch.lastSequence, firstOffset: batch.firstOffset, lastOffset: batch.lastOffset, timestamp: batch.maxTimestamp,
    };
    entry.batches.push(metadata);
    if (entry.batches.length > NUM_BATCHES_TO_RETAIN) entry.batches.shift();
    entry.lastTimestamp = batch.maxTimestamp;
    if (batch.isTransactional && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = batch.firstOffset;
      this.ongoing.set(batch.firstOffset, batch.producerId);
      this.verified.delete(batch.producerId);
    }
  }

  /** A COMMIT or ABORT marker was appended (Kafka's appendEndTxnMarker): the producer's transaction ends. */
  updateMarker(marker: MarkerUpdate): CompletedTxn {
    const entry = this.entryFor(marker.producerId);
    if (entry.producerEpoch !== marker.producerEpoch) {
      entry.producerEpoch = marker.producerEpoch;
      entry.batches = [];
    }
    const firstOffset = entry.currentTxnFirstOffset >= 0 ? entry.currentTxnFirstOffset : marker.offset;
    if (entry.currentTxnFirstOffset >= 0) this.ongoing.delete(entry.currentTxnFirstOffset);
    entry.currentTxnFirstOffset = -1;
    entry.coordinatorEpoch = marker.coordinatorEpoch;
    entry.lastTimestamp = marker.timestamp;
    this.verified.delete(marker.producerId);
    const completed = { producerId: marker.producerId, firstOffset, lastOffset: marker.offset, isAborted: !marker.commit };
    this.unreplicated.push(completed);
    return completed;
  }

  /** The last stable offset an abort records (Kafka's lastStableOffset(completedTxn)): the next other open transaction, or after the marker. */
  lastStableOffsetAfter(completed: CompletedTxn): number {
    for (const [firstOffset, producerId] of this.ongoing) if (producerId !== completed.producerId) return firstOffset;
    return completed.lastOffset + 1;
  }

  /**
   * The first offset a read_committed consumer may not read yet, given the high watermark: the
   * start of the oldest open transaction, or of a completed one whose marker is not below the
   * high watermark (it could still be lost with this leader). Undefined when nothing is unstable.
   */
  firstUnstableOffset(highWatermark: number): number | undefined {
    this.onHighWatermarkUpdated(highWatermark);
    let first: number | undefined;
    for (const firstOffset of this.ongoing.keys()) { first = firstOffset; break; }
    for (const txn of this.unreplicated) if (first === undefined || txn.firstOffset < first) first = txn.firstOffset;
    return first;
  }

  /** The high watermark moved (Kafka's onHighWatermarkUpdated): completed transactions whose marker is below it are replicated. */
  onHighWatermarkUpdated(highWatermark: number): void {
    if (this.unreplicated.length > 0) this.unreplicated = this.unreplicated.filter((txn) => txn.lastOffset >= highWatermark);
  }

  /** The open transactions, oldest first: DescribeProducers' and find-hanging's view. */
  ongoingTransactions(): { producerId: number; firstOffset: number }[] {
    return [...this.ongoing].map(([firstOffset, producerId]) => ({ producerId, firstOffset }));
  }

  // KIP-890 part 1: a transactional batch that would open a transaction on this partition is
  // appended only after the transaction coordinator confirmed the partition is in the producer's
  // transaction. The confirmation is forgotten when the transaction opens or a marker ends it, so a
  // late produce from an aborted transaction cannot open a new one that nobody will ever end.

  needsVerification(producerId: number): boolean {
    const entry = this.producers.get(producerId);
    return entry === undefined || entry.currentTxnFirstOffset < 0;
  }

  markVerified(producerId: number, producerEpoch: number): void {
    this.verified.set(producerId, producerEpoch);
  }

  isVerified(producerId: number, producerEpoch: number): boolean {
    return this.verified.get(producerId) === producerEpoch;
  }

  /**
   * producer.id.expiration.ms: forgets producers idle that long with no open transaction (Kafka's
   * removeExpiredProducers). Returns how many went.
   */
  removeExpired(nowMs: number, expirationMs: number): number {
    let removed = 0;
    for (const [producerId, entry] of this.producers) {
      if (entry.currentTxnFirstOffset < 0 && nowMs - entry.lastTimestamp >= expirationMs) {
        this.producers.delete(producerId);
        this.verified.delete(producerId);
        removed += 1;
      }
    }
    return removed;
  }

  /** Restores one producer as a snapshot holds it; call in the snapshot's order. */
  restore(entry: ProducerStateEntry): void {
    this.producers.set(entry.producerId, entry);
    if (entry.currentTxnFirstOffset >= 0) this.ongoing.set(entry.currentTxnFirstOffset, entry.producerId);
  }

  /** Restores open transactions in offset order, whatever order the snapshot listed their producers in. */
  sortOngoing(): void {
    const sorted = [...this.ongoing].sort((a, b) => a[0] - b[0]);
    this.ongoing.clear();
    for (const [firstOffset, producerId] of sorted) this.ongoing.set(firstOffset, producerId);
  }

  private entryFor(producerId: number): ProducerStateEntry {
    let entry = this.producers.get(producerId);
    if (entry === undefined) {
      entry = newEntry(producerId);
      this.producers.set(producerId, entry);
    }
    return entry;
  }
}
