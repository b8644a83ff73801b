import fs from 'node:fs';
import {
  BATCH_LENGTH_OFFSET, BatchHeader, LOG_OVERHEAD, MAX_TIMESTAMP_OFFSET, PARTITION_LEADER_EPOCH_OFFSET, RECORD_BATCH_OVERHEAD,
} from '../protocol/records/batch-header.ts';
import { CorruptRecordError, ioError, StorageError } from './errors.ts';
import { readFully, readInt64 } from './file-io.ts';
import type { EpochEntry } from './leader-epoch-cache.ts';
import type { FullLogConfig } from './log-config.ts';
import type { LogSegment } from './log-segment.ts';
import type { SegmentSummary } from './partition-log-types.ts';
import type { Scheduler } from './scheduler.ts';
import type { TimestampAndOffset } from './timestamp-search.ts';
import type { CleanableSegment, CleanerView, SegmentSwap } from './cleaner/cleanable-log.ts';

/**
 * Removal of deleted segments' `.deleted` files after file.delete.delay.ms (Kafka's async delete:
 * a reader that found the segment before the delete keeps a window to finish). On close the
 * pending removals run at once, since nothing can read the files any more.
 */
export class DeletedFileRemover {
  private readonly scheduler: Scheduler;
  private readonly pending = new Map<() => void, readonly string[]>();

  constructor(scheduler: Scheduler) {
    this.scheduler = scheduler;
  }

  get pendingFiles(): number {
    let count = 0;
    for (const files of this.pending.values()) count += files.length;
    return count;
  }

  removeLater(files: readonly string[], delayMs: number): void {
    if (files.length === 0) return;
    let cancel: () => void = () => undefined;
    const remove = (): void => {
      this.pending.delete(cancel);
      removeQuietly(files);
    };
    cancel = this.scheduler.schedule(delayMs, remove);
    this.pending.set(cancel, files);
  }

  removeAllNow(): void {
    for (const [cancel, files] of this.pending) {
      cancel();
      removeQuietly(files);
    }
    this.pending.clear();
  }
}

export interface FollowerBatchRange {
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** Where the batches start epochs newer than the log's latest (the leader epoch cache's new entries). */
  readonly epochStarts: readonly EpochEntry[] | undefined;
}

/**
 * Checks batches a follower appends: whole v2 batches with offsets strictly after `logEndOffset`.
 * Returns their first and last offset, and the batches that start an epoch above `latestEpoch`.
 */
export function followerBatchRange(batches: Buffer, logEndOffset: number, name: string, latestEpoch: number): FollowerBatchRange {
  let expected = logEndOffset;
  let firstOffset = -1;
  let lastOffset = -1;
  let epochStarts: EpochEntry[] | undefined;
  for (let position = 0; position < batches.length;) {
    const header = new BatchHeader(batches, position);
    if (batches.length - position < RECORD_BATCH_OVERHEAD || header.sizeInBytes < RECORD_BATCH_OVERHEAD
      || position + header.sizeInBytes > batches.length || header.magic !== 2 || header.lastOffsetDelta < 0) {
      throw new CorruptRecordError(`malformed record batch at byte ${position} of an append to ${name}`);
    }
    if (header.baseOffset < expected) {
      throw new CorruptRecordError(`batch at offset ${header.baseOffset} does not follow offset ${expected - 1} in ${name}`);
    }
    if (firstOffset < 0) firstOffset = header.baseOffset;
    if (header.partitionLeaderEpoch > latestEpoch) {
      latestEpoch = header.partitionLeaderEpoch;
      (epochStarts ??= []).push({ epoch: latestEpoch, startOffset: header.baseOffset });
    }
    lastOffset = header.lastOffset;
    expected = lastOffset + 1;
    position += header.sizeInBytes;
  }
  return { firstOffset, lastOffset, epochStarts };
}

/** Index of the last item whose baseOffset <= offset (0 when none is); items sorted by baseOffset. */
export function floorIndex(items: readonly { readonly baseOffset: number }[], offset: number): number {
  let low = 0;
  let high = items.length - 1;
  let found = 0;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (items[mid].baseOffset <= offset) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/** Best effort: a file left behind (a failed disk) is removed when the log is next opened. */
function removeQuietly(files: readonly string[]): void {
  for (const file of files) {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // see above
    }
  }
}

