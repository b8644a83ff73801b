import { electLeadersRequest, electLeadersResponse } from '../../protocol/generated/elect-leaders.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { authorizationFailed, authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';
import { SingleNodeController } from './single-node-controller.ts';

/**
 * ElectLeaders (KIP-460): PREFERRED or UNCLEAN elections for the named partitions, or for all.
 * Only the active controller elects; any other broker answers NOT_CONTROLLER (from v1, which has
 * the top-level error code; a v0 client learns it per partition, as Kafka answers it). A single
 * node answers as a one-broker cluster: every leader is elected already. As Kafka, ALTER on the
 * cluster (else CLUSTER_AUTHORIZATION_FAILED at the top and for every partition named).
 */
export const electLeadersHandler = defineHandler({
  request: electLeadersRequest,
  response: electLeadersResponse,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, context) {
    const { controller, nodeId, metadata } = context.broker;
    if (!authorizeCluster(context, 'ALTER')) {
      const { code: errorCode, message: errorMessage } = authorizationFailed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      const replicaElectionResults = (request.topicPartitions ?? []).map(({ topic, partitions }) => ({
        topic, partitionResult: partitions.map((partitionId) => ({ partitionId, errorCode, errorMessage })),
      }));
      return { throttleTimeMs: 0, errorCode, replicaElectionResults };
    }
    if (controller === undefined) {
      const single = new SingleNodeController(metadata, nodeId);
      const replicaElectionResults = (request.topicPartitions ?? single.allPartitions()).map(({ topic, partitions }) => ({
        topic, partitionResult: partitions.map((partitionId) => ({ partitionId, ...single.electLeader(topic, partitionId) })),
      }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults };
    }
    if (controller.isActive) return controller.electLeaders(request);
    const replicaElectionResults = (request.topicPartitions ?? []).map(({ topic, partitions }) => ({
      topic,
      partitionResult: partitions.map((partitionId) => ({ partitionId, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null })),
    }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, replicaElectionResults };
  },
});
