import { alterPartitionReassignmentsRequest, alterPartitionReassignmentsResponse } from '../../protocol/generated/alter-partition-reassignments.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { defineHandler } from './handler.ts';

/**
 * AlterPartitionReassignments (KIP-455): start moving partitions to new replicas, or cancel a move
 * (null replicas). As in Kafka's ZooKeeper mode only the active controller answers; any other
 * broker answers NOT_CONTROLLER, and the admin client asks the controller Metadata names.
 */
export const alterPartitionReassignmentsHandler = defineHandler({
  request: alterPartitionReassignmentsRequest,
  response: alterPartitionReassignmentsResponse,
  minVersion: 0,
  maxVersion: 0,
  clusterOnly: true,
  async handle(request, context) {
    const controller = context.broker.controller;
    if (controller === undefined || !controller.isActive) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, responses: [] };
    return controller.alterPartitionReassignments(request);
  },
});
