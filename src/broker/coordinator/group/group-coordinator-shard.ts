import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { DeleteGroupsResponseDeletableGroupResult } from '../../../protocol/generated/delete-groups.ts';
import type { ListGroupsResponseListedGroup } from '../../../protocol/generated/list-groups.ts';
import { groupMetadataKey } from '../../../protocol/generated/records/group-metadata-key.ts';
import { groupMetadataValue } from '../../../protocol/generated/records/group-metadata-value.ts';
import type { OffsetCommitKey } from '../../../protocol/generated/records/offset-commit-key.ts';
import type { OffsetCommitValue } from '../../../protocol/generated/records/offset-commit-value.ts';
import type { CoordinatorRecord, CoordinatorResult, CoordinatorShard, RecordContext, ShardContext } from '../runtime/coordinator-runtime.ts';
import { ClassicGroupManager } from './classic-group-manager.ts';
import { ConsumerGroupManager } from './consumer-group-manager.ts';
import type { Group } from './group.ts';
import {
  decodeRecord, encodeRecord, FIRST_SHARE_GROUP_RECORD_TYPE, LAST_SHARE_GROUP_RECORD_TYPE, recordType, RecordType,
} from './group-records.ts';
import { OffsetMetadataManager, type OffsetCommitHooks, type TopicPartition } from './offset-metadata-manager.ts';

/** Methods a group manager may have beyond the contract's constructor and replay. */
interface ManagerExtras extends OffsetCommitHooks {
  onLoaded?(): void;
  onUnloaded?(): void;
  groupTombstones?(groupId: string): CoordinatorRecord[];
}

function extras(manager: object): ManagerExtras {
  return manager as ManagerExtras;
}

const OFFSETS_EXPIRATION_TIMER = 'cleanup-group-metadata';

/**
 * The state of one __consumer_offsets partition: every group whose id hashes to it (both kinds,
 * one map) and their committed offsets. Replay dispatches by record type; operations live in the
 * managers, the cross-cutting ones (ListGroups, DeleteGroups, offset expiry) here.
 */
export class GroupCoordinatorShard implements CoordinatorShard {
  readonly groups = new Map<string, Group>();
  readonly offsets: OffsetMetadataManager;
  readonly classic: ClassicGroupManager;
  readonly consumer: ConsumerGroupManager;
  private readonly context: ShardContext;

  constructor(context: ShardContext) {
    this.context = context;
    this.offsets = new OffsetMetadataManager(context, this.groups, () => extras(this.classic));
    this.classic = new ClassicGroupManager(context, this.groups, this.offsets);
    this.consumer = new ConsumerGroupManager(context, this.groups, this.offsets);
  }

  /** Only offset commits are ever transactional (TxnOffsetCommit); group records never are. */
  replay(record: CoordinatorRecord, context: RecordContext): void {
    const type = recordType(record);
    if (type >= FIRST_SHARE_GROUP_RECORD_TYPE && type <= LAST_SHARE_GROUP_RECORD_TYPE) return;
    const { key, value } = decodeRecord(record);
    if (type === RecordType.OFFSET_COMMIT_V0 || type === RecordType.OFFSET_COMMIT) {
      this.offsets.replay(key as OffsetCommitKey, value as OffsetCommitValue | null, context);
    } else if (type === RecordType.GROUP_METADATA) {
      this.classic.replay(type, key, value);
    } else {
      this.consumer.replay(type, key, value);
    }
  }

  replayEndTransactionMarker(producerId: bigint, _producerEpoch: number, commit: boolean): void {
    this.offsets.replayEndTransactionMarker(producerId, commit);
  }

  onLoaded(): void {
    extras(this.classic).onLoaded?.();
    extras(this.consumer).onLoaded?.();
    this.scheduleOffsetsExpiration();
  }

  onUnloaded(): void {
    extras(this.classic).onUnloaded?.();
    extras(this.consumer).onUnloaded?.();
  }

  /** ListGroups: filters match Kafka's state and type names, case-insensitively; empty = all. */
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): ListGroupsResponseListedGroup[] {
    const states = new Set(statesFilter.map((state) => state.toLowerCase()));
    const types = new Set(typesFilter.map((type) => type.toLowerCase()));
    const listed: ListGroupsResponseListedGroup[] = [];
    for (const group of this.groups.values()) {
      const groupState = group.stateName();
      if (states.size > 0 && !states.has(groupState.toLowerCase())) continue;
      if (types.size > 0 && !types.has(group.type)) continue;
      listed.push({ groupId: group.groupId, protocolType: group.protocolType(), groupState, groupType: group.type });
    }
    return listed;
  }

  /** DeleteGroups: offset tombstones then the group's, for each empty group (Kafka's order). */
  deleteGroups(groupIds: readonly string[]): CoordinatorResult<DeleteGroupsResponseDeletableGroupResult[]> {
    const records: CoordinatorRecord[] = [];
    const results = groupIds.map((groupId) => {
      try {
        const group = this.groups.get(groupId);
        if (group === undefined) throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`);
        group.validateDeleteGroup();
        records.push(...this.offsets.deleteAllOffsets(groupId), ...this.groupTombstones(group));
        return { groupId, errorCode: ErrorCode.NONE };
      } catch (error) {
        if (error instanceof KafkaError) return { groupId, errorCode: error.code };
        throw error;
      }
    });
    return { records, response: results };
  }

  /**
   * The periodic offset expiry (Kafka's cleanupGroupMetadata): expired offsets are tombstoned, and
   * an empty group left without offsets is deleted too.
   */
  cleanupGroupMetadata(): CoordinatorResult<void> {
    const records: CoordinatorRecord[] = [];
    const groupIds = new Set([...this.groups.keys(), ...this.offsets.groupIds()]);
    for (const groupId of groupIds) {
      const allExpired = this.offsets.cleanupExpiredOffsets(groupId, records);
      const group = this.groups.get(groupId);
      if (allExpired && group !== undefined && group.isEmpty()) records.push(...this.groupTombstones(group));
    }
    if (records.length > 0) this.context.logger.info({ records: records.length }, 'expired offsets and groups removed');
    this.scheduleOffsetsExpiration();
    return { records, response: undefined };
  }

  /**
   * Topic partitions were deleted: their committed offsets go, in every group of this shard. Answers
   * how many were removed; the coordinator logs one line for all its shards.
   */
  onPartitionsDeleted(partitions: readonly TopicPartition[]): CoordinatorResult<number> {
    const records = this.offsets.onPartitionsDeleted(partitions);
    return { records, response: records.length };
  }

  /** The records that delete a group: its manager's, or the classic GroupMetadata tombstone. */
  groupTombstones(group: Group): CoordinatorRecord[] {
    if (group.type === 'consumer') return this.consumer.groupTombstones(group.groupId);
    const own = extras(this.classic).groupTombstones?.(group.groupId);
    return own ?? [encodeRecord(RecordType.GROUP_METADATA, groupMetadataKey, { group: group.groupId }, groupMetadataValue, 3, null)];
  }

  private scheduleOffsetsExpiration(): void {
    this.context.timer.schedule(OFFSETS_EXPIRATION_TIMER, this.context.config.offsetsRetentionCheckIntervalMs, () => this.cleanupGroupMetadata());
  }
}
