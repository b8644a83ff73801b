import path from 'node:path';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from '../checkpoint-file.ts';
import type { CleanableLog } from './cleanable-log.ts';
import { logCleanerConfig, type CleanerConfig, type LogCleanerConfig } from './cleaner-config.ts';
import { cleanableRange, type CleanableRange } from './cleanable-range.ts';
import { Cleaner, type CleaningJob, type CleanResult } from './cleaner.ts';

/** Kafka's file, one per log dir: how far each compacted log has been cleaned. */
export const CLEANER_CHECKPOINT = 'cleaner-offset-checkpoint';

/** A log the cleaner may look at, with its topic's settings (mapped by the broker). */
export interface CleanerLogEntry {
  readonly log: CleanableLog;
  readonly config: CleanerConfig;
  /**
   * The partition's last stable offset (its high watermark, or the start of the oldest transaction
   * not yet decided and replicated): nothing from the segment holding it on is cleaned, as in Kafka.
   * Without it only the log's open transactions bound the cleaning.
   */
  readonly lastStableOffset?: number;
}

/** Same shape as storage's Scheduler: runs `task` after `delayMs`; the returned function cancels it. */
export interface CleanerScheduler {
  schedule(delayMs: number, task: () => void): () => void;
}

export interface LogCleanerOptions {
  /** The logs to consider; those without `compact` in their cleanup.policy are skipped. */
  readonly logs: () => Iterable<CleanerLogEntry>;
  readonly config?: Partial<LogCleanerConfig>;
  readonly now?: () => number;
  /** Zero delays are the cleaner yielding between steps; defaults to setImmediate / unref'd timers. */
  readonly scheduler?: CleanerScheduler;
  /** A log whose cleaning failed (corrupt batch, I/O): it is skipped until restart, as in Kafka. */
  readonly onError?: (log: CleanableLog, error: unknown) => void;
}

export interface LogCleanerStats {
  cleanings: number;
  recordsRemoved: number;
  bytesRead: number;
  bytesWritten: number;
  lastResult: CleanResult | undefined;
}

