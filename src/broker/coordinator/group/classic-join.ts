import type { JoinGroupRequest } from '../../../protocol/generated/join-group.ts';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { CoordinatorRecord, CoordinatorResult } from '../runtime/coordinator-runtime.ts';
import { ClassicGroup } from './classic-group.ts';
import { ClassicGroupMember, type ClassicProtocol } from './classic-group-member.ts';
import { emptyGroupMetadataRecord, groupMetadataRecord } from './classic-records.ts';
import { joinError, type ClassicRebalancer } from './classic-rebalance.ts';
import {
  requiresKnownMemberId, supportsSkippingAssignment, UNKNOWN_MEMBER_ID,
  type ClassicRequestContext, type JoinGroupResponse,
} from './classic-types.ts';

type JoinResult = CoordinatorResult<JoinGroupResponse>;

/** A JoinGroup whose checks that need no group (group id, session timeout) already passed. */
export interface ClassicJoin {
  readonly request: JoinGroupRequest;
  readonly context: ClassicRequestContext;
  readonly protocols: readonly ClassicProtocol[];
  /** v0 has no rebalance timeout: the session timeout stands in, as in Kafka. */
  readonly rebalanceTimeoutMs: number;
  readonly reason: string;
}

export function toClassicJoin(request: JoinGroupRequest, context: ClassicRequestContext): ClassicJoin {
  const rebalanceTimeoutMs = request.rebalanceTimeoutMs === undefined || request.rebalanceTimeoutMs === -1 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs;
  return {
    request,
    context,
    protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
    rebalanceTimeoutMs,
    reason: request.reason ?? 'not provided',
  };
}

/**
 * JoinGroup against a classic group (Kafka's classicGroupJoinToClassicGroup). An unknown member
 * may create the group; the answer is parked until the join phase completes, or given at once.
 */
