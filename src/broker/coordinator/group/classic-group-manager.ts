import { randomUUID } from 'node:crypto';
import type { DescribeGroupsResponseDescribedGroup } from '../../../protocol/generated/describe-groups.ts';
import type { HeartbeatRequest, HeartbeatResponse } from '../../../protocol/generated/heartbeat.ts';
import type { JoinGroupRequest } from '../../../protocol/generated/join-group.ts';
import type { LeaveGroupRequestMemberIdentity } from '../../../protocol/generated/leave-group.ts';
import type { SyncGroupRequest } from '../../../protocol/generated/sync-group.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import type { CoordinatorRecord, CoordinatorResult, ShardContext } from '../runtime/coordinator-runtime.ts';
import type { Group } from './group.ts';
import type { GroupConfig } from './group-config.ts';
import { RecordType } from './group-records.ts';
import { ClassicGroup } from './classic-group.ts';
import { heartbeatClassicGroup, leaveClassicGroup, type LeaveOutcome } from './classic-heartbeat.ts';
import { joinClassicGroup, toClassicJoin } from './classic-join.ts';
import { groupFromRecord, groupMetadataTombstone, type GroupMetadataKey, type GroupMetadataValue } from './classic-records.ts';
import { ClassicRebalancer, joinError, type ClassicGroupSettings } from './classic-rebalance.ts';
import { syncClassicGroup, syncError } from './classic-sync.ts';
import type { ClassicRequestContext, JoinGroupResponse, SyncGroupResponse } from './classic-types.ts';

/** Kafka's fixed limit on how long a new member's first JoinGroup may wait (GroupCoordinatorConfig). */
const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export function classicSettingsFrom(config: GroupConfig): ClassicGroupSettings {
  return {
    minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
    maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
    initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
    maxSize: config.groupMaxSize,
    newMemberJoinTimeoutMs: NEW_MEMBER_JOIN_TIMEOUT_MS,
  };
}

export interface ClassicGroupManagerOptions {
  /** Randomness for member ids (tests pass a deterministic one). */
  readonly randomUuid?: () => string;
}

/**
 * The classic group protocol of one coordinator shard: JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup and DescribeGroups over the shard's groups, GroupMetadata records written and
 * replayed. Every operation returns `{ records, response }` for the coordinator runtime.
 */
export class ClassicGroupManager {
  readonly #context: ShardContext;
  readonly #groups: Map<string, Group>;
  readonly #rebalancer: ClassicRebalancer;

