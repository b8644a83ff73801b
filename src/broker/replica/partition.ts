import type { EpochEndOffset } from '../../storage/leader-epoch-cache.ts';
import type { LeaderAppendOptions, PartitionLog } from '../../storage/partition-log.ts';
import { validateBatches } from '../../protocol/records/batch-validator.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { Time } from '../time.ts';
import type { RetentionConfig } from '../../storage/log-retention.ts';
import type { CleanerConfig } from '../../storage/cleaner/cleaner-config.ts';
import type { AppendResult, FetchIsolation, FollowerPartitionAccess, PartitionSettings, PartitionValidation, ReadResult } from './partition-types.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import type { AcksAllProgress, IsrState, LeaderReplicaView } from './partition-replicas.ts';
import { LeaderReplicas, type IsrChangeAnswer, type LeaderAndIsrState, type ReplicationSettings } from './leader-replicas.ts';

export type { AppendResult, FetchIsolation, FollowerPartitionAccess, PartitionSettings, PartitionValidation, ReadResult } from './partition-types.ts';

/** A leader with no followers: the single-node mode, and what a partition is before any LeaderAndIsr. */
export const SINGLE_NODE_REPLICATION: ReplicationSettings = Object.freeze({
  localBrokerId: 0,
  replicaLagTimeMaxMs: 30000,
  isReplicaIsrEligible: () => true,
});

/**
 * One partition this broker hosts, as its leader or as a follower (Kafka's cluster/Partition).
 *
 * As leader it tracks its followers (LeaderReplicas) and keeps the high watermark: the smallest log end offset
 * over the ISR (KIP-497's maximal ISR while a change is in flight). The single node is a leader with no followers,
 * so there the high watermark is the log end offset, except that an append whose fsync the topic's flush policy
 * asked for is not counted before that fsync (off the event loop) has ended: as in Kafka, where the flush is part of
 * the append, nobody reads what could still vanish in a crash because of that policy. Consumers never read at or
 * above the high watermark; followers read up to the log end offset.
 * As follower the fetcher appends the leader's batches and the high watermark is the leader's, capped by this log's end.
 */
export class Partition implements FollowerPartitionAccess {
  readonly topic: string;
  readonly index: number;
  readonly key: string;
  /** Replaced only when AlterReplicaLogDirs swaps in the future log (replaceLog). */
  #log: PartitionLog;
  /** The log AlterReplicaLogDirs fills in another log dir (Kafka's futureLog); this log's truncations cut it too. */
  futureLog: PartitionLog | undefined;
  /** Truncations so far: a copy read before one may hold records that are gone. */
  truncations = 0;
  topicId: string;
  leaderEpoch: number;
  /** -1 when no broker leads it. */
  leaderId: number;
  /** The version of the partition's state in ZooKeeper, sent back with AlterPartition. */
  partitionEpoch = 0;
  replicas: readonly number[];
  readonly replication: LeaderReplicas;
  private hw: number;
  /** First offsets of the appends whose fsync is still running, oldest first. */
  private readonly awaitingFsync: number[] = [];
  private settings: PartitionSettings;
  private readonly time: Time;
  private readonly replicationSettings: ReplicationSettings;

  constructor(
    topic: string,
    index: number,
    log: PartitionLog,
    settings: PartitionSettings,
    time: Time,
    options: {
      readonly replication?: ReplicationSettings; readonly topicId?: string; readonly leaderEpoch?: number;
      /** Where the high watermark starts (a cluster broker's checkpointed one); the log end offset if not given. */
      readonly highWatermark?: number;
    } = {},
  ) {
    this.topic = topic;
    this.index = index;
    this.key = `${topic}-${index}`;
    this.#log = log;
    this.settings = settings;
    this.time = time;
    this.replicationSettings = options.replication ?? SINGLE_NODE_REPLICATION;
    const self = this.replicationSettings.localBrokerId;
    this.topicId = options.topicId ?? ZERO_UUID;
    this.leaderEpoch = options.leaderEpoch ?? 0;
    this.leaderId = self;
    this.replicas = [self];
    this.replication = new LeaderReplicas(this.replicationSettings, [self]);
    // Kafka's updateHighWatermark bounds: never below the log start, never past the log end.
    this.hw = Math.max(log.logStartOffset, Math.min(options.highWatermark ?? log.logEndOffset, log.logEndOffset));
  }