export function joinClassicGroup(r: ClassicRebalancer, join: ClassicJoin): JoinResult {
  const { request } = join;
  const isUnknownMember = request.memberId === UNKNOWN_MEMBER_ID;
  const existing = r.env.groups.get(request.groupId);
  if (existing !== undefined && !(existing instanceof ClassicGroup)) {
    // A KIP-848 group: classic members joining it are not supported here.
    return immediate(joinError(request.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  }
  if (existing === undefined && !isUnknownMember) return immediate(joinError(request.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
  const isNewGroup = existing === undefined;
  let group = existing;
  if (group === undefined) {
    group = new ClassicGroup({ groupId: request.groupId, state: 'Empty', now: r.now() });
    r.env.groups.set(group.groupId, group);
  }

  let result: JoinResult;
  if (!acceptJoiningMember(r, group, request.memberId)) {
    group.remove(request.memberId);
    result = immediate(joinError(UNKNOWN_MEMBER_ID, ErrorCode.GROUP_MAX_SIZE_REACHED));
  } else if (isUnknownMember) {
    result = joinNewMember(r, group, join);
  } else {
    result = joinExistingMember(r, group, join);
  }
  // Kafka writes a new group at once, so it exists in the log even before its first rebalance ends.
  if (isNewGroup && result.records.length === 0) return { records: r.write(group, emptyGroupMetadataRecord(group)), response: result.response };
  return result;
}

function acceptJoiningMember(r: ClassicRebalancer, group: ClassicGroup, memberId: string): boolean {
  const maxSize = r.env.settings.maxSize;
  switch (group.state) {
    case 'Empty':
    case 'Dead':
      return true;
    case 'PreparingRebalance':
      // Counting those who rejoined (not the size) lets a shrunk group.max.size drop the last rejoiners.
      return (group.member(memberId)?.isAwaitingJoin() ?? false) || group.numAwaitingJoin < maxSize;
    case 'CompletingRebalance':
    case 'Stable':
      return group.hasMember(memberId) || group.numMembers() < maxSize;
  }
}

function joinNewMember(r: ClassicRebalancer, group: ClassicGroup, join: ClassicJoin): JoinResult {
  const { request, context } = join;
  if (group.isInState('Dead')) return immediate(joinError(UNKNOWN_MEMBER_ID, ErrorCode.COORDINATOR_NOT_AVAILABLE));
  if (!group.supportsProtocols(request.protocolType, new Set(join.protocols.map((p) => p.name)))) {
    return immediate(joinError(UNKNOWN_MEMBER_ID, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  }
  const groupInstanceId = request.groupInstanceId ?? null;
  const newMemberId = `${groupInstanceId ?? context.clientId}-${r.env.randomUuid()}`;
  if (groupInstanceId !== null) {
    const existingMemberId = group.staticMemberId(groupInstanceId);
    if (existingMemberId !== undefined) {
      r.logger.info({ groupId: group.groupId, groupInstanceId, oldMemberId: existingMemberId, newMemberId }, 'static member rejoined with a new member id; replacing the old one');
      return updateStaticMemberThenRebalanceOrCompleteJoin(r, group, join, existingMemberId, newMemberId);
    }
    return addMemberThenRebalanceOrCompleteJoin(r, group, join, newMemberId);
  }
  if (requiresKnownMemberId(context.apiVersion)) {
    // KIP-394: the member gets its id and must come back with it; until then it is pending.
    group.addPendingMember(newMemberId);
    r.scheduleNewPendingMemberExpiry(group, newMemberId, request.sessionTimeoutMs);
    return immediate(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
  }
  return addMemberThenRebalanceOrCompleteJoin(r, group, join, newMemberId);
}

function joinExistingMember(r: ClassicRebalancer, group: ClassicGroup, join: ClassicJoin): JoinResult {
  const { request } = join;
  const memberId = request.memberId;
  if (group.isInState('Dead')) return immediate(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
  if (!group.supportsProtocols(request.protocolType, new Set(join.protocols.map((p) => p.name)))) {
    return immediate(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  }
  if (group.isPendingMember(memberId)) {
    // Pending members are dynamic; a group instance id here means a confused client.
    if ((request.groupInstanceId ?? null) !== null) return immediate(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    return addMemberThenRebalanceOrCompleteJoin(r, group, join, memberId);
  }
  try {
    group.validateMember(memberId, request.groupInstanceId);
  } catch (error) {
    if (error instanceof KafkaError) return immediate(joinError(memberId, error.code));
    throw error;
  }
  const member = group.member(memberId)!;
  switch (group.state) {
    case 'PreparingRebalance':
      return updateMemberThenRebalanceOrCompleteJoin(r, group, member, join, `member ${memberId} is joining group during PreparingRebalance; client reason: ${join.reason}`);
    case 'CompletingRebalance':
      // Same metadata: probably a retry after a lost JoinGroup answer; give this generation again.
      if (member.matches(join.protocols)) return immediate(group.joinResponse(memberId, group.isLeader(memberId)));
      return updateMemberThenRebalanceOrCompleteJoin(r, group, member, join, `updating metadata for member ${memberId} during CompletingRebalance; client reason: ${join.reason}`);
    case 'Stable':
      // The leader rejoining forces a rebalance: it may have seen changes the metadata does not show (new partitions).
      if (group.isLeader(memberId) || !member.matches(join.protocols)) {
        return updateMemberThenRebalanceOrCompleteJoin(r, group, member, join, `member ${memberId} rejoined a Stable group; client reason: ${join.reason}`);
      }
      return immediate(group.joinResponse(memberId, false));
    default:
      r.logger.warn({ groupId: group.groupId, memberId, state: group.state }, 'rejoining member in an unexpected group state');
      return immediate(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
  }
}

function updateMemberThenRebalanceOrCompleteJoin(r: ClassicRebalancer, group: ClassicGroup, member: ClassicGroupMember, join: ClassicJoin, reason: string): JoinResult {
  const parked = Promise.withResolvers<JoinGroupResponse>();
  group.updateMember(member, join.protocols, join.rebalanceTimeoutMs, join.request.sessionTimeoutMs, parked.resolve);
  return { records: r.maybePrepareRebalanceOrCompleteJoin(group, reason), response: parked.promise };
}

function addMemberThenRebalanceOrCompleteJoin(r: ClassicRebalancer, group: ClassicGroup, join: ClassicJoin, memberId: string): JoinResult {
  const { request, context } = join;
  const member = new ClassicGroupMember({
    memberId,
    groupInstanceId: request.groupInstanceId ?? null,
    clientId: context.clientId,
    clientHost: context.clientHost,
    rebalanceTimeoutMs: join.rebalanceTimeoutMs,
    sessionTimeoutMs: request.sessionTimeoutMs,
    protocolType: request.protocolType,
    supportedProtocols: join.protocols,
  });
  member.isNew = true;
  if (group.isInState('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
  const parked = Promise.withResolvers<JoinGroupResponse>();
  group.add(member, parked.resolve);
  // A parked new member cannot heartbeat, and a client that gave up would leave a ghost behind: its join times out instead.
  r.rescheduleHeartbeat(group, member, r.env.settings.newMemberJoinTimeoutMs);
  const records = r.maybePrepareRebalanceOrCompleteJoin(group, `adding new member ${memberId} with group instance id ${request.groupInstanceId ?? null}; client reason: ${join.reason}`);
  return { records, response: parked.promise };
}

/**
 * A known static member came back with a new member id (Kafka's
 * updateStaticMemberThenRebalanceOrCompleteJoin). In a Stable group whose protocol would not
 * change, the new id simply takes the old one's place: the group is written again and nobody else
 * rebalances. Otherwise the group rebalances.
 */
function updateStaticMemberThenRebalanceOrCompleteJoin(r: ClassicRebalancer, group: ClassicGroup, join: ClassicJoin, oldMemberId: string, newMemberId: string): JoinResult {
  const { request, context } = join;
  const groupInstanceId = request.groupInstanceId!;
  const currentLeader = group.leaderId;
  const newMember = group.replaceStaticMember(groupInstanceId, oldMemberId, newMemberId);
  r.rescheduleHeartbeat(group, newMember);
  const oldProtocols = newMember.supportedProtocols;
  const oldRebalanceTimeoutMs = newMember.rebalanceTimeoutMs;
  const oldSessionTimeoutMs = newMember.sessionTimeoutMs;
  const parked = Promise.withResolvers<JoinGroupResponse>();
  group.updateMember(newMember, join.protocols, join.rebalanceTimeoutMs, request.sessionTimeoutMs, parked.resolve);

  switch (group.state) {
    case 'Stable': {
      if ((group.protocolName ?? '') !== group.selectProtocol()) {
        return { records: r.maybePrepareRebalanceOrCompleteJoin(group, `static member ${newMemberId} (${groupInstanceId}) joined with a change of protocol; client reason: ${join.reason}`), response: parked.promise };
      }
      const generationId = group.generationId;
      const onAppended = (): void => {
        if (supportsSkippingAssignment(context.apiVersion)) {
          // KIP-814: a returning static leader gets the members but must not reassign.
          const isLeader = group.isLeader(newMemberId);
          group.completeJoin(newMember, { ...group.joinResponse(newMemberId, isLeader), skipAssignment: isLeader });
        } else {
          // Older clients are told the old leader id, so a returning leader acts as a follower and keeps its assignment.
          group.completeJoin(newMember, { ...group.joinResponse(newMemberId, false), leader: currentLeader ?? '' });
        }
      };
      const onFailed = (errorCode: number): CoordinatorRecord[] => {
        // Undo the replacement: the old member id is the static member again.
        group.updateMember(newMember, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, null);
        const oldMember = group.replaceStaticMember(groupInstanceId, newMemberId, oldMemberId);
        r.rescheduleHeartbeat(group, oldMember);
        parked.resolve({ ...joinError(UNKNOWN_MEMBER_ID, errorCode), generationId, protocolName: group.protocolName, protocolType: group.protocolTypeOrNull(), leader: currentLeader ?? '' });
        return [];
      };
      r.logger.info({ groupId: group.groupId, groupInstanceId }, 'static member rejoined a Stable group without a protocol change: no rebalance');
      return { records: r.write(group, groupMetadataRecord(group, group.groupAssignment()), onAppended, onFailed), response: parked.promise };
    }
    case 'CompletingRebalance':
      // The leader may already be assigning to the old member id: rebalance so the new id gets its share.
      return { records: r.prepareRebalance(group, `updating metadata for static member ${newMemberId} (${groupInstanceId}); client reason: ${join.reason}`), response: parked.promise };
    case 'PreparingRebalance':
      return { records: r.maybeCompleteJoinPhase(group), response: parked.promise };
    default:
      throw new Error(`group ${group.groupId} in state ${group.state} while static member ${groupInstanceId} rejoins`);
  }
}

function immediate(response: JoinGroupResponse): JoinResult {
  return { records: [], response };
}
