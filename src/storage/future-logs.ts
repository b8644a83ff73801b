import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { FileIoError, ioError, StorageError } from './errors.ts';
import { syncDirectory } from './file-io.ts';
import type { LogConfig } from './log-config.ts';
import { DELETE_SUFFIX, FUTURE_SUFFIX, logDirName, suffixedLogDirName } from './log-dir-names.ts';
import type { PartitionLog } from './partition-log.ts';

export interface LogEntry {
  readonly log: PartitionLog;
  readonly logDir: string;
}

/** What opening a log takes beyond what the LogManager fills in. */
export interface OpenLogOptions {
  readonly logDir: string;
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  readonly config: LogConfig;
  readonly recover?: boolean;
  readonly logStartOffset?: number;
  readonly recoveryPoint?: number;
}

/** A `-future` directory found at start; opened once every log dir is loaded, as it may be the current log. */
export interface FoundFutureLog extends Omit<OpenLogOptions, 'dir'> {
  readonly name: string;
  readonly uuid: string;
}

/** What FutureLogs needs of its LogManager. */
export interface FutureLogsHost {
  /** The LogManager's current logs by `<topic>-<partition>`; a swap replaces an entry. */
  readonly current: Map<string, LogEntry>;
  openLog(options: OpenLogOptions, future: boolean): PartitionLog;
  /** Writes the dir's offset checkpoints now, from the logs open in it; throws what failed. */
  checkpointNow(logDir: string): void;
  markLogDirOffline(logDir: string, error: Error): void;
  removeInBackground(dir: string): Promise<void>;
  uuid(): string;
}

/**
 * The future logs of one broker (Kafka's LogManager.futureLogs, KIP-113): while AlterReplicaLogDirs
 * moves a partition to another log dir, a future log there, `<topic>-<partition>.<uuid>-future`, is
 * filled from the current log by whoever copies (the broker's ReplicaAlterLogDirsManager); once it
 * holds everything the current log holds, replaceCurrent() swaps them.
 *
 * A future log keeps its offsets in its own dir's checkpoints under `<topic>-<partition>`, like a
 * current log. The swap is safe against a crash at any point: the future is fsynced and its
 * checkpoints written first; then the current log's directory is renamed to
 * `<topic>-<partition>.<uuid>-delete`, with the future's uuid, then the future's to
 * `<topic>-<partition>`. A start that finds a future whose `-delete` twin exists knows that the
 * future was complete and makes it the current log (load()); any other future is resumed after
 * being cut back to its current log's end, so that it never keeps offsets the current log lost in
 * the crash and will give to other records.
 */
export class FutureLogs {
  readonly #host: FutureLogsHost;
  readonly #entries = new Map<string, LogEntry & { readonly uuid: string }>();

  constructor(host: FutureLogsHost) {
    this.#host = host;
  }

  get(topic: string, partition: number): LogEntry | undefined {
    return this.#entries.get(logDirName(topic, partition));
  }

  entries(): Iterable<LogEntry> {
    return this.#entries.values();
  }

