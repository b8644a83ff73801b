import { CompressionType, RECORD_BATCH_OVERHEAD } from '../protocol/records/batch-header.ts';
import type { RecordInput } from '../protocol/records/record-batch-builder.ts';
import { BufferMemory } from './buffer-memory.ts';
import { INITIAL_CAPACITY, ProducerBatch, type Delivery } from './producer-batch.ts';

export { estimateRecordSize, ProducerBatch } from './producer-batch.ts';
export type { Delivery, RecordMetadata } from './producer-batch.ts';

/** The smallest buffer a partition's later batches start with (see INITIAL_CAPACITY). */
const MIN_CAPACITY = 1_024;
/** Buffers of answered batches kept for new ones (see BatchBufferPool). */
const POOLED_BUFFERS = 8;

export interface AccumulatorOptions {
  /** batch.size: a batch closes when it reaches this many bytes (one bigger record gets a batch alone). */
  readonly batchSize: number;
  /** linger.ms: how long an open batch waits for more records. */
  readonly lingerMs: number;
  /** compression.type (default none). A batch that fills up is encoded (compressed, checksummed) at once. */
  readonly compression?: CompressionType;
  /** buffer.memory: bytes of records held until delivered (default unbounded). */
  readonly bufferMemory?: number;
  /** Idempotence: producer fields are stamped into a batch at its first drain, so a full batch's checksum waits until then. */
  readonly stampedAtDrain?: boolean;
}

/**
 * Per-partition queues of batches: the last of each queue is open for appends. A batch is ready to
 * send when it is closed, has lingered long enough, is due for a retry, or a flush is running.
 * Retried batches go back to the front of their queue, so order per partition holds.
 */
export class RecordAccumulator {
  readonly #options: AccumulatorOptions;
  /**
   * The producer takes a record's bytes here before append() and the sender gives a batch's back
   * through deallocate(), so append itself stays free of waiting.
   */
  readonly memory: BufferMemory;
  /** topic → partition → queue: the hot path looks a partition up by index, with no string key to build. */
  readonly #topics = new Map<string, Array<ProducerBatch[] | undefined>>();
  /** Batches in all queues, so isEmpty needs no walk. */
  #batches = 0;
  #flushing = 0;
  /** topic → partition → the records bytes of its last drained batch: the next buffer's size. */
  readonly #lastBytes = new Map<string, number[]>();
  readonly #buffers: BatchBufferPool;

  constructor(options: AccumulatorOptions) {
    this.#options = options;
    this.memory = new BufferMemory(options.bufferMemory ?? Infinity);
    this.#buffers = new BatchBufferPool(RECORD_BATCH_OVERHEAD + options.batchSize);
  }

