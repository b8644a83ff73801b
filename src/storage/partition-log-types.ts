import type { CheckpointWriteSlots } from './checkpoint-writer.ts';
import type { FileHandlePool } from './file-handle-pool.ts';
import type { LogTailCache } from './log-tail.ts';
import type { ReadBufferPool } from './read-buffer-pool.ts';
import type { RecentAppendWindow } from './recent-appends.ts';
import type { LogConfig } from './log-config.ts';
import type { PartitionLog } from './partition-log.ts';
import type { Scheduler } from './scheduler.ts';
import type { AppendOrigin } from './producer-state/log-transactions.ts';

export interface LogAppendInfo {
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The time the caller stamped LogAppendTime batches with, -1 for CreateTime. */
  readonly logAppendTime: number;
  readonly logStartOffset: number;
  /**
   * Set when the flush policy (flush.messages) made this append ask for an fsync: settles when the
   * fsync, run off the event loop, has put it on disk; rejects with a FileIoError
   * (KAFKA_STORAGE_ERROR) if it failed. Whoever promised durability waits for it; nobody else does.
   */
  readonly durable?: Promise<void>;
  /** The batch repeats one of its producer's last five: these are the original's offsets, nothing was written. */
  readonly duplicate?: boolean;
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
  /** Clock for flush.ms and segment.ms; Date.now unless a test controls time. */
  readonly now?: () => number;
  /** Picks this log's roll jitter in [0, segment.jitter.ms): Math.random unless a test fixes it. */
  readonly random?: () => number;
  /**
   * Whether to check batches on open (default true). Only a clean shutdown (LogManager's
   * `.kafka_cleanshutdown` marker) makes skipping every check safe.
   */
  readonly recover?: boolean;
  /** From recovery-point-offset-checkpoint: everything below was fsynced. 0 (check all) when absent. */
  readonly recoveryPoint?: number;
  /** The log start offset kept in log-start-offset-checkpoint; the first segment's baseOffset when absent. */
  readonly logStartOffset?: number;
  /** Runs the removal of `.deleted` files after file.delete.delay.ms; Node timers unless a test controls time. */
  readonly scheduler?: Scheduler;
  /** Open descriptors shared by every log (LogManager's); a small pool of its own otherwise. */
  readonly fileHandles?: FileHandlePool;
  /** Memory for reads, shared by every log (LogManager's); fresh buffers without one. */
  readonly readBuffers?: ReadBufferPool;
  /** What counts as recently appended, shared by every log (LogManager's); a window of its own otherwise. */
  readonly recentAppendWindow?: RecentAppendWindow;
  /** Keeps the last appends in memory for the reads that follow them (log-tail.ts); every read from the files without one. */
  readonly tailCache?: LogTailCache;
  /** Called after logStartOffset moved (DeleteRecords, retention), so the owner can checkpoint it. */
  readonly onLogStartOffsetChanged?: (log: PartitionLog) => void;
  /** Called when a system call on the log's files failed: the owner takes the whole log dir offline. */
  /** Bounds the checkpoint writes in flight across logs (the LogManager shares one). */
  readonly checkpointWrites?: CheckpointWriteSlots;
  readonly onIoFailure?: (log: PartitionLog, error: Error) => void;
  /** Told how long each flush that put something on disk took, in ms (the broker's metrics). */
  readonly onFlushed?: ((durationMs: number) => void) | undefined;
}

/** One segment as retention sees it (oldest first in segmentSummaries()). */
export interface SegmentSummary {
  readonly baseOffset: number;
  /** The next segment's baseOffset, or the log end offset for the active segment. */
  readonly nextOffset: number;
  readonly sizeInBytes: number;
  /** Largest batch maxTimestamp in the segment, -1 if it has none. */
  readonly largestTimestamp: number;
  readonly isActive: boolean;
}

export interface LeaderAppendOptions {
  /** Clients may not write control batches; coordinators write transaction markers. Default 'client'. */
  readonly origin?: AppendOrigin;
  /** KIP-890: a transactional batch opening a transaction here must have been verified with its coordinator. */
  readonly requireVerification?: boolean;
}
