import { assignOffsets } from '../protocol/records/batch-validator.ts';
import fs from 'node:fs';
import path from 'node:path';
import { BatchHeader, RECORD_BATCH_OVERHEAD } from '../protocol/records/batch-header.ts';
import { CorruptRecordError, ioError, OffsetOutOfRangeError, StorageError } from './errors.ts';
import { readInt64 } from './file-io.ts';
import type { LogConfig } from './log-config.ts';
import { LogSegment } from './log-segment.ts';
import type { TimestampAndOffset } from './timestamp-search.ts';

export interface LogAppendInfo {
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The time the caller stamped LogAppendTime batches with, -1 for CreateTime. */
  readonly logAppendTime: number;
  readonly logStartOffset: number;
}

export interface FetchDataInfo {
  /** Whole v2 batches, the first one containing fetchOffset; empty at the log end. */
  readonly records: Buffer;
  readonly fetchOffset: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

export interface PartitionLogOptions {
  /** The partition's directory, `<log.dir>/<topic>-<partition>`. */
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  readonly config: LogConfig;
  /** Clock for flush.ms; Date.now unless a test controls time. */
  readonly now?: () => number;
  /**
   * Whether to check every batch of the last segment (default true). Only a clean shutdown
   * (LogManager's `.kafka_cleanshutdown` marker) makes skipping it safe.
   */
  readonly recover?: boolean;
}

const SEGMENT_LOG_FILE = /^(\d{20})\.log$/;
const EMPTY: Buffer = Buffer.alloc(0);

/**
 * The log of one topic-partition: a directory `<topic>-<partition>` of segments (Kafka's layout).
 * logStartOffset is the first segment's baseOffset, logEndOffset the offset the next record gets.
 * All I/O is synchronous and positional, so appends are serialized without a lock.
 *
 * On open, every segment's index is checked (rebuilt from its .log if missing or corrupt) and the
 * last segment, the only one written since the last roll, is recovered batch by batch: a torn
 * tail is cut at the last batch whose length, magic and CRC-32C hold.
 */
export class PartitionLog {
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  /** Bytes cut from the last segment's torn tail when the log was opened. */
  readonly truncatedBytesOnOpen: number;
  private config: LogConfig;
  private readonly now: () => number;
  private readonly segments: LogSegment[];
  /** Segments rolled since the last flush: they still need their fsync. */
  private unflushedSegments: LogSegment[] = [];
  private dirChanged = false;
  private unflushedMessages = 0;
  private lastFlushMs: number;
  private closed = false;

  private constructor(options: PartitionLogOptions, segments: LogSegment[], truncatedBytes: number) {
    this.dir = options.dir;
    this.topic = options.topic;
    this.partition = options.partition;
    this.config = options.config;
    this.now = options.now ?? Date.now;
    this.segments = segments;
    this.truncatedBytesOnOpen = truncatedBytes;
    this.lastFlushMs = this.now();
  }

  /** Opens the log in `dir`, creating the directory and a first segment at offset 0 if needed. */
  static open(options: PartitionLogOptions): PartitionLog {
    const { dir, config } = options;
    let names: string[];
    try {
      fs.mkdirSync(dir, { recursive: true });
      names = fs.readdirSync(dir);
    } catch (cause) {
      throw ioError('open log dir', dir, cause);
    }
    const baseOffsets: number[] = [];
    const present = new Set(names);
    for (const name of names) {
      const match = SEGMENT_LOG_FILE.exec(name);
      if (match !== null) baseOffsets.push(Number(match[1]));
      // Leftovers of an interrupted delete or an index without its log.
      else if (name.endsWith('.deleted') || (name.endsWith('.index') && !present.has(name.replace(/\.index$/, '.log')))) {
        fs.rmSync(path.join(dir, name), { force: true });
      }
    }
    baseOffsets.sort((a, b) => a - b);
    const segments: LogSegment[] = [];
    let truncated = 0;
    try {
      baseOffsets.forEach((baseOffset, i) => {
        const opened = LogSegment.open(dir, baseOffset, config, options.recover !== false && i === baseOffsets.length - 1);
        segments.push(opened.segment);
        truncated += opened.truncatedBytes;
      });
      if (segments.length === 0) segments.push(LogSegment.create(dir, 0, config));
    } catch (error) {
      for (const segment of segments) segment.close();
      throw error;
    }
    segments[segments.length - 1].onBecomeActive();
    return new PartitionLog(options, segments, truncated);
  }

