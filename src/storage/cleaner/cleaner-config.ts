/** Per-log cleaner settings, from the topic's configs (broker defaults in brackets). */
export interface CleanerConfig {
  /** cleanup.policy contains `compact` (log.cleanup.policy, delete). */
  readonly compact: boolean;
  /** delete.retention.ms (log.cleaner.delete.retention.ms, 1 day): how long tombstones stay after their batch was first cleaned. */
  readonly deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio (log.cleaner.min.cleanable.ratio, 0.5) */
  readonly minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms (log.cleaner.min.compaction.lag.ms, 0): younger records are not cleaned. */
  readonly minCompactionLagMs: number;
  /** max.compaction.lag.ms (log.cleaner.max.compaction.lag.ms, Long.MAX): older dirty records force a clean whatever the ratio. */
  readonly maxCompactionLagMs: number;
  /** segment.bytes (log.segment.bytes, 1 GiB): cleaned segments are grouped up to this size. */
  readonly segmentBytes: number;
  /** segment.index.bytes (log.index.size.max.bytes, 10 MiB): and up to this much offset index. */
  readonly maxIndexSize: number;
}

/** Broker-wide settings of the cleaner thread. */
export interface LogCleanerConfig {
  /** log.cleaner.dedupe.buffer.size (128 MiB): the offset map's fixed memory. */
  readonly dedupeBufferSize: number;
  /** log.cleaner.io.buffer.load.factor (0.9) */
  readonly loadFactor: number;
  /** log.cleaner.backoff.ms (15 s): sleep when no log needs cleaning. */
  readonly backoffMs: number;
  /**
   * log.cleaner.io.buffer.size (512 KiB): bytes read per step. One step is the unit of work done
   * between two turns of the event loop, so this also bounds how long the cleaner holds it.
   */
  readonly ioBufferSize: number;
}

export const LONG_MAX_MS = Number.MAX_SAFE_INTEGER;

export const DEFAULT_CLEANER_CONFIG: CleanerConfig = Object.freeze({
  compact: false,
  deleteRetentionMs: 86_400_000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: LONG_MAX_MS,
  segmentBytes: 1024 * 1024 * 1024,
  maxIndexSize: 10 * 1024 * 1024,
});

export const DEFAULT_LOG_CLEANER_CONFIG: LogCleanerConfig = Object.freeze({
  dedupeBufferSize: 128 * 1024 * 1024,
  loadFactor: 0.9,
  backoffMs: 15_000,
  ioBufferSize: 512 * 1024,
});

export function cleanerConfig(overrides: Partial<CleanerConfig> = {}): CleanerConfig {
  return Object.freeze({ ...DEFAULT_CLEANER_CONFIG, ...overrides });
}

export function logCleanerConfig(overrides: Partial<LogCleanerConfig> = {}): LogCleanerConfig {
  return Object.freeze({ ...DEFAULT_LOG_CLEANER_CONFIG, ...overrides });
}

/** cleanup.policy as Kafka lists it ("compact", "delete,compact", ...) to the `compact` flag. */
export function isCompacted(cleanupPolicy: string | readonly string[]): boolean {
  const policies = typeof cleanupPolicy === 'string' ? cleanupPolicy.split(',') : cleanupPolicy;
  return policies.some((policy) => policy.trim() === 'compact');
}
