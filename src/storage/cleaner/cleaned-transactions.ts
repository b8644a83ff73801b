import { BatchHeader } from '../../protocol/records/batch-header.ts';
import { ControlRecordType, controlRecordType, decodeRecordBatch } from '../../protocol/records/record-batch.ts';
import type { ProducerStateEntry } from '../producer-state/producer-state-entry.ts';
import type { AbortedTxn } from '../producer-state/producer-state-manager.ts';

/**
 * What one cleaning pass knows of transactions while it reads the log in offset order (Kafka's
 * CleanedTransactionMetadata). Fed the aborted transactions of the range it reads (from the
 * .txnindex files), it tells for each batch:
 * - a data batch of a producer inside an aborted transaction is aborted: its records go, and they
 *   never enter the offset map (an aborted value must not supersede a committed one);
 * - an ABORT marker stays while this pass read batches of its transaction (removed by this same
 *   pass), and its index entry stays with it; so a reader never meets aborted data without the
 *   entry that tells it so, nor an entry whose marker is gone;
 * - a COMMIT marker stays while this pass read data of its transaction;
 * - any other marker is removable: its transaction has no data left. It is then kept like a
 *   tombstone, until the delete horizon (KIP-534) set by the first pass that found it removable,
 *   so a consumer that read the transaction's data shortly before still meets its end.
 * One instance serves one phase of one pass (building the map, or cleaning every group in order).
 */
export class CleanedTransactions {
  /** Aborted transactions not reached yet, by first offset; `next` is the first not reached. */
  private pending: AbortedTxn[] = [];
  private next = 0;
  /** Marker offsets of the transactions added, so a transaction spanning groups is added once. */
  private readonly added = new Set<number>();
  /** Producers inside an aborted transaction, and whether a batch of it was read. */
  private readonly aborting = new Map<number, { txn: AbortedTxn; sawData: boolean }>();
  /** Producers with transactional data read since their last marker. */
  private readonly committing = new Set<number>();
  /** ABORT markers kept since the last `takeKept`: the .txnindex of the segment being written. */
  private kept: AbortedTxn[] = [];

  /** Aborted transactions reaching into the range about to be read; ones already added are ignored. */
  addAborted(txns: readonly AbortedTxn[]): void {
    const fresh = txns.filter((txn) => !this.added.has(txn.lastOffset));
    if (fresh.length === 0) return;
    for (const txn of fresh) this.added.add(txn.lastOffset);
    this.pending = [...this.pending.slice(this.next), ...fresh].sort((a, b) => a.firstOffset - b.firstOffset);
    this.next = 0;
  }

  /** A data batch was read; returns whether it belongs to an aborted transaction. */
  onDataBatch(header: BatchHeader): boolean {
    this.reach(header.lastOffset);
    if (!header.isTransactional) return false;
    const aborting = this.aborting.get(header.producerId);
    if (aborting !== undefined) {
      aborting.sawData = true;
      return true;
    }
    this.committing.add(header.producerId);
    return false;
  }

  /** A control batch was read (`batch` starts with it); returns whether it is removable. */
  onControlBatch(batch: Buffer, header: BatchHeader): boolean {
    this.reach(header.lastOffset);
    const record = decodeRecordBatch(batch, header.position).records[0];
    if (record === undefined) return true; // emptied by an earlier pass
    const producerId = header.producerId;
    switch (controlRecordType(record)) {
      case ControlRecordType.ABORT: {
        const aborting = this.aborting.get(producerId);
        this.aborting.delete(producerId);
        if (aborting === undefined || !aborting.sawData) return true;
        this.kept.push(aborting.txn);
        return false;
      }
      case ControlRecordType.COMMIT:
        return !this.committing.delete(producerId);
      default:
        return false;
    }
  }

  /** The ABORT markers kept since the last call, in marker order. */
  takeKept(): AbortedTxn[] {
    const kept = this.kept;
    this.kept = [];
    return kept;
  }

  private reach(offset: number): void {
    while (this.next < this.pending.length && this.pending[this.next].firstOffset <= offset) {
      const txn = this.pending[this.next];
      if (!this.aborting.has(txn.producerId)) this.aborting.set(txn.producerId, { txn, sawData: false });
      this.next += 1;
    }
  }
}

/** A producer's last appended data, or its last marker's epoch when it has no data since (Kafka's LastRecord). */
export interface LastRecordOfProducer {
  readonly lastDataOffset: number;
  readonly producerEpoch: number;
}

/** Per producer id, the record that carries its state (Kafka's lastRecordsOfActiveProducers). */
export function lastRecordsOfProducers(producers: readonly ProducerStateEntry[]): Map<number, LastRecordOfProducer> {
  const last = new Map<number, LastRecordOfProducer>();
  for (const entry of producers) {
    const lastBatch = entry.batches[entry.batches.length - 1];
    last.set(entry.producerId, { lastDataOffset: lastBatch === undefined ? -1 : lastBatch.lastOffset, producerEpoch: entry.producerEpoch });
  }
  return last;
}

/**
 * Whether the batch holds what the producer state of its producer rests on: its last data batch
 * (last sequence), or, with no data since, its last marker (latest epoch, for fencing). Such a
 * batch stays, emptied if its records go, so a replay of the log rebuilds the same state.
 */
export function isLastRecordOfProducer(header: BatchHeader, last: ReadonlyMap<number, LastRecordOfProducer>): boolean {
  if (header.producerId < 0) return false;
  const record = last.get(header.producerId);
  if (record === undefined) return false;
  return record.lastDataOffset >= 0 ? header.lastOffset === record.lastDataOffset : header.isControl && header.producerEpoch === record.producerEpoch;
}
