import {
  ATTRIBUTES_OFFSET, BASE_OFFSET_OFFSET, BASE_SEQUENCE_OFFSET, BASE_TIMESTAMP_OFFSET, BATCH_LENGTH_OFFSET, CRC_OFFSET,
  CompressionType, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, MAX_TIMESTAMP_OFFSET, PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORD_BATCH_OVERHEAD, RECORDS_COUNT_OFFSET,
} from '../protocol/records/batch-header.ts';
import { compress } from '../protocol/records/compression/index.ts';
import { computeBatchCrc } from '../protocol/records/crc32c.ts';
import { NO_TIMESTAMP, writeInt64, type RecordHeader, type RecordInput } from '../protocol/records/record-batch-builder.ts';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../protocol/records/record-varint.ts';
import { BufferMemory } from './buffer-memory.ts';

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** -1 with acks=0: the broker does not say. */
  readonly offset: number;
  readonly timestamp: number;
  readonly serializedKeySize: number;
  readonly serializedValueSize: number;
}

/**
 * Where a record's outcome goes. `slot` is the number given to append, so one target can collect
 * many records (sendBatch) without a promise per record; Promise.withResolvers() fits as it is.
 */
export interface Delivery {
  resolve(metadata: RecordMetadata, slot: number): void;
  reject(error: Error, slot: number): void;
}

/**
 * A partition's first buffer has room for this many bytes of records (or batch.size, if smaller);
 * later ones for what its previous batch held and an eighth more, so a lone record does not take
 * batch.size, nor does a full batch grow by doubling, copying as it goes.
 */
const INITIAL_CAPACITY = 16_384;
const MIN_CAPACITY = 1_024;
/** Buffers of answered batches kept for new ones (see BatchBufferPool). */
const POOLED_BUFFERS = 8;
/** Per record kept for its RecordMetadata: timestamp, key size, value size (-1: null), slot. */
const STRIDE = 4;

/**
 * The records of one partition that travel together as one record batch. Each record is encoded
 * into the batch's buffer as it is appended (while the previous batch is on the wire), so sending
 * only writes the header and the CRC, or compresses the records first.
 */
