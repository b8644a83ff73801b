import { stopReplicaRequest, stopReplicaResponse } from '../../protocol/generated/stop-replica.ts';
import type { StopReplicaRequest } from '../../protocol/generated/stop-replica.ts';
import { KafkaError, ErrorCode } from '../../protocol/errors.ts';
import { authorizationFailed, authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';
import { checkBrokerEpoch } from './leader-and-isr.ts';
import type { StopReplicaPartition } from '../replica/replica-state-changes.ts';

/** Kafka's LeaderAndIsr.NoEpoch: versions before 3 carry no leader epoch, which is then not checked. */
const NO_EPOCH = -1;

/**
 * StopReplica (controller to broker): stop replicating partitions, and delete them when the topic
 * is deleted or the replica moved away (ReplicaManager.stopReplicas). Stale broker and controller
 * epochs are refused for the whole request, as LeaderAndIsr.
 * Only a broker may send it: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED (Kafka's
 * authorizeClusterOperation), checked before anything else.
 */
export const stopReplicaHandler = defineHandler({
  request: stopReplicaRequest,
  response: stopReplicaResponse,
  minVersion: 0,
  maxVersion: 4,
  async handle(request, context) {
    const partitions = partitionsOf(request);
    const { replicaManager } = context.broker;
    let errorCode: number = ErrorCode.NONE;
    let errors = new Map<string, number>();
    try {
      if (!authorizeCluster(context, 'CLUSTER_ACTION')) throw authorizationFailed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      checkBrokerEpoch(request.brokerEpoch, replicaManager.options.brokerEpoch?.());
      errors = await replicaManager.stopReplicas(request.controllerEpoch, partitions);
    } catch (error) {
      if (!(error instanceof KafkaError)) throw error;
      context.broker.logger.warn({ controllerId: request.controllerId, controllerEpoch: request.controllerEpoch, reason: error.message }, 'StopReplica refused');
      errorCode = error.code;
    }
    return {
      errorCode,
      partitionErrors: partitions.map((stop) => ({
        topicName: stop.topic,
        partitionIndex: stop.partition,
        errorCode: errorCode !== ErrorCode.NONE ? errorCode : errors.get(`${stop.topic}-${stop.partition}`) ?? ErrorCode.NONE,
      })),
    };
  },
});

function partitionsOf(request: StopReplicaRequest): StopReplicaPartition[] {
  const deletePartition = request.deletePartitions ?? false;
  const v0 = (request.ungroupedPartitions ?? []).map((p) => ({ topic: p.topicName, partition: p.partitionIndex, leaderEpoch: NO_EPOCH, deletePartition }));
  const v1 = (request.topics ?? []).flatMap((topic) =>
    topic.partitionIndexes.map((partition) => ({ topic: topic.name, partition, leaderEpoch: NO_EPOCH, deletePartition })));
  const v3 = (request.topicStates ?? []).flatMap((topic) =>
    topic.partitionStates.map((state) => ({ topic: topic.topicName, partition: state.partitionIndex, leaderEpoch: state.leaderEpoch, deletePartition: state.deletePartition })));
  return [...v0, ...v1, ...v3];
}
