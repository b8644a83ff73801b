import fs from 'node:fs';
import path from 'node:path';
import { BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAX_TIMESTAMP_OFFSET } from '../protocol/records/batch-header.ts';
import { scanValidBatches } from './batch-scan.ts';
import { ioError, StorageError } from './errors.ts';
import { FileHandlePool, type FileHandle } from './file-handle-pool.ts';
import { offsetFileName, readInt64 } from './file-io.ts';
import { OffsetIndex } from './offset-index.ts';
import { TimeIndex } from './time-index.ts';
import { firstRecordAtOrAfter, type TimestampAndOffset } from './timestamp-search.ts';
import type { ReadBufferPool } from './read-buffer-pool.ts';
import { renameForDelete } from './segment-files.ts';
import { batchAt, OFFSETS_PREFIX, readBatchesAsync, ReadEnds, readLength, wholeBatches, type BatchPosition } from './segment-read.ts';

export interface SegmentConfig {
  /** log.index.interval.bytes */
  indexIntervalBytes: number;
  /** log.index.size.max.bytes */
  maxIndexSize: number;
}

/** How a segment reaches its files and the clock (creation time for time-based rolls). */
export interface SegmentContext {
  readonly pool?: FileHandlePool;
  readonly now?: () => number;
  /** Memory for reads; fresh buffers without one. */
  readonly readBuffers?: ReadBufferPool;
}

const INT32_MAX = 0x7fff_ffff;
/** Header bytes needed to know a batch's offsets and timestamp. */
const HEADER_PREFIX = MAX_TIMESTAMP_OFFSET + 8;
const NO_TIMESTAMP: TimestampAndOffset = Object.freeze({ timestamp: -1, offset: -1 });

/**
 * One segment of a partition log: `<baseOffset, 20 digits>.log` plus its `.index` and `.timeindex`,
 * Kafka's layout (formats at the top of OffsetIndex and TimeIndex).
 *
 * File format of the .log: v2 record batches, concatenated exactly as appended (baseOffset and
 * partitionLeaderEpoch already patched by the log), no other framing. Offsets strictly increase
 * from batch to batch, every offset is >= the segment's baseOffset, and the last offset minus
 * baseOffset fits an int32 (the indexes store relative offsets). Positions fit an int32 as well,
 * since log.segment.bytes is an int.
 *
 * Opening a segment reads nothing but the .log's size: descriptors come from a shared pool and
 * the indexes load on first use, so 10,000 partitions cost neither memory nor descriptors until
 * read. After an unclean stop, `recover()` checks length, magic and CRC-32C of every batch and
 * cuts the file at the first one that fails, so a torn tail is never served.
 */
export class LogSegment {
  readonly baseOffset: number;
  /** When this object was made: the roll clock of a segment whose first batch has no timestamp. */
  readonly createdMs: number;
  private readonly file: FileHandle;
  private readonly offsetIndex: OffsetIndex;
  private readonly timeIndex: TimeIndex;
  private readonly indexIntervalBytes: number;
  private bytes: number;
  private bytesSinceLastIndexEntry = 0;
  /** Next offset after the last batch; computed on demand for segments loaded as is. */
  private next: number | undefined;
  private maxTimestampSoFar: TimestampAndOffset | undefined;
  /** maxTimestamp of the first batch (-1 when it has none), read on demand after a reopen. */
  private firstBatchTimestamp: number | undefined;
  private indexesChecked = false;
  /** Changes to the files (appends, truncations) so far, and how many of them an fsync has covered. */
  private writes = 0;
  private syncedWrites = 0;
  /** Where recent asynchronous reads ended; made by the first one, forgotten at a truncation. */
  private readEnds: ReadEnds | undefined;
  private readonly header: Buffer = Buffer.alloc(HEADER_PREFIX);
  private readonly readBuffers: ReadBufferPool | undefined;

