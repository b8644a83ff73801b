import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { OffsetCommitRequest, OffsetCommitResponseOffsetCommitResponseTopic } from '../../../protocol/generated/offset-commit.ts';
import type { OffsetDeleteRequest, OffsetDeleteResponseOffsetDeleteResponseTopic } from '../../../protocol/generated/offset-delete.ts';
import type { OffsetFetchResponseOffsetFetchResponseTopics } from '../../../protocol/generated/offset-fetch.ts';
import type { OffsetCommitKey } from '../../../protocol/generated/records/offset-commit-key.ts';
import type { OffsetCommitValue } from '../../../protocol/generated/records/offset-commit-value.ts';
import type { CoordinatorRecord, CoordinatorResult, ShardContext } from '../runtime/coordinator-runtime.ts';
import type { Group } from './group.ts';
import { offsetCommitRecord, offsetCommitTombstone, offsetFromRecord, type OffsetAndMetadata } from './offset-records.ts';

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
}

export interface OffsetFetchGroupResponse {
  readonly groupId: string;
  readonly topics: OffsetFetchResponseOffsetFetchResponseTopics[];
  readonly errorCode: number;
}

/** Committed offsets of one shard (Kafka's OffsetMetadataManager): group -> topic -> partition. */
export class OffsetMetadataManager {
  private readonly context: ShardContext;
  private readonly groups: ReadonlyMap<string, Group>;
  private readonly hooks: () => OffsetCommitHooks;
  private readonly offsets = new Map<string, Map<string, Map<number, OffsetAndMetadata>>>();

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
    const now = this.context.time.now();
    const retentionTimeMs = request.retentionTimeMs ?? -1n;
    const expireTimestampMs = retentionTimeMs === -1n ? -1 : now + Number(retentionTimeMs);
    const records: CoordinatorRecord[] = [];
    const topics = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => {
        const metadata = partition.committedMetadata;
        if (metadata !== null && metadata.length > this.context.config.offsetMetadataMaxBytes) {
          return { partitionIndex: partition.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        }
        const commitTimestamp = partition.commitTimestamp ?? -1n;
        records.push(offsetCommitRecord(request.groupId, topic.name, partition.partitionIndex, {
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

  /** OffsetFetch for one group; a group that does not exist has no offsets (-1 each). */
  fetchOffsets(request: OffsetFetchGroupRequest): OffsetFetchGroupResponse {
    const { groupId } = request;
    const known = this.validateOffsetFetch(request);
    const groupOffsets = known ? this.offsets.get(groupId) : undefined;
    if (request.topics === null) {
      const topics = [...(groupOffsets ?? new Map<string, Map<number, OffsetAndMetadata>>())].map(([name, partitions]) => ({
        name,
        partitions: [...partitions].map(([partitionIndex, offset]) => fetchedPartition(partitionIndex, offset)),
      }));
      return { groupId, topics, errorCode: ErrorCode.NONE };
    }
    const topics = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partitionIndex) => fetchedPartition(partitionIndex, groupOffsets?.get(topic.name)?.get(partitionIndex))),
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
          if (this.offset(request.groupId, topic.name, p.partitionIndex) !== undefined) {
            records.push(offsetCommitTombstone(request.groupId, topic.name, p.partitionIndex));
          }
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
        }),
      };
    });
    return { records, response: topics };
  }

  /** Tombstones for every offset of the group: DeleteGroups and group expiry. */
  deleteAllOffsets(groupId: string): CoordinatorRecord[] {
    const records: CoordinatorRecord[] = [];
    for (const [topic, partitions] of this.offsets.get(groupId) ?? []) {
      for (const partition of partitions.keys()) records.push(offsetCommitTombstone(groupId, topic, partition));
    }
    return records;
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
    const records: CoordinatorRecord[] = [];
    for (const [groupId, byTopic] of this.offsets) {
      for (const [topic, deleted] of deletedByTopic) {
        const committed = byTopic.get(topic);
        if (committed === undefined) continue;
        for (const partition of deleted) {
          if (committed.has(partition)) records.push(offsetCommitTombstone(groupId, topic, partition));
        }
      }
    }
    return records;
  }

  hasOffsets(groupId: string): boolean {
    return this.offsets.has(groupId);
  }

  offset(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.offsets.get(groupId)?.get(topic)?.get(partition);
  }

  /** Groups with at least one committed offset. */
  groupIds(): string[] {
    return [...this.offsets.keys()];
  }

  /** Every committed offset of a group, for describe tools and lag. */
  groupOffsets(groupId: string): ReadonlyMap<string, ReadonlyMap<number, OffsetAndMetadata>> {
    return this.offsets.get(groupId) ?? new Map();
  }

  /**
   * Appends tombstones for the group's expired offsets (Kafka's cleanupExpiredOffsets): offsets of
   * topics the group is not subscribed to, past offsets.retention.ms from the group's base
   * timestamp, or past their own expire timestamp (OffsetCommit v2-4). True when the group has no
   * offsets left afterwards.
   */
  cleanupExpiredOffsets(groupId: string, records: CoordinatorRecord[]): boolean {
    const byTopic = this.offsets.get(groupId);
    if (byTopic === undefined) return true;
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
        if (expired) records.push(offsetCommitTombstone(groupId, topic, partition));
        else allExpired = false;
      }
    }
    return allExpired;
  }

  replay(key: OffsetCommitKey, value: OffsetCommitValue | null): void {
    const { group: groupId, topic, partition } = key;
    if (value === null) {
      const byTopic = this.offsets.get(groupId);
      const partitions = byTopic?.get(topic);
      if (byTopic === undefined || partitions === undefined) return;
      partitions.delete(partition);
      if (partitions.size === 0) byTopic.delete(topic);
      if (byTopic.size === 0) this.offsets.delete(groupId);
      return;
    }
    if (!this.groups.has(groupId)) this.hooks().getOrCreateSimpleGroup?.(groupId);
    let byTopic = this.offsets.get(groupId);
    if (byTopic === undefined) this.offsets.set(groupId, (byTopic = new Map()));
    let partitions = byTopic.get(topic);
    if (partitions === undefined) byTopic.set(topic, (partitions = new Map()));
    partitions.set(partition, offsetFromRecord(value));
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

function expirationBase(group: Group | undefined, commitTimestampMs: number): number | null {
  if (group === undefined) return commitTimestampMs;
  const own = (group as Group & ExpirableGroup).offsetExpirationBaseTimestampMs;
  if (own !== undefined) return own.call(group, commitTimestampMs);
  return group.type === 'consumer' || group.isEmpty() ? commitTimestampMs : null;
}
