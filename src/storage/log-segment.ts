import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import {
  BATCH_LENGTH_OFFSET, CRC_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET, RECORD_BATCH_OVERHEAD,
} from '../protocol/records/batch-header.ts';
import { CorruptRecordError, ioError, StorageError } from './errors.ts';
import { offsetFileName, openReadWrite, readFully, readInt64, writeFully } from './file-io.ts';
import { OffsetIndex } from './offset-index.ts';
import { firstRecordAtOrAfter, type TimestampAndOffset } from './timestamp-search.ts';

export interface SegmentConfig {
  /** log.index.interval.bytes */
  indexIntervalBytes: number;
  /** log.index.size.max.bytes */
  maxIndexSize: number;
}

/** Where one batch sits in a segment. */
export interface BatchPosition {
  baseOffset: number;
  lastOffset: number;
  position: number;
  size: number;
}

const INT32_MAX = 0x7fff_ffff;
/** Header bytes needed to know a batch's offsets and timestamp. */
const HEADER_PREFIX = MAX_TIMESTAMP_OFFSET + 8;
/** Recovery reads the log in chunks this big, so CRC checks do not cost a syscall per batch. */
const RECOVERY_CHUNK = 1 << 20;
const NO_TIMESTAMP: TimestampAndOffset = Object.freeze({ timestamp: -1, offset: -1 });

/**
 * One segment of a partition log: `<baseOffset, 20 digits>.log` plus its `.index`, Kafka's layout.
 *
 * File format of the .log: v2 record batches, concatenated exactly as appended (baseOffset and
 * partitionLeaderEpoch already patched by the log), no other framing. Offsets strictly increase
 * from batch to batch, every offset is >= the segment's baseOffset, and the last offset minus
 * baseOffset fits an int32 (the index stores relative offsets). Positions fit an int32 as well,
 * since log.segment.bytes is an int.
 *
 * After an unclean stop, `recover()` checks length, magic and CRC-32C of every batch and cuts the
 * file at the first one that fails, so a torn tail is never served.
 */
export class LogSegment {
  readonly baseOffset: number;
  readonly logPath: string;
  readonly index: OffsetIndex;
  private readonly indexIntervalBytes: number;
  private fd: number;
  private bytes: number;
  private bytesSinceLastIndexEntry = 0;
  /** Next offset after this segment's last batch; computed on demand for segments loaded as is. */
  private next: number | undefined;
  private maxTimestampSoFar: TimestampAndOffset | undefined;
  private dirty = false;
  private readonly header: Buffer = Buffer.alloc(HEADER_PREFIX);

  private constructor(baseOffset: number, logPath: string, fd: number, bytes: number, index: OffsetIndex, config: SegmentConfig) {
    this.baseOffset = baseOffset;
    this.logPath = logPath;
    this.fd = fd;
    this.bytes = bytes;
    this.index = index;
    this.indexIntervalBytes = config.indexIntervalBytes;
  }

