import { leaveGroupRequest, leaveGroupResponse } from '../../protocol/generated/leave-group.ts';
import type { LeaveGroupRequestMemberIdentity, LeaveGroupResponse, LeaveGroupResponseMemberResponse } from '../../protocol/generated/leave-group.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { coordinatorErrorCode } from '../coordinator/runtime/operation-error.ts';
import { authorize } from '../security/authorize.ts';
import { defineHandler } from './handler.ts';

/**
 * LeaveGroup v0-5: one member (v0-2) or a batch with a result each (v3+). Before v3 the answer has
 * one error code: the group's, or else the first member's (Kafka's LeaveGroupResponse). Leaving
 * needs READ on the group, as Kafka checks (GROUP_AUTHORIZATION_FAILED for the whole request).
 */
export const leaveGroupHandler = defineHandler({
  request: leaveGroupRequest,
  response: leaveGroupResponse,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, context): Promise<LeaveGroupResponse> {
    const coordinator = context.broker.groupCoordinator;
    if (!authorize(context, 'READ', 'GROUP', request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    const leaving: LeaveGroupRequestMemberIdentity[] = context.apiVersion >= 3
      ? (request.members ?? [])
      : [{ memberId: request.memberId ?? '', groupInstanceId: null, reason: null }];
    let errorCode: number = ErrorCode.NONE;
    let members: LeaveGroupResponseMemberResponse[];
    try {
      const outcome = await coordinator.runtime.scheduleWriteOperation('classic-group-leave', coordinator.partitionFor(request.groupId),
        (shard) => shard.classic.leaveGroup(request.groupId, leaving));
      errorCode = outcome.errorCode;
      members = outcome.members;
    } catch (error) {
      const code = coordinatorErrorCode(error, context.broker.logger, 'classic-group-leave');
      // No such group: every member is unknown to it.
      if (code === ErrorCode.UNKNOWN_MEMBER_ID) {
        members = leaving.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: code }));
      } else {
        errorCode = code;
        members = [];
      }
    }
    if (context.apiVersion < 3) {
      const first = members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
      return { throttleTimeMs: 0, errorCode: errorCode !== ErrorCode.NONE ? errorCode : first };
    }
    return { throttleTimeMs: 0, errorCode, members };
  },
});
