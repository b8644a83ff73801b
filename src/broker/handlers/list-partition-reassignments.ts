import { listPartitionReassignmentsRequest, listPartitionReassignmentsResponse } from '../../protocol/generated/list-partition-reassignments.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { defineHandler } from './handler.ts';

/** ListPartitionReassignments (KIP-455): the moves in progress, answered by the active controller alone. */
export const listPartitionReassignmentsHandler = defineHandler({
  request: listPartitionReassignmentsRequest,
  response: listPartitionReassignmentsResponse,
  minVersion: 0,
  maxVersion: 0,
  clusterOnly: true,
  async handle(request, context) {
    const controller = context.broker.controller;
    if (controller === undefined || !controller.isActive) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, topics: [] };
    return controller.listPartitionReassignments(request);
  },
});