  /**
   * Opens an existing segment. With `recover`, or when its index is missing or corrupt, every
   * batch is checked and the index rebuilt; `truncatedBytes` says how much torn tail was cut off.
   */
  static open(dir: string, baseOffset: number, config: SegmentConfig, recover: boolean): { segment: LogSegment; truncatedBytes: number; batchesChecked: number } {
    const logPath = path.join(dir, offsetFileName(baseOffset, '.log'));
    const indexPath = path.join(dir, offsetFileName(baseOffset, '.index'));
    const indexExisted = fs.existsSync(indexPath);
    const fd = openReadWrite(logPath);
    let bytes: number;
    try {
      bytes = fs.fstatSync(fd).size;
    } catch (cause) {
      fs.closeSync(fd);
      throw ioError('stat', logPath, cause);
    }
    let opened: ReturnType<typeof OffsetIndex.open>;
    try {
      opened = OffsetIndex.open(indexPath, baseOffset, config.maxIndexSize, bytes);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    const { index, corrupt } = opened;
    const segment = new LogSegment(baseOffset, logPath, fd, bytes, index, config);
    const rebuild = recover || corrupt || (!indexExisted && bytes > 0);
    if (!rebuild) return { segment, truncatedBytes: 0, batchesChecked: 0 };
    const { truncatedBytes, batchesChecked } = segment.recover();
    return { segment, truncatedBytes, batchesChecked };
  }

  /** Creates an empty segment; stale files of the same name (from an earlier truncation) are emptied. */
  static create(dir: string, baseOffset: number, config: SegmentConfig): LogSegment {
    const { segment } = LogSegment.open(dir, baseOffset, config, false);
    if (segment.bytes > 0) segment.truncateToPosition(0);
    segment.index.reset();
    segment.next = baseOffset;
    segment.maxTimestampSoFar = NO_TIMESTAMP;
    return segment;
  }

  get size(): number { return this.bytes; }

  get nextOffset(): number {
    if (this.next === undefined) this.scanSummary();
    return this.next as number;
  }

  /** Whether an append ending at `lastOffset` still fits the int32 relative offsets of the index. */
  canHoldOffset(lastOffset: number): boolean {
    return lastOffset - this.baseOffset <= INT32_MAX && lastOffset >= this.baseOffset;
  }

  /**
   * Appends whole batches whose offsets are already assigned. The only per-batch work is reading
   * three header fields from memory, to add sparse index entries and track the max timestamp.
   */
  append(batches: Buffer, firstOffset: number, lastOffset: number): void {
    if (batches.length === 0) return;
    if (firstOffset < this.nextOffset || !this.canHoldOffset(lastOffset)) {
      throw new StorageError(`append of offsets ${firstOffset}..${lastOffset} does not fit segment ${this.logPath} (next offset ${this.nextOffset})`);
    }
    if (this.bytes + batches.length > INT32_MAX) throw new StorageError(`segment ${this.logPath} would exceed 2 GiB`);
    let best = this.maxTimestampSoFar ?? this.scanSummary();
    const start = this.bytes;
    writeFully(this.fd, batches, start, this.logPath);
    for (let p = 0; p < batches.length;) {
      const size = LOG_OVERHEAD + batches.readInt32BE(p + BATCH_LENGTH_OFFSET);
      const batchLast = readInt64(batches, p) + batches.readInt32BE(p + LAST_OFFSET_DELTA_OFFSET);
      const maxTimestamp = readInt64(batches, p + MAX_TIMESTAMP_OFFSET);
      if (maxTimestamp > best.timestamp) best = { timestamp: maxTimestamp, offset: batchLast };
      if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
        this.index.append(batchLast, start + p);
        this.bytesSinceLastIndexEntry = 0;
      }
      this.bytesSinceLastIndexEntry += size;
      p += size;
    }
    this.maxTimestampSoFar = best;
    this.bytes += batches.length;
    this.next = lastOffset + 1;
    this.dirty = true;
  }

  /** The first batch whose last offset is >= targetOffset: index lookup, then header reads only. */
  findBatch(targetOffset: number): BatchPosition | undefined {
    let position = this.index.lookup(targetOffset).position;
    const header = this.header;
    while (position + LOG_OVERHEAD <= this.bytes) {
      if (readFully(this.fd, header, position, LAST_OFFSET_DELTA_OFFSET + 4, this.logPath) < LAST_OFFSET_DELTA_OFFSET + 4) return undefined;
      const baseOffset = readInt64(header, 0);
      const size = LOG_OVERHEAD + header.readInt32BE(BATCH_LENGTH_OFFSET);
      const lastOffset = baseOffset + header.readInt32BE(LAST_OFFSET_DELTA_OFFSET);
      if (lastOffset >= targetOffset) return { baseOffset, lastOffset, position, size };
      position += size;
    }
    return undefined;
  }

