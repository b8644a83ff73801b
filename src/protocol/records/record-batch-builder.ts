import {
  ATTRIBUTES_OFFSET, BASE_OFFSET_OFFSET, BASE_SEQUENCE_OFFSET, BASE_TIMESTAMP_OFFSET, BATCH_LENGTH_OFFSET,
  CONTROL_FLAG_MASK, CRC_OFFSET, CompressionType, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET, PARTITION_LEADER_EPOCH_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD, RECORDS_COUNT_OFFSET, TIMESTAMP_TYPE_MASK, TRANSACTIONAL_FLAG_MASK,
} from './batch-header.ts';
import { compress } from './compression/index.ts';
import { computeBatchCrc } from './crc32c.ts';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './record-varint.ts';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One record to put in a batch. offsetDelta defaults to its index (compaction keeps gaps). */
export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers?: readonly RecordHeader[];
  timestamp: number;
  offsetDelta?: number;
}

export type TimestampType = 'CreateTime' | 'LogAppendTime';

export interface RecordBatchOptions {
  baseOffset?: number;
  compression?: CompressionType;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  timestampType?: TimestampType;
  /** -1 (none) from producers; the leader patches it in on append. */
  partitionLeaderEpoch?: number;
  /** Overrides: compaction keeps a batch's original lastOffsetDelta and timestamps. */
  lastOffsetDelta?: number;
  baseTimestamp?: number;
  maxTimestamp?: number;
}

/** RecordBatch.NO_TIMESTAMP in Kafka: what an empty batch carries as its timestamps. */
export const NO_TIMESTAMP = -1;

/**
 * Encodes records as one magic v2 batch (see batch-header.ts for the header layout and the README's
 * Record table for the body). With compression, the whole run of records is compressed as one blob.
 * The CRC is computed last because it covers everything from attributes on.
 */
export function buildRecordBatch(records: readonly RecordInput[], options: RecordBatchOptions = {}): Buffer {
  const compression = options.compression ?? CompressionType.none;
  const baseTimestamp = options.baseTimestamp ?? (records.length > 0 ? records[0]!.timestamp : NO_TIMESTAMP);
  let maxTimestamp = NO_TIMESTAMP;
  for (const record of records) if (record.timestamp > maxTimestamp) maxTimestamp = record.timestamp;
  if (options.maxTimestamp !== undefined) maxTimestamp = options.maxTimestamp;
  const lastOffsetDelta = options.lastOffsetDelta ??
    (records.length > 0 ? (records[records.length - 1]!.offsetDelta ?? records.length - 1) : -1);

  const bodySizes = new Array<number>(records.length);
  let recordsSize = 0;
  for (let i = 0; i < records.length; i++) {
    const bodySize = sizeOfRecordBody(records[i]!, i, baseTimestamp);
    bodySizes[i] = bodySize;
    recordsSize += sizeOfVarint(bodySize) + bodySize;
  }

  let batch: Buffer;
  if (compression === CompressionType.none) {
    batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + recordsSize);
    writeRecords(batch, RECORD_BATCH_OVERHEAD, records, bodySizes, baseTimestamp);
  } else {
    const plain = Buffer.allocUnsafe(recordsSize);
    writeRecords(plain, 0, records, bodySizes, baseTimestamp);
    const compressed = compress(compression, plain);
    batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length);
    compressed.copy(batch, RECORD_BATCH_OVERHEAD);
  }

  let attributes = compression;
  if (options.timestampType === 'LogAppendTime') attributes |= TIMESTAMP_TYPE_MASK;
  if (options.isTransactional) attributes |= TRANSACTIONAL_FLAG_MASK;
  if (options.isControl) attributes |= CONTROL_FLAG_MASK;

  writeInt64(batch, BASE_OFFSET_OFFSET, options.baseOffset ?? 0);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  batch.writeInt32BE(options.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH_OFFSET);
  batch.writeInt8(2, MAGIC_OFFSET);
  batch.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  batch.writeInt32BE(lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET);
  writeInt64(batch, BASE_TIMESTAMP_OFFSET, baseTimestamp);
  writeInt64(batch, MAX_TIMESTAMP_OFFSET, maxTimestamp);
  writeInt64(batch, PRODUCER_ID_OFFSET, options.producerId ?? -1);
  batch.writeInt16BE(options.producerEpoch ?? -1, PRODUCER_EPOCH_OFFSET);
  batch.writeInt32BE(options.baseSequence ?? -1, BASE_SEQUENCE_OFFSET);
  batch.writeInt32BE(records.length, RECORDS_COUNT_OFFSET);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), CRC_OFFSET);
  return batch;
}

function sizeOfRecordBody(record: RecordInput, index: number, baseTimestamp: number): number {
  let size = 1 + sizeOfVarlong(record.timestamp - baseTimestamp) + sizeOfVarint(record.offsetDelta ?? index);
  size += sizeOfNullableBytes(record.key) + sizeOfNullableBytes(record.value);
  const headers = record.headers ?? [];
  size += sizeOfVarint(headers.length);
  for (const header of headers) {
    const keyLength = Buffer.byteLength(header.key, 'utf8');
    size += sizeOfVarint(keyLength) + keyLength + sizeOfNullableBytes(header.value);
  }
  return size;
}

function sizeOfNullableBytes(bytes: Buffer | null): number {
  return bytes === null ? 1 : sizeOfVarint(bytes.length) + bytes.length;
}

function writeRecords(
  buffer: Buffer, position: number, records: readonly RecordInput[], bodySizes: number[], baseTimestamp: number,
): number {
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    position = writeVarint(buffer, position, bodySizes[i]!);
    buffer[position++] = 0; // record attributes: unused
    position = writeVarlong(buffer, position, record.timestamp - baseTimestamp);
    position = writeVarint(buffer, position, record.offsetDelta ?? i);
    position = writeNullableBytes(buffer, position, record.key);
    position = writeNullableBytes(buffer, position, record.value);
    const headers = record.headers ?? [];
    position = writeVarint(buffer, position, headers.length);
    for (const header of headers) {
      position = writeVarint(buffer, position, Buffer.byteLength(header.key, 'utf8'));
      position += buffer.write(header.key, position, 'utf8');
      position = writeNullableBytes(buffer, position, header.value);
    }
  }
  return position;
}

function writeNullableBytes(buffer: Buffer, position: number, bytes: Buffer | null): number {
  if (bytes === null) return writeVarint(buffer, position, -1);
  position = writeVarint(buffer, position, bytes.length);
  return position + bytes.copy(buffer, position);
}

/** int64 from a safe-integer number, without going through BigInt. */
export function writeInt64(buffer: Buffer, position: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  buffer.writeInt32BE(high, position);
  buffer.writeUInt32BE(value - high * 0x1_0000_0000, position + 4);
}
