import { initProducerIdRequest, initProducerIdResponse, type InitProducerIdResponse } from '../../protocol/generated/init-producer-id.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { ProducerIdManager } from '../coordinator/txn/producer-id-manager.ts';
import { errorAnswer } from './error-code.ts';
import { authorize, authorizeByResourceType } from '../security/authorize.ts';
import { authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler, type RequestContext } from './handler.ts';

/** RecordBatch.NO_PRODUCER_ID and NO_PRODUCER_EPOCH: what a request without them carries, and a failed answer. */
const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;

/**
 * InitProducerId (all versions; flexible from v2). Without a transactional id it makes an
 * idempotent producer: a fresh producer id at epoch 0 (initIdempotentProducer). With one, the
 * transaction coordinator of that id answers it (fencing older epochs, aborting what they left
 * open): NOT_COORDINATOR when this broker is not it.
 * v3+ (KIP-360) may name the producer id and epoch the client had, to keep its id across a
 * re-initialisation: both or neither, else INVALID_REQUEST, as Kafka's KafkaApis checks.
 */
export const initProducerIdHandler = defineHandler({
  request: initProducerIdRequest,
  response: initProducerIdResponse,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, context): Promise<InitProducerIdResponse> {
    // As Kafka: WRITE on the transactional id; without one, IDEMPOTENT_WRITE on the cluster or WRITE on some topic (KIP-679).
    if (request.transactionalId !== null) {
      if (!authorize(context, 'WRITE', 'TRANSACTIONAL_ID', request.transactionalId)) return failedInitProducerId(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    } else if (!authorizeCluster(context, 'IDEMPOTENT_WRITE', false) && !authorizeByResourceType(context, 'WRITE', 'TOPIC')) {
      return failedInitProducerId(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    }
    const producerId = request.producerId ?? NO_PRODUCER_ID;
    const producerEpoch = request.producerEpoch ?? NO_PRODUCER_EPOCH;
    if ((producerId === NO_PRODUCER_ID) !== (producerEpoch === NO_PRODUCER_EPOCH)) return failedInitProducerId(ErrorCode.INVALID_REQUEST);
    const result = request.transactionalId === null
      ? await initIdempotentProducer(context.broker.producerIdManager, context)
      : await initTransactionalProducer(request.transactionalId, request.transactionTimeoutMs, producerId, producerEpoch, context);
    // Clients before v4 do not know PRODUCER_FENCED; Kafka answers them the older INVALID_PRODUCER_EPOCH.
    if (context.apiVersion < 4 && result.errorCode === ErrorCode.PRODUCER_FENCED) return { ...result, errorCode: ErrorCode.INVALID_PRODUCER_EPOCH };
    return result;
  },
});

/** A transactional producer's InitProducerId: its transactional id's coordinator answers (TransactionCoordinator.handleInitProducerId). */
async function initTransactionalProducer(
  transactionalId: string, transactionTimeoutMs: number, producerId: bigint, producerEpoch: number, context: RequestContext,
): Promise<InitProducerIdResponse> {
  const expected = producerId === NO_PRODUCER_ID ? undefined : { producerId, producerEpoch };
  const result = await context.broker.transactionCoordinator.handleInitProducerId(transactionalId, transactionTimeoutMs, expected);
  return { throttleTimeMs: 0, ...result };
}

/**
 * An idempotent (non-transactional) producer's InitProducerId, as Kafka's
 * TransactionCoordinator.handleInitProducerId answers a null transactional id: always a new
 * producer id at epoch 0, whatever id and epoch the request names (a producer without a
 * transactional id has no state to keep, so KIP-360's re-initialisation simply starts afresh), and
 * the transaction timeout ignored. No id available yet is COORDINATOR_LOAD_IN_PROGRESS (retriable).
 */
export async function initIdempotentProducer(producerIdManager: ProducerIdManager, context: RequestContext): Promise<InitProducerIdResponse> {
  try {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: await producerIdManager.generateProducerId(), producerEpoch: 0 };
  } catch (error) {
    return failedInitProducerId(errorAnswer(error, context).errorCode);
  }
}

export function failedInitProducerId(errorCode: number): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}
