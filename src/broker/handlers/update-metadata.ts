import { updateMetadataRequest, updateMetadataResponse } from '../../protocol/generated/update-metadata.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { partitionStates } from '../cluster/metadata-cache.ts';
import { deleteStrayReplicas } from '../replica/replica-state-changes.ts';
import { authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';

/**
 * UpdateMetadata: the controller tells every broker the live brokers and the partitions' leaders
 * and ISRs, which Metadata, DescribeCluster and FindCoordinator answer from (Kafka's
 * handleUpdateMetadataRequest). A request meant for an earlier life of this broker (an older broker
 * epoch) is STALE_BROKER_EPOCH; one from a deposed controller STALE_CONTROLLER_EPOCH. Partitions of
 * deleted topics leave the cache, and the group coordinator forgets their committed offsets. Logs
 * of partitions whose replicas no longer include this broker are strays, and are deleted.
 * Only a broker may send it: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED (Kafka's
 * authorizeClusterOperation), checked before anything else.
 */
export const updateMetadataHandler = defineHandler({
  request: updateMetadataRequest,
  response: updateMetadataResponse,
  minVersion: 0,
  maxVersion: 8,
  clusterOnly: true,
  async handle(request, context) {
    const { broker } = context;
    if (!authorizeCluster(context, 'CLUSTER_ACTION')) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED };
    const cache = broker.metadataCache;
    if (cache === undefined) return { errorCode: ErrorCode.NOT_CONTROLLER };
    const brokerEpoch = request.brokerEpoch ?? -1n;
    if (brokerEpoch !== -1n && brokerEpoch < broker.brokerEpoch) {
      broker.logger.info({ brokerEpoch: String(brokerEpoch), current: String(broker.brokerEpoch) }, 'UpdateMetadata for an earlier broker epoch refused');
      return { errorCode: ErrorCode.STALE_BROKER_EPOCH };
    }
    const { errorCode, deleted } = cache.update(request);
    if (errorCode !== ErrorCode.NONE) {
      broker.logger.warn({ controllerId: request.controllerId, controllerEpoch: request.controllerEpoch, newest: cache.controllerEpoch }, 'UpdateMetadata from a deposed controller refused');
      return { errorCode };
    }
    if (deleted.length > 0) await broker.groupCoordinator.onPartitionsDeleted(deleted);
    deleteStrayReplicas(broker.replicaManager, [...partitionStates(request)].map(({ topic, state }) => ({ topic, partition: state.partitionIndex, replicas: state.replicas })));
    return { errorCode: ErrorCode.NONE };
  },
});
