/** Test support for the cleaner's transaction tests: producers writing to a real log, and a read_committed reader. */
import { buildEndTransactionMarker } from '../../protocol/records/control-record.ts';
import { buildRecordBatch } from '../../protocol/records/record-batch-builder.ts';
import { ControlRecordType, controlRecordType } from '../../protocol/records/record-batch.ts';
import type { PartitionLog } from '../partition-log.ts';
import { readBatches, type ReadRecord } from './cleaner-fixture.ts';

/** Idempotent and transactional producers of one log, each at epoch 0, with their sequences. */
export class Producers {
  private readonly log: PartitionLog;
  private readonly sequences = new Map<number, number>();

  constructor(log: PartitionLog) {
    this.log = log;
  }

  /** One batch of `producerId` (transactional unless told otherwise); returns its first offset. */
  send(producerId: number, records: ReadonlyArray<readonly [key: string, value: string | null]>, transactional = true): number {
    const sequence = this.sequences.get(producerId) ?? 0;
    this.sequences.set(producerId, sequence + records.length);
    const batch = buildRecordBatch(records.map(([key, value]) => ({
      key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: 1_000,
    })), { producerId, producerEpoch: 0, baseSequence: sequence, isTransactional: transactional });
    return this.log.appendAsLeader(batch, 0).firstOffset;
  }

  commit(producerId: number): number {
    return this.marker(producerId, true);
  }

  abort(producerId: number): number {
    return this.marker(producerId, false);
  }

  /** The marker as the transaction coordinator writes it (WriteTxnMarkers); returns its offset. */
  private marker(producerId: number, commit: boolean): number {
    const marker = buildEndTransactionMarker({ type: commit ? 1 : 0, coordinatorEpoch: 0, producerId, producerEpoch: 0, timestamp: 1_000 });
    return this.log.appendAsLeader(marker, 0, -1, { origin: 'coordinator' }).firstOffset;
  }
}

/**
 * The records a read_committed consumer reading the whole log from its start gets, as Kafka's
 * consumer does it: the fetch's aborted transactions (here abortedTransactions over the log) name,
 * by first offset, producers whose transactional batches are skipped until their ABORT marker.
 */
export function readCommitted(log: PartitionLog): ReadRecord[] {
  const aborted = log.transactions.abortedTransactions(log.logStartOffset, log.logEndOffset);
  const abortedProducers = new Set<number>();
  const records: ReadRecord[] = [];
  let next = 0;
  for (const batch of readBatches(log)) {
    while (next < aborted.length && aborted[next].firstOffset <= batch.lastOffset) abortedProducers.add(aborted[next++].producerId);
    if (batch.isControl) {
      const record = batch.records[0];
      if (record !== undefined && controlRecordType(record) === ControlRecordType.ABORT) abortedProducers.delete(batch.producerId);
      continue;
    }
    if (batch.isTransactional && abortedProducers.has(batch.producerId)) continue;
    for (const r of batch.records) {
      records.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: r.timestamp });
    }
  }
  return records;
}

/** The transaction markers in the log: offset, producer and COMMIT / ABORT (EMPTY for a marker batch emptied by cleaning). */
export function markers(log: PartitionLog): Array<{ offset: number; producerId: number; type: 'COMMIT' | 'ABORT' | 'EMPTY'; deleteHorizonMs?: number }> {
  return readBatches(log).filter((batch) => batch.isControl).map((batch) => {
    const record = batch.records[0];
    const type = record === undefined ? 'EMPTY' : controlRecordType(record) === ControlRecordType.COMMIT ? 'COMMIT' : 'ABORT';
    return { offset: batch.baseOffset, producerId: batch.producerId, type, ...(batch.hasDeleteHorizon ? { deleteHorizonMs: batch.baseTimestamp } : {}) };
  });
}