  /** An empty future log of the current log of topic-partition in `logDir`, starting at the current log's start; the one there if any. */
  create(topic: string, partition: number, logDir: string): PartitionLog {
    const key = logDirName(topic, partition);
    const current = this.#host.current.get(key);
    if (current === undefined) throw new StorageError(`no log ${key} to move`);
    if (current.logDir === logDir) throw new StorageError(`log ${key} is in ${logDir} already`);
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      if (existing.logDir === logDir) return existing.log;
      throw new StorageError(`log ${key} is moving to ${existing.logDir} already`);
    }
    const uuid = this.#host.uuid().replaceAll('-', '');
    const dir = path.join(logDir, suffixedLogDirName(topic, partition, uuid, FUTURE_SUFFIX));
    const log = this.#host.openLog({ logDir, dir, topic, partition, config: current.log.logConfig }, true);
    this.#entries.set(key, { log, logDir, uuid });
    // What lies below the current log's start is gone there: the copy starts at it.
    if (current.log.logStartOffset > 0) log.truncateFullyAndStartAt(current.log.logStartOffset);
    return log;
  }

  /**
   * Makes the future log of topic-partition its current log; they must end at the same offset, and
   * nothing may append to the current log meanwhile (the swap is synchronous). The future takes
   * the current log's start offset and leader epochs. Returns the new current log, opened anew on
   * the renamed directory; the old one is closed and its directory removed in the background.
   */
  replaceCurrent(topic: string, partition: number): PartitionLog {
    const key = logDirName(topic, partition);
    const current = this.#host.current.get(key);
    const future = this.#entries.get(key);
    if (current === undefined || future === undefined) throw new StorageError(`no future log of ${key} to swap in`);
    const { log: source } = current;
    const { log: target } = future;
    if (target.logEndOffset !== source.logEndOffset) {
      throw new StorageError(`the future log of ${key} ends at ${target.logEndOffset}, its current log at ${source.logEndOffset}`);
    }
    target.maybeIncrementLogStartOffset(source.logStartOffset, 'LogDirMove');
    const epochs = source.leaderEpochCache.entries;
    if (JSON.stringify(epochs) !== JSON.stringify(target.leaderEpochCache.entries)) {
      // Epochs that began without a batch (a new leader that appended nothing yet) are known only to the current log.
      target.leaderEpochCache.clear();
      for (const { epoch, startOffset } of epochs) target.leaderEpochCache.assign(epoch, startOffset);
    }
    target.flush();
    this.#host.checkpointNow(future.logDir);
    target.close();
    source.close();
    const doomed = path.join(current.logDir, suffixedLogDirName(topic, partition, future.uuid, DELETE_SUFFIX));
    this.#rename(source.dir, doomed, current.logDir);
    const dir = path.join(future.logDir, key);
    this.#rename(target.dir, dir, future.logDir);
    const log = this.#host.openLog({
      logDir: future.logDir, dir, topic, partition, config: source.logConfig, recover: false,
      logStartOffset: target.logStartOffset, recoveryPoint: target.recoveryPoint,
    }, false);
    // Opening drops epochs that begin at the log end (as after a crash); this was no crash.
    for (const { epoch, startOffset } of epochs) if (epoch > log.leaderEpochCache.latestEpoch) log.leaderEpochCache.assign(epoch, startOffset);
    this.#host.current.set(key, { log, logDir: future.logDir });
    this.#entries.delete(key);
    this.#checkpointQuietly(current.logDir);
    void this.#host.removeInBackground(doomed).catch(() => undefined);
    return log;
  }

  /**
   * Closes the future log of topic-partition and renames it out of the way at once (throwing if
   * that fails); the returned promise settles when its files are gone.
   */
  delete(topic: string, partition: number): Promise<void> {
    const key = logDirName(topic, partition);
    const future = this.#entries.get(key);
    if (future === undefined) return Promise.resolve();
    this.#entries.delete(key);
    future.log.close();
    this.#checkpointQuietly(future.logDir);
    // A fresh uuid: this `-delete` must not pass for the twin of a swapped future.
    const doomed = path.join(future.logDir, suffixedLogDirName(topic, partition, this.#host.uuid(), DELETE_SUFFIX));
    this.#rename(future.log.dir, doomed, future.logDir);
    return this.#host.removeInBackground(doomed);
  }

  /**
   * The futures found at start, once every log dir's current logs are open; `deleting` names the
   * `-delete` dirs found. The event loop gets a turn after each log opened, as in LogManager.open:
   * an unclean stop makes each open a recovery.
   */
  async load(found: readonly FoundFutureLog[], deleting: ReadonlySet<string>): Promise<void> {
    for (const { name, uuid, ...options } of found) {
      const key = logDirName(options.topic, options.partition);
      const dir = path.join(options.logDir, name);
      const swapped = deleting.has(suffixedLogDirName(options.topic, options.partition, uuid, DELETE_SUFFIX));
      const current = this.#host.current.get(key);
      if (current === undefined && swapped) {
        // A crash came between the swap's two renames: the future was complete, it is the log now.
        const promoted = path.join(options.logDir, key);
        this.#rename(dir, promoted, options.logDir);
        this.#host.current.set(key, { log: this.#host.openLog({ ...options, dir: promoted }, false), logDir: options.logDir });
      } else if (current !== undefined && !swapped && !this.#entries.has(key)) {
        const log = this.#host.openLog({ ...options, dir }, true);
        this.#entries.set(key, { log, logDir: options.logDir, uuid });
        if (log.logEndOffset > current.log.logEndOffset) log.truncateTo(current.log.logEndOffset);
      }
      // Otherwise its current log is in a dir that could not be read: the future is left as it is, unused.
      await yieldToEventLoop();
    }
  }

  #rename(from: string, to: string, logDir: string): void {
    try {
      fs.renameSync(from, to);
      syncDirectory(logDir);
    } catch (cause) {
      const error = ioError('rename', from, cause);
      this.#host.markLogDirOffline(logDir, error);
      throw error;
    }
  }

  /** The dir's checkpoints without the log that left it; a failure took the dir offline and is not the caller's. */
  #checkpointQuietly(logDir: string): void {
    try {
      this.#host.checkpointNow(logDir);
    } catch (error) {
      if (!(error instanceof FileIoError)) throw error;
    }
  }
}
