import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT, REPLICATION_OFFSET_CHECKPOINT } from './checkpoint-file.ts';
import { FileIoError, ioError, StorageError } from './errors.ts';
import { FileHandlePool } from './file-handle-pool.ts';
import { DEFAULT_LOG_CONFIG, type LogConfig } from './log-config.ts';
import { OffsetCheckpoints } from './offset-checkpoints.ts';
import { syncDirectory } from './file-io.ts';
import { PartitionLog, type PartitionLogOptions } from './partition-log.ts';
import { pageCacheWindowBytes, recentAppendWindow, type RecentAppendWindow } from './recent-appends.ts';
import { LogTailCache, tailCacheBytesFor } from './log-tail.ts';
import { schedulePeriodic, timerScheduler } from './scheduler.ts';
import type { LogDirInfo, LogManagerIntervals, LogManagerOptions } from './log-manager-types.ts';
import { CLEAN_SHUTDOWN_FILE, DELETE_SUFFIX, logDirName as key, suffixedLogDirName } from './log-dir-names.ts';
import { scanLogDir } from './log-dir-scan.ts';
import { FutureLogs, type FoundFutureLog, type LogEntry, type OpenLogOptions } from './future-logs.ts';
import { describeLogDirs, leastLoadedLogDir } from './log-dirs-info.ts';

export type { LogDirInfo, LogManagerIntervals, LogManagerOptions } from './log-manager-types.ts';
export { CLEAN_SHUTDOWN_FILE, parseTopicPartition } from './log-dir-names.ts';

/**
 * Owns the log dirs and the partition logs in them. Each log dir holds `meta.properties` and one
 * directory per partition, `<topic>-<partition>` (topic names may contain '-', so the partition is
 * what follows the last one). A deleted log's directory is renamed to
 * `<topic>-<partition>.<uuid>-delete` at once, then removed in the background, as Kafka does;
 * leftovers of such deletes are removed at the next start.
 *
 * Each log dir also holds Kafka's `recovery-point-offset-checkpoint` (per log, the offset below
 * which everything was fsynced) and `log-start-offset-checkpoint` (per log, where DeleteRecords or
 * retention moved its start), and with `highWatermarkOf` Kafka's `replication-offset-checkpoint`
 * (per log, its partition's high watermark; read once at start, so a restarted broker's partitions
 * begin from it even if the file is rewritten before they open). `closeAll()` flushes every log,
 * writes them all, and leaves
 * `.kafka_cleanshutdown`: a start with the marker checks nothing; a start without it (a crash,
 * kill -9) checks every segment from each log's recovery point on. Missing or unreadable
 * checkpoints read as 0: everything is checked, nothing fails the start.
 */
export class LogManager {
  readonly logDirs: readonly string[];
  private readonly logs = new Map<string, LogEntry>();
  /** The logs AlterReplicaLogDirs is filling in other log dirs (future-logs.ts). */
  private readonly futures: FutureLogs;
  /** Where AlterReplicaLogDirs asked a partition not hosted yet to go, by `<topic>-<partition>` (Kafka's preferredLogDirs). */
  private readonly preferredLogDirs = new Map<string, string>();
  private readonly options: LogManagerOptions;
  private readonly pendingDeletes = new Set<Promise<void>>();
  /** Logs deleted whose checkpoint entries the asynchronous writes have not removed from disk yet. */
  private readonly deletedUnsynced = new Set<string>();
  private readonly offline = new Set<string>();
  private readonly fileHandles: FileHandlePool;
  private readonly recentAppendWindow: RecentAppendWindow;
  private readonly tailCache: LogTailCache | undefined;
  /** Written off the event loop, coalesced (checkpoint-writer.ts). */
  private readonly checkpoints = new OffsetCheckpoints((logDir, name) => this.offsetsIn(logDir, name), (logDir, error) => this.markLogDirOffline(logDir, error));
  private stopPeriodicTasks: (() => void)[] = [];
  /** replication-offset-checkpoint as read at start, by `<topic>-<partition>`. */
  private readonly checkpointedHighWatermarks = new Map<string, number>();

