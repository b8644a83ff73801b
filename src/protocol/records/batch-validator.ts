import { ErrorCode, KafkaError } from '../errors.ts';
import {
  ATTRIBUTES_OFFSET, BatchHeader, COMPRESSION_CODEC_MASK, CRC_OFFSET, LOG_OVERHEAD, MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET, RECORD_BATCH_OVERHEAD, TIMESTAMP_TYPE_MASK,
} from './batch-header.ts';
import { isKnownCompressionType } from './compression/index.ts';
import { computeBatchCrc } from './crc32c.ts';
import { NO_TIMESTAMP, writeInt64 } from './record-batch-builder.ts';
import { decodeRecordBatch } from './record-batch.ts';
import type { TimestampType } from './record-batch-builder.ts';

/**
 * The produce path's checks on the batches of one partition, once per batch and from the header
 * alone: records are never decoded here, compressed or not. Kafka's equivalents are
 * ByteBufferLogInputStream (framing, magic), ProduceRequest.validateRecords (magic 2 only),
 * UnifiedLog.analyzeAndValidateRecords (baseOffset 0, size, CRC) and LogValidator (counts,
 * control batches, sequences, timestamps). Kafka checks timestamps per record; a header only has
 * baseTimestamp (the first record's) and maxTimestamp, so those two are what is checked.
 */

/** Kafka's AppendOrigin: the client-only rules do not apply to batches the coordinators write. */
export type AppendOrigin = 'client' | 'coordinator';

export interface ValidateBatchesOptions {
  /** max.message.bytes of the topic: the largest batch, header included. */
  maxMessageBytes: number;
  /** message.timestamp.type of the topic. */
  timestampType: TimestampType;
  now: number;
  /** message.timestamp.before.max.ms / message.timestamp.after.max.ms */
  timestampDiffMs: { before: number; after: number };
  origin?: AppendOrigin;
  /**
   * Opt-in record-level checks, which decode every record (decompressing if needed): per-record
   * timestamps, offsetDeltas 0..n-1, and keys where the topic is compacted. Off by default: the
   * produce path stays per batch unless a topic's config asks for more.
   */
  recordLevel?: { requireKeys?: boolean; maxDecompressedBytes?: number };
}

export interface ValidatedBatch {
  position: number;
  sizeInBytes: number;
  recordsCount: number;
  lastOffsetDelta: number;
  compression: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** baseSequence + lastOffsetDelta, wrapping past int32 max as Kafka's sequences do; -1 without one. */
  lastSequence: number;
  isTransactional: boolean;
  isControl: boolean;
  maxTimestamp: number;
}

export interface ValidationResult {
  batchCount: number;
  recordCount: number;
  sizeInBytes: number;
  /** For LogAppendTime this is `now`, what assignOffsets will stamp. */
  maxTimestamp: number;
  /**
   * Offset of the max timestamp relative to the first offset this append gets, at batch
   * granularity: the last offset of the batch holding maxTimestamp (0 for LogAppendTime).
   */
  offsetOfMaxTimestamp: number;
  batches: ValidatedBatch[];
}

/** One record a validation refused: its index in its batch, and why (Produce v8+ recordErrors). */
export interface RecordError {
  readonly batchIndex: number;
  readonly message: string;
}

/**
 * A batch refused for what some of its records hold (Kafka's RecordValidationException). Produce
 * answers the code, this message and every record's error, so a client fails exactly the bad
 * records. INVALID_TIMESTAMP when any record's timestamp is out of range, else INVALID_RECORD.
 */
export class RecordValidationError extends KafkaError {
  readonly recordErrors: readonly RecordError[];

  constructor(recordErrors: readonly { readonly error: number; readonly recordError: RecordError }[]) {
    const errors = recordErrors.map((entry) => entry.recordError);
    const timestamp = recordErrors.some((entry) => entry.error === ErrorCode.INVALID_TIMESTAMP);
    const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.message}')`);
    super(
      timestamp ? ErrorCode.INVALID_TIMESTAMP : ErrorCode.INVALID_RECORD,
      timestamp
        ? 'One or more records have been rejected due to invalid timestamp'
        : `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`,
    );
    this.recordErrors = errors;
  }
}

const MAX_INT32 = 0x7fffffff;

