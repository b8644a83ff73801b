import type { HeartbeatRequest, HeartbeatResponse } from '../../../protocol/generated/heartbeat.ts';
import type { LeaveGroupRequestMemberIdentity, LeaveGroupResponseMemberResponse } from '../../../protocol/generated/leave-group.ts';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { CoordinatorRecord, CoordinatorResult } from '../runtime/coordinator-runtime.ts';
import type { ClassicRebalancer } from './classic-rebalance.ts';
import { heartbeatKey, UNKNOWN_MEMBER_ID } from './classic-types.ts';

/**
 * Heartbeat (Kafka's classicGroupHeartbeatToClassicGroup): a valid one pushes the member's session
 * deadline back; during a rebalance it also tells the member to rejoin. Throws KafkaError for an
 * unknown group or member, a fenced instance, or a stale generation.
 */
export function heartbeatClassicGroup(r: ClassicRebalancer, request: HeartbeatRequest): CoordinatorResult<HeartbeatResponse> {
  const group = r.classicGroup(request.groupId);
  if (group === undefined) throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, `group ${request.groupId} not found`);
  if (group.isInState('Dead')) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `group ${request.groupId} is dead`);
  group.validateMember(request.memberId, request.groupInstanceId);
  if (request.generationId !== group.generationId) {
    throw new KafkaError(ErrorCode.ILLEGAL_GENERATION, `generation ${request.generationId} is not ${group.generationId}`);
  }
  const member = group.member(request.memberId)!;
  switch (group.state) {
    case 'Empty':
      return { records: [], response: { errorCode: ErrorCode.UNKNOWN_MEMBER_ID } };
    case 'PreparingRebalance':
      r.rescheduleHeartbeat(group, member);
      return { records: [], response: { errorCode: ErrorCode.REBALANCE_IN_PROGRESS } };
    default:
      // Clients heartbeat right after their JoinGroup answer, while the group still completes the rebalance.
      r.rescheduleHeartbeat(group, member);
      return { records: [], response: { errorCode: ErrorCode.NONE } };
  }
}

export interface LeaveOutcome {
  /** COORDINATOR_NOT_AVAILABLE for a dead group; NONE otherwise (the members say how each went). */
  readonly errorCode: number;
  readonly members: LeaveGroupResponseMemberResponse[];
}

/**
 * LeaveGroup (Kafka's classicGroupLeaveToClassicGroup): each member leaves or gets its own error;
 * an admin may remove a static member by its group instance id alone. The group then rebalances.
 * Throws UNKNOWN_MEMBER_ID when there is no such classic group.
 */
export function leaveClassicGroup(r: ClassicRebalancer, groupId: string, leaving: readonly LeaveGroupRequestMemberIdentity[]): CoordinatorResult<LeaveOutcome> {
  const group = r.classicGroup(groupId);
  if (group === undefined) throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, `group ${groupId} not found`);
  if (group.isInState('Dead')) return { records: [], response: { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] } };
  const members: LeaveGroupResponseMemberResponse[] = [];
  const left: string[] = [];
  for (const identity of leaving) {
    const reason = identity.reason ?? 'not provided';
    const answer = (errorCode: number): void => {
      members.push({ memberId: identity.memberId, groupInstanceId: identity.groupInstanceId, errorCode });
      if (errorCode === ErrorCode.NONE) left.push(identity.memberId);
    };
    if (identity.memberId === UNKNOWN_MEMBER_ID) {
      const staticMemberId = identity.groupInstanceId === null ? undefined : group.staticMemberId(identity.groupInstanceId);
      if (staticMemberId === undefined) {
        answer(ErrorCode.UNKNOWN_MEMBER_ID);
      } else {
        r.removeCurrentMember(group, staticMemberId, reason);
        answer(ErrorCode.NONE);
      }
    } else if (group.isPendingMember(identity.memberId)) {
      group.remove(identity.memberId);
      r.env.timer.cancel(heartbeatKey(groupId, identity.memberId));
      r.logger.info({ groupId, memberId: identity.memberId, reason }, 'pending member left the group');
      answer(ErrorCode.NONE);
    } else {
      try {
        group.validateMember(identity.memberId, identity.groupInstanceId);
        r.removeCurrentMember(group, identity.memberId, reason);
        answer(ErrorCode.NONE);
      } catch (error) {
        if (!(error instanceof KafkaError)) throw error;
        answer(error.code);
      }
    }
  }
  let records: CoordinatorRecord[] = [];
  if (left.length > 0) {
    const reason = `explicit LeaveGroup request for (${left.join(', ')}) members`;
    if (group.isInState('Stable') || group.isInState('CompletingRebalance')) records = r.maybePrepareRebalanceOrCompleteJoin(group, reason);
    else if (group.isInState('PreparingRebalance')) records = r.maybeCompleteJoinPhase(group);
  }
  return { records, response: { errorCode: ErrorCode.NONE, members } };
}
