/** Per-log settings, named after Kafka's topic configs (broker defaults in brackets). */
export interface LogConfig {
  /** segment.bytes (log.segment.bytes, 1 GiB): roll when the active segment would grow past this. */
  readonly segmentBytes: number;
  /** index.interval.bytes (log.index.interval.bytes, 4096): log bytes between offset index entries. */
  readonly indexIntervalBytes: number;
  /** segment.index.bytes (log.index.size.max.bytes, 10 MiB): preallocated index size; roll when full. */
  readonly maxIndexSize: number;
  /** flush.messages (log.flush.interval.messages, Long.MAX): fsync after this many unflushed records; 1 = before every append returns. */
  readonly flushMessages: number;
  /** flush.ms (log.flush.interval.ms, Long.MAX): fsync when the oldest unflushed append is this old (see LogManager.flushDirtyLogs). */
  readonly flushMs: number;
}

export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  indexIntervalBytes: 4096,
  maxIndexSize: 10 * 1024 * 1024,
  flushMessages: Number.MAX_SAFE_INTEGER,
  flushMs: Number.MAX_SAFE_INTEGER,
});

/** Fills unset fields from Kafka's defaults. */
export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return Object.freeze({ ...DEFAULT_LOG_CONFIG, ...overrides });
}
