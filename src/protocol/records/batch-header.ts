/**
 * Zero-copy view of a magic v2 record batch header (DefaultRecordBatch in Kafka).
 *
 * Layout (big-endian), offsets from the start of the batch:
 *   0 baseOffset int64 | 8 batchLength int32 (bytes after this field) | 12 partitionLeaderEpoch int32
 *   16 magic int8 | 17 crc uint32 (CRC-32C of bytes 21..end) | 21 attributes int16
 *   23 lastOffsetDelta int32 | 27 baseTimestamp int64 | 35 maxTimestamp int64 | 43 producerId int64
 *   51 producerEpoch int16 | 53 baseSequence int32 | 57 recordsCount int32 | 61 records...
 *
 * baseOffset and partitionLeaderEpoch lie outside the CRC range, which is what lets the broker
 * assign offsets by patching the producer's bytes in place. Offsets and timestamps are read as
 * JavaScript numbers: they stay far below 2^53 in practice, and numbers keep the hot path free of
 * BigInt allocation.
 */

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
/** RECORD_BATCH_OVERHEAD: bytes before the first record. */
export const RECORD_BATCH_OVERHEAD = 61;
/** baseOffset + batchLength: the part of the header that says how long the batch is. */
export const LOG_OVERHEAD = 12;

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

export const CompressionType = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

/** Reads header fields of the batch that starts at `position` in `buffer`, without copying. */
export class BatchHeader {
  readonly buffer: Buffer;
  readonly position: number;

  constructor(buffer: Buffer, position = 0) {
    this.buffer = buffer;
    this.position = position;
  }

  get baseOffset(): number { return Number(this.buffer.readBigInt64BE(this.position + BASE_OFFSET_OFFSET)); }
  set baseOffset(offset: number) { this.buffer.writeBigInt64BE(BigInt(offset), this.position + BASE_OFFSET_OFFSET); }
  get batchLength(): number { return this.buffer.readInt32BE(this.position + BATCH_LENGTH_OFFSET); }
  /** Whole batch size in bytes, header included. */
  get sizeInBytes(): number { return LOG_OVERHEAD + this.batchLength; }
  get partitionLeaderEpoch(): number { return this.buffer.readInt32BE(this.position + PARTITION_LEADER_EPOCH_OFFSET); }
  set partitionLeaderEpoch(epoch: number) { this.buffer.writeInt32BE(epoch, this.position + PARTITION_LEADER_EPOCH_OFFSET); }
  get magic(): number { return this.buffer.readInt8(this.position + MAGIC_OFFSET); }
  get crc(): number { return this.buffer.readUInt32BE(this.position + CRC_OFFSET); }
  get attributes(): number { return this.buffer.readInt16BE(this.position + ATTRIBUTES_OFFSET); }
  get compression(): CompressionType { return (this.attributes & COMPRESSION_CODEC_MASK) as CompressionType; }
  get isLogAppendTime(): boolean { return (this.attributes & TIMESTAMP_TYPE_MASK) !== 0; }
  get isTransactional(): boolean { return (this.attributes & TRANSACTIONAL_FLAG_MASK) !== 0; }
  get isControl(): boolean { return (this.attributes & CONTROL_FLAG_MASK) !== 0; }
  get lastOffsetDelta(): number { return this.buffer.readInt32BE(this.position + LAST_OFFSET_DELTA_OFFSET); }
  get lastOffset(): number { return this.baseOffset + this.lastOffsetDelta; }
  get baseTimestamp(): number { return Number(this.buffer.readBigInt64BE(this.position + BASE_TIMESTAMP_OFFSET)); }
  get maxTimestamp(): number { return Number(this.buffer.readBigInt64BE(this.position + MAX_TIMESTAMP_OFFSET)); }
  get producerId(): number { return Number(this.buffer.readBigInt64BE(this.position + PRODUCER_ID_OFFSET)); }
  get producerEpoch(): number { return this.buffer.readInt16BE(this.position + PRODUCER_EPOCH_OFFSET); }
  get baseSequence(): number { return this.buffer.readInt32BE(this.position + BASE_SEQUENCE_OFFSET); }
  get recordsCount(): number { return this.buffer.readInt32BE(this.position + RECORDS_COUNT_OFFSET); }
}
