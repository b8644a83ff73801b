import { MAX_TIMESTAMP_OFFSET } from '../../protocol/records/batch-header.ts';
import { readInt64 } from '../file-io.ts';
import type { CleanableLog, CleanableSegment } from './cleanable-log.ts';
import type { CleanerConfig } from './cleaner-config.ts';

const INT32_MAX = 0x7fff_ffff;
const INDEX_ENTRY_SIZE = 8;

/** Where a log's dirty section lies now, and how dirty it is (Kafka's LogToClean). */
export interface CleanableRange {
  readonly firstDirtyOffset: number;
  /**
   * The dirty section ends here, at a segment's base: the active segment, the segment holding the
   * last stable offset, or the first segment with records younger than min.compaction.lag.ms.
   */
  readonly firstUncleanableOffset: number;
  readonly cleanBytes: number;
  readonly dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes); 0 for an empty log. */
  readonly dirtyRatio: number;
  /** max.compaction.lag.ms has passed for the oldest dirty record: clean whatever the ratio. */
  readonly needCompactionNow: boolean;
}

/**
 * The dirty section of `log` given its cleaner checkpoint (Kafka's cleanableOffsets): from the
 * checkpoint (or logStartOffset, if the checkpoint is missing or outside the log) up to the first
 * segment the cleaner may not touch. That is the active segment, or an earlier one holding:
 * - the last stable offset: an open transaction may still be aborted, and a record above the
 *   high watermark may still be truncated away, so nothing from there on is decided. The broker
 *   passes the partition's `lastStableOffset`; without it, the log's oldest open transaction
 *   bounds the range all the same;
 * - a record younger than now - min.compaction.lag.ms.
 * A segment is cleaned whole or not at all, so the bound is the base of the segment holding it.
 */
export function cleanableRange(log: CleanableLog, checkpoint: number | undefined, config: CleanerConfig, nowMs: number,
  lastStableOffset = log.logEndOffset): CleanableRange {
  const { segments, activeBaseOffset } = log.cleanerView();
  const logStartOffset = log.logStartOffset;
  let firstDirtyOffset = checkpoint ?? logStartOffset;
  if (firstDirtyOffset < logStartOffset || firstDirtyOffset > log.logEndOffset) firstDirtyOffset = logStartOffset;
  firstDirtyOffset = Math.min(firstDirtyOffset, activeBaseOffset);
  const firstOpenTxn = log.transactions.producerState.ongoingTransactions()[0]?.firstOffset ?? Infinity;
  const stableEnd = Math.min(lastStableOffset, firstOpenTxn);
  let bound = activeBaseOffset;
  if (stableEnd < bound) bound = segments.findLast((s) => s.baseOffset <= stableEnd)?.baseOffset ?? logStartOffset;
  if (config.minCompactionLagMs > 0) {
    const youngest = nowMs - config.minCompactionLagMs;
    const young = segments.find((s) => s.nextOffset > firstDirtyOffset && s.maxTimestamp > youngest);
    if (young !== undefined) bound = Math.min(bound, young.baseOffset);
  }
  const firstUncleanableOffset = Math.max(firstDirtyOffset, bound);
  let cleanBytes = 0;
  let dirtyBytes = 0;
  let firstDirty: CleanableSegment | undefined;
  for (const segment of segments) {
    if (segment.nextOffset <= firstDirtyOffset) cleanBytes += segment.size;
    else if (isCleanable(segment, firstUncleanableOffset)) {
      dirtyBytes += segment.size;
      firstDirty ??= segment;
    }
  }
  const total = cleanBytes + dirtyBytes;
  let needCompactionNow = false;
  if (firstDirty !== undefined && config.maxCompactionLagMs < nowMs) {
    // Kafka judges by the first dirty segment's first batch: the oldest record waiting.
    const first = firstDirty.read(Math.max(firstDirtyOffset, firstDirty.baseOffset), 1);
    if (first !== undefined && first.length > 0) {
      needCompactionNow = nowMs - readInt64(first, MAX_TIMESTAMP_OFFSET) > config.maxCompactionLagMs;
    }
  }
  return {
    firstDirtyOffset, firstUncleanableOffset, cleanBytes, dirtyBytes,
    dirtyRatio: total === 0 ? 0 : dirtyBytes / total, needCompactionNow,
  };
}

/**
 * Whether a cleaning bounded by `firstUncleanableOffset` may read and rewrite `segment`: it must
 * end by then. (When a checkpoint inside a segment meets a bound in that same segment, the bound is
 * the checkpoint, and that segment is not cleanable.)
 */
export function isCleanable(segment: CleanableSegment, firstUncleanableOffset: number): boolean {
  return segment.baseOffset < firstUncleanableOffset && segment.nextOffset <= firstUncleanableOffset;
}

/** Consecutive segments whose cleaned result fits one segment: segment.bytes, its index, int32 relative offsets. */
export function groupSegments(segments: readonly CleanableSegment[], config: CleanerConfig): CleanableSegment[][] {
  const maxIndexEntries = Math.floor(config.maxIndexSize / INDEX_ENTRY_SIZE);
  const groups: CleanableSegment[][] = [];
  for (let i = 0; i < segments.length;) {
    const group = [segments[i]];
    let bytes = segments[i].size;
    let indexEntries = segments[i].indexEntries;
    i += 1;
    while (i < segments.length
      && bytes + segments[i].size <= config.segmentBytes
      && indexEntries + segments[i].indexEntries <= maxIndexEntries
      && segments[i].nextOffset - 1 - group[0].baseOffset <= INT32_MAX) {
      bytes += segments[i].size;
      indexEntries += segments[i].indexEntries;
      group.push(segments[i]);
      i += 1;
    }
    groups.push(group);
  }
  return groups;
}
