import type { FileIo } from './file-handle-pool.ts';
import type { LogConfig } from './log-config.ts';
import type { ReadBufferPool } from './read-buffer-pool.ts';
import type { RecentAppendWindow } from './recent-appends.ts';
import type { Scheduler } from './scheduler.ts';

/** What a LogManager is built from and reports (log-manager.ts). */
export interface LogManagerOptions {
  /** log.dirs */
  readonly logDirs: readonly string[];
  readonly nodeId: number;
  readonly clusterId: string;
  /** Config for logs found at start whose topic `configForTopic` does not know. */
  readonly defaultConfig?: LogConfig;
  /** Topic configs live in the metadata store; this lets logs loaded at start use them. */
  readonly configForTopic?: (topic: string) => LogConfig | undefined;
  readonly now?: () => number;
  readonly randomUUID?: () => string;
  /** Delayed removal of deleted segments and periodic tasks; Node timers unless a test controls time. */
  readonly scheduler?: Scheduler;
  /** Most file descriptors open at once for segments and indexes of all logs (default 1000). */
  readonly maxOpenFiles?: number;
  /** System calls on segment files; tests inject failures. */
  readonly fileIo?: FileIo;
  /**
   * Memory for log reads, given back by whoever is done with a read's bytes (the broker's
   * connections). With it the logs keep their last appends in memory too (log-tail.ts).
   */
  readonly readBuffers?: ReadBufferPool;
  /** Which appends count as recent, so fetches read them on the event loop (recent-appends.ts); sized by the machine's memory otherwise. */
  readonly recentAppendWindow?: RecentAppendWindow;
  /** Picks each log's segment.jitter.ms share; Math.random unless a test fixes it. */
  readonly random?: () => number;
  /** Told once when a log dir goes offline (an I/O error in it): its partitions answer KAFKA_STORAGE_ERROR. */
  readonly onLogDirFailure?: (logDir: string, error: Error) => void;
  /**
   * The high watermark of a log's partition, undefined while the broker does not host it: given,
   * each log dir keeps a replication-offset-checkpoint of them (the broker's replica manager owns
   * high watermarks; the log manager only keeps the file with the others).
   */
  readonly highWatermarkOf?: (topic: string, partition: number) => number | undefined;
  /** Told how long each log flush that put something on disk took, in ms (the broker's metrics). */
  readonly onLogFlushed?: ((durationMs: number) => void) | undefined;
}

/** The broker's periodic storage work, Kafka's names for the intervals. */
export interface LogManagerIntervals {
  /** log.flush.scheduler.interval.ms: how often flush.ms is checked. */
  readonly flushCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms (60000): rolled segments fsynced, recovery points checkpointed. */
  readonly recoveryPointCheckpointIntervalMs?: number;
  /** log.flush.start.offset.checkpoint.interval.ms (60000). */
  readonly logStartOffsetCheckpointIntervalMs?: number;
  /** replica.high.watermark.checkpoint.interval.ms (5000), with `highWatermarkOf`. */
  readonly highWatermarkCheckpointIntervalMs?: number;
  /** producer.id.expiration.ms and producer.id.expiration.check.interval.ms: producers idle that long are forgotten. */
  readonly producerIdExpiration?: { readonly expirationMs: number; readonly checkIntervalMs: number };
}

/** One log dir as DescribeLogDirs reports it. */
export interface LogDirInfo {
  readonly logDir: string;
  /** ErrorCode.NONE, or KAFKA_STORAGE_ERROR for an offline dir (then no partitions and sizes -1). */
  readonly errorCode: number;
  readonly totalBytes: number;
  readonly usableBytes: number;
  readonly partitions: readonly { topic: string; partition: number; sizeInBytes: number; offsetLag: number; isFutureKey: boolean }[];
}