  private constructor(dir: string, baseOffset: number, bytes: number, config: SegmentConfig, context: SegmentContext) {
    const pool = context.pool ?? new FileHandlePool({ maxOpen: 8 });
    this.baseOffset = baseOffset;
    this.createdMs = (context.now ?? Date.now)();
    this.file = pool.handle(path.join(dir, offsetFileName(baseOffset, '.log')));
    this.offsetIndex = new OffsetIndex(pool, path.join(dir, offsetFileName(baseOffset, '.index')), baseOffset, config.maxIndexSize);
    this.timeIndex = new TimeIndex(pool, path.join(dir, offsetFileName(baseOffset, '.timeindex')), baseOffset, config.maxIndexSize);
    this.bytes = bytes;
    this.indexIntervalBytes = config.indexIntervalBytes;
    this.readBuffers = context.readBuffers;
  }

  /**
   * Opens an existing segment without reading it. With `recover`, every batch is checked and both
   * indexes rebuilt; `truncatedBytes` says how much torn tail was cut off.
   */
  static open(dir: string, baseOffset: number, config: SegmentConfig, recover: boolean, context: SegmentContext = {}): { segment: LogSegment; truncatedBytes: number; batchesChecked: number } {
    const logPath = path.join(dir, offsetFileName(baseOffset, '.log'));
    let bytes = 0;
    try {
      bytes = fs.statSync(logPath).size;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('stat', logPath, cause);
    }
    const segment = new LogSegment(dir, baseOffset, bytes, config, context);
    if (!recover) return { segment, truncatedBytes: 0, batchesChecked: 0 };
    const { truncatedBytes, batchesChecked } = segment.recover();
    return { segment, truncatedBytes, batchesChecked };
  }

  /** Creates an empty segment; stale files of the same name (from an earlier truncation) are emptied. */
  static create(dir: string, baseOffset: number, config: SegmentConfig, context: SegmentContext = {}): LogSegment {
    const segment = new LogSegment(dir, baseOffset, 0, config, context);
    segment.file.truncate(0);
    segment.offsetIndex.reset();
    segment.timeIndex.reset();
    segment.indexesChecked = true;
    segment.next = baseOffset;
    segment.maxTimestampSoFar = NO_TIMESTAMP;
    segment.firstBatchTimestamp = -1;
    return segment;
  }

  get size(): number { return this.bytes; }
  get logPath(): string { return this.file.path; }

  /** Whether a first use would load the indexes; warmIndexes() reads their files off the event loop first. */
  get indexesLoaded(): boolean { return this.indexesChecked; }
  async warmIndexes(): Promise<void> { await Promise.all([this.offsetIndex.warm(), this.timeIndex.warm()]); }

  /** The offset index, loaded (and rebuilt if invalid) on first use. */
  get index(): OffsetIndex {
    this.ensureIndexes();
    return this.offsetIndex;
  }

  get nextOffset(): number {
    if (this.next === undefined) this.summarize();
    return this.next as number;
  }

  /** Either index has no room left: Kafka rolls then. */
  get indexesFull(): boolean {
    this.ensureIndexes();
    return this.offsetIndex.isFull || this.timeIndex.isFull;
  }

  /**
   * The time a time-based roll counts from: the first batch's maxTimestamp, or -1 when the
   * segment is empty or that batch has none (then the creation time counts, as in Kafka).
   */
  get rollingBasedTimestamp(): number {
    if (this.firstBatchTimestamp === undefined) {
      this.firstBatchTimestamp = -1;
      if (this.bytes >= HEADER_PREFIX && this.file.read(this.header, 0, HEADER_PREFIX) === HEADER_PREFIX) {
        this.firstBatchTimestamp = readInt64(this.header, MAX_TIMESTAMP_OFFSET);
      }
    }
    return this.firstBatchTimestamp;
  }

  /** Whether an append ending at `lastOffset` still fits the int32 relative offsets of the indexes. */
  canHoldOffset(lastOffset: number): boolean {
    return lastOffset - this.baseOffset <= INT32_MAX && lastOffset >= this.baseOffset;
  }