  constructor(context: ShardContext, groups: Map<string, Group>, _offsets?: unknown, options: ClassicGroupManagerOptions = {}) {
    this.#context = context;
    this.#groups = groups;
    this.#rebalancer = new ClassicRebalancer({
      time: context.time,
      timer: context.timer,
      logger: context.logger,
      settings: classicSettingsFrom(context.config),
      groups,
      randomUuid: options.randomUuid ?? randomUUID,
    });
  }

  /** The classic group `groupId`, if there is one. */
  classicGroup(groupId: string): ClassicGroup | undefined {
    return this.#rebalancer.classicGroup(groupId);
  }

  joinGroup(request: JoinGroupRequest, context: ClassicRequestContext): CoordinatorResult<JoinGroupResponse> {
    const failed = this.#rebalancer.failUnreplayedAppends();
    const settings = this.#rebalancer.env.settings;
    let result: CoordinatorResult<JoinGroupResponse>;
    if (request.groupId === '') {
      result = { records: [], response: joinError(request.memberId, ErrorCode.INVALID_GROUP_ID) };
    } else if (request.sessionTimeoutMs < settings.minSessionTimeoutMs || request.sessionTimeoutMs > settings.maxSessionTimeoutMs) {
      result = { records: [], response: joinError(request.memberId, ErrorCode.INVALID_SESSION_TIMEOUT) };
    } else {
      if (request.reason) this.#context.logger.debug({ groupId: request.groupId, memberId: request.memberId, reason: request.reason }, 'JoinGroup');
      result = joinClassicGroup(this.#rebalancer, toClassicJoin(request, context));
    }
    return withRecords(failed, result);
  }

  syncGroup(request: SyncGroupRequest, _context?: ClassicRequestContext): CoordinatorResult<SyncGroupResponse> {
    const failed = this.#rebalancer.failUnreplayedAppends();
    if (request.groupId === '') return withRecords(failed, { records: [], response: syncError(ErrorCode.INVALID_GROUP_ID) });
    return withRecords(failed, syncClassicGroup(this.#rebalancer, request));
  }

  /** Throws KafkaError (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID, ...) for the handler to answer with. */
  heartbeat(request: HeartbeatRequest, _context?: ClassicRequestContext): CoordinatorResult<HeartbeatResponse> {
    const failed = this.#rebalancer.failUnreplayedAppends();
    if (request.groupId === '') return withRecords(failed, { records: [], response: { errorCode: ErrorCode.INVALID_GROUP_ID } });
    return withRecords(failed, heartbeatClassicGroup(this.#rebalancer, request));
  }

  /** LeaveGroup for `members` (v0-2 requests carry one); throws UNKNOWN_MEMBER_ID when the group is not there. */
  leaveGroup(groupId: string, members: readonly LeaveGroupRequestMemberIdentity[]): CoordinatorResult<LeaveOutcome> {
    const failed = this.#rebalancer.failUnreplayedAppends();
    if (groupId === '') return withRecords(failed, { records: [], response: { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] } });
    return withRecords(failed, leaveClassicGroup(this.#rebalancer, groupId, members));
  }

  /**
   * DescribeGroups as Kafka answers it: a classic group with its members (their metadata only when
   * Stable); any other id, including a KIP-848 group, is described as Dead with no error.
   */
  describeGroups(groupIds: readonly string[]): DescribeGroupsResponseDescribedGroup[] {
    return groupIds.map((groupId) => {
      const group = this.classicGroup(groupId);
      if (group === undefined) {
        return { errorCode: ErrorCode.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
      }
      const stable = group.isInState('Stable') && group.protocolName !== null;
      return {
        errorCode: ErrorCode.NONE,
        groupId,
        groupState: group.state,
        protocolType: group.protocolType(),
        protocolData: stable ? group.protocolName! : '',
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: stable ? m.metadata(group.protocolName!) : Buffer.alloc(0),
          memberAssignment: m.assignment,
        })),
      };
    });
  }

  /**
   * The group offsets are committed to: the existing group of either kind, or a new simple
   * classic group (Empty, no protocol, no records) as Kafka creates for simple consumers and admins.
   */
  getOrCreateSimpleGroup(groupId: string): Group {
    const existing = this.#groups.get(groupId);
    if (existing !== undefined) return existing;
    const group = new ClassicGroup({ groupId, state: 'Empty', now: this.#context.time.now() });
    this.#groups.set(groupId, group);
    return group;
  }

  /** The tombstone that deletes classic group `groupId` once replayed; none when there is no such group. */
  deleteGroup(groupId: string): CoordinatorRecord[] {
    return this.classicGroup(groupId) === undefined ? [] : [groupMetadataTombstone(groupId)];
  }

  /** The shard's name for deleteGroup (DeleteGroups, offset expiry). */
  groupTombstones(groupId: string): CoordinatorRecord[] {
    return this.deleteGroup(groupId);
  }

  /** A member's offset commit counts as a heartbeat while the group is Stable or PreparingRebalance, as in Kafka. */
  onOffsetCommit(groupId: string, memberId: string): void {
    const group = this.classicGroup(groupId);
    const member = memberId === '' ? undefined : group?.member(memberId);
    if (group === undefined || member === undefined) return;
    if (group.isInState('Stable') || group.isInState('PreparingRebalance')) this.#rebalancer.rescheduleHeartbeat(group, member);
  }

  /**
   * A GroupMetadata record (type 2). A record this manager wrote runs its follow-up (Kafka's append
   * future); any other rebuilds the group as loading does. A tombstone removes the group.
   */
  replay(type: number, key: unknown, value: unknown | null): void {
    if (type !== RecordType.GROUP_METADATA) return;
    const groupId = (key as GroupMetadataKey).group;
    if (value === null) {
      const group = this.classicGroup(groupId);
      if (group !== undefined) {
        this.#markDead(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
        this.#groups.delete(groupId);
      }
      return;
    }
    if (this.#rebalancer.takePendingAppend(groupId)) return;
    this.#groups.set(groupId, groupFromRecord(groupId, value as GroupMetadataValue, this.#context.time.now()));
  }

  /** After loading: members get session deadlines again (they may be gone), and an oversized group rebalances. */
  onLoaded(): void {
    const maxSize = this.#rebalancer.env.settings.maxSize;
    for (const group of this.#groups.values()) {
      if (!(group instanceof ClassicGroup)) continue;
      this.#context.logger.info({ groupId: group.groupId, members: group.numMembers() }, 'loaded classic group');
      for (const member of group.members.values()) this.#rebalancer.rescheduleHeartbeat(group, member);
      if (group.numMembers() > maxSize) {
        // No member awaits a join right after loading, so this only schedules the join phase's end.
        this.#rebalancer.prepareRebalance(group, `loaded group has ${group.numMembers()} members, over group.max.size ${maxSize}`);
      }
    }
  }

  /** The partition moved away: every group is Dead here, and parked requests are told NOT_COORDINATOR. */
  onUnloaded(): void {
    for (const group of this.#groups.values()) if (group instanceof ClassicGroup) this.#markDead(group, ErrorCode.NOT_COORDINATOR);
  }

  #markDead(group: ClassicGroup, errorCode: number): void {
    const previous = group.state;
    group.transitionTo('Dead', this.#context.time.now());
    for (const member of group.members.values()) {
      if (previous === 'PreparingRebalance') group.completeJoin(member, joinError(member.memberId, errorCode));
      if (previous === 'CompletingRebalance' || previous === 'Stable') member.completeSync(syncError(errorCode));
    }
  }
}

function withRecords<T>(before: readonly CoordinatorRecord[], result: CoordinatorResult<T>): CoordinatorResult<T> {
  return before.length === 0 ? result : { records: [...before, ...result.records], response: result.response };
}
