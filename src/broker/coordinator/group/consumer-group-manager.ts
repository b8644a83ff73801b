import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { ConsumerGroupDescribeResponseDescribedGroup } from '../../../protocol/generated/consumer-group-describe.ts';
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../../../protocol/generated/consumer-group-heartbeat.ts';
import { randomUuid } from '../../../protocol/primitives/uuid.ts';
import type { CoordinatorRecord, CoordinatorResult, ShardContext } from '../runtime/coordinator-runtime.ts';
import type { PartitionAssignor } from './assignors/partition-assignor.ts';
import { RangeAssignor } from './assignors/range-assignor.ts';
import { UniformAssignor } from './assignors/uniform-assignor.ts';
import { buildCurrentAssignment } from './consumer-current-assignment-builder.ts';
import { describeConsumerGroup } from './consumer-group-describe.ts';
import { FencedMemberEpochError, groupIdNotFound, invalidRequest, unknownMember } from './consumer-group-errors.ts';
import { ConsumerGroup } from './consumer-group.ts';
import {
  assignmentsEqual, assignmentToList, currentAssignmentEquals, isReconciledTo, LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH, MemberState, newMember, subscriptionEquals, type Assignment, type ConsumerGroupMember,
} from './consumer-group-member.ts';
import {
  classicGroupTombstone, currentAssignmentRecord, groupEpochRecord, groupEpochTombstone, memberSubscriptionRecord,
  removeMemberRecords, subscriptionMetadataRecord, subscriptionMetadataTombstone, targetAssignmentEpochTombstone,
  targetAssignmentRecord, targetAssignmentTombstone,
} from './consumer-group-records.ts';
import { replayConsumerGroupRecord } from './consumer-group-replay.ts';
import { computeSubscriptionMetadata, computeTargetAssignment, subscriptionMetadataEquals } from './consumer-target-assignment.ts';
import type { Group } from './group.ts';
import { AUTHORIZED_OPERATIONS_NOT_REQUESTED } from '../../security/authorized-operations.ts';

/** What the manager needs of the offsets manager (R's OffsetMetadataManager has it). */
export interface GroupOffsetsView {
  hasOffsets(groupId: string): boolean;
}

export interface HeartbeatClient {
  readonly clientId: string;
  readonly clientHost: string;
}

type OwnedPartitions = ConsumerGroupHeartbeatRequest['topicPartitions'];

/**
 * KIP-848 consumer groups on one __consumer_offsets partition: ConsumerGroupHeartbeat (join,
 * heartbeat, leave), session and rebalance timeouts, ConsumerGroupDescribe and replay, as Kafka's
 * GroupMetadataManager. Each heartbeat (1) updates the member and bumps the group epoch when its
 * subscription or the subscribed topics' metadata changed, (2) recomputes the target assignment when
 * the group epoch is ahead of it, (3) moves the member one reconciliation step towards its target.
 *
 * Classic vs consumer: an EMPTY classic group is replaced (its GroupMetadata tombstoned) when a
 * consumer-protocol member joins; a classic group with members answers INCONSISTENT_GROUP_PROTOCOL to
 * a join (Kafka 4.0 may instead convert it online) and GROUP_ID_NOT_FOUND to other heartbeats.
 */
export class ConsumerGroupManager {
  private readonly context: ShardContext;
  private readonly groups: Map<string, Group>;
  private readonly newMemberId: () => string;
  private readonly assignors: ReadonlyMap<string, PartitionAssignor>;

  constructor(context: ShardContext, groups: Map<string, Group>, _offsets: GroupOffsetsView, newMemberId: () => string = () => randomUuid()) {
    this.context = context;
    this.groups = groups;
    this.newMemberId = newMemberId;
    const known: PartitionAssignor[] = [new UniformAssignor(), new RangeAssignor()];
    this.assignors = new Map(context.config.groupConsumerAssignors
      .map((name) => known.find((assignor) => assignor.name === name))
      .filter((assignor) => assignor !== undefined)
      .map((assignor) => [assignor.name, assignor]));
  }

