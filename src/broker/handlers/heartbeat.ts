import { heartbeatRequest, heartbeatResponse } from '../../protocol/generated/heartbeat.ts';
import type { HeartbeatResponse } from '../../protocol/generated/heartbeat.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { coordinatorErrorCode } from '../coordinator/runtime/operation-error.ts';
import { authorize } from '../security/authorize.ts';
import { defineHandler } from './handler.ts';
import { classicRequestContext } from './join-group.ts';

/** Heartbeat v0-4 for classic group members, who need READ on the group, as Kafka checks. */
export const heartbeatHandler = defineHandler({
  request: heartbeatRequest,
  response: heartbeatResponse,
  minVersion: 0,
  maxVersion: 4,
  async handle(request, context): Promise<HeartbeatResponse> {
    const coordinator = context.broker.groupCoordinator;
    if (!authorize(context, 'READ', 'GROUP', request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    try {
      const response = await coordinator.runtime.scheduleWriteOperation('classic-group-heartbeat', coordinator.partitionFor(request.groupId),
        (shard) => shard.classic.heartbeat(request, classicRequestContext(context)));
      return { throttleTimeMs: 0, errorCode: response.errorCode };
    } catch (error) {
      const errorCode = coordinatorErrorCode(error, context.broker.logger, 'classic-group-heartbeat');
      // A coordinator still loading the group answers heartbeats blindly, as Kafka does: the member is not failed for it.
      return { throttleTimeMs: 0, errorCode: errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.NONE : errorCode };
    }
  },
});
