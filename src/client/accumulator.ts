import type { RecordHeader, RecordInput } from '../protocol/records/record-batch-builder.ts';

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** -1 with acks=0: the broker does not say. */
  readonly offset: number;
  readonly timestamp: number;
  readonly serializedKeySize: number;
  readonly serializedValueSize: number;
}

interface Delivery {
  readonly resolve: (metadata: RecordMetadata) => void;
  readonly reject: (error: Error) => void;
}

/** The records of one partition that travel together as one record batch. */
export class ProducerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly createdMs: number;
  readonly records: RecordInput[] = [];
  readonly deliveries: Delivery[] = [];
  sizeBytes = 0;
  /** No more appends: full, or being sent. */
  closed = false;
  attempts = 0;
  retryAtMs = 0;
  /** The encoded batch, kept across retries so a retry sends the same bytes. */
  encoded: Buffer | null = null;

  constructor(topic: string, partition: number, createdMs: number) {
    this.topic = topic;
    this.partition = partition;
    this.createdMs = createdMs;
  }

  complete(baseOffset: number, logAppendTimeMs: number): void {
    for (let i = 0; i < this.records.length; i++) {
      const record = this.records[i]!;
      this.deliveries[i]!.resolve({
        topic: this.topic, partition: this.partition, offset: baseOffset < 0 ? -1 : baseOffset + i,
        timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : record.timestamp,
        serializedKeySize: record.key?.length ?? -1, serializedValueSize: record.value?.length ?? -1,
      });
    }
  }

  fail(error: Error): void {
    for (const delivery of this.deliveries) delivery.reject(error);
  }
}

/** Kafka's per-record size estimate: the body plus a little for varint lengths and attributes. */
export function estimateRecordSize(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[] | undefined): number {
  let size = 21 + (key?.length ?? 0) + (value?.length ?? 0);
  if (headers) for (const h of headers) size += 10 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return size;
}

export interface AccumulatorOptions {
  /** batch.size: a batch closes when it reaches this many bytes (one bigger record gets a batch alone). */
  readonly batchSize: number;
  /** linger.ms: how long an open batch waits for more records. */
  readonly lingerMs: number;
}

/**
 * Per-partition queues of batches: the last of each queue is open for appends. A batch is ready to
 * send when it is closed, has lingered long enough, is due for a retry, or a flush is running.
 * Retried batches go back to the front of their queue, so order per partition holds.
 */
export class RecordAccumulator {
  readonly #options: AccumulatorOptions;
  readonly #queues = new Map<string, ProducerBatch[]>();
  #flushing = 0;

  constructor(options: AccumulatorOptions) {
    this.#options = options;
  }

  /** True when a record of `size` bytes would start a new batch for the partition. */
  needsNewBatch(topic: string, partition: number, size: number): boolean {
    const last = this.#queues.get(`${topic}\0${partition}`)?.at(-1);
    return last === undefined || last.closed || (last.records.length > 0 && last.sizeBytes + size > this.#options.batchSize);
  }

  /** Adds a record; returns the batch it went into (so the caller knows when one filled up). */
  append(topic: string, partition: number, record: RecordInput, size: number, delivery: Delivery, nowMs: number): ProducerBatch {
    const key = `${topic}\0${partition}`;
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = [];
      this.#queues.set(key, queue);
    }
    let batch = queue.at(-1);
    if (batch === undefined || batch.closed || (batch.records.length > 0 && batch.sizeBytes + size > this.#options.batchSize)) {
      if (batch !== undefined) batch.closed = true;
      batch = new ProducerBatch(topic, partition, nowMs);
      queue.push(batch);
    }
    batch.records.push(record);
    batch.deliveries.push(delivery);
    batch.sizeBytes += size;
    if (batch.sizeBytes >= this.#options.batchSize) batch.closed = true;
    return batch;
  }

  #isReady(batch: ProducerBatch, nowMs: number): boolean {
    if (batch.attempts > 0) return nowMs >= batch.retryAtMs;
    return batch.closed || this.#flushing > 0 || nowMs - batch.createdMs >= this.#options.lingerMs;
  }

  /**
   * The first batch of every partition that is ready and not muted (the sender mutes partitions
   * with a batch in flight when ordering needs it). Taken batches leave their queue, closed.
   */
  drain(nowMs: number, isMuted: (topic: string, partition: number) => boolean): ProducerBatch[] {
    const ready: ProducerBatch[] = [];
    for (const [key, queue] of this.#queues) {
      const first = queue[0];
      if (first === undefined) {
        this.#queues.delete(key);
        continue;
      }
      if (isMuted(first.topic, first.partition) || !this.#isReady(first, nowMs)) continue;
      first.closed = true;
      queue.shift();
      ready.push(first);
    }
    return ready;
  }

  /** Puts a batch back at the front of its partition's queue (for a retry). */
  reenqueue(batch: ProducerBatch): void {
    const key = `${batch.topic}\0${batch.partition}`;
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = [];
      this.#queues.set(key, queue);
    }
    queue.unshift(batch);
  }

  /** When the next batch becomes ready by time alone (Infinity when none waits). */
  nextReadyMs(isMuted: (topic: string, partition: number) => boolean = () => false): number {
    let next = Infinity;
    for (const queue of this.#queues.values()) {
      const first = queue[0];
      if (first === undefined || isMuted(first.topic, first.partition)) continue;
      next = Math.min(next, first.attempts > 0 ? first.retryAtMs : (first.closed || this.#flushing > 0 ? 0 : first.createdMs + this.#options.lingerMs));
    }
    return next;
  }

  /** Removes and returns batches older than the delivery timeout. */
  expire(nowMs: number, deliveryTimeoutMs: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    for (const queue of this.#queues.values()) {
      while (queue.length > 0 && nowMs - queue[0]!.createdMs >= deliveryTimeoutMs) expired.push(queue.shift()!);
    }
    return expired;
  }

  beginFlush(): void { this.#flushing++; }
  endFlush(): void { this.#flushing--; }

  get isEmpty(): boolean {
    for (const queue of this.#queues.values()) if (queue.length > 0) return false;
    return true;
  }
}
