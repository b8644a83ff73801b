import {
  addPartitionsToTxnRequest, addPartitionsToTxnResponse, type AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  type AddPartitionsToTxnResponse, type AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '../../protocol/generated/add-partitions-to-txn.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { isInternalTopic } from '../cluster/topic-names.ts';
import type { TopicPartition } from '../coordinator/txn/transaction-metadata.ts';
import { authorize } from '../security/authorize.ts';
import { authorizeCluster, TopicAuthorization } from '../security/request-authorization.ts';
import { defineHandler, type RequestContext } from './handler.ts';

interface TransactionToAdd {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly verifyOnly: boolean;
  readonly topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[];
}

/**
 * AddPartitionsToTxn (Kafka's handleAddPartitionsToTxnRequest). Versions 0-3 come from clients: one
 * transaction, one error for all its partitions. Versions 4+ come from partition leaders (KIP-890)
 * and batch transactions: with verifyOnly, whether each partition is already in the transaction
 * (nothing is added); without, the partitions are added for a transaction version 2 producer.
 *
 * A transaction naming a partition that does not exist, or (from a client) an internal topic, adds
 * nothing: those partitions get their error, the others OPERATION_NOT_ATTEMPTED. Authorization as
 * Kafka: a client needs WRITE on the transactional id and each topic (TRANSACTIONAL_ID_ and
 * TOPIC_AUTHORIZATION_FAILED), a leader (v4+) CLUSTER_ACTION (CLUSTER_AUTHORIZATION_FAILED).
 */
export const addPartitionsToTxnHandler = defineHandler({
  request: addPartitionsToTxnRequest,
  response: addPartitionsToTxnResponse,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, context): Promise<AddPartitionsToTxnResponse> {
    if (context.apiVersion < 4) {
      const topicResults = await addToTransaction({
        transactionalId: request.v3AndBelowTransactionalId ?? '', producerId: request.v3AndBelowProducerId ?? -1n,
        producerEpoch: request.v3AndBelowProducerEpoch ?? -1, verifyOnly: false, topics: request.v3AndBelowTopics ?? [],
      }, context);
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: topicResults };
    }
    // v4+ comes from partition leaders only: CLUSTER_ACTION, else the whole request is refused.
    if (!authorizeCluster(context, 'CLUSTER_ACTION')) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [] };
    const resultsByTransaction = await Promise.all((request.transactions ?? []).map(async (transaction) => ({
      transactionalId: transaction.transactionalId, topicResults: await addToTransaction(transaction, context),
    })));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
  },
});

async function addToTransaction(transaction: TransactionToAdd, context: RequestContext): Promise<AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[]> {
  const { broker, apiVersion } = context;
  const partitions: TopicPartition[] = transaction.topics.flatMap((topic) => topic.partitions.map((partition) => ({ topic: topic.name, partition })));
  const fromClient = apiVersion < 4;
  // A client needs WRITE on the transactional id (else every partition says so) and on each topic.
  if (fromClient && !authorize(context, 'WRITE', 'TRANSACTIONAL_ID', transaction.transactionalId)) {
    return resultsByTopic(partitions, partitions.map(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
  }
  const writable = fromClient ? TopicAuthorization.of(context, 'WRITE', partitions.map((tp) => tp.topic)) : TopicAuthorization.all();
  const refused = new Map<TopicPartition, number>();
  for (const tp of partitions) {
    // Kafka leaves internal topics out of a client's authorized ones.
    if ((fromClient && isInternalTopic(tp.topic)) || !writable.allows(tp.topic)) refused.set(tp, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    else if (broker.cluster.partitionLeadership(tp.topic, tp.partition) === undefined) refused.set(tp, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  let codes: number[];
  if (refused.size > 0) {
    codes = partitions.map((tp) => refused.get(tp) ?? ErrorCode.OPERATION_NOT_ATTEMPTED);
  } else if (transaction.verifyOnly) {
    codes = await broker.transactionCoordinator.handleVerifyPartitionsInTransaction(
      transaction.transactionalId, transaction.producerId, transaction.producerEpoch, partitions);
  } else {
    // v4+ without verifyOnly: a leader adding for a transaction version 2 producer.
    const code = await broker.transactionCoordinator.handleAddPartitionsToTransaction(
      transaction.transactionalId, transaction.producerId, transaction.producerEpoch, partitions, apiVersion > 3 ? 2 : 0);
    // Clients before v2 do not know PRODUCER_FENCED; Kafka answers them the older INVALID_PRODUCER_EPOCH.
    codes = partitions.map(() => (apiVersion < 2 && code === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : code));
  }
  return resultsByTopic(partitions, codes);
}

function resultsByTopic(partitions: readonly TopicPartition[], codes: readonly number[]): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[] {
  const byTopic = new Map<string, AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult>();
  partitions.forEach((tp, i) => {
    const result = byTopic.get(tp.topic) ?? { name: tp.topic, resultsByPartition: [] };
    result.resultsByPartition.push({ partitionIndex: tp.partition, partitionErrorCode: codes[i]! });
    byTopic.set(tp.topic, result);
  });
  return [...byTopic.values()];
}
