import { deleteGroupsRequest, deleteGroupsResponse } from '../../protocol/generated/delete-groups.ts';
import type { DeleteGroupsResponse } from '../../protocol/generated/delete-groups.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { coordinatorErrorCode } from '../coordinator/runtime/operation-error.ts';
import { authorizedNames } from '../security/authorize.ts';
import { defineHandler } from './handler.ts';

/**
 * DeleteGroups v0-2: one write operation per __consumer_offsets partition, deleting the empty
 * groups there (their offsets' tombstones, then the group's). GROUP_ID_NOT_FOUND and
 * NON_EMPTY_GROUP are per group; a partition's failure answers each of its groups. Each group needs
 * DELETE, as Kafka checks (GROUP_AUTHORIZATION_FAILED for that group).
 */
export const deleteGroupsHandler = defineHandler({
  request: deleteGroupsRequest,
  response: deleteGroupsResponse,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, context): Promise<DeleteGroupsResponse> {
    const { broker } = context;
    const coordinator = broker.groupCoordinator;
    const errors = new Map<string, number>();
    // As Kafka, DELETE on each group; the others are answered GROUP_AUTHORIZATION_FAILED unasked.
    const deletable = authorizedNames(context, 'DELETE', 'GROUP', request.groupsNames);
    const byPartition = new Map<number, string[]>();
    for (const groupId of request.groupsNames) {
      if (!deletable.has(groupId)) {
        errors.set(groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED);
        continue;
      }
      const partition = coordinator.partitionFor(groupId);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), groupId]);
    }
    await Promise.all([...byPartition].map(async ([partition, groupIds]) => {
      try {
        const results = await coordinator.runtime.scheduleWriteOperation('delete-groups', partition, (shard) => shard.deleteGroups(groupIds));
        for (const result of results) errors.set(result.groupId, result.errorCode);
      } catch (error) {
        const errorCode = coordinatorErrorCode(error, broker.logger, 'delete-groups');
        for (const groupId of groupIds) errors.set(groupId, errorCode);
      }
    }));
    const results = [...new Set(request.groupsNames)].map((groupId) => ({ groupId, errorCode: errors.get(groupId) ?? ErrorCode.UNKNOWN_SERVER_ERROR }));
    return { throttleTimeMs: 0, results };
  },
});