  private constructor(options: LogManagerOptions) {
    this.options = options;
    this.logDirs = options.logDirs.map((dir) => path.resolve(dir));
    this.fileHandles = new FileHandlePool({ maxOpen: options.maxOpenFiles, io: options.fileIo });
    this.recentAppendWindow = options.recentAppendWindow ?? recentAppendWindow(pageCacheWindowBytes(os.totalmem()));
    this.tailCache = options.readBuffers === undefined ? undefined : new LogTailCache(options.readBuffers, tailCacheBytesFor(os.totalmem()));
    this.futures = new FutureLogs({
      current: this.logs,
      openLog: (open, future) => this.openLog(open, future),
      checkpointNow: (logDir) => { for (const name of this.checkpointNames) this.checkpoints.writer(logDir, name).flushSync(true); },
      markLogDirOffline: (logDir, error) => this.markLogDirOffline(logDir, error),
      removeInBackground: (dir) => this.removeInBackground(dir),
      uuid: () => (this.options.randomUUID ?? randomUUID)(),
    });
  }

  /** Log dirs taken offline by an I/O error since start; they come back with a restart, as in Kafka. */
  get offlineLogDirs(): string[] {
    return [...this.offline];
  }

  /** Descriptors currently open for segment and index files (bounded by maxOpenFiles). */
  get openFileCount(): number {
    return this.fileHandles.openCount;
  }

  /**
   * Takes `logDir` offline, as Kafka does on an I/O error in it: its logs stop reading and writing
   * (KAFKA_STORAGE_ERROR), no new log is placed there, no clean shutdown marker is written, and
   * the other dirs go on. What was fsynced is recovered at the next start.
   */
  markLogDirOffline(logDir: string, error: Error): void {
    if (this.offline.has(logDir)) return;
    this.offline.add(logDir);
    for (const entry of this.entries()) if (entry.logDir === logDir) entry.log.markOffline();
    this.options.onLogDirFailure?.(logDir, error);
  }

  /** DescribeLogDirs: every log dir with its space and the size of each partition in it, future logs too. */
  logDirsInfo(): LogDirInfo[] {
    return describeLogDirs(this.logDirs, this.offline, this.logs.values(), this.futures.entries());
  }

  /** Starts Kafka's LogManager's periodic work: flush.ms checks, checkpoints, idle producer expiry. Stopped by closeAll(). */
  startPeriodicTasks(intervals: LogManagerIntervals = {}): void {
    const scheduler = this.options.scheduler ?? timerScheduler;
    const every = (ms: number | undefined, task: () => void): void => {
      if (ms !== undefined && ms > 0) this.stopPeriodicTasks.push(schedulePeriodic(scheduler, ms, task));
    };
    every(intervals.flushCheckIntervalMs, () => this.flushDirtyLogs());
    every(intervals.recoveryPointCheckpointIntervalMs ?? 60_000, () => void this.checkpointRecoveryPoints());
    every(intervals.logStartOffsetCheckpointIntervalMs ?? 60_000, () => this.checkpointLogStartOffsets());
    if (this.options.highWatermarkOf !== undefined) every(intervals.highWatermarkCheckpointIntervalMs ?? 5000, () => this.checkpointHighWatermarks());
    const expiry = intervals.producerIdExpiration;
    if (expiry !== undefined) every(expiry.checkIntervalMs, () => { for (const { log } of this.logs.values()) if (!log.isClosed && !log.isOffline) log.transactions.producerState.removeExpired((this.options.now ?? Date.now)(), expiry.expirationMs); });
  }

  /** The high watermark replication-offset-checkpoint held for this log when the broker started. */
  checkpointedHighWatermark(topic: string, partition: number): number | undefined {
    return this.checkpointedHighWatermarks.get(key(topic, partition));
  }