  /**
   * Whole batches starting with the one that contains startOffset (Kafka returns the whole batch
   * even when the fetch starts inside it), up to maxBytes; with minOneBatch the first batch comes
   * back even if bigger (KIP-74). Batches with an offset >= maxOffset (the high watermark, say) are
   * left out. `undefined` means no batch of this segment reaches startOffset: try the next segment.
   */
  read(startOffset: number, maxBytes: number, minOneBatch: boolean, maxOffset = Number.MAX_SAFE_INTEGER): Buffer | undefined {
    const first = this.findBatch(startOffset);
    if (first === undefined) return undefined;
    if (first.lastOffset >= maxOffset) return Buffer.alloc(0);
    const wanted = Math.min(Math.max(maxBytes, minOneBatch ? first.size : 0), this.bytes - first.position);
    if (wanted < first.size) return Buffer.alloc(0);
    const buffer = Buffer.allocUnsafe(wanted);
    const got = readFully(this.fd, buffer, first.position, wanted, this.logPath);
    let end = 0;
    while (end + RECORD_BATCH_OVERHEAD <= got) {
      const size = LOG_OVERHEAD + buffer.readInt32BE(end + BATCH_LENGTH_OFFSET);
      if (end + size > got) break;
      if (readInt64(buffer, end) + buffer.readInt32BE(end + LAST_OFFSET_DELTA_OFFSET) >= maxOffset) break;
      end += size;
    }
    return buffer.subarray(0, end);
  }

  /** Earliest record with timestamp >= targetTimestamp, scanning batch headers from the start. */
  offsetForTimestamp(targetTimestamp: number, minOffset = 0): TimestampAndOffset | undefined {
    let found: BatchPosition | undefined;
    this.scanHeaders((batch, maxTimestamp) => {
      if (maxTimestamp < targetTimestamp || batch.lastOffset < minOffset) return true;
      found = batch;
      return false;
    });
    if (found === undefined) return undefined;
    const batch = Buffer.allocUnsafe(found.size);
    readFully(this.fd, batch, found.position, found.size, this.logPath);
    return firstRecordAtOrAfter(batch, found.baseOffset, targetTimestamp, minOffset);
  }

  /** Largest batch maxTimestamp here and the last offset of its batch; timestamp -1 when empty. */
  maxTimestampAndOffset(): TimestampAndOffset {
    return this.maxTimestampSoFar ?? this.scanSummary();
  }

  /**
   * Removes every batch from the one containing `offset` on; returns the bytes removed. Kafka cuts
   * at batch boundaries, so a batch straddling `offset` goes entirely.
   */
  truncateTo(offset: number): number {
    const batch = this.findBatch(offset);
    if (batch === undefined) return 0;
    const removed = this.bytes - batch.position;
    this.truncateToPosition(batch.position);
    return removed;
  }

