import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LOG_START_OFFSET_CHECKPOINT, readOffsetCheckpoint, RECOVERY_POINT_CHECKPOINT, writeOffsetCheckpoint } from './checkpoint-file.ts';
import { ioError, StorageError } from './errors.ts';
import { DEFAULT_LOG_CONFIG, type LogConfig } from './log-config.ts';
import { ensureMetaProperties } from './meta-properties.ts';
import { PartitionLog, syncDirectory } from './partition-log.ts';
import type { Scheduler } from './scheduler.ts';

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
  /** Delayed removal of deleted segments; Node timers unless a test controls time. */
  readonly scheduler?: Scheduler;
}

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
 * retention moved its start). `closeAll()` flushes every log, writes both, and leaves
 * `.kafka_cleanshutdown`: a start with the marker checks nothing; a start without it (a crash,
 * kill -9) checks every segment from each log's recovery point on. Missing or unreadable
 * checkpoints read as 0: everything is checked, nothing fails the start.
 */
export class LogManager {
  readonly logDirs: readonly string[];
  private readonly logs = new Map<string, { log: PartitionLog; logDir: string }>();
  private readonly options: LogManagerOptions;
  private readonly pendingDeletes = new Set<Promise<void>>();

  private constructor(options: LogManagerOptions) {
    this.options = options;
    this.logDirs = options.logDirs.map((dir) => path.resolve(dir));
  }

  /** Checks or writes meta.properties in every log dir, then opens (and recovers) every partition log. */
  static open(options: LogManagerOptions): LogManager {
    if (options.logDirs.length === 0) throw new StorageError('log.dirs is empty');
    const manager = new LogManager(options);
    try {
      for (const logDir of manager.logDirs) manager.loadLogDir(logDir);
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
    const logDir = this.logDirs.reduce((best, dir) => ((counts.get(dir) ?? 0) < (counts.get(best) ?? 0) ? dir : best));
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
    entry.log.close();
    try {
      // A stale entry would give a re-created log of the same name the old start offset, or a
      // recovery point that skips checking its unflushed tail.
      this.checkpointLogStartOffsetsIn(entry.logDir);
      this.checkpointRecoveryPointsIn(entry.logDir);
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

  /** Writes log-start-offset-checkpoint in every log dir (also done whenever a log start offset moves). */
  checkpointLogStartOffsets(): void {
    for (const logDir of this.logDirs) this.checkpointLogStartOffsetsIn(logDir);
  }

  /**
   * Writes recovery-point-offset-checkpoint in every log dir (log.flush.offset.checkpoint.interval.ms
   * and at shutdown): on an unclean start only segments from each log's recovery point are checked.
   */
  checkpointRecoveryPoints(): void {
    for (const logDir of this.logDirs) this.checkpointRecoveryPointsIn(logDir);
  }

  flushAll(): void {
    for (const { log } of this.logs.values()) log.flush();
  }

  /** flush.ms: fsyncs the logs whose unflushed records are older than their flushMs. */
  flushDirtyLogs(nowMs = (this.options.now ?? Date.now)()): void {
    for (const { log } of this.logs.values()) log.flushIfDue(nowMs);
  }

  /** Flushes and closes every log; waits for background deletes to finish. */
  async closeAll(): Promise<void> {
    let failure: unknown;
    for (const { log } of this.logs.values()) {
      if (log.isClosed) continue;
      try {
        log.flush();
      } catch (error) {
        failure ??= error;
      }
    }
    for (const checkpoint of [() => this.checkpointLogStartOffsets(), () => this.checkpointRecoveryPoints()]) {
      try {
        checkpoint();
      } catch (error) {
        failure ??= error;
      }
    }
    for (const { log } of this.logs.values()) log.close();
    this.logs.clear();
    await Promise.allSettled([...this.pendingDeletes]);
    if (failure !== undefined) throw failure;
    for (const logDir of this.logDirs) {
      try {
        fs.writeFileSync(path.join(logDir, CLEAN_SHUTDOWN_FILE), '');
        syncDirectory(logDir);
      } catch (cause) {
        throw ioError('write clean shutdown marker in', logDir, cause);
      }
    }
  }

  private get defaultConfig(): LogConfig {
    return this.options.defaultConfig ?? DEFAULT_LOG_CONFIG;
  }

  private logOptions(logDir: string): { now?: () => number; scheduler?: Scheduler; onLogStartOffsetChanged: () => void } {
    return {
      now: this.options.now,
      scheduler: this.options.scheduler,
      onLogStartOffsetChanged: () => this.checkpointLogStartOffsetsIn(logDir),
    };
  }

  private checkpointLogStartOffsetsIn(logDir: string): void {
    this.writeCheckpoint(logDir, LOG_START_OFFSET_CHECKPOINT, (log) => log.logStartOffset);
  }

  private checkpointRecoveryPointsIn(logDir: string): void {
    this.writeCheckpoint(logDir, RECOVERY_POINT_CHECKPOINT, (log) => log.recoveryPoint);
  }

  private writeCheckpoint(logDir: string, name: string, offsetOf: (log: PartitionLog) => number): void {
    const entries = [];
    for (const entry of this.logs.values()) {
      if (entry.logDir !== logDir || entry.log.isClosed) continue;
      entries.push({ topic: entry.log.topic, partition: entry.log.partition, offset: offsetOf(entry.log) });
    }
    writeOffsetCheckpoint(path.join(logDir, name), entries);
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
