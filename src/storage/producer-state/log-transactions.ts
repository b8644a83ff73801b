import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { BatchHeader } from '../../protocol/records/batch-header.ts';
import { decodeEndTransactionMarker } from '../../protocol/records/control-record.ts';
import { ControlRecordType, controlRecordType, decodeRecordBatch } from '../../protocol/records/record-batch.ts';
import { checkClientBatch, checkMarker, findDuplicate, type BatchMetadata } from './producer-state-entry.ts';
import { ProducerStateManager, type AbortedTxn } from './producer-state-manager.ts';
import { deleteSnapshot, listSnapshots, readSnapshot, writeSnapshot } from './producer-snapshot-file.ts';
import { TransactionIndexes } from './transaction-index.ts';

/** Who appends as leader: a client's Produce, or a coordinator (group or transaction markers). */
export type AppendOrigin = 'client' | 'coordinator';

export interface LogTransactionsOptions {
  readonly dir: string;
  readonly name: string;
  readonly segmentBaseOffsets: readonly number[];
  readonly logEndOffset: number;
  /** The log stopped cleanly: its state is in the snapshot at its end (or, with none, it predates producer state). */
  readonly cleanShutdown: boolean;
  /** Whole batches from the one containing `offset`, at least one, about `maxBytes`; empty at the log end. */
  readonly read: (offset: number, maxBytes: number) => Buffer;
  /** The base offset of the segment that holds `offset`: where an abort's index entry goes. */
  readonly segmentBaseOf: (offset: number) => number;
}

/** Replays read the log in chunks this big. */
const REPLAY_CHUNK_BYTES = 1 << 20;
const NO_PRODUCER_ID = -1;

/**
 * A log's producer state, its snapshots and its aborted-transaction indexes, kept in step with the
 * segments (Kafka keeps these in UnifiedLog and LogLoader). Work is per batch header; only a
 * control batch, a single small record, is decoded.
 *
 * Snapshots: one at each roll (the state of everything before the new segment) and one at the log
 * end on a clean close, so opening after a clean stop replays nothing. After a crash, or a
 * truncation, the state is the newest snapshot at or below the log end, and the batches after it
 * replayed; the index entries of the replayed range are written again on the way.
 */
export class LogTransactions {
  private readonly options: LogTransactionsOptions;
  private producers = new ProducerStateManager();
  readonly indexes: TransactionIndexes;

  constructor(options: LogTransactionsOptions) {
    this.options = options;
    this.indexes = TransactionIndexes.load(options.dir, options.segmentBaseOffsets);
    const snapshots = listSnapshots(options.dir);
    if (options.cleanShutdown && snapshots.length === 0) return; // written before producer state existed
    this.reload(options.logEndOffset, options.segmentBaseOffsets[0] ?? 0);
  }

  get producerState(): ProducerStateManager {
    return this.producers;
  }

  /**
   * The leader's checks before offsets are assigned (Kafka's analyzeAndValidateProducerState):
   * returns the original batch when a client's single batch repeats one already appended (its
   * answer is that batch's offsets, nothing is written); throws Kafka's error for a batch out of
   * sequence, of an old epoch, a marker of a fenced coordinator, or a transaction not verified.
   */
  checkLeaderAppend(batches: Buffer, origin: AppendOrigin, requireVerification: boolean): BatchMetadata | undefined {
    for (let position = 0; position < batches.length;) {
      const header = new BatchHeader(batches, position);
      position += header.sizeInBytes;
      const producerId = header.producerId;
      if (header.isControl && origin === 'client') {
        throw new KafkaError(ErrorCode.INVALID_RECORD, `Clients may not write control batches to ${this.options.name}`);
      }
      if (producerId === NO_PRODUCER_ID) continue;
      const entry = this.producers.entry(producerId);
      if (header.isControl) {
        const marker = markerOf(batches, header);
        if (marker !== undefined) checkMarker(entry, producerId, header.producerEpoch, marker.coordinatorEpoch, this.options.name);
        continue;
      }
      if (origin !== 'client') {
        // A coordinator's batch (TxnOffsetCommit's) carries no sequence to check, but a fenced epoch is refused (Kafka's checkProducerEpoch).
        if (entry !== undefined && header.producerEpoch < entry.producerEpoch) {
          throw new KafkaError(ErrorCode.INVALID_PRODUCER_EPOCH, `Epoch of producer ${producerId} in ${this.options.name} is ${header.producerEpoch}, which is smaller than the last seen epoch ${entry.producerEpoch}`);
        }
        this.checkVerified(header, requireVerification);
        continue;
      }
      const lastSequence = lastSequenceOf(header.baseSequence, header.lastOffsetDelta);
      const duplicate = findDuplicate(entry, header.producerEpoch, header.baseSequence, lastSequence);
      if (duplicate !== undefined && header.sizeInBytes === batches.length) return duplicate;
      checkClientBatch(entry, { producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence, lastSequence, isTransactional: header.isTransactional }, this.options.name);
      this.checkVerified(header, requireVerification);
    }
    return undefined;
  }

  /** KIP-890: a transactional batch that opens a transaction here must have been verified with its coordinator, and not ended since. */
  private checkVerified(header: BatchHeader, requireVerification: boolean): void {
    const producerId = header.producerId;
    if (header.isTransactional && requireVerification && this.producers.needsVerification(producerId)
      && !this.producers.isVerified(producerId, header.producerEpoch)) {
      throw new KafkaError(ErrorCode.INVALID_TXN_STATE,
        `The transaction of producer ${producerId} was not verified to include ${this.options.name}, or ended before this write`);
    }
  }

