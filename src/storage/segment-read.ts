import { BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from '../protocol/records/batch-header.ts';
import type { PinnedFile } from './file-handle-pool.ts';
import { readInt64 } from './file-io.ts';
import type { ReadBufferPool } from './read-buffer-pool.ts';

/**
 * What a segment's synchronous and asynchronous reads share: finding the batch that holds an
 * offset from its header, sizing the read, and cutting what was read to whole batches; and the
 * asynchronous read itself.
 */

/** Where one batch sits in a segment. */
export interface BatchPosition {
  baseOffset: number;
  lastOffset: number;
  position: number;
  size: number;
}

/** Header bytes that give a batch's offsets and size. */
export const OFFSETS_PREFIX = LAST_OFFSET_DELTA_OFFSET + 4;

/** The batch whose header (at least OFFSETS_PREFIX bytes) is in `header`, found at `position`. */
export function batchAt(header: Buffer, position: number): BatchPosition {
  const baseOffset = readInt64(header, 0);
  return {
    baseOffset,
    lastOffset: baseOffset + header.readInt32BE(LAST_OFFSET_DELTA_OFFSET),
    position,
    size: LOG_OVERHEAD + header.readInt32BE(BATCH_LENGTH_OFFSET),
  };
}

/**
 * Bytes to read from `first` on, within maxBytes (at least the first batch when minOneBatch,
 * KIP-74) and the segment's `segmentBytes`; 0 when not even the first batch fits.
 */
export function readLength(first: BatchPosition, maxBytes: number, minOneBatch: boolean, segmentBytes: number): number {
  const wanted = Math.min(Math.max(maxBytes, minOneBatch ? first.size : 0), segmentBytes - first.position);
  return wanted < first.size ? 0 : wanted;
}

/** The whole batches at the start of the `got` bytes read, leaving out those with an offset >= maxOffset. */
export function wholeBatches(buffer: Buffer, got: number, maxOffset: number): Buffer {
  let end = 0;
  while (end + RECORD_BATCH_OVERHEAD <= got) {
    const size = LOG_OVERHEAD + buffer.readInt32BE(end + BATCH_LENGTH_OFFSET);
    if (end + size > got) break;
    if (readInt64(buffer, end) + buffer.readInt32BE(end + LAST_OFFSET_DELTA_OFFSET) >= maxOffset) break;
    end += size;
  }
  return buffer.subarray(0, end);
}

/**
 * Where recent asynchronous reads of a segment ended, by the offset that follows: a consumer's next
 * fetch starts exactly there, so its read needs no header scan, only one trip to the thread pool.
 * A few are kept, for a few consumers at once; the segment forgets them all when it is truncated.
 */
export class ReadEnds {
  readonly #positions = new Map<number, number>();

  get(nextOffset: number): number | undefined { return this.#positions.get(nextOffset); }

  set(nextOffset: number, position: number): void {
    this.#positions.delete(nextOffset);
    this.#positions.set(nextOffset, position);
    if (this.#positions.size > 4) this.#positions.delete(this.#positions.keys().next().value as number);
  }
}

/** What LogSegment.readAsync asks for: as read(), from index position `from` in a segment of `bytes` bytes. */
export interface AsyncRead {
  readonly from: number;
  readonly bytes: number;
  readonly startOffset: number;
  readonly maxBytes: number;
  readonly minOneBatch: boolean;
  readonly maxOffset: number;
}

/**
 * LogSegment.read's answer, each file read awaited. Where a recent read ended at startOffset, one
 * read from there brings the first header and the batches together; otherwise the headers from
 * `from` to the batch holding startOffset come first, then the batches.
 */
export async function readBatchesAsync(file: PinnedFile, read: AsyncRead, readBuffers: ReadBufferPool | undefined, ends: ReadEnds): Promise<Buffer | undefined> {
  const allocate = (size: number): Buffer => readBuffers?.acquire(size) ?? Buffer.allocUnsafe(size);
  let first: BatchPosition | undefined;
  let buffer: Buffer | undefined;
  let got = 0;
  const known = ends.get(read.startOffset);
  if (known !== undefined && known + RECORD_BATCH_OVERHEAD <= read.bytes) {
    buffer = allocate(Math.min(read.bytes - known, Math.max(read.maxBytes, RECORD_BATCH_OVERHEAD)));
    got = await file.read(buffer, known);
    if (got >= OFFSETS_PREFIX) first = batchAt(buffer, known);
  }
  const header = Buffer.allocUnsafe(OFFSETS_PREFIX);
  for (let position = read.from; first === undefined && position + LOG_OVERHEAD <= read.bytes;) {
    if (await file.read(header, position, OFFSETS_PREFIX) < OFFSETS_PREFIX) return undefined;
    const batch = batchAt(header, position);
    if (batch.lastOffset >= read.startOffset) first = batch;
    position += batch.size;
  }
  if (first === undefined) return undefined;
  const wanted = first.lastOffset >= read.maxOffset ? 0 : readLength(first, read.maxBytes, read.minOneBatch, read.bytes);
  if (wanted === 0) return Buffer.alloc(0);
  if (buffer === undefined || got < wanted) {
    if (buffer !== undefined) readBuffers?.release(buffer);
    buffer = allocate(wanted);
    got = await file.read(buffer, first.position, wanted);
  }
  const records = wholeBatches(buffer, Math.min(got, wanted), read.maxOffset);
  if (records.length > 0) ends.set(nextOffsetAfter(records), first.position + records.length);
  return records;
}

/** The offset after the last of these whole batches. */
function nextOffsetAfter(batches: Buffer): number {
  let last = 0;
  for (let position = 0; position < batches.length; position += LOG_OVERHEAD + batches.readInt32BE(position + BATCH_LENGTH_OFFSET)) last = position;
  return readInt64(batches, last) + batches.readInt32BE(last + LAST_OFFSET_DELTA_OFFSET) + 1;
}