  /**
   * Appends whole batches whose offsets are already assigned. The only per-batch work is reading
   * three header fields from memory, for sparse index entries and the max timestamp. A failed
   * write is cut back off the file before the error is thrown, so no torn batch stays behind.
   */
  append(batches: Buffer, firstOffset: number, lastOffset: number): void {
    if (batches.length === 0) return;
    if (firstOffset < this.nextOffset || !this.canHoldOffset(lastOffset)) {
      throw new StorageError(`append of offsets ${firstOffset}..${lastOffset} does not fit segment ${this.logPath} (next offset ${this.nextOffset})`);
    }
    if (this.bytes + batches.length > INT32_MAX) throw new StorageError(`segment ${this.logPath} would exceed 2 GiB`);
    this.ensureIndexes();
    let best = this.maxTimestampAndOffset();
    const start = this.bytes;
    try {
      this.file.write(batches, start);
    } catch (error) {
      try {
        this.file.truncate(start);
      } catch {
        // The log dir goes offline; recovery at the next start cuts the torn batch by its CRC.
      }
      throw error;
    }
    if (start === 0) this.firstBatchTimestamp = readInt64(batches, MAX_TIMESTAMP_OFFSET);
    for (let p = 0; p < batches.length;) {
      const size = LOG_OVERHEAD + batches.readInt32BE(p + BATCH_LENGTH_OFFSET);
      const batchLast = readInt64(batches, p) + batches.readInt32BE(p + LAST_OFFSET_DELTA_OFFSET);
      const maxTimestamp = readInt64(batches, p + MAX_TIMESTAMP_OFFSET);
      if (maxTimestamp > best.timestamp) best = { timestamp: maxTimestamp, offset: batchLast };
      if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
        this.offsetIndex.append(batchLast, start + p);
        this.timeIndex.maybeAppend(best.timestamp, best.offset);
        this.bytesSinceLastIndexEntry = 0;
      }
      this.bytesSinceLastIndexEntry += size;
      p += size;
    }
    this.maxTimestampSoFar = best;
    this.bytes += batches.length;
    this.next = lastOffset + 1;
    this.writes += 1;
  }

  /** The first batch whose last offset is >= targetOffset, scanning headers from `from`. */
  findBatch(targetOffset: number, from = this.index.lookup(targetOffset).position): BatchPosition | undefined {
    let position = from;
    const header = this.header;
    while (position + LOG_OVERHEAD <= this.bytes) {
      if (this.file.read(header, position, OFFSETS_PREFIX) < OFFSETS_PREFIX) return undefined;
      const batch = batchAt(header, position);
      if (batch.lastOffset >= targetOffset) return batch;
      position += batch.size;
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
    const wanted = first.lastOffset >= maxOffset ? 0 : readLength(first, maxBytes, minOneBatch, this.bytes);
    if (wanted === 0) return Buffer.alloc(0);
    const buffer = this.readBuffers?.acquire(wanted) ?? Buffer.allocUnsafe(wanted);
    return wholeBatches(buffer, this.file.read(buffer, first.position, wanted), maxOffset);
  }

  /**
   * read() with the file reads in libuv's thread pool, the descriptor pinned until it ends: a
   * deletion meanwhile does not disturb it, a truncation may (PartitionLog.readAsync reads again).
   */
  async readAsync(startOffset: number, maxBytes: number, minOneBatch: boolean, maxOffset = Number.MAX_SAFE_INTEGER): Promise<Buffer | undefined> {
    const from = this.index.lookup(startOffset).position;
    const file = this.file.pin();
    try {
      return await readBatchesAsync(file, { from, bytes: this.bytes, startOffset, maxBytes, minOneBatch, maxOffset }, this.readBuffers, this.readEnds ??= new ReadEnds());
    } finally {
      file.unpin();
    }
  }

  /**
   * Earliest record at or above `minOffset` with timestamp >= targetTimestamp: the time index
   * gives an offset no match can precede, the offset index its position, then batch headers.
   */
  offsetForTimestamp(targetTimestamp: number, minOffset = 0): TimestampAndOffset | undefined {
    this.ensureIndexes();
    const startOffset = Math.max(this.timeIndex.lookup(targetTimestamp), minOffset);
    let found: BatchPosition | undefined;
    this.scanHeaders(this.offsetIndex.lookup(startOffset).position, (batch, maxTimestamp) => {
      if (maxTimestamp < targetTimestamp || batch.lastOffset < minOffset) return true;
      found = batch;
      return false;
    });
    if (found === undefined) return undefined;
    const batch = Buffer.allocUnsafe(found.size);
    this.file.read(batch, found.position, found.size);
    return firstRecordAtOrAfter(batch, found.baseOffset, targetTimestamp, minOffset);
  }

  /** Largest batch maxTimestamp here and the last offset of its batch; timestamp -1 when empty. */
  maxTimestampAndOffset(): TimestampAndOffset {
    if (this.maxTimestampSoFar === undefined) {
      this.ensureIndexes();
      // The time index's last entry is the largest timestamp (written at roll and close).
      this.maxTimestampSoFar ??= this.bytes === 0 ? NO_TIMESTAMP : this.timeIndex.lastEntry();
    }
    return this.maxTimestampSoFar;
  }

  /**
   * Removes every batch from the one containing `offset` on; returns the bytes removed. Kafka cuts
   * at batch boundaries, so a batch straddling `offset` goes entirely.
   */
  truncateTo(offset: number): number {
    const batch = this.findBatch(offset);
    if (batch === undefined) return 0;
    const removed = this.bytes - batch.position;
    this.truncateToPosition(batch.position, batch.baseOffset);
    return removed;
  }

  /**
   * Checks every batch (length, magic, CRC-32C, increasing offsets), cuts the file at the first that
   * fails, and rebuilds both indexes and the max timestamp from what remains.
   */
  recover(): { truncatedBytes: number; batchesChecked: number } {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.indexesChecked = true;
    this.bytesSinceLastIndexEntry = 0;
    let best = NO_TIMESTAMP;
    this.firstBatchTimestamp = -1;
    const scan = scanValidBatches(this.file, this.bytes, this.baseOffset, (batch) => {
      if (batch.position === 0) this.firstBatchTimestamp = batch.maxTimestamp;
      if (batch.maxTimestamp > best.timestamp) best = { timestamp: batch.maxTimestamp, offset: batch.lastOffset };
      if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
        this.offsetIndex.append(batch.lastOffset, batch.position);
        this.timeIndex.maybeAppend(best.timestamp, best.offset);
        this.bytesSinceLastIndexEntry = 0;
      }
      this.bytesSinceLastIndexEntry += batch.size;
    });
    const removed = this.bytes - scan.validBytes;
    if (removed > 0) this.truncateToPosition(scan.validBytes, scan.nextOffset);
    this.next = scan.nextOffset;
    this.maxTimestampSoFar = best;
    this.timeIndex.maybeAppend(best.timestamp, best.offset);
    return { truncatedBytes: removed, batchesChecked: scan.batchesChecked };
  }

  /** The segment stops being the active one: record its largest timestamp, give the indexes back their unused space. */
  onBecomeInactive(): void {
    this.ensureIndexes();
    const best = this.maxTimestampAndOffset();
    this.timeIndex.maybeAppend(best.timestamp, best.offset);
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
  }

  /** The segment becomes the active one again (reopen, truncation): room for more entries. */
  onBecomeActive(): void {
    this.ensureIndexes();
    this.offsetIndex.preallocate();
    this.timeIndex.preallocate();
  }

  /** Frees index memory and descriptors of an inactive segment; the next use reloads them. */
  release(): void {
    this.offsetIndex.unload();
    this.timeIndex.unload();
    if (this.writes === this.syncedWrites) this.file.close();
    this.indexesChecked = false;
  }

  flush(): void {
    if (this.writes === this.syncedWrites) return;
    const writes = this.writes;
    this.file.sync();
    this.offsetIndex.flush();
    this.timeIndex.flush();
    this.syncedWrites = Math.max(this.syncedWrites, writes);
  }

  /** flush() with the fsyncs in libuv's thread pool, the descriptors pinned (see FileHandle.pin). */
  async flushAsync(): Promise<void> {
    if (this.writes === this.syncedWrites) return;
    const writes = this.writes;
    const file = this.file.pin();
    try {
      await Promise.all([file.sync(), this.offsetIndex.flushAsync(), this.timeIndex.flushAsync()]);
    } finally {
      file.unpin();
    }
    this.syncedWrites = Math.max(this.syncedWrites, writes);
  }

  /** Closes the descriptors (trimming the indexes); the segment reopens its files if used again. */
  close(): void {
    if (this.offsetIndex.isLoaded || this.timeIndex.isLoaded) {
      const best = this.maxTimestampAndOffset();
      this.timeIndex.maybeAppend(best.timestamp, best.offset);
    }
    this.offsetIndex.close();
    this.timeIndex.close();
    this.file.close();
  }

  /** Closes descriptors without writing anything: the log dir failed. */
  abandon(): void {
    this.offsetIndex.closeWithoutTrim();
    this.timeIndex.closeWithoutTrim();
    this.file.close();
  }

  /** Closes and removes all files. */
  delete(): void {
    this.abandon();
    for (const file of this.files()) fs.rmSync(file, { force: true });
  }

  /**
   * Closes the segment and renames its files to `<name>.deleted` (Kafka's async delete): readers
   * can no longer find it, and the files go when the caller removes the returned paths.
   */
  renameForDelete(): string[] {
    this.abandon();
    return renameForDelete(this.files());
  }

  private files(): string[] { return [this.file.path, this.offsetIndex.path, this.timeIndex.path]; }

  /**
   * Loads both indexes on first use. One that does not match the log (corrupt, entries past its
   * end, or missing while the log says it should have entries) is rebuilt from the log.
   */
  private ensureIndexes(): void {
    if (this.indexesChecked) return;
    this.indexesChecked = true;
    const offsetMissing = this.bytes > 0 && !this.offsetIndex.isLoaded && !fs.existsSync(this.offsetIndex.path);
    const offsetValid = this.offsetIndex.isLoaded || this.offsetIndex.load(this.bytes);
    const timeValid = this.timeIndex.isLoaded || this.timeIndex.load(this.bytes);
    // A non-empty segment always has a time index entry: its largest timestamp, written at roll and close.
    const missing = offsetMissing || (this.timeIndex.entries === 0 && this.bytes > 0);
    if (!offsetValid || !timeValid || missing) {
      this.recover();
      this.offsetIndex.trimToValidSize();
      this.timeIndex.trimToValidSize();
    }
  }

  private truncateToPosition(position: number, nextOffset: number): void {
    this.readEnds = undefined;
    this.file.truncate(position);
    this.bytes = position;
    this.offsetIndex.truncateToPosition(position);
    this.timeIndex.truncateToOffset(nextOffset);
    this.bytesSinceLastIndexEntry = 0;
    this.next = undefined;
    this.maxTimestampSoFar = undefined;
    if (position === 0) this.firstBatchTimestamp = -1;
    this.writes += 1;
  }

  /** Visits batch headers from `position` until `visit` returns false. */
  private scanHeaders(position: number, visit: (batch: BatchPosition, maxTimestamp: number) => boolean): void {
    const header = this.header;
    while (position + HEADER_PREFIX <= this.bytes) {
      if (this.file.read(header, position, HEADER_PREFIX) < HEADER_PREFIX) return;
      const batch = batchAt(header, position);
      if (!visit(batch, readInt64(header, MAX_TIMESTAMP_OFFSET))) return;
      position += batch.size;
    }
  }

  /** Next offset of a segment loaded without recovery: scans headers from the last index entry. */
  private summarize(): void {
    let next = this.baseOffset;
    this.scanHeaders(this.index.lastEntry().position, (batch) => {
      next = batch.lastOffset + 1;
      return true;
    });
    this.next = next;
  }
}