  /** Writes replication-offset-checkpoint in every log dir, off the event loop. */
  checkpointHighWatermarks(): void {
    if (this.options.highWatermarkOf === undefined) return;
    for (const logDir of this.logDirs) this.inLogDir(logDir, () => this.checkpoints.writer(logDir, REPLICATION_OFFSET_CHECKPOINT).changed());
  }

  /**
   * Checks or writes meta.properties in every log dir, then opens (and recovers) every partition log,
   * giving the event loop a turn after each: the broker's ZooKeeper pings and timers must run during
   * a long recovery (Kafka recovers on threads of its own), or it costs the broker its session.
   */
  static async open(options: LogManagerOptions): Promise<LogManager> {
    if (options.logDirs.length === 0) throw new StorageError('log.dirs is empty');
    const manager = new LogManager(options);
    try {
      const futures: FoundFutureLog[] = [];
      const deleting = new Set<string>();
      for (const logDir of manager.logDirs) {
        try {
          await manager.loadLogDir(logDir, futures, deleting);
        } catch (error) {
          // A dir that cannot be read starts offline, as in Kafka; the broker needs one that works.
          if (!(error instanceof FileIoError) || manager.offline.size + 1 === manager.logDirs.length) throw error;
          manager.markLogDirOffline(logDir, error);
        }
      }
      await manager.futures.load(futures.filter(({ logDir }) => !manager.offline.has(logDir)), deleting);
    } catch (error) {
      for (const { log } of manager.entries()) log.close();
      throw error;
    }
    return manager;
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(key(topic, partition))?.log;
  }

  /** The log dir holding the current log of topic-partition. */
  logDirOf(topic: string, partition: number): string | undefined {
    return this.logs.get(key(topic, partition))?.logDir;
  }

  isLogDirOnline(logDir: string): boolean {
    return this.logDirs.includes(logDir) && !this.offline.has(logDir);
  }

  /** AlterReplicaLogDirs for a partition not hosted here yet: its log is created in `logDir` when it is (Kafka's maybeUpdatePreferredLogDir). */
  maybeUpdatePreferredLogDir(topic: string, partition: number, logDir: string): void {
    if (this.logDirs.includes(logDir)) this.preferredLogDirs.set(key(topic, partition), logDir);
  }

  /** The future log of topic-partition and its dir, while it is moving (future-logs.ts). */
  getFutureLog(topic: string, partition: number): LogEntry | undefined {
    return this.futures.get(topic, partition);
  }

  /** An empty future log of topic-partition in another online `logDir`, or the one there already. */
  getOrCreateFutureLog(topic: string, partition: number, logDir: string): PartitionLog {
    if (!this.isLogDirOnline(logDir)) throw new StorageError(`log dir ${logDir} is offline`);
    return this.futures.create(topic, partition, logDir);
  }

  /** Swaps in the future log of topic-partition once it holds what the current one does; returns the new current log. */
  replaceCurrentWithFutureLog(topic: string, partition: number): PartitionLog {
    return this.futures.replaceCurrent(topic, partition);
  }

  /** Drops the future log of topic-partition (the move is cancelled); settles once its files are gone. */
  deleteFutureLog(topic: string, partition: number): Promise<void> {
    return this.futures.delete(topic, partition);
  }

  /** Every open log, e.g. for the broker's periodic flush.ms check. */
  allLogs(): PartitionLog[] {
    return [...this.logs.values()].map((entry) => entry.log);
  }

  /** The log of topic-partition; an existing log takes `config` as its new config. */
  getOrCreateLog(topic: string, partition: number, config: LogConfig = this.defaultConfig): PartitionLog {
    const existing = this.getLog(topic, partition);
    if (existing !== undefined) {
      existing.updateConfig(config);
      return existing;
    }
    return this.createLog(topic, partition, config);
  }