export class ProducerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly createdMs: number;
  readonly deliveries: Delivery[] = [];
  readonly #perRecord: number[] = [];
  /** Room for the batch header, then the encoded records. */
  #buffer: Buffer;
  /** The buffer the sent bytes are a view of (uncompressed), to be pooled once the broker has answered. */
  #sentFrom: Buffer | null = null;
  #position = RECORD_BATCH_OVERHEAD;
  #baseTimestamp = NO_TIMESTAMP;
  #maxTimestamp = NO_TIMESTAMP;
  /** The producer's size estimate of the records, against batch.size; also what it holds of buffer.memory. */
  sizeBytes = 0;
  /** No more appends: full, or being sent. */
  closed = false;
  attempts = 0;
  retryAtMs = 0;
  /** The encoded batch, kept across retries so a retry sends the same bytes. */
  encoded: Buffer | null = null;

  /** `buffer`: room for the batch header and the records; it grows (is replaced) when they need more. */
  constructor(topic: string, partition: number, createdMs: number, buffer: Buffer = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + INITIAL_CAPACITY)) {
    this.topic = topic;
    this.partition = partition;
    this.createdMs = createdMs;
    this.#buffer = buffer;
  }

  get recordCount(): number {
    return this.deliveries.length;
  }

  /** Bytes of encoded records so far (before compression). */
  get recordsBytes(): number {
    return this.#position - RECORD_BATCH_OVERHEAD;
  }

  /** Encodes the record at the end of the batch (magic v2 record layout, offsetDelta = its index). */
  add(record: RecordInput, delivery: Delivery, slot: number): void {
    const { key, value, timestamp } = record;
    const headers = record.headers;
    const index = this.deliveries.length;
    if (index === 0) this.#baseTimestamp = timestamp;
    if (timestamp > this.#maxTimestamp) this.#maxTimestamp = timestamp;
    const timestampDelta = timestamp - this.#baseTimestamp;
    let bodySize = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(index)
      + (key === null ? 1 : sizeOfVarint(key.length) + key.length)
      + (value === null ? 1 : sizeOfVarint(value.length) + value.length)
      + sizeOfVarint(headers === undefined ? 0 : headers.length);
    if (headers !== undefined) {
      for (const header of headers) {
        const keyLength = Buffer.byteLength(header.key, 'utf8');
        bodySize += sizeOfVarint(keyLength) + keyLength + (header.value === null ? 1 : sizeOfVarint(header.value.length) + header.value.length);
      }
    }
    const needed = this.#position + sizeOfVarint(bodySize) + bodySize;
    if (needed > this.#buffer.length) this.#grow(needed);
    const buffer = this.#buffer;
    let position = writeVarint(buffer, this.#position, bodySize);
    buffer[position++] = 0; // record attributes: unused
    position = writeVarlong(buffer, position, timestampDelta);
    position = writeVarint(buffer, position, index);
    position = writeBytes(buffer, position, key);
    position = writeBytes(buffer, position, value);
    if (headers === undefined) {
      buffer[position++] = 0;
    } else {
      position = writeVarint(buffer, position, headers.length);
      for (const header of headers) {
        position = writeVarint(buffer, position, Buffer.byteLength(header.key, 'utf8'));
        position += buffer.write(header.key, position, 'utf8');
        position = writeBytes(buffer, position, header.value);
      }
    }
    this.#position = position;
    this.deliveries.push(delivery);
    this.#perRecord.push(timestamp, key === null ? -1 : key.length, value === null ? -1 : value.length, slot);
  }

  #grow(needed: number): void {
    const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2));
    this.#buffer.copy(grown, 0, 0, this.#position);
    this.#buffer = grown;
  }

  /** The whole v2 record batch (built once; a retry sends the same bytes). */
  encode(compression: CompressionType): Buffer {
    if (this.encoded !== null) return this.encoded;
    let batch: Buffer;
    if (compression === CompressionType.none) {
      batch = this.#buffer.subarray(0, this.#position);
      this.#sentFrom = this.#buffer;
    } else {
      const compressed = compress(compression, this.#buffer.subarray(RECORD_BATCH_OVERHEAD, this.#position));
      batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length);
      batch.set(compressed, RECORD_BATCH_OVERHEAD);
    }
    this.#buffer = EMPTY;
    writeInt64(batch, BASE_OFFSET_OFFSET, 0);
    batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
    batch.writeInt32BE(-1, PARTITION_LEADER_EPOCH_OFFSET);
    batch.writeInt8(2, MAGIC_OFFSET);
    batch.writeInt16BE(compression, ATTRIBUTES_OFFSET);
    batch.writeInt32BE(this.recordCount - 1, LAST_OFFSET_DELTA_OFFSET);
    writeInt64(batch, BASE_TIMESTAMP_OFFSET, this.#baseTimestamp);
    writeInt64(batch, MAX_TIMESTAMP_OFFSET, this.#maxTimestamp);
    writeInt64(batch, PRODUCER_ID_OFFSET, -1);
    batch.writeInt16BE(-1, PRODUCER_EPOCH_OFFSET);
    batch.writeInt32BE(-1, BASE_SEQUENCE_OFFSET);
    batch.writeInt32BE(this.recordCount, RECORDS_COUNT_OFFSET);
    batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), CRC_OFFSET);
    this.encoded = batch;
    return batch;
  }

  /**
   * The buffer this batch was sent from, for reuse: only once the broker answered its request, so
   * nothing still waits to be written from it. A compressed batch was sent from its own copy; its
   * records buffer went to the garbage collector at once.
   */
  takeAnsweredBuffer(): Buffer | null {
    const buffer = this.#sentFrom;
    this.#sentFrom = null;
    return buffer;
  }

  complete(baseOffset: number, logAppendTimeMs: number): void {
    const { topic, partition, deliveries } = this;
    const perRecord = this.#perRecord;
    for (let i = 0, j = 0; i < deliveries.length; i++, j += STRIDE) {
      deliveries[i]!.resolve({
        topic, partition, offset: baseOffset < 0 ? -1 : baseOffset + i,
        timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : perRecord[j]!,
        serializedKeySize: perRecord[j + 1]!, serializedValueSize: perRecord[j + 2]!,
      }, perRecord[j + 3]!);
    }
  }

  fail(error: Error): void {
    const { deliveries } = this;
    const perRecord = this.#perRecord;
    for (let i = 0; i < deliveries.length; i++) deliveries[i]!.reject(error, perRecord[i * STRIDE + 3]!);
  }
}

const EMPTY = Buffer.alloc(0);

function writeBytes(buffer: Buffer, position: number, bytes: Buffer | null): number {
  if (bytes === null) {
    buffer[position] = 1; // zigzag -1: null
    return position + 1;
  }
  position = writeVarint(buffer, position, bytes.length);
  buffer.set(bytes, position);
  return position + bytes.length;
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
  /** compression.type (default none). A batch that fills up is encoded (compressed, checksummed) at once. */
  readonly compression?: CompressionType;
  /** buffer.memory: bytes of records held until delivered (default unbounded). */
  readonly bufferMemory?: number;
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
    batch.encode(this.#options.compression ?? CompressionType.none);
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
   * with a batch in flight when ordering needs it). Taken batches leave their queue, closed.
   */
  drain(nowMs: number, isMuted: (topic: string, partition: number) => boolean): ProducerBatch[] {
    const ready: ProducerBatch[] = [];
    if (this.#batches === 0) return ready;
    for (const partitions of this.#topics.values()) {
      for (let p = 0; p < partitions.length; p++) {
        const queue = partitions[p];
        const first = queue?.[0];
        if (first === undefined || isMuted(first.topic, first.partition) || !this.#isReady(first, nowMs)) continue;
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

  /** Puts a batch back at the front of its partition's queue (for a retry). */
  reenqueue(batch: ProducerBatch): void {
    this.#queue(batch.topic, batch.partition).unshift(batch);
    this.#batches++;
  }

  /** When the next batch becomes ready by time alone (Infinity when none waits). */
  nextReadyMs(isMuted: (topic: string, partition: number) => boolean = () => false): number {
    let next = Infinity;
    if (this.#batches === 0) return next;
    for (const partitions of this.#topics.values()) {
      for (const queue of partitions) {
        const first = queue?.[0];
        if (first === undefined || isMuted(first.topic, first.partition)) continue;
        next = Math.min(next, first.attempts > 0 ? first.retryAtMs : (first.closed || this.#sendNow() ? 0 : first.createdMs + this.#options.lingerMs));
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