/**
 * Kafka's LogSegment.shouldRoll: the active segment rolls before an append when the append would
 * take it past segment.bytes, when an index is full, when the append's offsets no longer fit the
 * indexes' int32 relative offsets, or (for a non-empty segment) when segment.ms minus this log's
 * jitter has passed. Time counts from the first batch's maxTimestamp to the largest timestamp of
 * the batches being appended, or, when the first batch has no timestamp, from the segment's
 * creation to now.
 */
export function shouldRoll(active: LogSegment, config: FullLogConfig, batches: Buffer, lastOffset: number, nowMs: number, jitterMs: number): boolean {
  if (!active.canHoldOffset(lastOffset)) return true;
  if (active.size === 0) return false;
  if (active.size + batches.length > config.segmentBytes || active.indexesFull) return true;
  const first = active.rollingBasedTimestamp;
  const waitedMs = first >= 0 ? maxTimestampOf(batches) - first : nowMs - active.createdMs;
  return waitedMs > config.segmentMs - jitterMs;
}

/** Largest batch maxTimestamp among whole v2 batches (already checked), -1 when none has one. */
export function maxTimestampOf(batches: Buffer): number {
  let max = -1;
  for (let position = 0; position + RECORD_BATCH_OVERHEAD <= batches.length;) {
    max = Math.max(max, readInt64(batches, position + MAX_TIMESTAMP_OFFSET));
    position += LOG_OVERHEAD + batches.readInt32BE(position + BATCH_LENGTH_OFFSET);
  }
  return max;
}

/** Every segment for retention, oldest first; the last one is the active segment. */
export function summarizeSegments(segments: readonly LogSegment[]): SegmentSummary[] {
  const last = segments.length - 1;
  return segments.map((segment, i) => ({
    baseOffset: segment.baseOffset,
    nextOffset: i === last ? segment.nextOffset : segments[i + 1].baseOffset,
    sizeInBytes: segment.size,
    largestTimestamp: segment.maxTimestampAndOffset().timestamp,
    isActive: i === last,
  }));
}

/** The largest batch maxTimestamp over `segments` and the last offset of its batch; -1s when none. */
export function maxTimestampAndOffsetOf(segments: readonly LogSegment[]): TimestampAndOffset {
  let best: TimestampAndOffset = { timestamp: -1, offset: -1 };
  for (const segment of segments) {
    const candidate = segment.maxTimestampAndOffset();
    if (candidate.timestamp > best.timestamp) best = candidate;
  }
  return best;
}

/**
 * The inactive segments of a log read lately, most recent last. A segment falling out of the
 * window gives back its index memory and descriptors (LogSegment.release), so a log that serves
 * catch-up reads keeps only a few old segments loaded.
 */
export class RecentSegments {
  private readonly capacity: number;
  private recent: LogSegment[] = [];

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  touch(segment: LogSegment, stillReleasable: (idle: LogSegment) => boolean): void {
    if (this.recent.at(-1) === segment) return;
    this.recent = this.recent.filter((s) => s !== segment);
    this.recent.push(segment);
    if (this.recent.length <= this.capacity) return;
    const idle = this.recent.shift() as LogSegment;
    if (stillReleasable(idle)) idle.release();
  }
}

/** The cleaner's view of a log's segments: every one but the active one, read-only. */
export function cleanerViewOf(segments: readonly LogSegment[]): CleanerView {
  const views = segments.slice(0, -1).map((segment) => ({
    baseOffset: segment.baseOffset,
    size: segment.size,
    nextOffset: segment.nextOffset,
    maxTimestamp: segment.maxTimestampAndOffset().timestamp,
    indexEntries: segment.index.entries,
    read: (startOffset: number, maxBytes: number) => segment.read(startOffset, maxBytes, true),
    handle: segment,
  }));
  return { segments: views, activeBaseOffset: segments[segments.length - 1].baseOffset };
}

/**
 * Where the cleaned segments `old` start in `segments`, when they are still there, consecutive and
 * not active, and the cleaned one starts at the first's baseOffset; -1 otherwise.
 */
