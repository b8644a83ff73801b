import type { EpochEndOffset } from '../../storage/leader-epoch-cache.ts';
import type { PartitionLog } from '../../storage/partition-log.ts';
import { validateBatches } from '../../protocol/records/batch-validator.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { Time } from '../time.ts';
import type { RetentionConfig } from '../../storage/log-retention.ts';
import type { LogConfig } from '../../storage/log-config.ts';
import type { CleanerConfig } from '../../storage/cleaner/cleaner-config.ts';

/** What a produce to this partition is checked against: topic configs over broker defaults. */
export interface PartitionValidation {
  readonly maxMessageBytes: number;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly timestampBeforeMaxMs: number;
  readonly timestampAfterMaxMs: number;
  readonly minInSyncReplicas: number;
  /** cleanup.policy includes compact: every record needs a key, so records are checked one by one. */
  readonly compacted: boolean;
  /** cleanup.policy includes delete: records may be removed by retention and DeleteRecords. */
  readonly deletable: boolean;
}

/** Topic-level settings a partition needs, resolved from topic overrides over broker defaults. */
export interface PartitionSettings {
  readonly log: LogConfig;
  readonly validation: PartitionValidation;
  readonly retention: RetentionConfig;
  readonly cleaner: CleanerConfig;
}

export interface AppendResult {
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  readonly logAppendTimeMs: number;
  readonly logStartOffset: number;
  /** Set when the topic's flush.messages asked for an fsync: settles once the records are on disk (see LogAppendInfo). */
  readonly durable?: Promise<void>;
}

export interface ReadResult {
  readonly records: Buffer;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly lastStableOffset: number;
}

/**
 * A partition this broker leads. In the single-node mode every replica is this one, so the high
 * watermark is the log end offset, except that an append whose fsync the topic's flush policy
 * asked for is not counted before that fsync (run off the event loop) has ended: as in Kafka,
 * where the flush is part of the append, nobody reads what could still vanish in a crash because
 * of that policy. Records at or above the high watermark are never served.
 */
export class Partition {
  readonly topic: string;
  readonly index: number;
  readonly key: string;
  readonly log: PartitionLog;
  leaderEpoch = 0;
  /** First offsets of the appends whose fsync is still running, oldest first. */
  private readonly awaitingFsync: number[] = [];
  private settings: PartitionSettings;
  private readonly time: Time;

  constructor(topic: string, index: number, log: PartitionLog, settings: PartitionSettings, time: Time) {
    this.topic = topic;
    this.index = index;
    this.key = `${topic}-${index}`;
    this.log = log;
    this.settings = settings;
    this.time = time;
  }

  get highWatermark(): number {
    return this.awaitingFsync.length > 0 ? this.awaitingFsync[0]! : this.log.logEndOffset;
  }

  get validation(): PartitionValidation {
    return this.settings.validation;
  }

  get retention(): RetentionConfig {
    return this.settings.retention;
  }

  get cleaner(): CleanerConfig {
    return this.settings.cleaner;
  }

  /** A topic config change: applies to the next append, roll, flush and retention check. */
  applySettings(settings: PartitionSettings): void {
    this.settings = settings;
    this.log.updateConfig(settings.log);
  }

  /** Single node: the leader is the only replica, and always in sync. */
  get inSyncReplicaCount(): number {
    return 1;
  }

