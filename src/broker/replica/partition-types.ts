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

/**
 * What the replica fetcher (one per source broker) may do to a partition this broker follows.
 * Partition implements it; ReplicaManager.followerPartition hands it out only while following.
 */
export interface FollowerPartitionAccess {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  /** The current epoch from LeaderAndIsr (the fetch's currentLeaderEpoch). */
  readonly leaderEpoch: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** The last epoch in the leader epoch cache (the fetch's lastFetchedEpoch). */
  latestEpoch(): number | undefined;
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number };
  /** The leader's batches, offsets kept. */
  appendAsFollower(records: Buffer): void;
  truncateTo(offset: number): void;
  truncateFullyAndStartAt(offset: number): void;
  /** Follower high watermark = min(leader's, own log end offset). */
  updateHighWatermark(leaderHighWatermark: number): void;
  /**
   * The leader's log start offset moved (retention, DeleteRecords): the follower's follows, as
   * Kafka's ReplicaFetcherThread does after each append, so records deleted on the leader are not
   * served again by a follower that becomes leader.
   */
  maybeIncrementLogStartOffset(leaderLogStartOffset: number): void;
}

/** Where a read stops (Kafka's FetchIsolation): a follower's at the log end, read_uncommitted at the high watermark, read_committed at the last stable offset. */
export type FetchIsolation = 'logEnd' | 'highWatermark' | 'txnCommitted';

export interface ReadResult {
  readonly records: Buffer;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly lastStableOffset: number;
}
