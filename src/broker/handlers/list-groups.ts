import { listGroupsRequest, listGroupsResponse } from '../../protocol/generated/list-groups.ts';
import type { ListGroupsResponse, ListGroupsResponseListedGroup } from '../../protocol/generated/list-groups.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { coordinatorErrorCode } from '../coordinator/runtime/operation-error.ts';
import { authorizeCluster, partitionByAuthorized } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';

/**
 * ListGroups v0-5: the groups of every __consumer_offsets partition this broker hosts; states
 * filter v4+, types filter v5+. A partition still loading makes the answer
 * COORDINATOR_LOAD_IN_PROGRESS (the client retries); one not hosted is skipped. As Kafka, a principal
 * without DESCRIBE on the cluster sees only the groups it may describe.
 */
export const listGroupsHandler = defineHandler({
  request: listGroupsRequest,
  response: listGroupsResponse,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, context): Promise<ListGroupsResponse> {
    const { broker } = context;
    const coordinator = broker.groupCoordinator;
    const states = context.apiVersion >= 4 ? (request.statesFilter ?? []) : [];
    const types = context.apiVersion >= 5 ? (request.typesFilter ?? []) : [];
    const groups: ListGroupsResponseListedGroup[] = [];
    for (let partition = 0; partition < coordinator.numPartitions(); partition++) {
      if (!coordinator.hostsPartition(partition)) continue;
      try {
        groups.push(...await coordinator.runtime.scheduleReadOperation('list-groups', partition, (shard) => shard.listGroups(states, types)));
      } catch (error) {
        if (error instanceof KafkaError && error.code === ErrorCode.NOT_COORDINATOR) continue;
        return { throttleTimeMs: 0, errorCode: coordinatorErrorCode(error, broker.logger, 'list-groups'), groups: [] };
      }
    }
    // As Kafka: DESCRIBE on the cluster lists every group, else only the groups the principal may describe.
    if (authorizeCluster(context, 'DESCRIBE', false)) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
    const { authorized } = partitionByAuthorized(context, 'DESCRIBE', 'GROUP', groups, (group) => group.groupId, false);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: authorized };
  },
});
