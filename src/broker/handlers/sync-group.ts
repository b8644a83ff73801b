import { syncGroupRequest, syncGroupResponse } from '../../protocol/generated/sync-group.ts';
import type { SyncGroupResponse } from '../../protocol/generated/sync-group.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { coordinatorErrorCode } from '../coordinator/runtime/operation-error.ts';
import { authorize } from '../security/authorize.ts';
import { defineHandler } from './handler.ts';
import { classicRequestContext } from './join-group.ts';

/**
 * SyncGroup v0-5: followers wait for the leader's assignment, which is written before anyone gets
 * theirs. The member needs READ on the group, as Kafka checks (GROUP_AUTHORIZATION_FAILED).
 */
export const syncGroupHandler = defineHandler({
  request: syncGroupRequest,
  response: syncGroupResponse,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, context): Promise<SyncGroupResponse> {
    const coordinator = context.broker.groupCoordinator;
    if (!authorize(context, 'READ', 'GROUP', request.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    }
    try {
      const response = await coordinator.runtime.scheduleWriteOperation('classic-group-sync', coordinator.partitionFor(request.groupId),
        (shard) => shard.classic.syncGroup(request, classicRequestContext(context)));
      return { ...response, throttleTimeMs: 0 };
    } catch (error) {
      const errorCode = coordinatorErrorCode(error, context.broker.logger, 'classic-group-sync');
      return { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    }
  },
});
