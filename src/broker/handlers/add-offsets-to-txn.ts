import { addOffsetsToTxnRequest, addOffsetsToTxnResponse } from '../../protocol/generated/add-offsets-to-txn.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../coordinator/group/group-coordinator.ts';
import { authorize } from '../security/authorize.ts';
import { defineHandler } from './handler.ts';

/**
 * AddOffsetsToTxn (all versions): the group's __consumer_offsets partition joins the transaction,
 * so the offsets a TxnOffsetCommit writes there are committed or dropped with it. Always transaction
 * version 1: a version 2 client adds that partition through TxnOffsetCommit instead.
 */
export const addOffsetsToTxnHandler = defineHandler({
  request: addOffsetsToTxnRequest,
  response: addOffsetsToTxnResponse,
  minVersion: 0,
  maxVersion: 4,
  async handle(request, context) {
    const { broker } = context;
    // As Kafka: WRITE on the transactional id, then READ on the group.
    if (!authorize(context, 'WRITE', 'TRANSACTIONAL_ID', request.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    if (!authorize(context, 'READ', 'GROUP', request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const partition = { topic: GROUP_METADATA_TOPIC_NAME, partition: broker.groupCoordinator.partitionFor(request.groupId) };
    const code = await broker.transactionCoordinator.handleAddPartitionsToTransaction(
      request.transactionalId, request.producerId, request.producerEpoch, [partition], 0);
    // Clients before v2 do not know PRODUCER_FENCED; Kafka answers them the older INVALID_PRODUCER_EPOCH.
    const errorCode = context.apiVersion < 2 && code === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : code;
    return { throttleTimeMs: 0, errorCode };
  },
});
