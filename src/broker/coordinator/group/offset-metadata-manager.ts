import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { OffsetCommitRequest, OffsetCommitResponseOffsetCommitResponseTopic } from '../../../protocol/generated/offset-commit.ts';
import type { OffsetDeleteRequest, OffsetDeleteResponseOffsetDeleteResponseTopic } from '../../../protocol/generated/offset-delete.ts';
import type { OffsetFetchResponseOffsetFetchResponseTopics } from '../../../protocol/generated/offset-fetch.ts';
import type { OffsetCommitKey } from '../../../protocol/generated/records/offset-commit-key.ts';
import type { OffsetCommitValue } from '../../../protocol/generated/records/offset-commit-value.ts';
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponseTxnOffsetCommitResponseTopic } from '../../../protocol/generated/txn-offset-commit.ts';
import type { CoordinatorRecord, CoordinatorResult, RecordContext, ShardContext } from '../runtime/coordinator-runtime.ts';
import type { Group } from './group.ts';
import { offsetCommitRecord, offsetCommitTombstone, offsetFromRecord, type OffsetAndMetadata } from './offset-records.ts';
import { OffsetStore, type StoredOffset } from './offset-store.ts';
import { PendingTransactionalOffsets } from './pending-transactional-offsets.ts';

export type { OffsetAndMetadata } from './offset-records.ts';

/**
 * What the offset manager asks of the classic group manager; both are optional so either side
 * can land first. getOrCreateSimpleGroup: Kafka's "simple consumer group", the empty classic group
 * without a protocol type that a commit from outside group management creates (replay only).
 * onOffsetCommit: a commit keeps a classic member's session alive (Stable/PreparingRebalance).
 */
export interface OffsetCommitHooks {
  getOrCreateSimpleGroup?(groupId: string): Group;
  onOffsetCommit?(groupId: string, memberId: string): void;
}

/**
 * Optional on a Group: Kafka's Group.offsetExpirationCondition. Returns the timestamp retention
 * counts from for an offset committed at `commitTimestampMs`, or null while the group's offsets
 * must not expire. Without it: consumer groups and empty classic groups count from the commit.
 */
interface ExpirableGroup {
  offsetExpirationBaseTimestampMs?(commitTimestampMs: number): number | null;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface OffsetFetchGroupRequest {
  readonly groupId: string;
  readonly memberId: string | null;
  readonly memberEpoch: number;
  /** null: every partition the group has offsets for (v2+). */
  readonly topics: readonly { readonly name: string; readonly partitionIndexes: readonly number[] }[] | null;
  /** OffsetFetch v7+ require_stable: a partition with a transaction's offset pending answers UNSTABLE_OFFSET_COMMIT. */
  readonly requireStable?: boolean;
}

/** A partition of an OffsetCommit or a TxnOffsetCommit request. */
interface CommitPartition {
  readonly partitionIndex: number;
  readonly committedOffset: bigint;
  readonly committedLeaderEpoch?: number;
  readonly committedMetadata: string | null;
  readonly commitTimestamp?: bigint;
}

export interface OffsetFetchGroupResponse {
  readonly groupId: string;
  readonly topics: OffsetFetchResponseOffsetFetchResponseTopics[];
  readonly errorCode: number;
}

/**
 * Committed offsets of one shard (Kafka's OffsetMetadataManager): group -> topic -> partition, and
 * those of open transactions (TxnOffsetCommit), which become committed offsets on their
 * transaction's COMMIT marker and go on its ABORT marker.
 */
export class OffsetMetadataManager {
  private readonly context: ShardContext;
  private readonly groups: ReadonlyMap<string, Group>;
  private readonly hooks: () => OffsetCommitHooks;
  private readonly offsets = new OffsetStore();
  private readonly pending = new PendingTransactionalOffsets();

  constructor(context: ShardContext, groups: ReadonlyMap<string, Group>, hooks: () => OffsetCommitHooks = () => ({})) {
    this.context = context;
    this.groups = groups;
    this.hooks = hooks;
  }