  /** Creates the log on the log dir AlterReplicaLogDirs named for it, else on the one holding the fewest partitions. */
  createLog(topic: string, partition: number, config: LogConfig = this.defaultConfig): PartitionLog {
    if (!/^[a-zA-Z0-9._-]+$/.test(topic) || !Number.isInteger(partition) || partition < 0) {
      throw new StorageError(`invalid topic-partition ${topic}-${partition}`);
    }
    if (this.logs.has(key(topic, partition))) throw new StorageError(`log ${topic}-${partition} already exists`);
    const online = this.logDirs.filter((dir) => !this.offline.has(dir));
    if (online.length === 0) throw new StorageError(`no log dir is online for ${topic}-${partition}`);
    const preferred = this.preferredLogDirs.get(key(topic, partition));
    this.preferredLogDirs.delete(key(topic, partition));
    const logDir = preferred !== undefined && online.includes(preferred) ? preferred : leastLoadedLogDir(online, this.logs.values());
    // A deleted log's stale entry would give this one its start offset, recovery point or high watermark.
    if (this.deletedUnsynced.delete(key(topic, partition))) for (const name of this.checkpointNames) this.checkpoints.writer(logDir, name).flushSync(true);
    const log = this.openLog({ logDir, dir: path.join(logDir, key(topic, partition)), topic, partition, config }, false);
    this.logs.set(key(topic, partition), { log, logDir });
    return log;
  }