export function cleanedSegmentsIndex(segments: readonly LogSegment[], old: readonly CleanableSegment[], swapBaseOffset: number): number {
  const first = old.length === 0 ? -1 : segments.indexOf(old[0].handle as LogSegment);
  const replaceable = first >= 0 && first + old.length < segments.length
    && swapBaseOffset === segments[first].baseOffset
    && old.every((view, i) => segments[first + i] === view.handle);
  return replaceable ? first : -1;
}

/**
 * PartitionLog.replaceWithCleaned: `old` (consecutive non-active segments of `segments`) give way to
 * the cleaned segment of `swap`, installed and opened in their place; a StorageError when they
 * changed meanwhile (the swap is discarded).
 */
export function swapInCleaned(segments: LogSegment[], old: readonly CleanableSegment[], swap: SegmentSwap,
  log: { name: string; deleteSegment: (segment: LogSegment) => void; open: (baseOffset: number) => LogSegment }): void {
  const first = cleanedSegmentsIndex(segments, old, swap.baseOffset);
  if (first < 0) {
    swap.discard();
    throw new StorageError(`segments of ${log.name} changed while they were being cleaned`);
  }
  for (const segment of segments.slice(first, first + old.length)) log.deleteSegment(segment);
  swap.install();
  const segment = log.open(swap.baseOffset);
  segment.onBecomeInactive();
  segments.splice(first, old.length, segment);
}

/** ListOffsets by timestamp: the earliest record at or after `startOffset` with timestamp >= target, segment by segment. */
export function offsetForTimestampIn(segments: readonly LogSegment[], startOffset: number, targetTimestamp: number,
  touched: (segment: LogSegment) => void): TimestampAndOffset | undefined {
  for (let i = floorIndex(segments, startOffset); i < segments.length; i++) {
    const segment = segments[i];
    if (segment.maxTimestampAndOffset().timestamp < targetTimestamp) continue;
    const found = segment.offsetForTimestamp(targetTimestamp, startOffset);
    touched(segment);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Renames a deleted segment's files to `<name>.deleted` (Kafka's async delete): readers can no
 * longer find them, and they go when the caller removes the returned paths.
 */
export function renameForDelete(files: readonly string[]): string[] {
  const renamed: string[] = [];
  for (const file of files) {
    try {
      fs.renameSync(file, `${file}.deleted`);
      renamed.push(`${file}.deleted`);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('rename for delete', file, cause);
    }
  }
  return renamed;
}

/**
 * Where each epoch newer than the ones before starts, oldest first, from the batch headers of the
 * segments' .log files: what rebuilds a missing leader-epoch-checkpoint, once, when a log opens.
 */
/**
 * The start of the last `count` segments (those recovery checked) and their batches' epochs: what
 * the recovery point does not cover, so what a crash may have kept out of the leader epoch
 * checkpoint while the records reached the disk (Kafka re-derives them the same way, KAFKA-15046).
 */
export function recoveredEpochsOf(segments: readonly LogSegment[], count: number): { fromOffset: number; batchEpochs: () => EpochEntry[] } | undefined {
  if (count === 0) return undefined;
  const recovered = segments.slice(segments.length - count);
  return { fromOffset: recovered[0].baseOffset, batchEpochs: () => batchEpochsOf(recovered) };
}

export function batchEpochsOf(segments: readonly LogSegment[]): EpochEntry[] {
  const starts: EpochEntry[] = [];
  const header = Buffer.alloc(PARTITION_LEADER_EPOCH_OFFSET + 4);
  let latest = -1;
  for (const segment of segments) {
    let fd: number;
    try {
      fd = fs.openSync(segment.logPath, 'r');
    } catch (cause) {
      throw ioError('open', segment.logPath, cause);
    }
    try {
      for (let position = 0; position + RECORD_BATCH_OVERHEAD <= segment.size;) {
        readFully(fd, header, position, header.length, segment.logPath);
        const epoch = header.readInt32BE(PARTITION_LEADER_EPOCH_OFFSET);
        if (epoch > latest) starts.push({ epoch: (latest = epoch), startOffset: readInt64(header, 0) });
        position += LOG_OVERHEAD + header.readInt32BE(BATCH_LENGTH_OFFSET);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return starts;
}
