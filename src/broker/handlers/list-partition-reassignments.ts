import { listPartitionReassignmentsRequest, listPartitionReassignmentsResponse } from '../../protocol/generated/list-partition-reassignments.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { defineHandler } from './handler.ts';

/** ListPartitionReassignments (KIP-455): the moves in progress, answered by the active controller alone (a single node has none). */
export const listPartitionReassignmentsHandler = defineHandler({
  request: listPartitionReassignmentsRequest,
  response: listPartitionReassignmentsResponse,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context) {
    const controller = context.broker.controller;
    // A single node never reassigns: nothing is in progress.
    if (controller === undefined) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] };
    if (!controller.isActive) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, topics: [] };
    return controller.listPartitionReassignments(request);
  },
});