  get minInSyncReplicas(): number {
    return this.validation.minInSyncReplicas;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  /** A new leader epoch (never an older one): requests naming an older epoch are fenced from now on. */
  makeLeader(leaderEpoch: number): void {
    if (leaderEpoch < this.leaderEpoch) {
      throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${leaderEpoch} of ${this.key} is older than ${this.leaderEpoch}`);
    }
    this.leaderEpoch = leaderEpoch;
  }

  /** Validates the producer's batches once, then the log assigns offsets in place and appends. */
  appendRecordsAsLeader(records: Buffer): AppendResult {
    const now = this.time.now();
    const { validation } = this;
    validateBatches(records, {
      maxMessageBytes: validation.maxMessageBytes,
      timestampType: validation.timestampType,
      now,
      timestampDiffMs: { before: validation.timestampBeforeMaxMs, after: validation.timestampAfterMaxMs },
      // The one produce case that decodes records: compaction cannot keep a record without a key.
      recordLevel: validation.compacted ? { requireKeys: true } : undefined,
    });
    const logAppendTimeMs = validation.timestampType === 'LogAppendTime' ? now : -1;
    const appended = this.log.appendAsLeader(records, this.leaderEpoch, logAppendTimeMs);
    const result = {
      baseOffset: appended.firstOffset,
      lastOffset: appended.lastOffset,
      logAppendTimeMs,
      logStartOffset: this.log.logStartOffset,
    };
    const durable = appended.durable;
    if (durable === undefined) return result;
    this.awaitingFsync.push(appended.firstOffset);
    const counted = (): void => { this.awaitingFsync.splice(this.awaitingFsync.indexOf(appended.firstOffset), 1); };
    const tracked = durable.finally(counted);
    // A failed fsync took the log offline and was reported there; whoever waits for it answers the error.
    tracked.catch(() => undefined);
    return { ...result, durable: tracked };
  }

  /**
   * DeleteRecords: moves the log start offset up to `offset` (-1 = the high watermark); whole
   * segments below it go. Returns the new low watermark.
   */
  deleteRecordsBefore(offset: number): number {
    if (!this.validation.deletable) {
      throw new KafkaError(ErrorCode.POLICY_VIOLATION, `Records of partition ${this.key} can not be deleted due to the configured policy`);
    }
    const target = offset === -1 ? this.highWatermark : offset;
    if (target < 0 || target > this.highWatermark) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `Cannot delete records of ${this.key} before ${offset}: the high watermark is ${this.highWatermark}`);
    }
    this.log.maybeIncrementLogStartOffset(target, 'DeleteRecords');
    return this.log.logStartOffset;
  }

  /**
   * OffsetForLeaderEpoch (Kafka's Partition.lastOffsetForLeaderEpoch): the largest epoch <= the one
   * asked for and where it ended in this log, the log end for the newest; -1s when unknown.
   */
  lastOffsetForLeaderEpoch(leaderEpoch: number): EpochEndOffset {
    if (this.log.isOffline) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `${this.key} is in an offline log dir`);
    return this.log.leaderEpochCache.endOffsetFor(leaderEpoch, this.log.logEndOffset);
  }

  /**
   * Fetch v12+ with lastFetchedEpoch (Kafka's Partition.readRecords): where the fetcher's log
   * diverges from this one, when its last fetched epoch ended here before its fetch offset or is
   * unknown here; undefined when it does not diverge. The fetcher truncates to the answer and
   * fetches again. An epoch this log cannot place, or a fetch offset below the log start, is
   * OFFSET_OUT_OF_RANGE. Checked before the offset itself: a diverging tail may reach past our end.
   */
  divergingEpoch(lastFetchedEpoch: number, fetchOffset: number): EpochEndOffset | undefined {
    const found = this.lastOffsetForLeaderEpoch(lastFetchedEpoch);
    if (found.epoch < 0 || found.endOffset < 0) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `the end of last fetched epoch ${lastFetchedEpoch} of ${this.key} is unknown`);
    }
    if (fetchOffset < this.log.logStartOffset) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${fetchOffset} is below the log start ${this.log.logStartOffset} of ${this.key}`);
    }
    return found.epoch < lastFetchedEpoch || found.endOffset < fetchOffset ? found : undefined;
  }

  /** Reads on the event loop: for data just appended, which the page cache holds (a waiting fetch, the tail of readSyncIfRecent). */
  read(fetchOffset: number, maxBytes: number, minOneBatch: boolean): ReadResult {
    const highWatermark = this.checkFetchOffset(fetchOffset);
    const records = fetchOffset === highWatermark ? EMPTY : this.log.read(fetchOffset, maxBytes, minOneBatch, highWatermark).records;
    return { records, highWatermark, logStartOffset: this.log.logStartOffset, lastStableOffset: highWatermark };
  }

  /** read() with the file reads off the event loop: data anywhere in the log, which may be cold. */
  async readAsync(fetchOffset: number, maxBytes: number, minOneBatch: boolean): Promise<ReadResult> {
    const highWatermark = this.checkFetchOffset(fetchOffset);
    const logStartOffset = this.log.logStartOffset;
    const records = fetchOffset === highWatermark ? EMPTY : (await this.log.readAsync(fetchOffset, maxBytes, minOneBatch, highWatermark)).records;
    return { records, highWatermark, logStartOffset, lastStableOffset: highWatermark };
  }

  /**
   * A Fetch's first read: on the event loop when this broker appended `fetchOffset` lately, so the
   * page cache holds it (a consumer that keeps up), in the thread pool otherwise (readAsync). A
   * promise only when the read went to the pool.
   */
  readSyncIfRecent(fetchOffset: number, maxBytes: number, minOneBatch: boolean): ReadResult | Promise<ReadResult> {
    const highWatermark = this.checkFetchOffset(fetchOffset);
    if (fetchOffset === highWatermark || this.log.recentAppends.contains(fetchOffset)) return this.read(fetchOffset, maxBytes, minOneBatch);
    return this.readAsync(fetchOffset, maxBytes, minOneBatch);
  }

  /** The high watermark, once `fetchOffset` is known to lie in [logStartOffset, highWatermark]. */
  private checkFetchOffset(fetchOffset: number): number {
    const highWatermark = this.highWatermark;
    if (fetchOffset < this.log.logStartOffset || fetchOffset > highWatermark) {
      throw new KafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `offset ${fetchOffset} is outside [${this.log.logStartOffset}, ${highWatermark}] of ${this.key}`,
      );
    }
    return highWatermark;
  }
}

const EMPTY = Buffer.alloc(0);
