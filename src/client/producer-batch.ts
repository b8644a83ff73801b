import {
  ATTRIBUTES_OFFSET, BASE_OFFSET_OFFSET, BASE_SEQUENCE_OFFSET, BASE_TIMESTAMP_OFFSET, BATCH_LENGTH_OFFSET, CRC_OFFSET,
  CompressionType, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, MAX_TIMESTAMP_OFFSET, PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORD_BATCH_OVERHEAD, RECORDS_COUNT_OFFSET, TRANSACTIONAL_FLAG_MASK,
} from '../protocol/records/batch-header.ts';
import { compress } from '../protocol/records/compression/index.ts';
import { computeBatchCrc } from '../protocol/records/crc32c.ts';
import { NO_TIMESTAMP, writeInt64, type RecordHeader, type RecordInput } from '../protocol/records/record-batch-builder.ts';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../protocol/records/record-varint.ts';

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
export const INITIAL_CAPACITY = 16_384;
/** Per record kept for its RecordMetadata: timestamp, key size, value size (-1: null), slot. */
const STRIDE = 4;

/** A batch without a sequence (not idempotent, or not drained yet). */
export const NO_SEQUENCE = -1;

/** Sequences wrap from 2^31 - 1 to 0, as Kafka's DefaultRecordBatch.incrementSequence. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > 0x7fffffff - increment ? increment - (0x7fffffff - sequence) - 1 : sequence + increment;
}

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
  /** The producer fields changed since the checksum was computed (or it never was): encode() computes it before the bytes go. */
  #crcStale = false;
  /**
   * Idempotence: the producer id, epoch and first sequence stamped into the batch when it is first
   * drained (-1: none), kept by its retries so the broker can tell a retry from a new batch.
   */
  producerId = -1;
  producerEpoch = -1;
  baseSequence = NO_SEQUENCE;
  isTransactional = false;
  /**
   * Its sequence was rewritten after an epoch bump (Java's reopened batch): what the broker says of
   * the old sequence no longer tells about this batch.
   */
  sequenceReset = false;
  /** Written to a socket at least once: its bytes may still wait there, so a restamp works on a copy. */
  sent = false;

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

  get hasSequence(): boolean {
    return this.baseSequence !== NO_SEQUENCE;
  }

  get lastSequence(): number {
    return incrementSequence(this.baseSequence, this.recordCount - 1);
  }

  /** Stamps the producer's id, epoch and this batch's first sequence (into the encoded bytes too). */
  setProducerState(producerId: number, producerEpoch: number, baseSequence: number, isTransactional: boolean): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
    this.isTransactional = isTransactional;
    if (this.encoded !== null) this.#stamp(this.encoded);
  }

  /** A new epoch or sequence for a batch already sent (after an epoch bump or a failed batch before it). */
  resetProducerState(producerId: number, producerEpoch: number, baseSequence: number): void {
    this.sequenceReset = true;
    if (this.sent && this.encoded !== null) this.encoded = Buffer.from(this.encoded);
    this.setProducerState(producerId, producerEpoch, baseSequence, this.isTransactional);
  }

  /** The producer fields lie inside the CRC's range: the checksum is computed again when the bytes are next sent. */
  #stamp(batch: Buffer): void {
    const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET);
    batch.writeInt16BE(this.isTransactional ? attributes | TRANSACTIONAL_FLAG_MASK : attributes & ~TRANSACTIONAL_FLAG_MASK, ATTRIBUTES_OFFSET);
    writeInt64(batch, PRODUCER_ID_OFFSET, this.producerId);
    batch.writeInt16BE(this.producerEpoch, PRODUCER_EPOCH_OFFSET);
    batch.writeInt32BE(this.baseSequence, BASE_SEQUENCE_OFFSET);
    this.#crcStale = true;
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

  /**
   * The whole v2 record batch (built once; a retry sends the same bytes), its checksum computed.
   * `checksum: false` builds it without one yet: an idempotent producer's full batch is built when
   * it closes, but its producer fields are stamped at its first drain, so one checksum then serves.
   */
  encode(compression: CompressionType, checksum = true): Buffer {
    if (this.encoded !== null) {
      if (checksum && this.#crcStale) {
        this.encoded.writeUInt32BE(computeBatchCrc(this.encoded, 0, this.encoded.length), CRC_OFFSET);
        this.#crcStale = false;
      }
      return this.encoded;
    }
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
    batch.writeInt16BE(this.isTransactional ? compression | TRANSACTIONAL_FLAG_MASK : compression, ATTRIBUTES_OFFSET);
    batch.writeInt32BE(this.recordCount - 1, LAST_OFFSET_DELTA_OFFSET);
    writeInt64(batch, BASE_TIMESTAMP_OFFSET, this.#baseTimestamp);
    writeInt64(batch, MAX_TIMESTAMP_OFFSET, this.#maxTimestamp);
    writeInt64(batch, PRODUCER_ID_OFFSET, this.producerId);
    batch.writeInt16BE(this.producerEpoch, PRODUCER_EPOCH_OFFSET);
    batch.writeInt32BE(this.baseSequence, BASE_SEQUENCE_OFFSET);
    batch.writeInt32BE(this.recordCount, RECORDS_COUNT_OFFSET);
    if (checksum) batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), CRC_OFFSET);
    this.#crcStale = !checksum;
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