/** setImmediate for the cleaner's own steps (I/O callbacks get their turn between them), timers otherwise. */
const defaultScheduler: CleanerScheduler = Object.freeze({
  schedule(delayMs: number, task: () => void): () => void {
    if (delayMs <= 0) {
      const immediate = setImmediate(task);
      immediate.unref();
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(task, Math.min(delayMs, 0x7fff_ffff));
    timer.unref();
    return () => clearTimeout(timer);
  },
});

/**
 * Kafka's LogCleaner and LogCleanerManager in one, for one cleaner "thread" on the event loop:
 * picks the filthiest compacted log (dirty ratio >= min.cleanable.dirty.ratio, or forced by
 * max.compaction.lag.ms, or holding tombstones or markers whose delete horizon has passed), cleans it one
 * step per turn of the event loop (a step reads about log.cleaner.io.buffer.size bytes), records
 * the new first dirty offset in the log dir's cleaner-offset-checkpoint, and sleeps
 * log.cleaner.backoff.ms when no log needs cleaning. Its memory is the one offset map.
 */
export class LogCleaner {
  readonly config: LogCleanerConfig;
  readonly stats: LogCleanerStats = { cleanings: 0, recordsRemoved: 0, bytesRead: 0, bytesWritten: 0, lastResult: undefined };
  private readonly options: LogCleanerOptions;
  private readonly now: () => number;
  private readonly scheduler: CleanerScheduler;
  private readonly cleaner: Cleaner;
  /** Per log dir: `<topic>-<partition>` -> first dirty offset. */
  private readonly checkpoints = new Map<string, Map<string, number>>();
  /** Per log (its dir): when tombstones kept by its last cleaning may go. */
  private readonly deleteHorizons = new Map<string, number>();
  private readonly uncleanable = new Set<string>();
  private current: { job: CleaningJob; entry: CleanerLogEntry } | undefined;
  private cancelTick: (() => void) | undefined;
  private running = false;

  constructor(options: LogCleanerOptions) {
    this.options = options;
    this.config = logCleanerConfig(options.config);
    this.now = options.now ?? Date.now;
    this.scheduler = options.scheduler ?? defaultScheduler;
    this.cleaner = new Cleaner(this.config);
  }

  get isRunning(): boolean { return this.running; }
  /** Logs given up on after an error, by directory. */
  get uncleanableLogs(): string[] { return [...this.uncleanable]; }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.scheduleTick(0);
  }

  /** Stops at once: a cleaning in progress is abandoned (its `.cleaned` file removed). */
  stop(): void {
    this.running = false;
    this.cancelTick?.();
    this.cancelTick = undefined;
    this.current?.job.abort();
    this.current = undefined;
  }

  /** The log's first dirty offset as checkpointed; undefined if never cleaned. */
  checkpointOf(log: CleanableLog): number | undefined {
    return this.checkpointsOf(logDirOf(log)).get(logKey(log));
  }

  /** The compacted log most in need of cleaning now, and its cleanable range; undefined if none. */
  grabFilthiestLog(nowMs = this.now()): { entry: CleanerLogEntry; range: CleanableRange } | undefined {
    let best: { entry: CleanerLogEntry; range: CleanableRange; score: number } | undefined;
    for (const entry of this.options.logs()) {
      const { log, config } = entry;
      if (!config.compact || log.isClosed || this.uncleanable.has(log.dir)) continue;
      const range = cleanableRange(log, this.checkpointOf(log), config, nowMs, entry.lastStableOffset);
      const dirty = range.dirtyBytes > 0 && (range.dirtyRatio >= config.minCleanableDirtyRatio || range.needCompactionNow);
      const horizon = this.deleteHorizons.get(log.dir);
      const tombstonesDue = horizon !== undefined && nowMs >= horizon;
      if (!dirty && !tombstonesDue) continue;
      // Forced logs first, then the dirtiest, as Kafka orders LogToClean.
      const score = (range.needCompactionNow ? 2 : 0) + range.dirtyRatio;
      if (best === undefined || score > best.score) best = { entry, range, score };
    }
    return best === undefined ? undefined : { entry: best.entry, range: best.range };
  }

  /** Cleans the filthiest log completely, synchronously (tests, tools); undefined if none needed it. */
  cleanFilthiestLog(): CleanResult | undefined {
    const current = this.startJob();
    if (current === undefined) return undefined;
    try {
      while (!current.job.step());
    } catch (error) {
      this.failJob(error);
      throw error;
    }
    return this.finishJob();
  }

  private startJob(): { job: CleaningJob; entry: CleanerLogEntry } | undefined {
    const nowMs = this.now();
    const picked = this.grabFilthiestLog(nowMs);
    if (picked === undefined) return undefined;
    const { entry } = picked;
    const job = this.cleaner.startCleaning(entry.log, entry.config, this.checkpointOf(entry.log), nowMs, entry.lastStableOffset);
    this.current = { job, entry };
    return this.current;
  }

  private finishJob(): CleanResult | undefined {
    const current = this.current;
    this.current = undefined;
    if (current === undefined) return undefined;
    const result = current.job.result;
    if (result.aborted) return result;
    const log = current.entry.log;
    // A horizon already past means tombstones this pass could not drop (beyond a full map):
    // they wait for dirt, rather than make the log look due again at once, forever.
    if (result.deleteHorizonMs > this.now()) this.deleteHorizons.set(log.dir, result.deleteHorizonMs);
    else this.deleteHorizons.delete(log.dir);
    this.updateCheckpoint(log, result.endOffset);
    this.stats.cleanings += 1;
    this.stats.recordsRemoved += result.recordsRemoved;
    this.stats.bytesRead += result.bytesRead;
    this.stats.bytesWritten += result.bytesWritten;
    this.stats.lastResult = result;
    return result;
  }

  private tick(): void {
    this.cancelTick = undefined;
    if (!this.running) return;
    let delayMs = 0;
    try {
      const current = this.current ?? this.startJob();
      if (current === undefined) delayMs = this.config.backoffMs;
      else if (current.job.step()) this.finishJob();
    } catch (error) {
      if (this.current === undefined) delayMs = this.config.backoffMs;
      else this.failJob(error);
    }
    this.scheduleTick(delayMs);
  }

  /** Kafka marks a partition whose cleaning threw uncleanable: skipped until restart. */
  private failJob(error: unknown): void {
    const current = this.current;
    this.current = undefined;
    if (current === undefined) return;
    current.job.abort();
    this.uncleanable.add(current.entry.log.dir);
    this.options.onError?.(current.entry.log, error);
  }

  private scheduleTick(delayMs: number): void {
    if (this.running && this.cancelTick === undefined) this.cancelTick = this.scheduler.schedule(delayMs, () => this.tick());
  }

  private checkpointsOf(logDir: string): Map<string, number> {
    let offsets = this.checkpoints.get(logDir);
    if (offsets === undefined) {
      offsets = readOffsetCheckpoint(path.join(logDir, CLEANER_CHECKPOINT)).offsets;
      this.checkpoints.set(logDir, offsets);
    }
    return offsets;
  }

  /** Writes the log dir's checkpoint, dropping entries of logs that no longer exist. */
  private updateCheckpoint(log: CleanableLog, offset: number): void {
    const logDir = logDirOf(log);
    const offsets = this.checkpointsOf(logDir);
    offsets.set(logKey(log), offset);
    const present = new Map<string, CleanableLog>();
    for (const { log: other } of this.options.logs()) if (logDirOf(other) === logDir) present.set(logKey(other), other);
    const entries = [];
    for (const [key, value] of offsets) {
      const owner = present.get(key);
      if (owner === undefined) offsets.delete(key);
      else entries.push({ topic: owner.topic, partition: owner.partition, offset: value });
    }
    writeOffsetCheckpoint(path.join(logDir, CLEANER_CHECKPOINT), entries);
  }
}

function logDirOf(log: CleanableLog): string {
  return path.dirname(log.dir);
}

function logKey(log: CleanableLog): string {
  return `${log.topic}-${log.partition}`;
}
