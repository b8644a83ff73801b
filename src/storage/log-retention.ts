/**
 * Log retention, as Kafka's UnifiedLog.deleteOldSegments does it: whole segments are deleted from
 * the oldest on, never a part of one, so a segment goes only once everything in it may go.
 *
 * Three rules, applied in Kafka's order, each re-reading the segments the previous one left:
 *  1. log start offset: segments entirely below logStartOffset (moved by DeleteRecords) go,
 *     whatever the cleanup.policy;
 *  2. retention.bytes (cleanup.policy includes delete; -1 = unlimited): the oldest segments go
 *     while the log, without them, still holds at least retention.bytes;
 *  3. retention.ms (cleanup.policy includes delete; -1 = forever): the oldest segments go while
 *     their largest record timestamp is more than retention.ms before now. The first segment that
 *     is not expired stops the walk: one new record keeps its segment and all after it.
 *
 * Invariants kept for every rule: a segment is deleted only when all of its offsets are below the
 * high watermark (records not yet replicated are never lost to retention), an empty active
 * segment is never counted, and when every segment qualifies the log (deleteOldestSegments) rolls
 * first so that an empty active segment remains at the log end, which becomes logStartOffset.
 */
import type { SegmentSummary } from './partition-log.ts';

/** The part of a PartitionLog retention needs: real logs satisfy it structurally. */
export interface RetainableLog {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Bytes of all segments' .log files. */
  readonly size: number;
  readonly isClosed?: boolean;
  readonly topic?: string;
  readonly partition?: number;
  segmentSummaries(): readonly SegmentSummary[];
  /**
   * Deletes the `count` oldest segments (renamed `.deleted`, removed after file.delete.delay.ms)
   * and moves logStartOffset to the first one left; rolls first when `count` covers them all.
   * Returns how many it deleted.
   */
  deleteOldestSegments(count: number, reason: string): number;
}

/** A log's retention settings, from its topic configs (or the broker's log.* defaults). */
export interface RetentionConfig {
  /** retention.ms (log.retention.ms/minutes/hours, 7 days); -1 keeps forever. */
  readonly retentionMs: number;
  /** retention.bytes (log.retention.bytes, -1); -1 means no size limit. */
  readonly retentionBytes: number;
  /** Whether cleanup.policy includes `delete` (`delete` or `compact,delete`). */
  readonly deletePolicy: boolean;
}

export interface RetentionResult {
  readonly deletedSegments: number;
  /** Why, one clause per rule that deleted something; empty when nothing was deleted. */
  readonly reason: string;
}

/**
 * Deletes the segments `config` no longer keeps. `highWatermark` (default: the log end) bounds
 * what may go; the replica layer passes the partition's high watermark.
 */
export function applyRetention(log: RetainableLog, config: RetentionConfig, nowMs: number,
  highWatermark: number = log.logEndOffset): RetentionResult {
  let deletedSegments = 0;
  const reasons: string[] = [];
  const apply = (count: number, reason: string): void => {
    if (count <= 0) return;
    const deleted = log.deleteOldestSegments(count, reason);
    if (deleted > 0) {
      deletedSegments += deleted;
      reasons.push(reason);
    }
  };

  const logStartOffset = log.logStartOffset;
  apply(logStartOffsetBreaches(log.segmentSummaries(), logStartOffset, log.logEndOffset, highWatermark),
    `log start offset ${logStartOffset} breach`);
  if (config.deletePolicy) {
    if (config.retentionBytes >= 0) {
      const segments = log.segmentSummaries();
      const count = sizeBreaches(segments, log.size, config.retentionBytes, log.logEndOffset, highWatermark);
      apply(count, `retention size in bytes ${config.retentionBytes} breach`);
    }
    if (config.retentionMs >= 0) {
      const count = timeBreaches(log.segmentSummaries(), nowMs, config.retentionMs, log.logEndOffset, highWatermark);
      apply(count, `retention time ${config.retentionMs}ms breach based on the largest record timestamp in the segment`);
    }
  }
  return { deletedSegments, reason: reasons.join('; ') };
}