  /** Closes the log and renames its directory away at once (a log of that name may follow); settles once the files are gone. */
  deleteLog(topic: string, partition: number): Promise<void> {
    let removals: Promise<void>[];
    try {
      // The future first: a crash in between must not leave a future without the log it copies.
      removals = [this.futures.delete(topic, partition)];
      const entry = this.logs.get(key(topic, partition));
      if (entry === undefined) return removals[0]!;
      this.logs.delete(key(topic, partition));
      this.checkpointedHighWatermarks.delete(key(topic, partition));
      // Its checkpoint entries go off the loop (an fsync here stalls every client: a reassignment
      // ends with one); createLog writes them at once if the name comes back before that lands.
      entry.log.close(true);
      const written = this.checkpointNames.map((name) => { const writer = this.checkpoints.writer(entry.logDir, name); writer.changed(); return writer.flush(); });
      this.deletedUnsynced.add(key(topic, partition));
      removals.push(Promise.all(written).then(() => { this.deletedUnsynced.delete(key(topic, partition)); }));
      const doomed = path.join(entry.logDir, suffixedLogDirName(topic, partition, (this.options.randomUUID ?? randomUUID)(), DELETE_SUFFIX));
      try {
        fs.renameSync(entry.log.dir, doomed);
      } catch (cause) {
        throw ioError('rename for delete', entry.log.dir, cause);
      }
      removals.push(this.removeInBackground(doomed));
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.all(removals).then(() => undefined);
  }

  /** Writes log-start-offset-checkpoint in every log dir, off the event loop (also whenever a log start offset moves). */
  checkpointLogStartOffsets(): void {
    for (const logDir of this.logDirs) this.inLogDir(logDir, () => this.checkpointLogStartOffsetsIn(logDir));
  }

  /**
   * Writes recovery-point-offset-checkpoint in every log dir (log.flush.offset.checkpoint.interval.ms
   * and at shutdown): on an unclean start only segments from each log's recovery point are checked.
   * The rolled segments' fsyncs run off the event loop first; the file is written once they are done.
   */
  async checkpointRecoveryPoints(): Promise<void> {
    await Promise.all(this.logDirs.map(async (logDir) => {
      const flushes = [];
      for (const entry of this.entries()) {
        if (entry.logDir === logDir && !entry.log.isClosed && !entry.log.isOffline) flushes.push(entry.log.flushRolledSegmentsAsync());
      }
      try {
        await Promise.all(flushes);
      } catch (error) {
        // The failing log took its dir offline; the checkpoint of an offline dir is not written.
        if (!(error instanceof FileIoError)) throw error;
      }
      this.inLogDir(logDir, () => this.checkpointRecoveryPointsIn(logDir));
      await this.checkpoints.writer(logDir, RECOVERY_POINT_CHECKPOINT).flush();
    }));
  }

  /** Runs work on an online dir; an I/O failure takes the dir offline instead of propagating. */
  private inLogDir(logDir: string, work: () => void): void {
    if (this.offline.has(logDir)) return;
    try {
      work();
    } catch (error) {
      if (!(error instanceof FileIoError)) throw error;
      this.markLogDirOffline(logDir, error);
    }
  }

  /** Settles once every checkpoint change so far (offset checkpoints, leader epochs) is on disk. */
  async flushCheckpoints(): Promise<void> {
    await this.checkpoints.flush();
    await Promise.all([...this.entries()].map(({ log }) => log.leaderEpochCache.flushAsync()));
  }

  flushAll(): void {
    for (const { log } of this.logs.values()) log.flush();
  }

  /** flush.ms: fsyncs the logs whose unflushed records are older than their flushMs. */
  flushDirtyLogs(nowMs = (this.options.now ?? Date.now)()): void {
    for (const { log, logDir } of this.logs.values()) this.inLogDir(logDir, () => log.flushIfDue(nowMs));
  }

  /**
   * Flushes and closes every log, writes both checkpoints and, in every dir still online, the
   * clean shutdown marker; waits for background deletes to finish. An I/O failure takes its dir
   * offline (no marker there: the next start recovers it) instead of failing the shutdown.
   */
  async closeAll(): Promise<void> {
    for (const stop of this.stopPeriodicTasks) stop();
    this.stopPeriodicTasks = [];
    for (const { log, logDir } of this.entries()) {
      if (!log.isClosed) this.inLogDir(logDir, () => log.flush());
    }
    this.checkpointLogStartOffsets();
    this.checkpointHighWatermarks();
    await this.checkpointRecoveryPoints();
    // The checkpoints must be on disk before the marker says the logs need no recovery; they are
    // taken from the open logs, so before the logs close.
    for (const logDir of this.logDirs) {
      for (const name of this.checkpointNames) {
        await this.checkpoints.writer(logDir, name).flush();
        this.inLogDir(logDir, () => this.checkpoints.writer(logDir, name).flushSync());
      }
    }
    for (const { log, logDir } of this.entries()) {
      this.inLogDir(logDir, () => log.close());
      log.close();
    }
    this.logs.clear();
    await Promise.allSettled([...this.pendingDeletes]);
    for (const logDir of this.logDirs) {
      this.inLogDir(logDir, () => {
        try {
          fs.writeFileSync(path.join(logDir, CLEAN_SHUTDOWN_FILE), '');
        } catch (cause) {
          throw ioError('write clean shutdown marker in', logDir, cause);
        }
        syncDirectory(logDir);
      });
    }
  }

  /** The offset checkpoints each log dir keeps. */
  private get checkpointNames(): string[] {
    const names = [LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT];
    if (this.options.highWatermarkOf !== undefined) names.push(REPLICATION_OFFSET_CHECKPOINT);
    return names;
  }

  private get defaultConfig(): LogConfig {
    return this.options.defaultConfig ?? DEFAULT_LOG_CONFIG;
  }

  /** Current logs, then future ones: what is flushed, checkpointed and closed. */
  private *entries(): Iterable<LogEntry> {
    yield* this.logs.values();
    yield* this.futures.entries();
  }

  private openLog({ logDir, ...options }: OpenLogOptions, future: boolean): PartitionLog {
    // Nobody reads a future log while it fills: it keeps no tail in memory.
    return PartitionLog.open({ ...this.logOptions(logDir), ...(future ? { tailCache: undefined } : {}), ...options });
  }

  private logOptions(logDir: string): Pick<PartitionLogOptions, 'now' | 'scheduler' | 'random' | 'fileHandles' | 'readBuffers' | 'recentAppendWindow' | 'tailCache' | 'onLogStartOffsetChanged' | 'onIoFailure' | 'checkpointWrites' | 'onFlushed'> {
    return {
      onFlushed: this.options.onLogFlushed,
      checkpointWrites: this.checkpoints.slots,
      readBuffers: this.options.readBuffers,
      recentAppendWindow: this.recentAppendWindow,
      tailCache: this.tailCache,
      now: this.options.now,
      scheduler: this.options.scheduler,
      random: this.options.random,
      fileHandles: this.fileHandles,
      onLogStartOffsetChanged: () => this.inLogDir(logDir, () => this.checkpointLogStartOffsetsIn(logDir)),
      onIoFailure: (_log, error) => this.markLogDirOffline(logDir, error),
    };
  }

  private checkpointLogStartOffsetsIn(logDir: string): void {
    this.checkpoints.writer(logDir, LOG_START_OFFSET_CHECKPOINT).changed();
  }

  private checkpointRecoveryPointsIn(logDir: string): void {
    this.checkpoints.writer(logDir, RECOVERY_POINT_CHECKPOINT).changed();
  }

  private offsetsIn(logDir: string, name: string): { topic: string; partition: number; offset: number }[] {
    const entries = [];
    for (const entry of this.entries()) {
      if (entry.logDir !== logDir || entry.log.isClosed) continue;
      const offset = this.checkpointedOffset(entry.log, name);
      if (offset !== undefined) entries.push({ topic: entry.log.topic, partition: entry.log.partition, offset });
    }
    return entries;
  }

  private checkpointedOffset(log: PartitionLog, name: string): number | undefined {
    if (name === RECOVERY_POINT_CHECKPOINT) return log.recoveryPoint;
    if (name === LOG_START_OFFSET_CHECKPOINT) return log.logStartOffset;
    // A log whose partition is not open yet (a cluster broker waits for LeaderAndIsr) keeps the high watermark it started with.
    return this.options.highWatermarkOf?.(log.topic, log.partition) ?? this.checkpointedHighWatermark(log.topic, log.partition);
  }

  /** Opens the dir's current logs; its future logs and `-delete` dirs go to `futures` and `deleting` (FutureLogs.load). */
  private async loadLogDir(logDir: string, futures: FoundFutureLog[], deleting: Set<string>): Promise<void> {
    const identity = { clusterId: this.options.clusterId, nodeId: this.options.nodeId };
    const scan = scanLogDir(logDir, identity, (topic) => this.options.configForTopic?.(topic) ?? this.defaultConfig);
    for (const name of scan.deleting) {
      deleting.add(name);
      void this.removeInBackground(path.join(logDir, name)).catch(() => undefined);
    }
    futures.push(...scan.futures);
    for (const opening of scan.logs) {
      const name = key(opening.topic, opening.partition);
      const existing = this.logs.get(name);
      if (existing !== undefined) throw new StorageError(`duplicate log directories for ${name}: ${existing.logDir} and ${logDir}`);
      this.logs.set(name, { log: this.openLog(opening, false), logDir });
      const highWatermark = scan.highWatermarks.get(name);
      if (highWatermark !== undefined) this.checkpointedHighWatermarks.set(name, highWatermark);
      await yieldToEventLoop(); // see open()
    }
    // From here on the logs may be written: a crash before the next clean close must recover.
    if (scan.cleanShutdown) {
      fs.rmSync(path.join(logDir, CLEAN_SHUTDOWN_FILE), { force: true });
      syncDirectory(logDir);
    }
  }

  private removeInBackground(dir: string): Promise<void> {
    const removal = fs.promises.rm(dir, { recursive: true, force: true })
      .catch((cause: unknown) => { throw ioError('remove', dir, cause); })
      .finally(() => this.pendingDeletes.delete(removal));
    this.pendingDeletes.add(removal);
    return removal;
  }
}