  get logStartOffset(): number { return this.segments[0].baseOffset; }
  get logEndOffset(): number { return this.activeSegment.nextOffset; }
  /** Bytes of all segments' .log files. */
  get size(): number { return this.segments.reduce((sum, segment) => sum + segment.size, 0); }
  get segmentBaseOffsets(): number[] { return this.segments.map((segment) => segment.baseOffset); }
  get logConfig(): LogConfig { return this.config; }
  get isClosed(): boolean { return this.closed; }

  /** Topic config changes apply to the next roll, append and flush. */
  updateConfig(config: LogConfig): void {
    this.config = config;
  }

  /**
   * Appends validated batches as the leader: each batch's baseOffset is patched to the next
   * offsets in turn and its partitionLeaderEpoch to `leaderEpoch` (both outside the CRC), in place,
   * so the producer's bytes are what gets stored and served. With LogAppendTime the batch's
   * timestamp type and maxTimestamp change too, and its CRC is recomputed, as Kafka does.
   */
  appendAsLeader(batches: Buffer, leaderEpoch: number, logAppendTime = -1): LogAppendInfo {
    this.ensureOpen();
    const firstOffset = this.logEndOffset;
    const next = assignOffsets(batches, firstOffset, leaderEpoch, logAppendTime >= 0 ? logAppendTime : undefined);
    this.appendToSegments(batches, firstOffset, next - 1);
    return { firstOffset, lastOffset: next - 1, logAppendTime, logStartOffset: this.logStartOffset };
  }

  /** Appends batches whose offsets the leader assigned; they must follow the log end. */
  appendAsFollower(batches: Buffer): LogAppendInfo {
    this.ensureOpen();
    if (batches.length === 0) return { firstOffset: -1, lastOffset: -1, logAppendTime: -1, logStartOffset: this.logStartOffset };
    let expected = this.logEndOffset;
    const firstOffset = readInt64(batches, 0);
    let lastOffset = firstOffset;
    for (let position = 0; position < batches.length;) {
      const header = this.checkedHeader(batches, position);
      if (header.baseOffset < expected) {
        throw new CorruptRecordError(`batch at offset ${header.baseOffset} does not follow offset ${expected - 1} in ${this.name}`);
      }
      lastOffset = header.lastOffset;
      expected = lastOffset + 1;
      position += header.sizeInBytes;
    }
    this.appendToSegments(batches, firstOffset, lastOffset);
    return { firstOffset, lastOffset, logAppendTime: -1, logStartOffset: this.logStartOffset };
  }

  /**
   * Whole batches from the one containing fetchOffset, up to maxBytes (at least one batch when
   * minOneBatch, KIP-74), from one segment, leaving out batches at or above maxOffset.
   * fetchOffset == logEndOffset reads nothing; outside [logStartOffset, logEndOffset] throws.
   */
  read(fetchOffset: number, maxBytes: number, minOneBatch = true, maxOffset?: number): FetchDataInfo {
    this.ensureOpen();
    const logStartOffset = this.logStartOffset;
    const logEndOffset = this.logEndOffset;
    if (fetchOffset < logStartOffset || fetchOffset > logEndOffset) {
      throw new OffsetOutOfRangeError(fetchOffset, logStartOffset, logEndOffset, this.name);
    }
    const limit = maxOffset ?? logEndOffset;
    let records = EMPTY;
    if (fetchOffset < logEndOffset && fetchOffset < limit) {
      for (let i = this.floorSegment(fetchOffset); i < this.segments.length; i++) {
        const found = this.segments[i].read(fetchOffset, maxBytes, minOneBatch, limit);
        if (found !== undefined) {
          records = found;
          break;
        }
      }
    }
    return { records, fetchOffset, logStartOffset, logEndOffset };
  }