  /** Batches were appended (offsets assigned) to the segment starting at `segmentBaseOffset`. */
  appended(batches: Buffer, segmentBaseOffset: number): void {
    for (let position = 0; position < batches.length;) {
      const header = new BatchHeader(batches, position);
      position += header.sizeInBytes;
      if (header.producerId !== NO_PRODUCER_ID) this.apply(batches, header, segmentBaseOffset);
    }
  }

  /** A new segment starts at `baseOffset`: the state of everything before it is kept as a snapshot. */
  rolled(baseOffset: number): void {
    writeSnapshot(this.options.dir, baseOffset, this.producers.activeProducers());
  }

  /** The log was cut to end at `offset`: later snapshots and index entries go, and the state is rebuilt up to it. */
  truncated(offset: number, firstSegmentBaseOffset: number): void {
    for (const snapshot of listSnapshots(this.options.dir)) if (snapshot > offset) deleteSnapshot(this.options.dir, snapshot);
    this.reload(offset, firstSegmentBaseOffset);
  }

  /** The log restarts empty at `offset`: nothing is known of any producer. */
  truncatedFully(): void {
    for (const snapshot of listSnapshots(this.options.dir)) deleteSnapshot(this.options.dir, snapshot);
    this.indexes.truncateTo(0);
    this.producers = new ProducerStateManager();
  }

  /** Segments went below `firstSegmentBaseOffset`: their indexes and the snapshots before it go (Kafka's deleteSnapshotsBefore). */
  segmentsDeleted(baseOffsets: readonly number[], firstSegmentBaseOffset: number): void {
    for (const base of baseOffsets) this.indexes.remove(base);
    for (const snapshot of listSnapshots(this.options.dir)) if (snapshot < firstSegmentBaseOffset) deleteSnapshot(this.options.dir, snapshot);
  }

  /** A clean close: the state at the log end, so the next open replays nothing. */
  close(logEndOffset: number): void {
    writeSnapshot(this.options.dir, logEndOffset, this.producers.activeProducers());
  }

  /** The aborted transactions a read_committed fetch of [fetchOffset, upperBoundOffset) must be told of. */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return this.indexes.collect(fetchOffset, upperBoundOffset);
  }

  private apply(batches: Buffer, header: BatchHeader, segmentBaseOffset: number): void {
    if (!header.isControl) {
      const baseSequence = header.baseSequence;
      this.producers.updateData({
        producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence, lastSequence: lastSequenceOf(baseSequence, header.lastOffsetDelta),
        firstOffset: header.baseOffset, lastOffset: header.lastOffset, maxTimestamp: header.maxTimestamp, isTransactional: header.isTransactional,
      });
      return;
    }
    const marker = markerOf(batches, header);
    if (marker === undefined) return;
    const completed = this.producers.updateMarker({
      producerId: header.producerId, producerEpoch: header.producerEpoch, coordinatorEpoch: marker.coordinatorEpoch,
      commit: marker.commit, offset: header.baseOffset, timestamp: header.maxTimestamp,
    });
    if (completed.isAborted) {
      const { producerId, firstOffset, lastOffset } = completed;
      this.indexes.append(segmentBaseOffset, { producerId, firstOffset, lastOffset, lastStableOffset: this.producers.lastStableOffsetAfter(completed) });
    }
  }

  /** The newest readable snapshot at or below `endOffset`, then the batches after it, up to `endOffset`. */
  private reload(endOffset: number, firstSegmentBaseOffset: number): void {
    const { dir } = this.options;
    this.producers = new ProducerStateManager();
    let from = firstSegmentBaseOffset;
    for (const snapshot of listSnapshots(dir).reverse()) {
      if (snapshot > endOffset || snapshot < firstSegmentBaseOffset) continue;
      const entries = readSnapshot(dir, snapshot);
      if (entries === undefined) {
        deleteSnapshot(dir, snapshot); // torn by a crash
        continue;
      }
      for (const entry of entries) this.producers.restore(entry);
      this.producers.sortOngoing();
      from = snapshot;
      break;
    }
    this.indexes.truncateTo(from);
    this.replay(from, endOffset);
  }

  private replay(from: number, endOffset: number): void {
    let offset = from;
    while (offset < endOffset) {
      const chunk = this.options.read(offset, REPLAY_CHUNK_BYTES);
      if (chunk.length === 0) return;
      for (let position = 0; position < chunk.length;) {
        const header = new BatchHeader(chunk, position);
        position += header.sizeInBytes;
        if (header.lastOffset < offset) continue;
        if (header.baseOffset >= endOffset) return;
        if (header.producerId !== NO_PRODUCER_ID) this.apply(chunk, header, this.options.segmentBaseOf(header.baseOffset));
        offset = header.lastOffset + 1;
      }
    }
  }
}

/** A batch's last sequence: int32 sequences wrap to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  if (baseSequence < 0) return baseSequence;
  return baseSequence > 0x7fff_ffff - lastOffsetDelta ? lastOffsetDelta - (0x7fff_ffff - baseSequence) - 1 : baseSequence + lastOffsetDelta;
}

/** A transaction marker's result and coordinator epoch; undefined for other control records (none reach a data topic). */
function markerOf(batches: Buffer, header: BatchHeader): { commit: boolean; coordinatorEpoch: number } | undefined {
  const record = decodeRecordBatch(batches, header.position).records[0];
  if (record === undefined) return undefined;
  const type = controlRecordType(record);
  if (type !== ControlRecordType.ABORT && type !== ControlRecordType.COMMIT) return undefined;
  return { commit: type === ControlRecordType.COMMIT, coordinatorEpoch: decodeEndTransactionMarker(record).coordinatorEpoch };
}
