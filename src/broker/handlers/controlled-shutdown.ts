import { controlledShutdownRequest, controlledShutdownResponse } from '../../protocol/generated/controlled-shutdown.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';

/**
 * ControlledShutdown: a broker about to stop asks the controller to move its leaderships away.
 * The answer lists the partitions it still leads (no other in-sync replica): the broker asks again
 * (controlled.shutdown.max.retries) or stops anyway. Versions 0 and 1 carry no broker epoch (-1).
 * Only a broker may send it: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED (Kafka's
 * authorizeClusterOperation), checked before anything else.
 */
export const controlledShutdownHandler = defineHandler({
  request: controlledShutdownRequest,
  response: controlledShutdownResponse,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, context) {
    if (!authorizeCluster(context, 'CLUSTER_ACTION')) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, remainingPartitions: [] };
    const controller = context.broker.controller;
    if (controller === undefined || !controller.isActive) return { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] };
    const result = await controller.controlledShutdown(request.brokerId, request.brokerEpoch ?? -1n);
    return {
      errorCode: result.errorCode,
      remainingPartitions: result.remainingPartitions.map(({ topic, partition }) => ({ topicName: topic, partitionIndex: partition })),
    };
  },
});