export function validateBatches(records: Buffer, options: ValidateBatchesOptions): ValidationResult {
  const fromClient = (options.origin ?? 'client') === 'client';
  const createTime = options.timestampType === 'CreateTime';
  const batches: ValidatedBatch[] = [];
  let recordCount = 0;
  let maxTimestamp = NO_TIMESTAMP;
  let offsetOfMaxTimestamp = -1;
  let position = 0;
  if (records.length === 0) throw new KafkaError(ErrorCode.INVALID_RECORD, 'no record batch for the partition');

  while (position < records.length) {
    const remaining = records.length - position;
    if (remaining < LOG_OVERHEAD) throw corrupt(`${remaining} trailing bytes after the last batch`);
    const header = new BatchHeader(records, position);
    const batchLength = header.batchLength;
    if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) throw corrupt(`batchLength ${batchLength} is too small`);
    const sizeInBytes = LOG_OVERHEAD + batchLength;
    if (sizeInBytes > remaining) throw corrupt(`batch of ${sizeInBytes} bytes is truncated at ${remaining}`);

    const magic = header.magic;
    if (magic === 0 || magic === 1) {
      // Produce v3+ carries magic 2 only (ProduceRequest.validateRecords); other values are garbage.
      throw new KafkaError(ErrorCode.INVALID_RECORD, `magic ${magic} batches are not accepted`);
    }
    if (magic !== 2) throw corrupt(`invalid magic ${magic}`);
    if (fromClient && header.baseOffset !== 0) {
      throw new KafkaError(ErrorCode.INVALID_RECORD, `baseOffset of a produced batch must be 0, not ${header.baseOffset}`);
    }
    if (sizeInBytes > options.maxMessageBytes) {
      throw new KafkaError(ErrorCode.MESSAGE_TOO_LARGE,
        `batch of ${sizeInBytes} bytes is larger than max.message.bytes ${options.maxMessageBytes}`);
    }
    if (computeBatchCrc(records, position, sizeInBytes) !== header.crc) throw corrupt('CRC-32C mismatch');

    const recordsCount = header.recordsCount;
    const lastOffsetDelta = header.lastOffsetDelta;
    if (fromClient) {
      if (recordsCount <= 0) throw new KafkaError(ErrorCode.INVALID_RECORD, `invalid recordsCount ${recordsCount}`);
      if (lastOffsetDelta !== recordsCount - 1) {
        throw new KafkaError(ErrorCode.INVALID_RECORD,
          `lastOffsetDelta ${lastOffsetDelta} does not match recordsCount ${recordsCount}`);
      }
      if (header.isControl) throw new KafkaError(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
    } else if (recordsCount < 0 || lastOffsetDelta < 0) {
      throw corrupt(`invalid recordsCount ${recordsCount} / lastOffsetDelta ${lastOffsetDelta}`);
    }
    const producerId = header.producerId;
    const baseSequence = header.baseSequence;
    if (fromClient && producerId >= 0 && baseSequence < 0) {
      throw new KafkaError(ErrorCode.INVALID_RECORD, `invalid baseSequence ${baseSequence} for producerId ${producerId}`);
    }
    const attributes = header.attributes;
    const compression = attributes & COMPRESSION_CODEC_MASK;
    if (!isKnownCompressionType(compression)) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `unknown compression type id ${compression}`);
    }
    if (options.recordLevel) validateRecords(records, position, createTime, options.recordLevel, options);
    const batchMaxTimestamp = header.maxTimestamp;
    if (createTime) {
      const baseTimestamp = header.baseTimestamp;
      if (!timestampInRange(baseTimestamp, options) || !timestampInRange(batchMaxTimestamp, options)) {
        // The header shows a record out of range; which ones, only the records say (an error path).
        if (!options.recordLevel) validateRecords(records, position, createTime, {}, options);
        // Still here: the header disagrees with its records.
        throw timestampError(timestampInRange(baseTimestamp, options) ? batchMaxTimestamp : baseTimestamp, options);
      }
      if (batchMaxTimestamp > maxTimestamp) {
        maxTimestamp = batchMaxTimestamp;
        offsetOfMaxTimestamp = recordCount + lastOffsetDelta;
      }
    }

    batches.push({
      position,
      sizeInBytes,
      recordsCount,
      lastOffsetDelta,
      compression,
      producerId,
      producerEpoch: header.producerEpoch,
      baseSequence,
      lastSequence: baseSequence < 0 ? -1 : incrementSequence(baseSequence, lastOffsetDelta),
      isTransactional: header.isTransactional,
      isControl: header.isControl,
      maxTimestamp: batchMaxTimestamp,
    });
    recordCount += lastOffsetDelta + 1;
    position += sizeInBytes;
  }

  if (!createTime) {
    maxTimestamp = options.now;
    offsetOfMaxTimestamp = 0;
  }
  return { batchCount: batches.length, recordCount, sizeInBytes: records.length, maxTimestamp, offsetOfMaxTimestamp, batches };
}

/**
 * Record-level checks, as Kafka's LogValidator makes them: every record is looked at, each gets at
 * most one error (offsets, then the key, then the timestamp), and the batch fails with all of them.
 */