  /**
   * Checks every batch (length, magic, CRC-32C, increasing offsets), cuts the file at the first that
   * fails, and rebuilds the index and the max timestamp from what remains. Returns bytes cut.
   */
  recover(): { truncatedBytes: number; batchesChecked: number } {
    this.index.reset();
    let batchesChecked = 0;
    this.bytesSinceLastIndexEntry = 0;
    let best = NO_TIMESTAMP;
    let next = this.baseOffset;
    let chunk: Buffer = Buffer.alloc(0);
    let chunkStart = 0;
    let position = 0;
    while (position + RECORD_BATCH_OVERHEAD <= this.bytes) {
      if (position + RECORD_BATCH_OVERHEAD > chunkStart + chunk.length) {
        ({ chunk, chunkStart } = this.readChunk(position, RECORD_BATCH_OVERHEAD));
      }
      const headerAt = position - chunkStart;
      const size = LOG_OVERHEAD + chunk.readInt32BE(headerAt + BATCH_LENGTH_OFFSET);
      if (size < RECORD_BATCH_OVERHEAD || position + size > this.bytes || chunk.readInt8(headerAt + MAGIC_OFFSET) !== 2) break;
      if (position + size > chunkStart + chunk.length) ({ chunk, chunkStart } = this.readChunk(position, size));
      const at = position - chunkStart;
      const batch = chunk.subarray(at, at + size);
      batchesChecked += 1;
      if (crc32c(batch.subarray(CRC_OFFSET + 4)) !== batch.readUInt32BE(CRC_OFFSET)) break;
      const baseOffset = readInt64(batch, 0);
      const delta = batch.readInt32BE(LAST_OFFSET_DELTA_OFFSET);
      const lastOffset = baseOffset + delta;
      if (baseOffset < next || delta < 0 || !this.canHoldOffset(lastOffset)) break;
      const maxTimestamp = readInt64(batch, MAX_TIMESTAMP_OFFSET);
      if (maxTimestamp > best.timestamp) best = { timestamp: maxTimestamp, offset: lastOffset };
      if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
        this.index.append(lastOffset, position);
        this.bytesSinceLastIndexEntry = 0;
      }
      this.bytesSinceLastIndexEntry += size;
      next = lastOffset + 1;
      position += size;
    }
    const removed = this.bytes - position;
    if (removed > 0) this.truncateToPosition(position);
    this.next = next;
    this.maxTimestampSoFar = best;
    return { truncatedBytes: removed, batchesChecked };
  }

  /** The segment stops being the active one: give the index file back its unused space. */
  onBecomeInactive(): void {
    this.index.trimToValidSize();
  }

  /** The segment becomes the active one again (reopen, truncation): room for more entries. */
  onBecomeActive(): void {
    this.index.preallocate();
  }

  flush(): void {
    if (!this.dirty) return;
    try {
      fs.fsyncSync(this.fd);
    } catch (cause) {
      throw ioError('fsync', this.logPath, cause);
    }
    this.index.flush();
    this.dirty = false;
  }

  close(): void {
    if (this.fd < 0) return;
    this.index.close();
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** Closes and removes both files. */
  delete(): void {
    this.close();
    fs.rmSync(this.logPath, { force: true });
    fs.rmSync(this.index.path, { force: true });
  }

  /**
   * Closes the segment and renames its files to `<name>.deleted` (Kafka's async delete): readers
   * can no longer find it, and the files go when the caller removes the returned paths.
   */
  renameForDelete(): string[] {
    this.close();
    const renamed: string[] = [];
    for (const file of [this.logPath, this.index.path]) {
      try {
        fs.renameSync(file, `${file}.deleted`);
        renamed.push(`${file}.deleted`);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('rename for delete', file, cause);
      }
    }
    return renamed;
  }

  private truncateToPosition(position: number): void {
    try {
      fs.ftruncateSync(this.fd, position);
    } catch (cause) {
      throw ioError('truncate', this.logPath, cause);
    }
    this.bytes = position;
    this.index.truncateToPosition(position);
    this.bytesSinceLastIndexEntry = 0;
    this.next = undefined;
    this.maxTimestampSoFar = undefined;
    this.dirty = true;
  }

  private readChunk(position: number, atLeast: number): { chunk: Buffer; chunkStart: number } {
    const length = Math.min(Math.max(atLeast, RECOVERY_CHUNK), this.bytes - position);
    const chunk = Buffer.allocUnsafe(length);
    const got = readFully(this.fd, chunk, position, length, this.logPath);
    if (got < atLeast) throw new CorruptRecordError(`short read of ${this.logPath} at ${position}`);
    return { chunk: chunk.subarray(0, got), chunkStart: position };
  }

  /** Visits batch headers from the start until `visit` returns false. */
  private scanHeaders(visit: (batch: BatchPosition, maxTimestamp: number) => boolean): void {
    const header = this.header;
    let position = 0;
    while (position + HEADER_PREFIX <= this.bytes) {
      readFully(this.fd, header, position, HEADER_PREFIX, this.logPath);
      const baseOffset = readInt64(header, 0);
      const size = LOG_OVERHEAD + header.readInt32BE(BATCH_LENGTH_OFFSET);
      const lastOffset = baseOffset + header.readInt32BE(LAST_OFFSET_DELTA_OFFSET);
      if (!visit({ baseOffset, lastOffset, position, size }, readInt64(header, MAX_TIMESTAMP_OFFSET))) return;
      position += size;
    }
  }

  /** Computes next offset and max timestamp of a segment loaded without recovery. */
  private scanSummary(): TimestampAndOffset {
    let best = NO_TIMESTAMP;
    let next = this.baseOffset;
    this.scanHeaders((batch, maxTimestamp) => {
      if (maxTimestamp > best.timestamp) best = { timestamp: maxTimestamp, offset: batch.lastOffset };
      next = batch.lastOffset + 1;
      return true;
    });
    this.next = next;
    this.maxTimestampSoFar = best;
    return best;
  }
}
