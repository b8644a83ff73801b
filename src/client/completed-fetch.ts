import { BatchHeader, RECORD_BATCH_OVERHEAD } from '../protocol/records/batch-header.ts';
import { decodeRecordBatchInto } from '../protocol/records/record-batch.ts';
import type { RecordHeader } from '../protocol/records/record-batch-builder.ts';


export interface ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Read-only: records without headers share one frozen empty list. */
  readonly headers: readonly RecordHeader[];
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
  /** Where this fetch started: the position it continues from. */
  readonly fetchOffset: number;
  /**
   * Where the fetch after this one starts: past its last whole batch, control and aborted
   * batches included; or at a corrupt batch, once decoding has met one after good ones. The
   * position moves here once the app has taken every record.
   */
  #nextFetchOffset: number;
  #bytes: Buffer | null;
  readonly #aborted: readonly AbortedTransaction[] | null;
  readonly #checkCrcs: boolean;
  #records: ConsumerRecord[] | null = null;
  #next = 0;

  /**
   * `aborted`: the response's aborted transactions in read_committed, null in read_uncommitted.
   * `checkCrcs`: check.crcs, whether each batch's CRC-32C is verified when it is decoded.
   */
  constructor(state: PartitionState, fetchOffset: number, bytes: Buffer, aborted: readonly AbortedTransaction[] | null, checkCrcs = true) {
    this.state = state;
    this.epoch = state.epoch;
    this.fetchOffset = fetchOffset;
    this.#bytes = bytes;
    this.#aborted = aborted;
    this.#checkCrcs = checkCrcs;
    this.#nextFetchOffset = nextOffsetAfter(bytes, fetchOffset);
  }

  get nextFetchOffset(): number {
    return this.#nextFetchOffset;
  }

  /** Whether the app has taken any record of it (its position then lies inside this fetch). */
  get started(): boolean {
    return this.#next > 0;
  }

  /** True once every record has been taken (decoding first if need be). */
  get drained(): boolean {
    return this.#decoded().length <= this.#next;
  }

  /**
   * Up to `max` records, in offset order. As Java's consumer: the records of the batches before a
   * corrupt one are handed out, and the fetch then ends at the corrupt batch, so the next fetch
   * meets it first; a fetch that starts with one throws the decoder's KafkaError
   * (CORRUPT_MESSAGE) and is of no further use.
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
    // A fetch that threw decodes to nothing afterwards; the consumer drops it unread.
    this.#records = [];
    const decoded = decodeRecords(this.state, this.fetchOffset, bytes, this.#aborted, this.#checkCrcs);
    if (decoded.corruptAt !== null) this.#nextFetchOffset = decoded.corruptAt;
    this.#records = decoded.records;
    return this.#records;
  }
}

/** The offset after the last whole batch in `bytes` (a fetch may end in a cut-off batch), from headers alone. */
function nextOffsetAfter(bytes: Buffer, fetchOffset: number): number {
  let next = fetchOffset;
  for (const header of wholeBatches(bytes)) next = Math.max(next, header.lastOffset + 1);
  return next;
}

/** Headers of the whole batches in `bytes`, in order; a cut-off last batch is left out. */
function* wholeBatches(bytes: Buffer): Generator<BatchHeader> {
  let position = 0;
  while (bytes.length - position >= RECORD_BATCH_OVERHEAD) {
    const header = new BatchHeader(bytes, position);
    const size = header.sizeInBytes;
    if (size < RECORD_BATCH_OVERHEAD || size > bytes.length - position) return;
    yield header;
    position += size;
  }
}

/**
 * The records of the whole batches from `fetchOffset` on, batch by batch. A corrupt batch after
 * good ones ends the list (`corruptAt`, its base offset); one before any good batch throws. Every
 * batch is decoded, so checked (CRC-32C with check.crcs), even a control or aborted one whose
 * records are dropped, as Java's consumer does.
 */
function decodeRecords(state: PartitionState, fetchOffset: number, bytes: Buffer, aborted: readonly AbortedTransaction[] | null,
  checkCrcs: boolean): { records: ConsumerRecord[]; corruptAt: number | null } {
  const abortedProducers = new Set<number>();
  // Each aborted transaction counts from its first offset on, once: a producer's later transaction,
  // after the marker that ended the aborted one, is its own (Java's consumeAbortedTransactionsUpTo).
  const abortedByOffset = aborted === null ? [] : [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  let nextAborted = 0;
  const records: ConsumerRecord[] = [];
  const options = { verifyCrc: checkCrcs };
  const { topic, partition } = state;
  let decodedAny = false;
  for (const header of wholeBatches(bytes)) {
    const lastOffset = header.lastOffset;
    if (lastOffset < fetchOffset) continue;
    const producerId = header.producerId;
    if (producerId >= 0) {
      while (nextAborted < abortedByOffset.length && abortedByOffset[nextAborted]!.firstOffset <= lastOffset) {
        abortedProducers.add(abortedByOffset[nextAborted++]!.producerId);
      }
    }
    const dropped = header.isControl || (header.isTransactional && abortedProducers.has(producerId));
    const timestampType = header.isLogAppendTime ? 'LogAppendTime' : 'CreateTime';
    const leaderEpoch = header.partitionLeaderEpoch;
    try {
      decodeRecordBatchInto(bytes, header.position, options, dropped ? dropRecord
        : (offset, timestamp, key, value, headers) => offset < fetchOffset ? undefined
          : { topic, partition, offset, timestamp, timestampType, key, value, headers, leaderEpoch }, records);
    } catch (error) {
      if (!decodedAny) throw error;
      return { records, corruptAt: Math.max(fetchOffset, header.baseOffset) };
    }
    decodedAny = true;
    // An ABORT/COMMIT marker ends the producer's transaction.
    if (header.isControl) abortedProducers.delete(producerId);
  }
  return { records, corruptAt: null };
}

function dropRecord(): undefined {
  return undefined;
}
