import { ErrorCode } from '../../protocol/errors.ts';
import { txnOffsetCommitRequest, txnOffsetCommitResponse } from '../../protocol/generated/txn-offset-commit.ts';
import type { TxnOffsetCommitResponse } from '../../protocol/generated/txn-offset-commit.ts';
import { everyPartitionFailed, knownPartitions, partitionKey } from './commit-partitions.ts';
import { authorize } from '../security/authorize.ts';
import { TopicAuthorization } from '../security/request-authorization.ts';
import { coordinatorErrorCode } from '../coordinator/runtime/operation-error.ts';
import { defineHandler, type RequestContext } from './handler.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../coordinator/group/group-coordinator.ts';
import { TransactionVerifier, type TransactionalProducer } from '../replica/transaction-verification.ts';

/**
 * TxnOffsetCommit v0-4: a transactional producer commits a group's offsets as part of its
 * transaction (sendOffsetsToTransaction). As Kafka's KafkaApis and group coordinator: partitions of
 * topics the cluster does not have answer UNKNOWN_TOPIC_OR_PARTITION; the rest are written in one
 * transactional batch of the producer on the group's __consumer_offsets partition, where they stay
 * pending (invisible to OffsetFetch) until the transaction coordinator's WriteTxnMarkers commits or
 * aborts them. A group-level failure (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
 * NOT_COORDINATOR, a fenced producer epoch...) answers each partition.
 */
/**
 * KIP-890, as Kafka 3.8+: before the batch that opens the producer's transaction on the group's
 * __consumer_offsets partition, the transaction coordinator confirms the partition is in it
 * (AddOffsetsToTxn put it there), so a late TxnOffsetCommit of an ended transaction cannot open one
 * that nobody will end. The append is refused unless this happened (replicaManagerCoordinatorLog).
 */
async function verifyOffsetsPartition(transactionalId: string, index: number, producer: TransactionalProducer, context: RequestContext): Promise<void> {
  const { broker } = context;
  const verifier = broker.config.transactionPartitionVerificationEnable ? broker.transactionVerifier : undefined;
  if (verifier === undefined) return;
  const partition = broker.replicaManager.leaderPartition(GROUP_METADATA_TOPIC_NAME, index);
  // TxnOffsetCommit v5 (not served) would know TRANSACTION_ABORTABLE.
  if (TransactionVerifier.needed(partition, producer)) await verifier.verify(transactionalId, partition, producer, false);
}

export const txnOffsetCommitHandler = defineHandler({
  request: txnOffsetCommitRequest,
  response: txnOffsetCommitResponse,
  minVersion: 0,
  maxVersion: 4,
  async handle(request, context): Promise<TxnOffsetCommitResponse> {
    const { broker, apiVersion } = context;
    // As Kafka: WRITE on the transactional id, then READ on the group, for the whole request; READ on each topic.
    if (!authorize(context, 'WRITE', 'TRANSACTIONAL_ID', request.transactionalId)) return everyPartitionFailed(request.topics, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (!authorize(context, 'READ', 'GROUP', request.groupId)) return everyPartitionFailed(request.topics, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const errors = new Map<string, number>();
    const readable = TopicAuthorization.of(context, 'READ', request.topics.map((topic) => topic.name));
    const known = knownPartitions(request.topics, broker.metadata, errors, readable);
    const failAll = (errorCode: number) => {
      for (const topic of known) for (const p of topic.partitions) errors.set(partitionKey(topic.name, p.partitionIndex), errorCode);
    };
    if (known.length > 0 && request.groupId === '') {
      failAll(ErrorCode.INVALID_GROUP_ID);
    } else if (known.length > 0) {
      const coordinator = broker.groupCoordinator;
      const offsetsPartition = coordinator.partitionFor(request.groupId);
      try {
        await verifyOffsetsPartition(request.transactionalId, offsetsPartition, { producerId: Number(request.producerId), producerEpoch: request.producerEpoch }, context);
        const topics = await coordinator.runtime.scheduleTransactionalWriteOperation('txn-commit-offset', offsetsPartition,
          request.producerId, request.producerEpoch, (shard) => shard.offsets.commitTransactionalOffset({ ...request, topics: known }, apiVersion));
        for (const topic of topics) for (const p of topic.partitions) errors.set(partitionKey(topic.name, p.partitionIndex), p.errorCode);
      } catch (error) {
        failAll(coordinatorErrorCode(error, broker.logger, 'txn-commit-offset'));
      }
    }
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((p) => {
          const errorCode = errors.get(partitionKey(topic.name, p.partitionIndex)) ?? ErrorCode.UNKNOWN_SERVER_ERROR;
          // Producers before 2.0 (v0-1) fail on COORDINATOR_LOAD_IN_PROGRESS (KAFKA-7296): Kafka answers them NOT_AVAILABLE.
          const compatible = apiVersion < 2 && errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.COORDINATOR_NOT_AVAILABLE : errorCode;
          return { partitionIndex: p.partitionIndex, errorCode: compatible };
        }),
      })),
    };
  },
});