function validateRecords(
  records: Buffer, position: number, createTime: boolean,
  recordLevel: NonNullable<ValidateBatchesOptions['recordLevel']>, options: ValidateBatchesOptions,
): void {
  const { requireKeys = false, maxDecompressedBytes } = recordLevel;
  const batch = decodeRecordBatch(records, position, { verifyCrc: false, maxDecompressedBytes });
  const errors: { error: number; recordError: RecordError }[] = [];
  const refuse = (error: number, batchIndex: number, message: string) => errors.push({ error, recordError: { batchIndex, message } });
  for (let i = 0; i < batch.records.length; i++) {
    const record = batch.records[i]!;
    if (record.offsetDelta !== i) {
      refuse(ErrorCode.INVALID_RECORD, i, `record ${i} has offsetDelta ${record.offsetDelta}`);
    } else if (requireKeys && record.key === null && !batch.isControl) {
      refuse(ErrorCode.INVALID_RECORD, i, 'a compacted topic cannot accept a record without a key');
    } else if (createTime && !timestampInRange(record.timestamp, options)) {
      refuse(ErrorCode.INVALID_TIMESTAMP, i, timestampError(record.timestamp, options).message);
    }
  }
  if (errors.length > 0) throw new RecordValidationError(errors);
}

function timestampInRange(timestamp: number, { now, timestampDiffMs }: ValidateBatchesOptions): boolean {
  return timestamp === NO_TIMESTAMP || (timestamp >= now - timestampDiffMs.before && timestamp <= now + timestampDiffMs.after);
}

function timestampError(timestamp: number, { now, timestampDiffMs }: ValidateBatchesOptions): KafkaError {
  return new KafkaError(ErrorCode.INVALID_TIMESTAMP,
    `timestamp ${timestamp} is out of range [${now - timestampDiffMs.before}, ${now + timestampDiffMs.after}]`);
}

function incrementSequence(sequence: number, increment: number): number {
  return sequence > MAX_INT32 - increment ? increment - (MAX_INT32 - sequence) - 1 : sequence + increment;
}

/**
 * Gives the validated batches their offsets by patching each header in place, and returns the
 * next offset. baseOffset and partitionLeaderEpoch sit outside the CRC, so for CreateTime the
 * producer's bytes stay as they were. For LogAppendTime (logAppendTimeMs given) the timestamp-type
 * bit and maxTimestamp change, and both are inside the CRC, so it is recomputed, as Kafka does.
 * A CreateTime topic clears a LogAppendTime bit a producer may have set.
 */
export function assignOffsets(
  records: Buffer, baseOffset: number, partitionLeaderEpoch: number, logAppendTimeMs?: number,
): number {
  let nextOffset = baseOffset;
  let position = 0;
  while (records.length - position >= RECORD_BATCH_OVERHEAD) {
    const header = new BatchHeader(records, position);
    const sizeInBytes = header.sizeInBytes;
    if (sizeInBytes < RECORD_BATCH_OVERHEAD || sizeInBytes > records.length - position) {
      throw corrupt('assignOffsets needs batches that validateBatches accepted');
    }
    writeInt64(records, position, nextOffset);
    records.writeInt32BE(partitionLeaderEpoch, position + PARTITION_LEADER_EPOCH_OFFSET);
    const attributes = header.attributes;
    let newAttributes = attributes;
    if (logAppendTimeMs !== undefined) {
      newAttributes = attributes | TIMESTAMP_TYPE_MASK;
      if (newAttributes !== attributes || header.maxTimestamp !== logAppendTimeMs) {
        records.writeInt16BE(newAttributes, position + ATTRIBUTES_OFFSET);
        writeInt64(records, position + MAX_TIMESTAMP_OFFSET, logAppendTimeMs);
        records.writeUInt32BE(computeBatchCrc(records, position, sizeInBytes), position + CRC_OFFSET);
      }
    } else if ((attributes & TIMESTAMP_TYPE_MASK) !== 0) {
      records.writeInt16BE(attributes & ~TIMESTAMP_TYPE_MASK, position + ATTRIBUTES_OFFSET);
      records.writeUInt32BE(computeBatchCrc(records, position, sizeInBytes), position + CRC_OFFSET);
    }
    nextOffset += header.lastOffsetDelta + 1;
    position += sizeInBytes;
  }
  if (position !== records.length) throw corrupt(`${records.length - position} malformed bytes after the last batch`);
  return nextOffset;
}

function corrupt(reason: string): KafkaError {
  return new KafkaError(ErrorCode.CORRUPT_MESSAGE, `corrupt record batch: ${reason}`);
}
