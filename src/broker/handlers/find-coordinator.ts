import { findCoordinatorRequest, findCoordinatorResponse } from '../../protocol/generated/find-coordinator.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { defineHandler } from './handler.ts';

/**
 * FindCoordinator. librdkafka switches LZ4 and its group coordinator off unless FindCoordinator v0
 * is advertised, so it is served from the start; until the group and transaction coordinators exist
 * every key answers COORDINATOR_NOT_AVAILABLE (retriable), which is what Kafka says while a
 * coordinator is not yet there.
 */
export const findCoordinatorHandler = defineHandler({
  request: findCoordinatorRequest,
  response: findCoordinatorResponse,
  minVersion: 0,
  maxVersion: 6,
  handle(request, context) {
    const errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const errorMessage = 'The coordinator is not available.';
    if (context.apiVersion < 4) {
      return { throttleTimeMs: 0, errorCode, errorMessage, nodeId: -1, host: '', port: -1, coordinators: [] };
    }
    const coordinators = (request.coordinatorKeys ?? []).map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage }));
    return { throttleTimeMs: 0, coordinators };
  },
});