  /** The consumer group with this id, if the id names one. */
  group(groupId: string): ConsumerGroup | undefined {
    const group = this.groups.get(groupId);
    return group instanceof ConsumerGroup ? group : undefined;
  }

  replay(type: number, key: unknown, value: unknown | null): void {
    replayConsumerGroupRecord(this.groups, type, key, value);
  }

  /** After loading: members' session (and pending revocation) timers start again. */
  onLoaded(): void {
    for (const group of this.groups.values()) {
      if (!(group instanceof ConsumerGroup)) continue;
      for (const member of group.members.values()) {
        this.scheduleSessionTimeout(group.groupId, member.memberId);
        if (member.state === MemberState.UNREVOKED_PARTITIONS) this.scheduleRebalanceTimeout(group.groupId, member);
      }
    }
  }

  heartbeat(request: ConsumerGroupHeartbeatRequest, client: HeartbeatClient): CoordinatorResult<ConsumerGroupHeartbeatResponse> {
    this.validateRequest(request);
    if (request.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      return this.leave(request);
    }
    const { groupId, memberEpoch, instanceId } = request;
    const owned = request.topicPartitions;
    const records: CoordinatorRecord[] = [];
    const group = this.groupForHeartbeat(groupId, memberEpoch, records);
    const memberId = request.memberId === '' ? this.newMemberId() : request.memberId;
    if (group.members.size >= this.context.config.groupConsumerMaxSize && !group.members.has(memberId)) {
      throw new KafkaError(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.context.config.groupConsumerMaxSize} members.`);
    }

    let member: ConsumerGroupMember;
    let replacedMemberId: string | undefined;
    if (instanceId === null) {
      member = memberEpoch === 0 ? (group.members.get(memberId) ?? newMember(memberId)) : group.member(memberId);
      this.validateMemberEpoch(member, memberEpoch, owned);
    } else {
      const existing = group.staticMember(instanceId);
      if (memberEpoch === 0) {
        if (existing === undefined) {
          member = group.members.get(memberId) ?? newMember(memberId);
        } else {
          if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
            throw new KafkaError(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`);
          }
          // The restarted static member takes the departed one's place: same subscription and partitions, new id.
          member = { ...existing, memberId, memberEpoch: 0, previousMemberEpoch: 0 };
          replacedMemberId = existing.memberId;
          records.push(...removeMemberRecords(groupId, existing.memberId));
          records.push(memberSubscriptionRecord(groupId, member));
          records.push(targetAssignmentRecord(groupId, memberId, group.targetAssignmentOf(existing.memberId)));
          records.push(currentAssignmentRecord(groupId, member));
          this.cancelTimers(groupId, existing.memberId);
        }
      } else {
        if (existing === undefined) throw unknownMember(`Instance id ${instanceId} is unknown.`);
        if (existing.memberId !== memberId) {
          throw new KafkaError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${existing.memberId}.`);
        }
        this.validateMemberEpoch(existing, memberEpoch, owned);
        member = existing;
      }
    }

    // 1. The member's subscription; the group epoch moves when it or the subscribed topics changed.
    let updated: ConsumerGroupMember = {
      ...member,
      instanceId: instanceId ?? member.instanceId,
      rackId: request.rackId ?? member.rackId,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs === -1 ? member.rebalanceTimeoutMs : request.rebalanceTimeoutMs,
      serverAssignorName: request.serverAssignor ?? member.serverAssignorName,
      subscribedTopicNames: request.subscribedTopicNames === null ? member.subscribedTopicNames : [...new Set(request.subscribedTopicNames)].sort(),
      clientId: client.clientId,
      clientHost: client.clientHost,
    };
    let bumpGroupEpoch = false;
    if (!subscriptionEquals(updated, member) || (!group.members.has(memberId) && replacedMemberId === undefined)) {
      records.push(memberSubscriptionRecord(groupId, updated));
      bumpGroupEpoch = updated.subscribedTopicNames.join('\0') !== member.subscribedTopicNames.join('\0');
    }
    const subscriptionMetadata = computeSubscriptionMetadata(group.subscribedTopicNames(member, updated), this.context.metadata);
    if (!subscriptionMetadataEquals(subscriptionMetadata, group.subscriptionMetadata)) {
      bumpGroupEpoch = true;
      records.push(subscriptionMetadataRecord(groupId, subscriptionMetadata));
    }
    let groupEpoch = group.groupEpoch;
    if (bumpGroupEpoch) {
      groupEpoch += 1;
      records.push(groupEpochRecord(groupId, groupEpoch));
      this.context.logger.info({ groupId, groupEpoch }, 'consumer group epoch bumped');
    }

    // 2. The target assignment, when the group epoch is ahead of it.
    let targetAssignmentEpoch = group.assignmentEpoch;
    let target: Assignment = group.targetAssignmentOf(replacedMemberId ?? memberId);
    if (groupEpoch > group.assignmentEpoch) {
      const members = [...group.members.values()].filter((m) => m.memberId !== memberId && m.memberId !== replacedMemberId);
      const assignorName = group.preferredServerAssignor([...members, updated]) ?? this.defaultAssignor().name;
      const result = computeTargetAssignment({
        group, groupEpoch, assignor: this.assignors.get(assignorName) ?? this.defaultAssignor(),
        subscriptionMetadata, updatedMember: updated, replacedMemberId,
      });
      records.push(...result.records);
      targetAssignmentEpoch = groupEpoch;
      target = result.assignment.get(memberId) ?? new Map();
    }

    // 3. One reconciliation step.
    if (!isReconciledTo(updated, targetAssignmentEpoch)) {
      const reconciled = buildCurrentAssignment(updated, targetAssignmentEpoch, target, (t, p) => group.currentPartitionEpoch(t, p), owned);
      if (!currentAssignmentEquals(reconciled, updated)) {
        records.push(currentAssignmentRecord(groupId, reconciled));
        if (reconciled.state === MemberState.UNREVOKED_PARTITIONS) this.scheduleRebalanceTimeout(groupId, reconciled);
        else this.context.timer.cancel(rebalanceTimeoutKey(groupId, memberId));
      }
      updated = reconciled;
    }
    this.scheduleSessionTimeout(groupId, memberId);

    // The assignment goes back on a full request (join, or after an error) or when it changed.
    const fullRequest = memberEpoch === 0 || (request.rebalanceTimeoutMs !== -1 && request.subscribedTopicNames !== null && owned !== null);
    const changed = !assignmentsEqual(member.assignedPartitions, updated.assignedPartitions);
    return {
      records,
      response: {
        throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, memberId, memberEpoch: updated.memberEpoch,
        heartbeatIntervalMs: this.context.config.groupConsumerHeartbeatIntervalMs,
        assignment: fullRequest || changed ? { topicPartitions: assignmentToList(updated.assignedPartitions) } : null,
      },
    };
  }

  describe(groupIds: readonly string[]): ConsumerGroupDescribeResponseDescribedGroup[] {
    return groupIds.map((groupId) => {
      const group = this.group(groupId);
      if (group === undefined) {
        return {
          errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.`, groupId, groupState: '',
          groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [], authorizedOperations: AUTHORIZED_OPERATIONS_NOT_REQUESTED,
        };
      }
      return describeConsumerGroup(group, group.preferredServerAssignor() ?? this.defaultAssignor().name, this.context.metadata);
    });
  }

  /** Tombstones deleting an empty consumer group (DeleteGroups, offset expiry), in Kafka's order. */
  groupTombstones(groupId: string): CoordinatorRecord[] {
    const group = this.group(groupId);
    if (group === undefined) return [];
    const memberIds = [...group.members.keys()];
    for (const memberId of memberIds) this.cancelTimers(groupId, memberId);
    return [
      ...memberIds.map((memberId) => removeMemberRecords(groupId, memberId)[0]!),
      ...memberIds.map((memberId) => targetAssignmentTombstone(groupId, memberId)),
      targetAssignmentEpochTombstone(groupId),
      ...memberIds.map((memberId) => removeMemberRecords(groupId, memberId)[2]!),
      subscriptionMetadataTombstone(groupId),
      groupEpochTombstone(groupId),
    ];
  }

  private defaultAssignor(): PartitionAssignor {
    const first = this.assignors.values().next();
    return first.done === true ? new UniformAssignor() : first.value;
  }

  private validateRequest(request: ConsumerGroupHeartbeatRequest): void {
    const blank = (value: string | null): boolean => value !== null && value.trim() === '';
    if (blank(request.groupId)) throw invalidRequest("GroupId can't be empty.");
    if (blank(request.instanceId)) throw invalidRequest("InstanceId can't be empty.");
    if (blank(request.rackId)) throw invalidRequest("RackId can't be empty.");
    if ((request.subscribedTopicRegex ?? null) !== null) throw invalidRequest('SubscribedTopicRegex is not supported yet.');
    const epoch = request.memberEpoch;
    if (epoch > 0 || epoch === LEAVE_GROUP_MEMBER_EPOCH) {
      if (blank(request.memberId) || request.memberId === '') throw invalidRequest("MemberId can't be empty.");
    } else if (epoch === 0) {
      if (request.rebalanceTimeoutMs === -1) throw invalidRequest('RebalanceTimeoutMs must be provided in first request.');
      if (request.topicPartitions === null || request.topicPartitions.length > 0) throw invalidRequest('TopicPartitions must be empty when (re-)joining.');
      if (request.subscribedTopicNames === null || request.subscribedTopicNames.length === 0) throw invalidRequest('SubscribedTopicNames must be set in first request.');
    } else if (epoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (request.memberId.trim() === '') throw invalidRequest("MemberId can't be empty.");
      if (request.instanceId === null) throw invalidRequest("InstanceId can't be null.");
    } else {
      throw invalidRequest('MemberEpoch is invalid.');
    }
    if (request.serverAssignor !== null && !this.assignors.has(request.serverAssignor)) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${request.serverAssignor} is not supported. Supported assignors: ${[...this.assignors.keys()].join(', ')}.`);
    }
  }

  /** The group a heartbeat works on; a join may create it (materialized by replaying the records). */
  private groupForHeartbeat(groupId: string, memberEpoch: number, records: CoordinatorRecord[]): ConsumerGroup {
    const existing = this.groups.get(groupId);
    if (existing instanceof ConsumerGroup) return existing;
    if (memberEpoch !== 0) throw groupIdNotFound(existing === undefined ? `Consumer group ${groupId} not found.` : `Group ${groupId} is not a consumer group.`);
    if (existing !== undefined) {
      if (!existing.isEmpty()) {
        throw new KafkaError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `Group ${groupId} is a classic group with members; it cannot take consumer protocol members.`);
      }
      records.push(classicGroupTombstone(groupId));
    }
    return new ConsumerGroup(groupId);
  }

  private validateMemberEpoch(member: ConsumerGroupMember, received: number, owned: OwnedPartitions): void {
    if (received > member.memberEpoch) {
      throw new FencedMemberEpochError(`The consumer group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
    }
    if (received < member.memberEpoch) {
      // The response that bumped the epoch may have been lost: the previous epoch is fine if it owns nothing new.
      const subset = owned !== null && owned.every(({ topicId, partitions }) => {
        const assigned = member.assignedPartitions.get(topicId);
        return assigned !== undefined && partitions.every((p) => assigned.has(p));
      });
      if (received !== member.previousMemberEpoch || !subset) {
        throw new FencedMemberEpochError(`The consumer group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
      }
    }
  }

  private leave(request: ConsumerGroupHeartbeatRequest): CoordinatorResult<ConsumerGroupHeartbeatResponse> {
    const { groupId, memberId, instanceId, memberEpoch } = request;
    const group = this.group(groupId);
    if (group === undefined) throw groupIdNotFound(`Consumer group ${groupId} not found.`);
    const response: ConsumerGroupHeartbeatResponse = {
      throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, memberId, memberEpoch, heartbeatIntervalMs: 0, assignment: null,
    };
    if (instanceId === null) return { records: this.fenceMember(group, group.member(memberId)), response };
    const member = group.staticMember(instanceId);
    if (member === undefined) throw unknownMember(`Instance id ${instanceId} is unknown.`);
    if (member.memberId !== memberId) {
      throw new KafkaError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${member.memberId}.`);
    }
    if (memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) return { records: this.fenceMember(group, member), response };
    // A static member leaving for a while keeps its partitions (nobody else gets them) until its session expires.
    const leaving = { ...member, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, partitionsPendingRevocation: new Map() };
    this.context.timer.cancel(rebalanceTimeoutKey(groupId, memberId));
    return { records: [currentAssignmentRecord(groupId, leaving)], response };
  }

  /** Removes the member and bumps the group epoch so the others' target assignment is recomputed. */
  private fenceMember(group: ConsumerGroup, member: ConsumerGroupMember): CoordinatorRecord[] {
    const records = removeMemberRecords(group.groupId, member.memberId);
    const subscriptionMetadata = computeSubscriptionMetadata(group.subscribedTopicNames(member, null), this.context.metadata);
    if (!subscriptionMetadataEquals(subscriptionMetadata, group.subscriptionMetadata)) {
      records.push(subscriptionMetadataRecord(group.groupId, subscriptionMetadata));
    }
    records.push(groupEpochRecord(group.groupId, group.groupEpoch + 1));
    this.cancelTimers(group.groupId, member.memberId);
    return records;
  }

  private scheduleSessionTimeout(groupId: string, memberId: string): void {
    this.context.timer.schedule(sessionTimeoutKey(groupId, memberId), this.context.config.groupConsumerSessionTimeoutMs, () => {
      const member = this.group(groupId)?.members.get(memberId);
      if (member === undefined) return { records: [], response: undefined };
      this.context.logger.info({ groupId, memberId }, 'consumer group member fenced: its session expired');
      return { records: this.fenceMember(this.group(groupId)!, member), response: undefined };
    });
  }

  private scheduleRebalanceTimeout(groupId: string, member: ConsumerGroupMember): void {
    const { memberId, memberEpoch } = member;
    const delayMs = Math.max(member.rebalanceTimeoutMs, 0);
    this.context.timer.schedule(rebalanceTimeoutKey(groupId, memberId), delayMs, () => {
      const current = this.group(groupId)?.members.get(memberId);
      if (current === undefined || current.memberEpoch !== memberEpoch) return { records: [], response: undefined };
      this.context.logger.info({ groupId, memberId, memberEpoch }, 'consumer group member fenced: it did not revoke its partitions within the rebalance timeout');
      return { records: this.fenceMember(this.group(groupId)!, current), response: undefined };
    });
  }

  private cancelTimers(groupId: string, memberId: string): void {
    this.context.timer.cancel(sessionTimeoutKey(groupId, memberId));
    this.context.timer.cancel(rebalanceTimeoutKey(groupId, memberId));
  }
}

function sessionTimeoutKey(groupId: string, memberId: string): string {
  return `consumer-session-timeout-${groupId}-${memberId}`;
}

function rebalanceTimeoutKey(groupId: string, memberId: string): string {
  return `consumer-rebalance-timeout-${groupId}-${memberId}`;
}
