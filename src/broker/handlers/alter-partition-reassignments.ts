import { alterPartitionReassignmentsRequest, alterPartitionReassignmentsResponse } from '../../protocol/generated/alter-partition-reassignments.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { authorizationFailed, authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';
import { SingleNodeController } from './single-node-controller.ts';

/**
 * AlterPartitionReassignments (KIP-455): start moving partitions to new replicas, or cancel a move
 * (null replicas). As in Kafka's ZooKeeper mode only the active controller answers; any other
 * broker answers NOT_CONTROLLER, and the admin client asks the controller Metadata names. A single
 * node answers as a one-broker cluster (single-node-controller.ts). As Kafka, ALTER on the cluster.
 */
export const alterPartitionReassignmentsHandler = defineHandler({
  request: alterPartitionReassignmentsRequest,
  response: alterPartitionReassignmentsResponse,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context) {
    const { controller, nodeId, metadata } = context.broker;
    if (!authorizeCluster(context, 'ALTER')) {
      // Kafka's getErrorResponse: the error at the top and on every partition.
      const { code: errorCode, message: errorMessage } = authorizationFailed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      const responses = request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode, errorMessage })) }));
      return { throttleTimeMs: 0, errorCode, errorMessage, responses };
    }
    if (controller === undefined) {
      const single = new SingleNodeController(metadata, nodeId);
      const responses = request.topics.map((t) => ({
        name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, ...single.alterReassignment(t.name, p.partitionIndex, p.replicas) })),
      }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses };
    }
    if (!controller.isActive) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, responses: [] };
    return controller.alterPartitionReassignments(request);
  },
});
