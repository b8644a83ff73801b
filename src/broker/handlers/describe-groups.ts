import { describeGroupsRequest, describeGroupsResponse } from '../../protocol/generated/describe-groups.ts';
import type { DescribeGroupsResponse, DescribeGroupsResponseDescribedGroup } from '../../protocol/generated/describe-groups.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { coordinatorErrorCode } from '../coordinator/runtime/operation-error.ts';
import { authorizedOperations } from '../security/authorized-operations.ts';
import { authorizedNames } from '../security/authorize.ts';
import { defineHandler } from './handler.ts';

/**
 * DescribeGroups v0-5, as Kafka's group coordinator answers it: classic groups with their members
 * (metadata and assignment bytes, the metadata only once Stable); an unknown id, or a KIP-848
 * group, is described as Dead with no error. Ids are grouped by their __consumer_offsets partition.
 */
export const describeGroupsHandler = defineHandler({
  request: describeGroupsRequest,
  response: describeGroupsResponse,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, context): Promise<DescribeGroupsResponse> {
    const coordinator = context.broker.groupCoordinator;
    // As Kafka, DESCRIBE on each group; the others are answered GROUP_AUTHORIZATION_FAILED unasked.
    const describable = authorizedNames(context, 'DESCRIBE', 'GROUP', request.groups);
    const described = new Map<string, DescribeGroupsResponseDescribedGroup>();
    const byPartition = new Map<number, string[]>();
    for (const groupId of request.groups) {
      if (!describable.has(groupId)) {
        described.set(groupId, { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, groupState: '', protocolType: '', protocolData: '', members: [] });
        continue;
      }
      const partition = coordinator.partitionFor(groupId);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), groupId]);
    }
    for (const [partition, groupIds] of byPartition) {
      try {
        const groups = await coordinator.runtime.scheduleReadOperation('describe-groups', partition, (shard) => shard.classic.describeGroups(groupIds));
        for (const group of groups) described.set(group.groupId, group);
      } catch (error) {
        const errorCode = coordinatorErrorCode(error, context.broker.logger, 'describe-groups');
        for (const groupId of groupIds) described.set(groupId, { errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [] });
      }
    }
    const includeOperations = context.apiVersion >= 3 && request.includeAuthorizedOperations === true;
    const groups = request.groups.map((groupId) => {
      const group = described.get(groupId)!;
      if (context.apiVersion < 3) return group;
      return { ...group, authorizedOperations: authorizedOperations(context, 'GROUP', groupId, includeOperations && group.errorCode === ErrorCode.NONE) };
    });
    return { throttleTimeMs: 0, groups };
  },
});
