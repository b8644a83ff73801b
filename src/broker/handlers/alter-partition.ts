import { alterPartitionRequest, alterPartitionResponse } from '../../protocol/generated/alter-partition.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';

/**
 * AlterPartition: a partition leader proposes an ISR change to the controller. Only the active
 * controller answers it (the checks are KafkaController's); any other broker, and a single node
 * without ZooKeeper, answers NOT_CONTROLLER, which the sender's channel retries elsewhere.
 * Only a broker may send it: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED (Kafka's
 * authorizeClusterOperation), checked before anything else.
 */
export const alterPartitionHandler = defineHandler({
  request: alterPartitionRequest,
  response: alterPartitionResponse,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, context) {
    if (!authorizeCluster(context, 'CLUSTER_ACTION')) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, topics: [] };
    const controller = context.broker.controller;
    if (controller === undefined || !controller.isActive) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] };
    return controller.alterPartition(request, context.apiVersion);
  },
});