/**
 * How many of the oldest segments may go: the walk stops at the first segment that `expired`
 * rejects, at an empty active segment, or at a segment holding offsets at or above highWatermark.
 */
function deletablePrefix(segments: readonly SegmentSummary[], logEndOffset: number, highWatermark: number,
  expired: (segment: SegmentSummary, next: SegmentSummary | undefined) => boolean): number {
  let count = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const next: SegmentSummary | undefined = segments[i + 1];
    if (next === undefined && segment.sizeInBytes === 0) break;
    // The next segment's baseOffset, not this one's nextOffset: compaction may leave a gap between.
    const upperBound = next === undefined ? logEndOffset : next.baseOffset;
    if (upperBound > highWatermark || !expired(segment, next)) break;
    count++;
  }
  return count;
}

function logStartOffsetBreaches(segments: readonly SegmentSummary[], logStartOffset: number,
  logEndOffset: number, highWatermark: number): number {
  return deletablePrefix(segments, logEndOffset, highWatermark,
    (segment, next) => (next === undefined ? segment.nextOffset : next.baseOffset) <= logStartOffset);
}

function sizeBreaches(segments: readonly SegmentSummary[], size: number, retentionBytes: number,
  logEndOffset: number, highWatermark: number): number {
  if (size < retentionBytes) return 0;
  let excess = size - retentionBytes;
  return deletablePrefix(segments, logEndOffset, highWatermark, (segment) => {
    if (excess - segment.sizeInBytes < 0) return false;
    excess -= segment.sizeInBytes;
    return true;
  });
}

function timeBreaches(segments: readonly SegmentSummary[], nowMs: number, retentionMs: number,
  logEndOffset: number, highWatermark: number): number {
  // A segment without timestamps (-1) is never judged expired: its age is unknown.
  return deletablePrefix(segments, logEndOffset, highWatermark,
    (segment) => segment.largestTimestamp >= 0 && nowMs - segment.largestTimestamp > retentionMs);
}

/** What LogRetention reports to; a pino logger fits. */
export interface RetentionLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface RetentionTarget {
  readonly log: RetainableLog;
  readonly config: RetentionConfig;
  /** The partition's high watermark; the log end when omitted. */
  readonly highWatermark?: number;
  /** Called once a run deleted segments of this log (its log start offset moved). */
  readonly onSegmentsDeleted?: () => void;
}

export interface LogRetentionOptions {
  /** Every log to check, read afresh on each run (topics come and go, configs change). */
  readonly logs: () => Iterable<RetentionTarget>;
  readonly now: () => number;
  readonly logger?: RetentionLogger;
}

/**
 * The retention check the broker runs every log.retention.check.interval.ms. A failure in one log
 * (a failed log dir) is logged and the others are still checked.
 */
export class LogRetention {
  private readonly options: LogRetentionOptions;

  constructor(options: LogRetentionOptions) {
    this.options = options;
  }

  /** Applies retention to every log once; returns how many segments were deleted in all. */
  runOnce(nowMs: number = this.options.now()): number {
    const { logger } = this.options;
    let total = 0;
    for (const { log, config, highWatermark, onSegmentsDeleted } of this.options.logs()) {
      if (log.isClosed === true) continue;
      const where = { topic: log.topic, partition: log.partition };
      try {
        const { deletedSegments, reason } = applyRetention(log, config, nowMs, highWatermark);
        if (deletedSegments > 0) {
          total += deletedSegments;
          logger?.info({ ...where, deletedSegments, reason, logStartOffset: log.logStartOffset }, 'deleted old log segments');
          onSegmentsDeleted?.();
        }
      } catch (error) {
        logger?.error({ ...where, err: error }, 'log retention failed');
      }
    }
    return total;
  }
}