  /** ListOffsets by timestamp: the earliest record with timestamp >= target, segment by segment. */
  offsetForTimestamp(targetTimestamp: number): TimestampAndOffset | undefined {
    this.ensureOpen();
    for (const segment of this.segments) {
      if (segment.maxTimestampAndOffset().timestamp < targetTimestamp) continue;
      const found = segment.offsetForTimestamp(targetTimestamp);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** ListOffsets MAX_TIMESTAMP: the largest batch maxTimestamp and the last offset of that batch; -1s when empty. */
  maxTimestampAndOffset(): TimestampAndOffset {
    this.ensureOpen();
    let best: TimestampAndOffset = { timestamp: -1, offset: -1 };
    for (const segment of this.segments) {
      const candidate = segment.maxTimestampAndOffset();
      if (candidate.timestamp > best.timestamp) best = candidate;
    }
    return best;
  }

  /**
   * Removes everything from the batch containing `offset` on (a follower diverged from its leader).
   * Below logStartOffset the log is emptied and restarts at `offset`.
   */
  truncateTo(offset: number): void {
    this.ensureOpen();
    if (offset >= this.logEndOffset) return;
    while (this.segments.length > 0 && this.activeSegment.baseOffset >= offset) {
      this.deleteSegment(this.segments.pop() as LogSegment);
    }
    if (this.segments.length === 0) {
      this.segments.push(LogSegment.create(this.dir, offset, this.config));
      this.dirChanged = true;
    } else {
      this.activeSegment.truncateTo(offset);
    }
    this.activeSegment.onBecomeActive();
  }

  /** fsyncs every unflushed segment (and the directory after a roll). */
  flush(): void {
    this.ensureOpen();
    for (const segment of this.unflushedSegments) segment.flush();
    this.unflushedSegments = [];
    this.activeSegment.flush();
    if (this.dirChanged) {
      syncDirectory(this.dir);
      this.dirChanged = false;
    }
    this.unflushedMessages = 0;
    this.lastFlushMs = this.now();
  }

  /** flush.ms: fsyncs if there are unflushed records and the last flush is at least flushMs old. */
  flushIfDue(nowMs = this.now()): boolean {
    if (this.closed || this.unflushedMessages === 0 || nowMs - this.lastFlushMs < this.config.flushMs) return false;
    this.flush();
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const segment of this.segments) segment.close();
  }

  private get activeSegment(): LogSegment { return this.segments[this.segments.length - 1]; }
  private get name(): string { return `${this.topic}-${this.partition}`; }

  private appendToSegments(batches: Buffer, firstOffset: number, lastOffset: number): void {
    if (batches.length === 0) return;
    const active = this.activeSegment;
    const full = active.size > 0 && (active.size + batches.length > this.config.segmentBytes || active.index.isFull);
    if (full || !active.canHoldOffset(lastOffset)) this.roll(firstOffset);
    this.activeSegment.append(batches, firstOffset, lastOffset);
    this.unflushedMessages += lastOffset - firstOffset + 1;
    if (this.unflushedMessages >= this.config.flushMessages) this.flush();
  }

  /** Starts a new active segment at `baseOffset`; an empty active segment is replaced, not kept. */
  private roll(baseOffset: number): void {
    const previous = this.activeSegment;
    if (previous.size === 0) {
      this.deleteSegment(this.segments.pop() as LogSegment);
    } else {
      previous.onBecomeInactive();
      this.unflushedSegments.push(previous);
    }
    this.segments.push(LogSegment.create(this.dir, baseOffset, this.config));
    this.activeSegment.onBecomeActive();
    this.dirChanged = true;
  }

  private deleteSegment(segment: LogSegment): void {
    this.unflushedSegments = this.unflushedSegments.filter((s) => s !== segment);
    segment.delete();
    this.dirChanged = true;
  }

  /** Index of the last segment whose baseOffset <= offset (0 when none is). */
  private floorSegment(offset: number): number {
    let low = 0;
    let high = this.segments.length - 1;
    let found = 0;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  /** The header at `position`, after the checks that keep a walk over `batches` in bounds. */
  private checkedHeader(batches: Buffer, position: number): BatchHeader {
    const header = new BatchHeader(batches, position);
    if (batches.length - position < RECORD_BATCH_OVERHEAD || header.sizeInBytes < RECORD_BATCH_OVERHEAD
      || position + header.sizeInBytes > batches.length || header.magic !== 2 || header.lastOffsetDelta < 0) {
      throw new CorruptRecordError(`malformed record batch at byte ${position} of an append to ${this.name}`);
    }
    return header;
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError(`log ${this.name} is closed`);
  }
}

/** Makes file creations and deletions in `dir` durable. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (cause) {
    throw ioError('fsync dir', dir, cause);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