  commitOffset(request: OffsetCommitRequest, apiVersion: number): CoordinatorResult<OffsetCommitResponseOffsetCommitResponseTopic[]> {
    const generation = request.generationIdOrMemberEpoch ?? -1;
    const memberId = request.memberId ?? '';
    const group = this.groups.get(request.groupId);
    if (group === undefined) {
      // Not a group member: an admin client or a consumer without group management. Its offsets
      // are kept (and the simple group made) when the records are replayed.
      if (generation >= 0) {
        if (apiVersion >= 9) throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${request.groupId} not found.`);
        throw new KafkaError(ErrorCode.ILLEGAL_GENERATION, `Group ${request.groupId} has no generation ${generation}.`);
      }
    } else {
      group.validateOffsetCommit(memberId, request.groupInstanceId ?? null, generation, false, apiVersion);
      this.hooks().onOffsetCommit?.(request.groupId, memberId);
    }
    const retentionTimeMs = request.retentionTimeMs ?? -1n;
    const expireTimestampMs = retentionTimeMs === -1n ? -1 : this.context.time.now() + Number(retentionTimeMs);
    return this.commitRecords(request.groupId, request.topics, expireTimestampMs);
  }

  /**
   * TxnOffsetCommit: the records are the same as OffsetCommit's; the runtime writes them in the
   * producer's transactional batch, so they are replayed as pending. A group that does not exist
   * accepts a commit without a generation (its simple group is made on replay); v3+ members are
   * checked as OffsetCommit's (a stale KIP-848 epoch is ILLEGAL_GENERATION here, as in Kafka).
   */
  commitTransactionalOffset(request: TxnOffsetCommitRequest, apiVersion: number): CoordinatorResult<TxnOffsetCommitResponseTxnOffsetCommitResponseTopic[]> {
    const generationId = request.generationId ?? -1;
    const group = this.groups.get(request.groupId);
    if (group === undefined) {
      if (generationId >= 0) throw new KafkaError(ErrorCode.ILLEGAL_GENERATION, `Group ${request.groupId} has no generation ${generationId}.`);
    } else {
      try {
        group.validateOffsetCommit(request.memberId ?? '', request.groupInstanceId ?? null, generationId, true, apiVersion);
      } catch (error) {
        if (error instanceof KafkaError && error.code === ErrorCode.STALE_MEMBER_EPOCH) throw new KafkaError(ErrorCode.ILLEGAL_GENERATION, error.message);
        throw error;
      }
    }
    return this.commitRecords(request.groupId, request.topics, -1);
  }

  private commitRecords(groupId: string, requested: readonly { name: string; partitions: readonly CommitPartition[] }[], expireTimestampMs: number) {
    const now = this.context.time.now();
    const records: CoordinatorRecord[] = [];
    const topics = requested.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => {
        const metadata = partition.committedMetadata;
        if (metadata !== null && metadata.length > this.context.config.offsetMetadataMaxBytes) {
          return { partitionIndex: partition.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        }
        const commitTimestamp = partition.commitTimestamp ?? -1n;
        records.push(offsetCommitRecord(groupId, topic.name, partition.partitionIndex, {
          committedOffset: Number(partition.committedOffset),
          leaderEpoch: partition.committedLeaderEpoch ?? -1,
          metadata: metadata ?? '',
          // OffsetCommit v1 carries the client's commit timestamp; -1 means "now".
          commitTimestampMs: commitTimestamp === -1n ? now : Number(commitTimestamp),
          expireTimestampMs,
        }));
        return { partitionIndex: partition.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    return { records, response: topics };
  }

  /**
   * OffsetFetch for one group; a group that does not exist has no offsets (-1 each). Offsets of
   * open transactions are not shown; with require_stable, a partition that has one answers
   * UNSTABLE_OFFSET_COMMIT (the client retries until the transaction ends).
   */
  fetchOffsets(request: OffsetFetchGroupRequest): OffsetFetchGroupResponse {
    const { groupId } = request;
    const known = this.validateOffsetFetch(request);
    const groupOffsets = known ? this.offsets.group(groupId) : undefined;
    const fetched = (topic: string, partitionIndex: number, offset: OffsetAndMetadata | undefined) => {
      if (request.requireStable === true && this.pending.has(groupId, topic, partitionIndex)) {
        return { ...fetchedPartition(partitionIndex, undefined), errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      }
      return fetchedPartition(partitionIndex, offset);
    };
    if (request.topics === null) {
      const topics = [...(groupOffsets ?? [])].map(([name, partitions]) => ({
        name,
        partitions: [...partitions].map(([partitionIndex, offset]) => fetched(name, partitionIndex, offset)),
      }));
      return { groupId, topics, errorCode: ErrorCode.NONE };
    }
    const topics = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partitionIndex) => fetched(topic.name, partitionIndex, groupOffsets?.get(topic.name)?.get(partitionIndex))),
    }));
    return { groupId, topics, errorCode: ErrorCode.NONE };
  }

  /** OffsetDelete: tombstones for the offsets of topics the group no longer consumes. */
  deleteOffsets(request: OffsetDeleteRequest): CoordinatorResult<OffsetDeleteResponseOffsetDeleteResponseTopic[]> {
    const group = this.groups.get(request.groupId);
    if (group === undefined) throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${request.groupId} not found.`);
    group.validateOffsetDelete();
    const records: CoordinatorRecord[] = [];
    const topics = request.topics.map((topic) => {
      if (group.isSubscribedToTopic(topic.name)) {
        return { name: topic.name, partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC })) };
      }
      return {
        name: topic.name,
        partitions: topic.partitions.map((p) => {
          // An open transaction's offset goes too: its commit must not bring the partition back.
          if (this.offsets.has(request.groupId, topic.name, p.partitionIndex) || this.pending.has(request.groupId, topic.name, p.partitionIndex)) {
            records.push(offsetCommitTombstone(request.groupId, topic.name, p.partitionIndex));
          }
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
        }),
      };
    });
    return { records, response: topics };
  }

  /** Tombstones for every offset of the group, those of open transactions included: DeleteGroups and group expiry. */
  deleteAllOffsets(groupId: string): CoordinatorRecord[] {
    const partitions = new Map<string, [string, number]>();
    for (const [topic, byPartition] of this.offsets.group(groupId) ?? []) {
      for (const partition of byPartition.keys()) partitions.set(`${partition}:${topic}`, [topic, partition]);
    }
    for (const [topic, partition] of this.pending.partitions(groupId)) partitions.set(`${partition}:${topic}`, [topic, partition]);
    return [...partitions.values()].map(([topic, partition]) => offsetCommitTombstone(groupId, topic, partition));
  }

  /**
   * Tombstones for every group's offsets of deleted partitions (Kafka's onPartitionsDeleted), so a
   * reload does not bring them back and a topic re-created under the same name starts without
   * them. Groups are left to the expiry cycle, which deletes those now empty and without offsets.
   */
  onPartitionsDeleted(partitions: readonly TopicPartition[]): CoordinatorRecord[] {
    const deletedByTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) {
      const list = deletedByTopic.get(topic) ?? [];
      list.push(partition);
      deletedByTopic.set(topic, list);
    }
    const tombstones = new Map<string, CoordinatorRecord>();
    const deleted = (groupId: string, topic: string, partition: number) => {
      if (deletedByTopic.get(topic)?.includes(partition) !== true) return;
      tombstones.set(JSON.stringify([groupId, topic, partition]), offsetCommitTombstone(groupId, topic, partition));
    };
    for (const [groupId, topic, partition] of this.offsets.entries()) deleted(groupId, topic, partition);
    for (const [, groupId, topic, partition] of this.pending.entries()) deleted(groupId, topic, partition);
    return [...tombstones.values()];
  }

  hasOffsets(groupId: string): boolean {
    return this.offsets.group(groupId) !== undefined;
  }

  offset(groupId: string, topic: string, partition: number): StoredOffset | undefined {
    return this.offsets.get(groupId, topic, partition);
  }

  /** The offset an open transaction of the producer committed, not yet anyone's committed offset. */
  pendingTransactionalOffset(producerId: bigint, groupId: string, topic: string, partition: number): StoredOffset | undefined {
    for (const [id, group, name, index, offset] of this.pending.entries()) {
      if (id === producerId && group === groupId && name === topic && index === partition) return offset;
    }
    return undefined;
  }

  hasPendingTransactionalOffsets(groupId: string, topic: string, partition: number): boolean {
    return this.pending.has(groupId, topic, partition);
  }

  /** Open transactions' offsets and the groups they keep open, sorted: what a reload must rebuild. */
  pendingTransactionalState(): unknown {
    const entries = [...this.pending.entries()].map(([producerId, ...rest]) => [String(producerId), ...rest]);
    const open = this.pending.openTransactions().map(([groupId, producers]) => [groupId, producers.map(String).sort()]);
    return { entries: entries.sort(byJson), open: open.sort(byJson) };
  }

  /** Groups with at least one committed offset. */
  groupIds(): string[] {
    return this.offsets.groupIds();
  }

  /** Every committed offset of a group, for describe tools and lag. */
  groupOffsets(groupId: string): ReadonlyMap<string, ReadonlyMap<number, StoredOffset>> {
    return this.offsets.group(groupId) ?? new Map();
  }

  /**
   * Appends tombstones for the group's expired offsets (Kafka's cleanupExpiredOffsets): offsets of
   * topics the group is not subscribed to, past offsets.retention.ms from the group's base
   * timestamp, or past their own expire timestamp (OffsetCommit v2-4). True when the group has no
   * offsets left afterwards. An offset whose partition has an open transaction's offset pending
   * is kept, and a group with an open transaction is never left for deletion (Kafka's rule; Kafka
   * checks the latter only for a group with committed offsets, which lets an empty group holding
   * only a transaction's offsets be deleted under it).
   */
  cleanupExpiredOffsets(groupId: string, records: CoordinatorRecord[]): boolean {
    const byTopic = this.offsets.group(groupId);
    const openTransactions = this.pending.hasOpenTransactions(groupId);
    if (byTopic === undefined) return !openTransactions;
    const group = this.groups.get(groupId);
    const now = this.context.time.now();
    const retentionMs = this.context.config.offsetsRetentionMs;
    let allExpired = true;
    for (const [topic, partitions] of byTopic) {
      if (group?.isSubscribedToTopic(topic) === true) {
        allExpired = false;
        continue;
      }
      for (const [partition, offset] of partitions) {
        const base = expirationBase(group, offset.commitTimestampMs);
        const expired = base !== null && (offset.expireTimestampMs >= 0 ? now >= offset.expireTimestampMs : now - base >= retentionMs);
        if (expired && !this.pending.has(groupId, topic, partition)) records.push(offsetCommitTombstone(groupId, topic, partition));
        else allExpired = false;
      }
    }
    return allExpired && !openTransactions;
  }

  /**
   * An OffsetCommit record: from a transactional batch (its producer id given) it is pending in
   * that producer's transaction; otherwise it is the committed offset. A tombstone removes both.
   */
  replay(key: OffsetCommitKey, value: OffsetCommitValue | null, context: RecordContext): void {
    const { group: groupId, topic, partition } = key;
    if (value === null) {
      this.offsets.remove(groupId, topic, partition);
      this.pending.remove(groupId, topic, partition);
      return;
    }
    if (!this.groups.has(groupId)) this.hooks().getOrCreateSimpleGroup?.(groupId);
    const offset = { ...offsetFromRecord(value), recordOffset: context.offset };
    if (context.producerId === -1n) this.offsets.put(groupId, topic, partition, offset);
    else this.pending.add(context.producerId, groupId, topic, partition, offset);
  }

  /**
   * The producer's transaction ended. On COMMIT its offsets become the committed ones, unless a
   * partition's committed offset comes from a later record: a plain commit written after the
   * transaction's is the newer one, and compaction could otherwise bring back the older.
   */
  replayEndTransactionMarker(producerId: bigint, commit: boolean): void {
    const ended = this.pending.complete(producerId);
    if (ended === undefined || !commit) return;
    for (const [groupId, topic, partition, offset] of ended.entries()) {
      const existing = this.offsets.get(groupId, topic, partition);
      if (existing === undefined || offset.recordOffset > existing.recordOffset) this.offsets.put(groupId, topic, partition, offset);
    }
  }

  /** False when the group is unknown (its offsets read as none); throws a group-level error. */
  private validateOffsetFetch(request: OffsetFetchGroupRequest): boolean {
    const group = this.groups.get(request.groupId);
    if (group === undefined) return false;
    try {
      group.validateOffsetFetch(request.memberId, request.memberEpoch);
      return true;
    } catch (error) {
      if (error instanceof KafkaError && error.code === ErrorCode.GROUP_ID_NOT_FOUND) return false;
      throw error;
    }
  }
}

function fetchedPartition(partitionIndex: number, offset: OffsetAndMetadata | undefined) {
  if (offset === undefined) return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
  return {
    partitionIndex,
    committedOffset: BigInt(offset.committedOffset),
    committedLeaderEpoch: offset.leaderEpoch,
    metadata: offset.metadata,
    errorCode: ErrorCode.NONE,
  };
}

function byJson(a: unknown, b: unknown): number {
  const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function expirationBase(group: Group | undefined, commitTimestampMs: number): number | null {
  if (group === undefined) return commitTimestampMs;
  const own = (group as Group & ExpirableGroup).offsetExpirationBaseTimestampMs;
  if (own !== undefined) return own.call(group, commitTimestampMs);
  return group.type === 'consumer' || group.isEmpty() ? commitTimestampMs : null;
}
