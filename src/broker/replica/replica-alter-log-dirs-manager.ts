import { ErrorCode } from '../../protocol/errors.ts';
import { BatchHeader } from '../../protocol/records/batch-header.ts';
import { FileIoError, OffsetOutOfRangeError } from '../../storage/errors.ts';
import type { LogManager } from '../../storage/log-manager.ts';
import type { PartitionLog } from '../../storage/partition-log.ts';
import type { ReadBufferPool } from '../../storage/read-buffer-pool.ts';
import type { Logger } from '../logger.ts';
import type { Time, Timer } from '../time.ts';
import type { Partition } from './partition.ts';
import type { ReplicationQuota } from './replication-quota.ts';

/** The most a copy reads at once: Kafka's replica.fetch.max.bytes default. */
const MAX_CHUNK_BYTES = 1024 * 1024;
/** Throttled, a copy reads about a tenth of a second's worth at once, so the rate holds in small steps. */
const MIN_CHUNK_BYTES = 4096;
/**
 * Chunks read on the event loop right before a swap (appends that came during the last read off
 * it); a producer faster than that sends the copy round once more.
 */
const MAX_SYNC_CATCH_UP_CHUNKS = 4;
/** Pause after a read that found nothing to copy although the log end said otherwise. */
const IDLE_BACKOFF_MS = 10;

export interface ReplicaAlterLogDirsOptions {
  readonly logManager: LogManager;
  /** The partition this broker hosts now; a move ends when its partition is no longer the one it started on. */
  readonly partition: (topic: string, index: number) => Partition | undefined;
  /** replica.alter.log.dirs.io.max.bytes.per.second; no throttle without it. */
  readonly quota?: ReplicationQuota;
  /** Where log reads' memory goes back once copied. */
  readonly readBuffers?: ReadBufferPool;
  readonly time: Time;
  readonly logger: Logger;
  /** The partition's log was swapped for its future log: whatever waits on the partition reads again. */
  readonly onLogReplaced: (partition: Partition) => void;
}

interface Move {
  readonly partition: Partition;
  readonly future: PartitionLog;
  stopped: boolean;
  /** Ends a throttle pause early (the move stopped). */
  wake?: () => void;
  done?: Promise<void>;
}

/**
 * Moves partitions between this broker's log dirs while they serve (KIP-113; Kafka's
 * ReplicaManager.alterReplicaLogDirs with its ReplicaAlterLogDirsThread). Each move copies the
 * partition's log into a future log in the target dir (future-logs.ts), batch by batch: reads off
 * the event loop, throttled by replica.alter.log.dirs.io.max.bytes.per.second, appended as a
 * follower appends, so leader epochs come along. Appends to the partition go on meanwhile; once
 * the copy is within a few reads of the log end, the rest is copied on the event loop and the
 * future log swapped in at once, so no append can fall between (Kafka's
 * maybeReplaceCurrentWithFutureReplica). A truncation of the partition cuts the future log too
 * (Partition.futureLog), and a read that a truncation overtook is dropped.
 */
export class ReplicaAlterLogDirsManager {
  readonly #options: ReplicaAlterLogDirsOptions;
  readonly #moves = new Map<string, Move>();

  constructor(options: ReplicaAlterLogDirsOptions) {
    this.#options = options;
  }

  /** How many moves are under way. */
  get movingCount(): number {
    return this.#moves.size;
  }

  /**
   * AlterReplicaLogDirs for one replica: the error code Kafka answers. `logDir` must be one of
   * log.dirs (LOG_DIR_NOT_FOUND) and online (KAFKA_STORAGE_ERROR); a partition not hosted here is
   * REPLICA_NOT_AVAILABLE, and its log will be created in `logDir` when it is. A move to another dir
   * than the one under way starts over; a move to where the log is cancels the one under way.
   */
  async alterReplicaLogDir(topic: string, index: number, logDir: string): Promise<number> {
    const logManager = this.#options.logManager;
    if (!logManager.logDirs.includes(logDir)) return ErrorCode.LOG_DIR_NOT_FOUND;
    if (!logManager.isLogDirOnline(logDir)) return ErrorCode.KAFKA_STORAGE_ERROR;
    const partition = this.#options.partition(topic, index);
    if (partition?.log.isOffline === true) return ErrorCode.KAFKA_STORAGE_ERROR;
    const future = logManager.getFutureLog(topic, index);
    if (future !== undefined && future.logDir !== logDir) await this.cancel(topic, index);
    if (partition === undefined || logManager.logDirOf(topic, index) === undefined) {
      logManager.maybeUpdatePreferredLogDir(topic, index, logDir);
      return ErrorCode.REPLICA_NOT_AVAILABLE;
    }
    if (logManager.logDirOf(topic, index) === logDir) return ErrorCode.NONE;
    // As Kafka: no future log while a dir is offline, whose copy of the partition could come back.
    if (logManager.offlineLogDirs.length > 0) return ErrorCode.KAFKA_STORAGE_ERROR;
    try {
      this.#start(partition, logManager.getOrCreateFutureLog(topic, index, logDir));
    } catch (error) {
      // The target dir failed as the future log was made there: it is offline now.
      if (error instanceof FileIoError) return ErrorCode.KAFKA_STORAGE_ERROR;
      throw error;
    }
    return ErrorCode.NONE;
  }

  /** A partition opened with a future log left by the last run (LogManager loaded it): the move goes on. */
  resume(partition: Partition): void {
    const future = this.#options.logManager.getFutureLog(partition.topic, partition.index);
    if (future !== undefined && !future.log.isOffline) this.#start(partition, future.log);
  }

