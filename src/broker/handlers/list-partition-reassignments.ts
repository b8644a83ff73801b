import { listPartitionReassignmentsRequest, listPartitionReassignmentsResponse } from '../../protocol/generated/list-partition-reassignments.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { authorizationFailed, authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';

/**
 * ListPartitionReassignments (KIP-455): the moves in progress, answered by the active controller
 * alone (a single node has none). As Kafka, DESCRIBE on the cluster.
 */
export const listPartitionReassignmentsHandler = defineHandler({
  request: listPartitionReassignmentsRequest,
  response: listPartitionReassignmentsResponse,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context) {
    const controller = context.broker.controller;
    if (!authorizeCluster(context, 'DESCRIBE')) {
      // Kafka's getErrorResponse: the error, and the partitions asked for with nothing about them.
      const { code: errorCode, message: errorMessage } = authorizationFailed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      const topics = (request.topics ?? []).map((t) => ({
        name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, replicas: [], addingReplicas: [], removingReplicas: [] })),
      }));
      return { throttleTimeMs: 0, errorCode, errorMessage, topics };
    }
    // A single node never reassigns: nothing is in progress.
    if (controller === undefined) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] };
    if (!controller.isActive) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, topics: [] };
    return controller.listPartitionReassignments(request);
  },
});
