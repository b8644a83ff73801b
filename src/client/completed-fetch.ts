import { BatchHeader, RECORD_BATCH_OVERHEAD } from '../protocol/records/batch-header.ts';
import { decodeRecordBatches } from '../protocol/records/record-batch.ts';
import type { RecordHeader } from '../protocol/records/record-batch-builder.ts';

export interface TopicPartition { readonly topic: string; readonly partition: number }

export interface ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeader[];
  readonly leaderEpoch: number;
}

/** One assigned partition: where the app is, and whether it paused the partition. */
export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** null until resolved (committed offset or auto.offset.reset). */
  position: number | null;
  paused: boolean;
  highWatermark: number;
  /** Bumped by seek and pause: fetches issued before it are discarded on arrival. */
  epoch: number;
}

export interface AbortedTransaction { readonly producerId: number; readonly firstOffset: number }

/**
 * One partition's data from one fetch, kept as the broker sent it and decoded only when the app
 * takes from it: the fetcher can ask for the next data the moment this arrives, so the broker
 * works on it while the app decodes and handles this. Records below the fetch offset (a batch
 * starts earlier) and control records are dropped; in read_committed, so are aborted transactions.
 */
export class CompletedFetch {
  readonly state: PartitionState;
  readonly epoch: number;
  /**
   * Where the fetch after this one starts: past its last whole batch, control and aborted
   * batches included. The position moves here once the app has taken every record.
   */
  readonly nextFetchOffset: number;
  readonly #fetchOffset: number;
  #bytes: Buffer | null;
  readonly #aborted: readonly AbortedTransaction[] | null;
  #records: ConsumerRecord[] | null = null;
  #next = 0;

  /** `aborted`: the response's aborted transactions in read_committed, null in read_uncommitted. */
  constructor(state: PartitionState, fetchOffset: number, bytes: Buffer, aborted: readonly AbortedTransaction[] | null) {
    this.state = state;
    this.epoch = state.epoch;
    this.#fetchOffset = fetchOffset;
    this.#bytes = bytes;
    this.#aborted = aborted;
    this.nextFetchOffset = nextOffsetAfter(bytes, fetchOffset);
  }

  /** True once every record has been taken (decoding first if need be). */
  get drained(): boolean {
    return this.#decoded().length <= this.#next;
  }

  /**
   * Up to `max` records, in offset order. Throws the decoder's KafkaError (CORRUPT_MESSAGE) when a
   * batch is corrupt; the fetch is then of no further use.
   */
  take(max: number): ConsumerRecord[] {
    const records = this.#decoded();
    const out = this.#next === 0 && records.length <= max ? records : records.slice(this.#next, this.#next + max);
    this.#next += out.length;
    return out;
  }

  #decoded(): ConsumerRecord[] {
    if (this.#records !== null) return this.#records;
    const bytes = this.#bytes!;
    this.#bytes = null;
    // A corrupt fetch decodes to nothing after it threw once; the consumer drops it unread.
    this.#records = [];
    this.#records = decodeRecords(this.state, this.#fetchOffset, bytes, this.#aborted);
    return this.#records;
  }
}

/** The offset after the last whole batch in `bytes` (a fetch may end in a cut-off batch), from headers alone. */
function nextOffsetAfter(bytes: Buffer, fetchOffset: number): number {
  let next = fetchOffset;
  let position = 0;
  while (bytes.length - position >= RECORD_BATCH_OVERHEAD) {
    const header = new BatchHeader(bytes, position);
    const size = header.sizeInBytes;
    if (size < RECORD_BATCH_OVERHEAD || size > bytes.length - position) break;
    next = Math.max(next, header.lastOffset + 1);
    position += size;
  }
  return next;
}

function decodeRecords(state: PartitionState, fetchOffset: number, bytes: Buffer, aborted: readonly AbortedTransaction[] | null): ConsumerRecord[] {
  const batches = decodeRecordBatches(bytes, { allowTruncatedTail: true });
  const abortedProducers = new Set<number>();
  const records: ConsumerRecord[] = [];
  for (const batch of batches) {
    if (batch.lastOffset < fetchOffset) continue;
    if (aborted !== null && batch.isTransactional) {
      for (const a of aborted) if (a.firstOffset <= batch.lastOffset) abortedProducers.add(a.producerId);
    }
    if (batch.isControl) {
      // An ABORT/COMMIT marker ends the producer's transaction.
      abortedProducers.delete(batch.producerId);
      continue;
    }
    if (aborted !== null && batch.isTransactional && abortedProducers.has(batch.producerId)) continue;
    const logAppendTime = batch.timestampType === 'LogAppendTime';
    for (const r of batch.records) {
      if (r.offset < fetchOffset) continue;
      records.push({
        topic: state.topic, partition: state.partition, offset: r.offset, timestamp: logAppendTime ? batch.maxTimestamp : r.timestamp,
        timestampType: batch.timestampType, key: r.key, value: r.value, headers: r.headers, leaderEpoch: batch.partitionLeaderEpoch,
      });
    }
  }
  return records;
}