  #queue(topic: string, partition: number): ProducerBatch[] {
    let partitions = this.#topics.get(topic);
    if (partitions === undefined) this.#topics.set(topic, partitions = []);
    let queue = partitions[partition];
    if (queue === undefined) partitions[partition] = queue = [];
    return queue;
  }

  #last(topic: string, partition: number): ProducerBatch | undefined {
    const queue = this.#topics.get(topic)?.[partition];
    return queue === undefined ? undefined : queue[queue.length - 1];
  }

  /** True when a record of `size` bytes would start a new batch for the partition. */
  needsNewBatch(topic: string, partition: number, size: number): boolean {
    const last = this.#last(topic, partition);
    return last === undefined || last.closed || (last.recordCount > 0 && last.sizeBytes + size > this.#options.batchSize);
  }

  /**
   * True when the partition has an open batch with records that a record of `size` bytes would
   * not fit in (KIP-480 moves the sticky partition then; not for a partition's very first batch).
   */
  overflowsOpenBatch(topic: string, partition: number, size: number): boolean {
    const last = this.#last(topic, partition);
    return last !== undefined && !last.closed && last.recordCount > 0 && last.sizeBytes + size > this.#options.batchSize;
  }

  /** Adds a record; returns the batch it went into (so the caller knows when one filled up). */
  append(topic: string, partition: number, record: RecordInput, size: number, delivery: Delivery, nowMs: number, slot = 0): ProducerBatch {
    const queue = this.#queue(topic, partition);
    let batch = queue[queue.length - 1];
    if (batch === undefined || batch.closed || (batch.recordCount > 0 && batch.sizeBytes + size > this.#options.batchSize)) {
      if (batch !== undefined) this.#closeFull(batch);
      batch = new ProducerBatch(topic, partition, nowMs, this.#buffers.take(RECORD_BATCH_OVERHEAD + this.#capacityFor(topic, partition)));
      queue.push(batch);
      this.#batches++;
    }
    batch.add(record, delivery, slot);
    batch.sizeBytes += size;
    if (batch.sizeBytes >= this.#options.batchSize) this.#closeFull(batch);
    return batch;
  }

  /**
   * A full batch takes no more records, so its bytes are final: encoding it now, while earlier
   * batches are on the wire, keeps the compression and CRC off the path from one response to the
   * next request.
   */
  #closeFull(batch: ProducerBatch): void {
    if (batch.closed) return;
    batch.closed = true;
    batch.encode(this.#options.compression ?? CompressionType.none, this.#options.stampedAtDrain !== true);
  }

  #capacityFor(topic: string, partition: number): number {
    const { batchSize } = this.#options;
    const last = this.#lastBytes.get(topic)?.[partition];
    if (last === undefined) return Math.min(batchSize, INITIAL_CAPACITY);
    return Math.min(batchSize, Math.max(MIN_CAPACITY, last + (last >>> 3)));
  }

  /** Sends wait for buffer.memory: lingering would only keep them waiting, so batches go at once (as Java's). */
  #sendNow(): boolean {
    return this.#flushing > 0 || this.memory.waiting > 0;
  }

  #isReady(batch: ProducerBatch, nowMs: number): boolean {
    if (batch.attempts > 0) return nowMs >= batch.retryAtMs;
    return batch.closed || this.#sendNow() || nowMs - batch.createdMs >= this.#options.lingerMs;
  }

  /**
   * The first batch of every partition that is ready and not muted (the sender mutes partitions
   * with a batch in flight when ordering needs it, or whose first batch must wait for its
   * sequence's turn). Taken batches leave their queue, closed.
   */
  drain(nowMs: number, isMuted: (topic: string, partition: number, first: ProducerBatch) => boolean): ProducerBatch[] {
    const ready: ProducerBatch[] = [];
    if (this.#batches === 0) return ready;
    for (const partitions of this.#topics.values()) {
      for (let p = 0; p < partitions.length; p++) {
        const queue = partitions[p];
        const first = queue?.[0];
        if (first === undefined || isMuted(first.topic, first.partition, first) || !this.#isReady(first, nowMs)) continue;
        first.closed = true;
        queue!.shift();
        this.#batches--;
        ready.push(first);
        this.#noteBytes(first);
      }
    }
    return ready;
  }

  #noteBytes(batch: ProducerBatch): void {
    let partitions = this.#lastBytes.get(batch.topic);
    if (partitions === undefined) this.#lastBytes.set(batch.topic, partitions = []);
    partitions[batch.partition] = batch.recordsBytes;
  }

  /**
   * Puts a batch back at the front of its partition's queue (for a retry). A batch with a sequence
   * goes after the retries with lower sequences already back (Java's insertInSequenceOrder): the
   * answers of batches in flight together may come back in any order, and the broker takes a
   * producer's batches only in sequence.
   */
  reenqueue(batch: ProducerBatch): void {
    const queue = this.#queue(batch.topic, batch.partition);
    let at = 0;
    if (batch.hasSequence) {
      while (at < queue.length && queue[at]!.hasSequence && queue[at]!.baseSequence < batch.baseSequence) at++;
    }
    queue.splice(at, 0, batch);
    this.#batches++;
  }

  /** Takes every queued batch `matches` picks out of its queue (to fail it: an aborted transaction, a fatal error). */
  remove(matches: (batch: ProducerBatch) => boolean): ProducerBatch[] {
    const removed: ProducerBatch[] = [];
    if (this.#batches === 0) return removed;
    for (const partitions of this.#topics.values()) {
      for (const queue of partitions) {
        if (queue === undefined) continue;
        for (let i = 0; i < queue.length; i++) {
          const batch = queue[i]!;
          if (!matches(batch)) continue;
          batch.closed = true;
          removed.push(batch);
          queue.splice(i--, 1);
        }
      }
    }
    this.#batches -= removed.length;
    return removed;
  }

  /**
   * When the next batch becomes ready by time alone (Infinity when none waits). A muted batch
   * counts when it reaches `deliveryTimeoutMs` (if given): it must fail in time even while it waits
   * for something that may never come (a producer id, its partition joining a transaction).
   */
  nextReadyMs(isMuted: (topic: string, partition: number, first: ProducerBatch) => boolean = () => false, deliveryTimeoutMs = Infinity): number {
    let next = Infinity;
    if (this.#batches === 0) return next;
    for (const partitions of this.#topics.values()) {
      for (const queue of partitions) {
        const first = queue?.[0];
        if (first === undefined) continue;
        if (isMuted(first.topic, first.partition, first)) next = Math.min(next, first.createdMs + deliveryTimeoutMs);
        else next = Math.min(next, first.attempts > 0 ? first.retryAtMs : (first.closed || this.#sendNow() ? 0 : first.createdMs + this.#options.lingerMs));
      }
    }
    return next;
  }

  /** Removes and returns batches older than the delivery timeout. */
  expire(nowMs: number, deliveryTimeoutMs: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    if (this.#batches === 0) return expired;
    for (const partitions of this.#topics.values()) {
      for (const queue of partitions) {
        if (queue === undefined) continue;
        while (queue.length > 0 && nowMs - queue[0]!.createdMs >= deliveryTimeoutMs) expired.push(queue.shift()!);
      }
    }
    this.#batches -= expired.length;
    return expired;
  }

  /**
   * A batch is done (delivered or failed for good): its records' bytes go back to buffer.memory.
   * `answered`: the broker answered the request that carried it (so all of it was written), and
   * its buffer may serve a new batch.
   */
  deallocate(batch: ProducerBatch, answered = false): void {
    this.memory.deallocate(batch.sizeBytes);
    const buffer = batch.takeAnsweredBuffer();
    if (answered && buffer !== null) this.#buffers.give(buffer);
  }

  beginFlush(): void { this.#flushing++; }
  endFlush(): void { this.#flushing--; }

  get isEmpty(): boolean {
    return this.#batches === 0;
  }
}

/**
 * Buffers of answered batches, reused for new ones, as Java's BufferPool reuses batch.size
 * buffers. A fresh buffer of a MiB is memory the kernel must fault in page by page and external
 * memory whose growth forces V8 into full collections; reused, a steady producer allocates nothing.
 * A few are kept, none bigger than `maxBytes` (a batch grown around one oversized record is not).
 */
class BatchBufferPool {
  readonly #free: Buffer[] = [];
  readonly #maxBytes: number;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /**
   * A buffer of at least `bytes`: the last one given back if it is big enough, else a new one (and
   * the smaller one is dropped, so the pool follows the producer's batch sizes up).
   */
  take(bytes: number): Buffer {
    const last = this.#free.pop();
    return last !== undefined && last.length >= bytes ? last : Buffer.allocUnsafe(bytes);
  }

  give(buffer: Buffer): void {
    if (buffer.length <= this.#maxBytes && this.#free.length < POOLED_BUFFERS) this.#free.push(buffer);
  }
}
