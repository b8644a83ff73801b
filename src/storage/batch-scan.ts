import { crc32c } from '@node-rs/crc32';
import {
  BATCH_LENGTH_OFFSET, CRC_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET, RECORD_BATCH_OVERHEAD,
} from '../protocol/records/batch-header.ts';
import { CorruptRecordError } from './errors.ts';
import type { FileHandle } from './file-handle-pool.ts';
import { readInt64 } from './file-io.ts';

/** Recovery reads the log in chunks this big, so CRC checks do not cost a syscall per batch. */
const RECOVERY_CHUNK = 1 << 20;
const INT32_MAX = 0x7fff_ffff;

export interface ValidBatch {
  readonly position: number;
  readonly size: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
}

export interface ScanResult {
  /** Bytes of the leading whole batches that hold: where a torn or corrupt tail starts. */
  readonly validBytes: number;
  /** The offset after the last valid batch (baseOffset when none). */
  readonly nextOffset: number;
  readonly batchesChecked: number;
}

/**
 * Checks the batches of a segment's .log of `bytes` bytes from the start: length, magic 2, CRC-32C
 * over the bytes after the CRC field, offsets strictly increasing from `baseOffset` with the last
 * offset within int32 of it. Stops at the first batch that fails; `visit` sees every valid one.
 */
export function scanValidBatches(file: FileHandle, bytes: number, baseOffset: number, visit: (batch: ValidBatch) => void): ScanResult {
  let batchesChecked = 0;
  let next = baseOffset;
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = 0;
  let position = 0;
  const readChunk = (atLeast: number): void => {
    const length = Math.min(Math.max(atLeast, RECOVERY_CHUNK), bytes - position);
    const buffer = Buffer.allocUnsafe(length);
    const got = file.read(buffer, position, length);
    if (got < atLeast) throw new CorruptRecordError(`short read of ${file.path} at ${position}`);
    chunk = buffer.subarray(0, got);
    chunkStart = position;
  };
  while (position + RECORD_BATCH_OVERHEAD <= bytes) {
    if (position + RECORD_BATCH_OVERHEAD > chunkStart + chunk.length) readChunk(RECORD_BATCH_OVERHEAD);
    const headerAt = position - chunkStart;
    const size = LOG_OVERHEAD + chunk.readInt32BE(headerAt + BATCH_LENGTH_OFFSET);
    if (size < RECORD_BATCH_OVERHEAD || position + size > bytes || chunk.readInt8(headerAt + MAGIC_OFFSET) !== 2) break;
    if (position + size > chunkStart + chunk.length) readChunk(size);
    const at = position - chunkStart;
    const batch = chunk.subarray(at, at + size);
    batchesChecked += 1;
    if (crc32c(batch.subarray(CRC_OFFSET + 4)) !== batch.readUInt32BE(CRC_OFFSET)) break;
    const batchBase = readInt64(batch, 0);
    const delta = batch.readInt32BE(LAST_OFFSET_DELTA_OFFSET);
    const lastOffset = batchBase + delta;
    if (batchBase < next || delta < 0 || lastOffset - baseOffset > INT32_MAX) break;
    visit({ position, size, lastOffset, maxTimestamp: readInt64(batch, MAX_TIMESTAMP_OFFSET) });
    next = lastOffset + 1;
    position += size;
  }
  return { validBytes: position, nextOffset: next, batchesChecked };
}
