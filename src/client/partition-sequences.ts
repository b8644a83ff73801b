import { incrementSequence, NO_SEQUENCE, type ProducerBatch } from './producer-batch.ts';
import { tpKey } from './topic-partition.ts';

/**
 * An idempotent producer's bookkeeping for one partition (Java's TxnPartitionEntry): the producer
 * id and epoch its sequences belong to, the next sequence to hand out, the last one the broker
 * acknowledged, and the batches that hold a sequence and are not done yet ("in flight": on the
 * wire, or back in the queue for a retry), ordered by sequence.
 */
export class PartitionSequence {
  producerId: number;
  producerEpoch: number;
  nextSequence = 0;
  lastAckedSequence = NO_SEQUENCE;
  lastAckedOffset = -1;
  readonly inFlight: ProducerBatch[] = [];

  constructor(producerId: number, producerEpoch: number) {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
  }

  addInFlight(batch: ProducerBatch): void {
    let at = this.inFlight.length;
    while (at > 0 && this.inFlight[at - 1]!.baseSequence > batch.baseSequence) at--;
    this.inFlight.splice(at, 0, batch);
  }

  removeInFlight(batch: ProducerBatch): void {
    const at = this.inFlight.indexOf(batch);
    if (at >= 0) this.inFlight.splice(at, 1);
  }

  /** The lowest sequence not yet done, NO_SEQUENCE when nothing is. */
  get firstInFlightSequence(): number {
    return this.inFlight.length === 0 ? NO_SEQUENCE : this.inFlight[0]!.baseSequence;
  }

  maybeUpdateLastAckedSequence(sequence: number): number {
    if (sequence > this.lastAckedSequence) this.lastAckedSequence = sequence;
    return this.lastAckedSequence;
  }

  /**
   * A new producer epoch (or id): the batches not done yet get sequences from 0 in their order, so
   * the broker sees the new epoch begin at 0 and continue without a gap.
   */
  startSequencesAtBeginning(producerId: number, producerEpoch: number): void {
    let sequence = 0;
    for (const batch of this.inFlight) {
      batch.resetProducerState(producerId, producerEpoch, sequence);
      sequence = incrementSequence(sequence, batch.recordCount);
    }
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.nextSequence = sequence;
    this.lastAckedSequence = NO_SEQUENCE;
  }

  /**
   * A batch the broker refused for good (not written): the batches after it move down by its record
   * count, so they follow the last written one without a gap (transactional producers only; an
   * idempotent one bumps its epoch instead).
   */
  adjustSequencesDueToFailedBatch(failed: ProducerBatch): void {
    this.nextSequence = Math.max(0, this.nextSequence - failed.recordCount);
    for (const batch of this.inFlight) {
      if (batch.baseSequence < failed.baseSequence) continue;
      batch.resetProducerState(batch.producerId, batch.producerEpoch, Math.max(0, batch.baseSequence - failed.recordCount));
    }
  }
}

/** PartitionSequence per partition, created on first use with the producer's current id and epoch. */
export class PartitionSequences {
  readonly #entries = new Map<string, PartitionSequence>();

  get(topic: string, partition: number): PartitionSequence | undefined {
    return this.#entries.get(tpKey(topic, partition));
  }

  getOrCreate(topic: string, partition: number, producerId: number, producerEpoch: number): PartitionSequence {
    const key = tpKey(topic, partition);
    let entry = this.#entries.get(key);
    if (entry === undefined) this.#entries.set(key, entry = new PartitionSequence(producerId, producerEpoch));
    return entry;
  }

  remove(topic: string, partition: number): void {
    this.#entries.delete(tpKey(topic, partition));
  }

  clear(): void {
    this.#entries.clear();
  }
}
