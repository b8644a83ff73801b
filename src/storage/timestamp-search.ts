import {
  ATTRIBUTES_OFFSET, BASE_TIMESTAMP_OFFSET, COMPRESSION_CODEC_MASK, MAX_TIMESTAMP_OFFSET,
  RECORD_BATCH_OVERHEAD, RECORDS_COUNT_OFFSET, TIMESTAMP_TYPE_MASK,
} from '../protocol/records/batch-header.ts';
import { readInt64 } from './file-io.ts';

export interface TimestampAndOffset {
  timestamp: number;
  offset: number;
}

/**
 * The first record of `batch` (one whole v2 batch whose maxTimestamp >= targetTimestamp) with
 * timestamp >= targetTimestamp. Uncompressed CreateTime batches are walked record by record (only
 * the varint prefix of each record is read). LogAppendTime batches give every record the batch's
 * maxTimestamp, so the answer is the first record. Compressed batches would need decompression,
 * which lives in protocol/records: for them the answer is the batch's first offset and its
 * maxTimestamp, which never skips a matching record.
 */
export function firstRecordAtOrAfter(batch: Buffer, baseOffset: number, targetTimestamp: number, minOffset = 0): TimestampAndOffset {
  const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET);
  const maxTimestamp = readInt64(batch, MAX_TIMESTAMP_OFFSET);
  const whole = { timestamp: maxTimestamp, offset: Math.max(baseOffset, minOffset) };
  if ((attributes & TIMESTAMP_TYPE_MASK) !== 0 || (attributes & COMPRESSION_CODEC_MASK) !== 0) return whole;
  const baseTimestamp = readInt64(batch, BASE_TIMESTAMP_OFFSET);
  const count = batch.readInt32BE(RECORDS_COUNT_OFFSET);
  const cursor = { position: RECORD_BATCH_OVERHEAD };
  for (let i = 0; i < count && cursor.position < batch.length; i++) {
    const length = readVarint(batch, cursor);
    const recordEnd = cursor.position + length;
    if (length < 0 || recordEnd > batch.length) return whole;
    cursor.position += 1; // record attributes, unused
    const timestamp = baseTimestamp + readVarint(batch, cursor);
    const offsetDelta = readVarint(batch, cursor);
    if (timestamp >= targetTimestamp && baseOffset + offsetDelta >= minOffset) return { timestamp, offset: baseOffset + offsetDelta };
    cursor.position = recordEnd;
  }
  return whole;
}

/** Zigzag varint/varlong as a number (record deltas are small); stops at the buffer's end. */
function readVarint(buffer: Buffer, cursor: { position: number }): number {
  let raw = 0;
  let multiplier = 1;
  for (let i = 0; i < 10 && cursor.position < buffer.length; i++) {
    const byte = buffer[cursor.position++];
    raw += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) break;
    multiplier *= 128;
  }
  // Zigzag: even raw -> raw/2, odd raw -> -(raw+1)/2; arithmetic keeps values past 2^31 exact.
  return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
}
