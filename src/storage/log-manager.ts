import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOG_START_OFFSET_CHECKPOINT, readOffsetCheckpoint, RECOVERY_POINT_CHECKPOINT, REPLICATION_OFFSET_CHECKPOINT } from './checkpoint-file.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { FileIoError, ioError, StorageError } from './errors.ts';
import { FileHandlePool } from './file-handle-pool.ts';
import { DEFAULT_LOG_CONFIG, type LogConfig } from './log-config.ts';
import { ensureMetaProperties } from './meta-properties.ts';
import { OffsetCheckpoints } from './offset-checkpoints.ts';
import { syncDirectory } from './file-io.ts';
import { PartitionLog, type PartitionLogOptions } from './partition-log.ts';
import { pageCacheWindowBytes, recentAppendWindow, type RecentAppendWindow } from './recent-appends.ts';
import { LogTailCache, tailCacheBytesFor } from './log-tail.ts';
import { schedulePeriodic, timerScheduler } from './scheduler.ts';
import type { LogDirInfo, LogManagerIntervals, LogManagerOptions } from './log-manager-types.ts';

export type { LogDirInfo, LogManagerIntervals, LogManagerOptions } from './log-manager-types.ts';

const DELETE_SUFFIX = '-delete';
/** Kafka's marker of a clean shutdown: its presence lets the next start skip log recovery. */
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

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
  private readonly logs = new Map<string, { log: PartitionLog; logDir: string }>();
  private readonly options: LogManagerOptions;
  private readonly pendingDeletes = new Set<Promise<void>>();
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
    for (const entry of this.logs.values()) if (entry.logDir === logDir) entry.log.markOffline();
    this.options.onLogDirFailure?.(logDir, error);
  }

  /** DescribeLogDirs: every log dir with its space and the size of each partition in it. */
  logDirsInfo(): LogDirInfo[] {
    return this.logDirs.map((logDir) => {
      if (this.offline.has(logDir)) {
        return { logDir, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, totalBytes: -1, usableBytes: -1, partitions: [] };
      }
      let totalBytes = -1;
      let usableBytes = -1;
      try {
        const stats = fs.statfsSync(logDir);
        totalBytes = stats.blocks * stats.bsize;
        usableBytes = stats.bavail * stats.bsize;
      } catch {
        // Sizes unknown: reported as -1, as Kafka does when it cannot read them.
      }
      const partitions = [];
      for (const { log, logDir: dir } of this.logs.values()) {
        if (dir !== logDir || log.isClosed) continue;
        partitions.push({ topic: log.topic, partition: log.partition, sizeInBytes: log.size, offsetLag: 0, isFutureKey: false });
      }
      return { logDir, errorCode: ErrorCode.NONE, totalBytes, usableBytes, partitions };
    });
  }

  /**
   * Starts the periodic work Kafka's LogManager schedules: flush.ms checks, recovery point and log
   * start offset checkpoints. Stopped by closeAll().
   */
  startPeriodicTasks(intervals: LogManagerIntervals = {}): void {
    const scheduler = this.options.scheduler ?? timerScheduler;
    const every = (ms: number | undefined, task: () => void): void => {
      if (ms !== undefined && ms > 0) this.stopPeriodicTasks.push(schedulePeriodic(scheduler, ms, task));
    };
    every(intervals.flushCheckIntervalMs, () => this.flushDirtyLogs());
    every(intervals.recoveryPointCheckpointIntervalMs ?? 60_000, () => void this.checkpointRecoveryPoints());
    every(intervals.logStartOffsetCheckpointIntervalMs ?? 60_000, () => this.checkpointLogStartOffsets());
    if (this.options.highWatermarkOf !== undefined) every(intervals.highWatermarkCheckpointIntervalMs ?? 5000, () => this.checkpointHighWatermarks());
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

  /** Checks or writes meta.properties in every log dir, then opens (and recovers) every partition log. */
  static open(options: LogManagerOptions): LogManager {
    if (options.logDirs.length === 0) throw new StorageError('log.dirs is empty');
    const manager = new LogManager(options);
    try {
      for (const logDir of manager.logDirs) {
        try {
          manager.loadLogDir(logDir);
        } catch (error) {
          // A dir that cannot be read starts offline, as in Kafka; the broker needs one that works.
          if (!(error instanceof FileIoError) || manager.offline.size + 1 === manager.logDirs.length) throw error;
          manager.markLogDirOffline(logDir, error);
        }
      }
    } catch (error) {
      for (const { log } of manager.logs.values()) log.close();
      throw error;
    }
    return manager;
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(key(topic, partition))?.log;
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

  /** Creates the log on the log dir holding the fewest partitions. */
  createLog(topic: string, partition: number, config: LogConfig = this.defaultConfig): PartitionLog {
    if (!/^[a-zA-Z0-9._-]+$/.test(topic) || !Number.isInteger(partition) || partition < 0) {
      throw new StorageError(`invalid topic-partition ${topic}-${partition}`);
    }
    if (this.logs.has(key(topic, partition))) throw new StorageError(`log ${topic}-${partition} already exists`);
    const counts = new Map(this.logDirs.map((dir) => [dir, 0]));
    for (const { logDir } of this.logs.values()) counts.set(logDir, (counts.get(logDir) ?? 0) + 1);
    const online = this.logDirs.filter((dir) => !this.offline.has(dir));
    if (online.length === 0) throw new StorageError(`no log dir is online for ${topic}-${partition}`);
    const logDir = online.reduce((best, dir) => ((counts.get(dir) ?? 0) < (counts.get(best) ?? 0) ? dir : best));
    const log = PartitionLog.open({ ...this.logOptions(logDir), dir: path.join(logDir, key(topic, partition)), topic, partition, config });
    this.logs.set(key(topic, partition), { log, logDir });
    return log;
  }

  /**
   * Closes the log and renames its directory out of the way at once, so a new log of the same
   * name can be created; the returned promise settles when the files are gone.
   */
  deleteLog(topic: string, partition: number): Promise<void> {
    const entry = this.logs.get(key(topic, partition));
    if (entry === undefined) return Promise.resolve();
    this.logs.delete(key(topic, partition));
    this.checkpointedHighWatermarks.delete(key(topic, partition));
    entry.log.close();
    try {
      // A stale entry would give a re-created log of the same name the old start offset, or a
      // recovery point that skips checking its unflushed tail, or a high watermark it never had.
      for (const name of this.checkpointNames) this.checkpoints.writer(entry.logDir, name).flushSync(true);
    } catch (error) {
      return Promise.reject(error);
    }
    const uuid = (this.options.randomUUID ?? randomUUID)().replaceAll('-', '');
    const doomed = path.join(entry.logDir, `${key(topic, partition)}.${uuid}${DELETE_SUFFIX}`);
    try {
      fs.renameSync(entry.log.dir, doomed);
    } catch (cause) {
      return Promise.reject(ioError('rename for delete', entry.log.dir, cause));
    }
    return this.removeInBackground(doomed);
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
      for (const entry of this.logs.values()) {
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
    await Promise.all([...this.logs.values()].map(({ log }) => log.leaderEpochCache.flushAsync()));
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
    for (const { log, logDir } of this.logs.values()) {
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
    for (const { log, logDir } of this.logs.values()) {
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

  private logOptions(logDir: string): Pick<PartitionLogOptions, 'now' | 'scheduler' | 'random' | 'fileHandles' | 'readBuffers' | 'recentAppendWindow' | 'tailCache' | 'onLogStartOffsetChanged' | 'onIoFailure' | 'checkpointWrites'> {
    return {
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
    for (const entry of this.logs.values()) {
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

  private loadLogDir(logDir: string): void {
    let entries: fs.Dirent[];
    try {
      fs.mkdirSync(logDir, { recursive: true });
      ensureMetaProperties(logDir, { clusterId: this.options.clusterId, nodeId: this.options.nodeId });
      entries = fs.readdirSync(logDir, { withFileTypes: true });
    } catch (cause) {
      throw ioError('load log dir', logDir, cause);
    }
    const marker = path.join(logDir, CLEAN_SHUTDOWN_FILE);
    const cleanShutdown = fs.existsSync(marker);
    const logStartOffsets = readOffsetCheckpoint(path.join(logDir, LOG_START_OFFSET_CHECKPOINT)).offsets;
    const recoveryPoints = readOffsetCheckpoint(path.join(logDir, RECOVERY_POINT_CHECKPOINT)).offsets;
    const highWatermarks = readOffsetCheckpoint(path.join(logDir, REPLICATION_OFFSET_CHECKPOINT)).offsets;
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      if (entry.name.endsWith(DELETE_SUFFIX)) {
        void this.removeInBackground(path.join(logDir, entry.name)).catch(() => undefined);
        continue;
      }
      const parsed = parseTopicPartition(entry.name);
      if (parsed === undefined) continue;
      const { topic, partition } = parsed;
      const existing = this.logs.get(entry.name);
      if (existing !== undefined) {
        throw new StorageError(`duplicate log directories for ${entry.name}: ${existing.logDir} and ${logDir}`);
      }
      const config = this.options.configForTopic?.(topic) ?? this.defaultConfig;
      const dir = path.join(logDir, entry.name);
      const log = PartitionLog.open({
        ...this.logOptions(logDir), dir, topic, partition, config, recover: !cleanShutdown,
        logStartOffset: logStartOffsets.get(entry.name), recoveryPoint: recoveryPoints.get(entry.name) ?? 0,
      });
      this.logs.set(entry.name, { log, logDir });
      const highWatermark = highWatermarks.get(entry.name);
      if (highWatermark !== undefined) this.checkpointedHighWatermarks.set(entry.name, highWatermark);
    }
    // From here on the logs may be written: a crash before the next clean close must recover.
    if (cleanShutdown) {
      fs.rmSync(marker, { force: true });
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

/** `<topic>-<partition>`, split at the last '-'; undefined for names that are not partition dirs. */
export function parseTopicPartition(name: string): { topic: string; partition: number } | undefined {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const digits = name.slice(dash + 1);
  if (!/^\d+$/.test(digits)) return undefined;
  return { topic: name.slice(0, dash), partition: Number(digits) };
}

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
