/**
 * Per-log settings, named after Kafka's topic configs (broker defaults in brackets). Fields added
 * after the first release are optional, so a config object built without them still type-checks;
 * `logConfig()` fills every unset field from Kafka's defaults.
 */
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
  /** segment.ms (log.roll.ms, else log.roll.hours = 168 h): roll a segment whose first batch is older than this. */
  readonly segmentMs?: number;
  /** segment.jitter.ms (log.roll.jitter.ms, 0): each log subtracts a random jitter in [0, this) from segmentMs. */
  readonly segmentJitterMs?: number;
  /** file.delete.delay.ms (log.segment.delete.delay.ms, 60000): deleted segments stay as `.deleted` files this long. */
  readonly fileDeleteDelayMs?: number;
}

/** LogConfig with every field set. */
export type FullLogConfig = Required<LogConfig>;

export const DEFAULT_LOG_CONFIG: FullLogConfig = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  indexIntervalBytes: 4096,
  maxIndexSize: 10 * 1024 * 1024,
  flushMessages: Number.MAX_SAFE_INTEGER,
  flushMs: Number.MAX_SAFE_INTEGER,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentJitterMs: 0,
  fileDeleteDelayMs: 60_000,
});

/** Fills unset (or undefined) fields from Kafka's defaults. */
export function logConfig(overrides: Partial<LogConfig> = {}): FullLogConfig {
  const config: Record<string, unknown> = { ...DEFAULT_LOG_CONFIG };
  for (const [name, value] of Object.entries(overrides)) if (value !== undefined) config[name] = value;
  return Object.freeze(config) as FullLogConfig;
}
