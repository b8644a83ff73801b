import { writeTxnMarkersRequest, writeTxnMarkersResponse } from '../../protocol/generated/write-txn-markers.ts';
import type {
  WriteTxnMarkersRequestWritableTxnMarker,
  WriteTxnMarkersResponseWritableTxnMarkerPartitionResult,
  WriteTxnMarkersResponseWritableTxnMarkerResult,
} from '../../protocol/generated/write-txn-markers.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { buildEndTransactionMarker } from '../../protocol/records/control-record.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../coordinator/group/group-coordinator.ts';
import { authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler, type RequestContext } from './handler.ts';
import { errorAnswer } from './error-code.ts';

/**
 * WriteTxnMarkers (Kafka's handleWriteTxnMarkersRequest): a transaction coordinator, or an admin
 * aborting a hanging transaction, has each partition's leader append the COMMIT or ABORT control
 * batch of a producer. It is appended as the coordinator's (only that origin may write control
 * batches) with acks=all, and answered once the in-sync replicas hold it, so a marker the
 * coordinator counts as written survives a failover. For a __consumer_offsets partition the group
 * coordinator writes the marker itself, committing or dropping the transaction's offsets in the
 * same step. Errors are per partition: the coordinator retries the retriable ones. Nothing is
 * written without ALTER or CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED everywhere).
 */
export const writeTxnMarkersHandler = defineHandler({
  request: writeTxnMarkersRequest,
  response: writeTxnMarkersResponse,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, context) {
    // As Kafka: ALTER on the cluster (an admin aborting a hanging transaction), or else CLUSTER_ACTION (a coordinator).
    if (!authorizeCluster(context, 'ALTER', false) && !authorizeCluster(context, 'CLUSTER_ACTION')) {
      const errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return { markers: request.markers.map((marker) => ({
        producerId: marker.producerId,
        topics: marker.topics.map((topic) => ({ name: topic.name, partitions: topic.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })) })),
      })) };
    }
    const markers = await Promise.all(request.markers.map((marker) => writeMarker(marker, context)));
    return { markers };
  },
});

async function writeMarker(marker: WriteTxnMarkersRequestWritableTxnMarker, context: RequestContext): Promise<WriteTxnMarkersResponseWritableTxnMarkerResult> {
  const topics = await Promise.all(marker.topics.map(async (topic) => {
    const partitions = await Promise.all(topic.partitionIndexes.map((index) => writePartitionMarker(marker, topic.name, index, context)));
    return { name: topic.name, partitions };
  }));
  return { producerId: marker.producerId, topics };
}

async function writePartitionMarker(
  marker: WriteTxnMarkersRequestWritableTxnMarker,
  topic: string,
  index: number,
  context: RequestContext,
): Promise<WriteTxnMarkersResponseWritableTxnMarkerPartitionResult> {
  const { broker } = context;
  try {
    const known = broker.metadata.topic(topic);
    if (known === undefined || index < 0 || index >= known.partitionCount) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unknown partition ${topic}-${index}`);
    if (topic === GROUP_METADATA_TOPIC_NAME) {
      await broker.groupCoordinator.completeTransaction(index, marker.producerId, marker.producerEpoch, marker.coordinatorEpoch, marker.transactionResult);
      return { partitionIndex: index, errorCode: ErrorCode.NONE };
    }
    const batch = buildEndTransactionMarker({
      type: marker.transactionResult ? 1 : 0,
      coordinatorEpoch: marker.coordinatorEpoch,
      producerId: Number(marker.producerId),
      producerEpoch: marker.producerEpoch,
      timestamp: broker.time.now(),
    });
    const { completion } = broker.replicaManager.appendRecords(topic, index, batch, -1, broker.config.requestTimeoutMs, { origin: 'coordinator' });
    await completion;
    return { partitionIndex: index, errorCode: ErrorCode.NONE };
  } catch (error) {
    return { partitionIndex: index, errorCode: errorAnswer(error, context).errorCode };
  }
}