  /** Stops the move of topic-partition, if any, and removes its future log. */
  async cancel(topic: string, index: number): Promise<void> {
    const move = this.#moves.get(`${topic}-${index}`);
    if (move !== undefined) await this.#stop(move);
    if (move !== undefined && move.partition.futureLog === move.future) move.partition.futureLog = undefined;
    await this.#options.logManager.deleteFutureLog(topic, index);
  }

  /** Stops every move; their future logs stay, to be resumed at the next start. */
  async close(): Promise<void> {
    await Promise.all([...this.#moves.values()].map((move) => this.#stop(move)));
  }

  #start(partition: Partition, future: PartitionLog): void {
    if (this.#moves.get(partition.key)?.future === future) return;
    partition.futureLog = future;
    const move: Move = { partition, future, stopped: false };
    this.#moves.set(partition.key, move);
    move.done = this.#copy(move).catch((error: unknown) => {
      if (this.#isCurrent(move)) this.#options.logger.error({ err: error, partition: partition.key }, 'moving the replica to another log dir failed');
    }).finally(() => {
      if (this.#moves.get(partition.key) === move) this.#moves.delete(partition.key);
    });
  }

  async #stop(move: Move): Promise<void> {
    move.stopped = true;
    move.wake?.();
    await move.done;
  }

  #isCurrent(move: Move): boolean {
    const { partition, future } = move;
    return !move.stopped && this.#options.partition(partition.topic, partition.index) === partition && partition.futureLog === future
      && !future.isClosed && !future.isOffline && !partition.log.isClosed && !partition.log.isOffline;
  }

  async #copy(move: Move): Promise<void> {
    const { partition, future } = move;
    this.#options.logger.info({ partition: partition.key, logDir: this.#options.logManager.getFutureLog(partition.topic, partition.index)?.logDir }, 'moving replica to another log dir');
    while (this.#isCurrent(move)) {
      const source = partition.log;
      if (future.logEndOffset < source.logStartOffset) future.truncateFullyAndStartAt(source.logStartOffset);
      if (future.logEndOffset >= source.logEndOffset) {
        if (await this.#finish(move)) return;
        continue;
      }
      await this.#throttle(move);
      if (!this.#isCurrent(move) || partition.log !== source) continue;
      const truncations = partition.truncations;
      const fetchOffset = future.logEndOffset;
      let records: Buffer;
      try {
        ({ records } = await source.readAsync(fetchOffset, this.#chunkBytes(), true));
      } catch (error) {
        // The log start moved past the copy (retention, DeleteRecords): the next round starts over there.
        if (error instanceof OffsetOutOfRangeError) continue;
        throw error;
      }
      try {
        // Appends and truncations went on during the read: only a read still in step with both is copied.
        if (this.#isCurrent(move) && partition.log === source && partition.truncations === truncations && future.logEndOffset === fetchOffset) {
          this.#append(future, records);
          if (records.length === 0) await this.#sleep(move, IDLE_BACKOFF_MS);
        }
      } finally {
        this.#options.readBuffers?.release(records);
      }
    }
  }

  /**
   * The copy reached the log end: the future log goes to disk off the event loop, then what was
   * appended meanwhile is copied on it and the logs swapped in the same turn. Returns whether the
   * move is done; false sends the copy round again.
   */
  async #finish(move: Move): Promise<boolean> {
    const { partition, future } = move;
    await future.flushAsync();
    if (!this.#isCurrent(move)) return false;
    const source = partition.log;
    for (let chunks = 0; future.logEndOffset < source.logEndOffset; chunks++) {
      if (chunks === MAX_SYNC_CATCH_UP_CHUNKS || future.logEndOffset < source.logStartOffset) return false;
      const { records } = source.read(future.logEndOffset, this.#chunkBytes(), true);
      try {
        this.#append(future, records);
      } finally {
        this.#options.readBuffers?.release(records);
      }
    }
    const log = this.#options.logManager.replaceCurrentWithFutureLog(partition.topic, partition.index);
    partition.replaceLog(log);
    this.#options.onLogReplaced(partition);
    this.#options.logger.info({ partition: partition.key, logDir: this.#options.logManager.logDirOf(partition.topic, partition.index) }, 'replica moved to another log dir');
    return true;
  }

  #append(future: PartitionLog, records: Buffer): void {
    if (records.length === 0) return;
    // A log start inside a batch (DeleteRecords) has the copy begin at that batch, as a Kafka follower does.
    const baseOffset = new BatchHeader(records, 0).baseOffset;
    if (baseOffset < future.logEndOffset && future.logEndOffset === future.logStartOffset) future.truncateFullyAndStartAt(baseOffset);
    future.appendAsFollower(records);
    this.#options.quota?.record(records.length, this.#options.time.now());
  }

  #chunkBytes(): number {
    const rate = this.#options.quota?.rateLimit ?? Infinity;
    return rate === Infinity ? MAX_CHUNK_BYTES : Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, Math.floor(rate / 10)));
  }

  async #throttle(move: Move): Promise<void> {
    const quota = this.#options.quota;
    if (quota === undefined) return;
    for (let waitMs = quota.throttleTimeMs(this.#options.time.now()); waitMs > 0 && !move.stopped; waitMs = quota.throttleTimeMs(this.#options.time.now())) {
      await this.#sleep(move, waitMs);
    }
  }

  #sleep(move: Move, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: Timer | undefined;
      move.wake = () => {
        if (timer !== undefined) this.#options.time.clearTimeout(timer);
        move.wake = undefined;
        resolve();
      };
      timer = this.#options.time.setTimeout(() => move.wake?.(), ms);
    });
  }
}