  get highWatermark(): number {
    return this.hw;
  }

  /** Kafka's last stable offset: the high watermark, or the start of the oldest transaction not yet decided and replicated. */
  get lastStableOffset(): number {
    const unstable = this.log.transactions.producerState.firstUnstableOffset(this.hw);
    return unstable === undefined ? this.hw : Math.max(this.log.logStartOffset, Math.min(unstable, this.hw));
  }

  get log(): PartitionLog {
    return this.#log;
  }

  /** The future log, caught up, is now the log: every read and append from here on goes to it. */
  replaceLog(log: PartitionLog): void {
    this.#log = log;
    this.futureLog = undefined;
  }

  /** The partition index, as the fetcher names it. */
  get partition(): number {
    return this.index;
  }

  get isLeader(): boolean {
    return this.leaderId === this.replicationSettings.localBrokerId;
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

  /** The committed ISR (what ZooKeeper holds), leader included. */
  get isr(): readonly number[] {
    return this.replication.isrState.isr;
  }

  get inSyncReplicaCount(): number {
    return this.replication.isrState.isr.length;
  }

  get minInSyncReplicas(): number {
    return this.validation.minInSyncReplicas;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /**
   * Becomes (or stays) leader with the controller's state (Kafka's Partition.makeLeader). An older
   * epoch is refused. A new epoch starts at the log end in the leader epoch cache, so a follower
   * that asks where an older epoch ended learns it before this leader appends anything. Returns
   * whether this broker was not the leader before.
   */
  makeLeader(state: LeaderAndIsrState): boolean {
    this.checkNotOlder(state.leaderEpoch);
    const isNewLeader = !this.isLeader;
    const epochChanged = state.leaderEpoch !== this.leaderEpoch;
    this.setState(state);
    const leo = this.log.logEndOffset;
    if (state.leaderEpoch > this.log.leaderEpochCache.latestEpoch && !this.log.isOffline) this.log.leaderEpochCache.assign(state.leaderEpoch, leo);
    this.replication.reset(state, this.time.now(), leo, isNewLeader || epochChanged);
    this.maybeIncrementHighWatermark();
    return isNewLeader;
  }

  /**
   * Follows `state.leader` (Kafka's Partition.makeFollower): the followers' states are forgotten,
   * the fetcher (re)starts from this log's end. Returns whether the leader or its epoch changed,
   * i.e. whether the fetcher must be pointed anew.
   */
  makeFollower(state: LeaderAndIsrState): boolean {
    this.checkNotOlder(state.leaderEpoch);
    const changed = state.leader !== this.leaderId || state.leaderEpoch !== this.leaderEpoch;
    this.setState(state);
    this.replication.reset({ ...state, replicas: [] }, this.time.now(), this.log.logEndOffset, true);
    this.hw = Math.min(this.hw, this.log.logEndOffset);
    return changed;
  }

  private setState(state: LeaderAndIsrState): void {
    this.leaderId = state.leader;
    this.leaderEpoch = state.leaderEpoch;
    this.partitionEpoch = state.partitionEpoch;
    this.replicas = [...state.replicas];
  }

  private checkNotOlder(leaderEpoch: number): void {
    if (leaderEpoch < this.leaderEpoch) {
      throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${leaderEpoch} of ${this.key} is older than ${this.leaderEpoch}`);
    }
  }

  /** The leader's view for the decisions of partition-replicas.ts, read at one moment. */
  leaderView(): LeaderReplicaView {
    return this.replication.view(this.leaderLogEndOffsetForHw, this.hw, this.minInSyncReplicas);
  }

  /** The log end offset the high watermark may reach: not past an append whose fsync is running. */
  private get leaderLogEndOffsetForHw(): number { return this.awaitingFsync.length > 0 ? this.awaitingFsync[0]! : this.log.logEndOffset; }

  /** Recomputes the leader's high watermark; returns whether it moved. */
  maybeIncrementHighWatermark(): boolean {
    if (!this.isLeader) return false;
    const before = this.hw;
    // A leader alone (the single node) needs none of the follower bookkeeping: its own log decides.
    this.hw = this.replication.followers.size === 0 && this.replication.isrState.kind === 'committed'
      ? Math.max(this.hw, this.leaderLogEndOffsetForHw)
      : this.replication.highWatermark(this.leaderView(), this.time.now());
    if (this.hw !== before) this.log.transactions.producerState.onHighWatermarkUpdated(this.hw);
    return this.hw !== before;
  }

  /**
   * A follower's fetch (leader only): its state moves, and so may the high watermark. Returns
   * whether the high watermark moved, and the ISR expansion to propose if the follower may join.
   */
  updateFollowerFetchState(followerId: number, fetch: { fetchOffset: number; logStartOffset: number; brokerEpoch: number; leaderEpochGiven?: boolean }): { highWatermarkMoved: boolean; expand: IsrState | undefined } {
    if (!this.isLeader) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `this broker does not lead ${this.key}`);
    this.replication.updateFollower(followerId, fetch, this.time.now(), this.log.logEndOffset);
    const highWatermarkMoved = this.maybeIncrementHighWatermark();
    return { highWatermarkMoved, expand: this.replication.proposeExpand(this.leaderView(), followerId) };
  }

  /** The periodic ISR check (Kafka's maybeShrinkIsr): the shrink to propose, if any member fell behind. */
  proposeIsrShrink(): IsrState | undefined {
    if (!this.isLeader || this.replication.followers.size === 0) return undefined;
    return this.replication.proposeShrink(this.leaderView(), this.time.now());
  }

  /** The controller answered an ISR change; returns whether the high watermark moved. */
  applyIsrChangeAnswer(sent: IsrState, answer: IsrChangeAnswer): boolean {
    const { accepted, changed } = this.replication.answer(sent, answer);
    if (accepted) this.partitionEpoch = answer.partitionEpoch;
    return changed && this.maybeIncrementHighWatermark();
  }

  /** Before an acks=all append (Kafka's appendRecordsToLeader): too few in sync writes nothing. */
  checkEnoughReplicasForAppend(): void {
    if (this.inSyncReplicaCount < this.minInSyncReplicas) {
      throw new KafkaError(
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `${this.inSyncReplicaCount} in-sync replicas of ${this.key}, min.insync.replicas is ${this.minInSyncReplicas}`,
      );
    }
  }

  /** Is an acks=all append ending below `requiredOffset` done, and with which error (Kafka's checkEnoughReplicasReachOffset)? */
  acksAllProgress(requiredOffset: number): AcksAllProgress {
    if (!this.isLeader) return { done: true, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    if (this.hw < requiredOffset) return { done: false };
    return this.replication.acksAllProgress(this.leaderView(), requiredOffset);
  }

  /** Validates the producer's batches once, then the log checks producer state, assigns offsets in place and appends. */
  appendRecordsAsLeader(records: Buffer, options: LeaderAppendOptions = {}): AppendResult {
    if (!this.isLeader) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `this broker does not lead ${this.key}`);
    const now = this.time.now();
    const { validation } = this;
    validateBatches(records, {
      // A coordinator's transaction marker is a control batch, which only clients may not write.
      origin: options.origin,
      maxMessageBytes: validation.maxMessageBytes,
      timestampType: validation.timestampType,
      now,
      timestampDiffMs: { before: validation.timestampBeforeMaxMs, after: validation.timestampAfterMaxMs },
      // The one produce case that decodes records: compaction cannot keep a record without a key.
      recordLevel: validation.compacted ? { requireKeys: true } : undefined,
    });
    const logAppendTimeMs = validation.timestampType === 'LogAppendTime' ? now : -1;
    const appended = this.log.appendAsLeader(records, this.leaderEpoch, logAppendTimeMs, options);
    const result = {
      baseOffset: appended.firstOffset,
      lastOffset: appended.lastOffset,
      logAppendTimeMs,
      logStartOffset: this.log.logStartOffset,
    };
    const durable = appended.durable;
    if (appended.duplicate === true) return { ...result, logAppendTimeMs: appended.logAppendTime };
    if (durable === undefined) {
      this.maybeIncrementHighWatermark();
      return result;
    }
    this.awaitingFsync.push(appended.firstOffset);
    const counted = (): void => {
      this.awaitingFsync.splice(this.awaitingFsync.indexOf(appended.firstOffset), 1);
      this.maybeIncrementHighWatermark();
    };
    const tracked = durable.finally(counted);
    // A failed fsync took the log offline and was reported there; whoever waits for it answers the error.
    tracked.catch(() => undefined);
    return { ...result, durable: tracked };
  }

  // Follower side (FollowerPartitionAccess): the fetcher's calls, refused once this broker leads.

  latestEpoch(): number | undefined {
    const epoch = this.log.leaderEpochCache.latestEpoch;
    return epoch < 0 ? undefined : epoch;
  }

  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.log.leaderEpochCache.endOffsetFor(epoch, this.log.logEndOffset);
  }

  appendAsFollower(records: Buffer): void {
    this.checkFollower();
    this.log.appendAsFollower(records);
  }

  truncateTo(offset: number): void {
    this.checkFollower();
    this.log.truncateTo(offset);
    this.hw = Math.min(this.hw, this.log.logEndOffset);
    this.truncations += 1;
    const end = this.log.logEndOffset;
    this.cutFutureLog((future) => { if (future.logEndOffset > end) future.truncateTo(end); });
  }

  truncateFullyAndStartAt(offset: number): void {
    this.checkFollower();
    this.log.truncateFullyAndStartAt(offset);
    this.hw = offset;
    this.truncations += 1;
    this.cutFutureLog((future) => future.truncateFullyAndStartAt(offset));
  }

  /** A future log that cannot follow a truncation (its dir failed) ends the move, not this partition's work. */
  private cutFutureLog(cut: (future: PartitionLog) => void): void {
    try {
      if (this.futureLog !== undefined) cut(this.futureLog);
    } catch {
      this.futureLog = undefined;
    }
  }

  /** Kafka's follower rule: the leader's high watermark, but never past what this log holds. */
  updateHighWatermark(leaderHighWatermark: number): void {
    this.checkFollower();
    this.hw = Math.max(this.log.logStartOffset, Math.min(leaderHighWatermark, this.log.logEndOffset));
    this.log.transactions.producerState.onHighWatermarkUpdated(this.hw);
  }

  maybeIncrementLogStartOffset(leaderLogStartOffset: number): void {
    this.checkFollower();
    // Never past the follower's high watermark (Kafka's UnifiedLog refuses that too): a follower
    // lagging behind the leader's log start truncates fully on its next OFFSET_OUT_OF_RANGE instead.
    if (leaderLogStartOffset <= this.hw) this.log.maybeIncrementLogStartOffset(leaderLogStartOffset, 'LeaderOffsetIncremented');
  }

  private checkFollower(): void {
    if (this.isLeader) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `this broker leads ${this.key}: the fetcher no longer writes it`);
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

  /** OffsetForLeaderEpoch (Kafka's lastOffsetForLeaderEpoch): the largest epoch <= the one asked for and where it ended here (-1s if unknown). */
  lastOffsetForLeaderEpoch(leaderEpoch: number): EpochEndOffset {
    if (this.log.isOffline) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `${this.key} is in an offline log dir`);
    return this.log.leaderEpochCache.endOffsetFor(leaderEpoch, this.log.logEndOffset);
  }

  /**
   * Fetch v12+ with lastFetchedEpoch (Kafka's Partition.readRecords): where the fetcher's log diverges from this one,
   * when its last fetched epoch ended here before its fetch offset or is unknown here; undefined when it does not. An
   * epoch this log cannot place, or a fetch offset below the log start, is OFFSET_OUT_OF_RANGE. Checked before the
   * offset itself: a diverging tail may reach past our end.
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

  /**
   * Reads on the event loop: for data just appended, which the page cache holds (a waiting fetch, the tail of
   * readSyncIfRecent). Consumers read below the high watermark (read_committed: the last stable offset); a
   * follower (`logEnd`) reads the leader's whole log, which is how the high watermark moves at all.
   */
  read(fetchOffset: number, maxBytes: number, minOneBatch: boolean, isolation: FetchIsolation = 'highWatermark'): ReadResult {
    const limit = this.checkFetchOffset(fetchOffset, isolation);
    const records = fetchOffset >= limit ? EMPTY : this.log.read(fetchOffset, maxBytes, minOneBatch, limit).records;
    return { records, highWatermark: this.hw, logStartOffset: this.log.logStartOffset, lastStableOffset: this.lastStableOffset };
  }

  /** read() with the file reads off the event loop: data anywhere in the log, which may be cold. */
  async readAsync(fetchOffset: number, maxBytes: number, minOneBatch: boolean, isolation: FetchIsolation = 'highWatermark'): Promise<ReadResult> {
    const limit = this.checkFetchOffset(fetchOffset, isolation);
    const { highWatermark, lastStableOffset } = this;
    const logStartOffset = this.log.logStartOffset;
    const records = fetchOffset >= limit ? EMPTY : (await this.log.readAsync(fetchOffset, maxBytes, minOneBatch, limit)).records;
    return { records, highWatermark, logStartOffset, lastStableOffset };
  }

  /**
   * A Fetch's first read: on the event loop when this broker appended `fetchOffset` lately, so the
   * page cache holds it (a consumer that keeps up), in the thread pool otherwise (readAsync). A
   * promise only when the read went to the pool.
   */
  readSyncIfRecent(fetchOffset: number, maxBytes: number, minOneBatch: boolean, isolation: FetchIsolation = 'highWatermark'): ReadResult | Promise<ReadResult> {
    const limit = this.checkFetchOffset(fetchOffset, isolation);
    if (fetchOffset >= limit || this.log.recentAppends.contains(fetchOffset)) return this.read(fetchOffset, maxBytes, minOneBatch, isolation);
    return this.readAsync(fetchOffset, maxBytes, minOneBatch, isolation);
  }

  /**
   * Where the read must stop (high watermark or log end), once `fetchOffset` is known to lie in
   * [logStartOffset, logEndOffset]. A consumer's offset past the high watermark but within the log
   * reads nothing, as in Kafka's UnifiedLog.read: a consumer sent to a follower (KIP-392) may ask
   * for records the leader already counts as committed before the follower has heard so.
   */
  private checkFetchOffset(fetchOffset: number, isolation: FetchIsolation): number {
    const logEndOffset = this.log.logEndOffset;
    if (fetchOffset < this.log.logStartOffset || fetchOffset > logEndOffset) {
      throw new KafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `offset ${fetchOffset} is outside [${this.log.logStartOffset}, ${logEndOffset}] of ${this.key}`,
      );
    }
    return isolation === 'logEnd' ? logEndOffset : isolation === 'txnCommitted' ? this.lastStableOffset : this.hw;
  }
}

const EMPTY = Buffer.alloc(0);
