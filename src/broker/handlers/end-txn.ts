import { endTxnRequest, endTxnResponse, type EndTxnResponse } from '../../protocol/generated/end-txn.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { authorize } from '../security/authorize.ts';
import { defineHandler } from './handler.ts';

/**
 * EndTxn (all versions): commit or abort. Answered once the PrepareCommit / PrepareAbort is
 * durable; the markers and the Complete state follow. v5+ is transaction version 2 (KIP-890): the
 * epoch is bumped at every end, and the answer names the producer id and epoch to go on with.
 */
export const endTxnHandler = defineHandler({
  request: endTxnRequest,
  response: endTxnResponse,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, context): Promise<EndTxnResponse> {
    // As Kafka: WRITE on the transactional id.
    if (!authorize(context, 'WRITE', 'TRANSACTIONAL_ID', request.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    const transactionVersion = context.apiVersion > 4 ? 2 : 0;
    const result = await context.broker.transactionCoordinator.handleEndTransaction(
      request.transactionalId, request.producerId, request.producerEpoch, request.committed, transactionVersion);
    // Clients before v2 do not know PRODUCER_FENCED; Kafka answers them the older INVALID_PRODUCER_EPOCH.
    const errorCode = context.apiVersion < 2 && result.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : result.errorCode;
    return { throttleTimeMs: 0, errorCode, producerId: result.producerId, producerEpoch: result.producerEpoch };
  },
});
