import { leaderAndIsrRequest, leaderAndIsrResponse } from '../../protocol/generated/leader-and-isr.ts';
import type { LeaderAndIsrRequest, LeaderAndIsrResponse } from '../../protocol/generated/leader-and-isr.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import { authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler, type RequestContext } from './handler.ts';
import type { LeaderAndIsrPartition } from '../replica/replica-state-changes.ts';

/** LeaderAndIsr v5 names topics by id in the response. */
const FIRST_TOPIC_ID_RESPONSE_VERSION = 5;

/**
 * LeaderAndIsr (controller to broker, ZooKeeper mode): the leader, ISR and epochs the controller
 * decided for partitions this broker replicates (ReplicaManager.becomeLeaderOrFollower). A request
 * for an earlier life of this broker (broker epoch, v2+) is STALE_BROKER_EPOCH, one from an older
 * controller STALE_CONTROLLER_EPOCH, both for every partition as Kafka answers.
 * Only a broker may send it: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED (Kafka's
 * authorizeClusterOperation), checked before anything else.
 */
export const leaderAndIsrHandler = defineHandler({
  request: leaderAndIsrRequest,
  response: leaderAndIsrResponse,
  // Kafka 3.x brokers serve 0-7; Samsa's controller sends 2+ (partitions grouped by topic).
  minVersion: 0,
  maxVersion: 7,
  async handle(request, context) {
    const partitionStates = statesOf(request);
    const { replicaManager, metadata } = context.broker;
    if (!authorizeCluster(context, 'CLUSTER_ACTION')) {
      return response(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, partitionStates, () => ErrorCode.CLUSTER_AUTHORIZATION_FAILED, context);
    }
    try {
      checkBrokerEpoch(request.brokerEpoch, replicaManager.options.brokerEpoch?.());
      // A partition's log opens with its topic's overrides, which the UpdateMetadata that names the
      // topic may not have brought yet: read them first (Kafka's broker reads /config/topics too).
      await Promise.all([...new Set(partitionStates.map((state) => state.topic))].map((topic) => metadata.topicConfigs(topic)));
      const errors = replicaManager.becomeLeaderOrFollower({
        controllerId: request.controllerId,
        controllerEpoch: request.controllerEpoch,
        partitionStates,
        liveLeaders: request.liveLeaders.map((leader) => ({ brokerId: leader.brokerId, host: leader.hostName, port: leader.port })),
      });
      return response(ErrorCode.NONE, partitionStates, (state) => errors.get(`${state.topic}-${state.partition}`) ?? ErrorCode.NONE, context);
    } catch (error) {
      if (!(error instanceof KafkaError)) throw error;
      context.broker.logger.warn({ controllerId: request.controllerId, controllerEpoch: request.controllerEpoch, reason: error.message }, 'LeaderAndIsr refused');
      return response(error.code, partitionStates, () => error.code, context);
    }
  },
});

/** Kafka's isBrokerEpochStale: -1 (not sent) passes; an epoch below this broker's registration is for an earlier life. */
export function checkBrokerEpoch(requested: bigint | undefined, current: bigint | undefined): void {
  if (requested === undefined || requested === -1n || current === undefined || requested >= current) return;
  throw new KafkaError(ErrorCode.STALE_BROKER_EPOCH, `broker epoch ${requested} is older than this broker's ${current}`);
}

function statesOf(request: LeaderAndIsrRequest): LeaderAndIsrPartition[] {
  const grouped = (request.topicStates ?? []).flatMap((topic) =>
    topic.partitionStates.map((state) => ({ ...state, topicName: topic.topicName, topicId: topic.topicId })));
  const ungrouped = (request.ungroupedPartitionStates ?? []).map((state) => ({ ...state, topicId: undefined }));
  return [...ungrouped, ...grouped].map((state) => ({
    topic: state.topicName ?? '',
    partition: state.partitionIndex,
    topicId: state.topicId === undefined || state.topicId === ZERO_UUID ? undefined : state.topicId,
    leader: state.leader,
    leaderEpoch: state.leaderEpoch,
    isr: state.isr,
    partitionEpoch: state.partitionEpoch,
    replicas: state.replicas,
    isNew: state.isNew ?? false,
  }));
}

function response(
  errorCode: number,
  states: readonly LeaderAndIsrPartition[],
  errorOf: (state: LeaderAndIsrPartition) => number,
  context: RequestContext,
): LeaderAndIsrResponse {
  if (context.apiVersion < FIRST_TOPIC_ID_RESPONSE_VERSION) {
    return { errorCode, partitionErrors: states.map((state) => ({ topicName: state.topic, partitionIndex: state.partition, errorCode: errorOf(state) })) };
  }
  const topics = new Map<string, { topicId: string; partitionErrors: { partitionIndex: number; errorCode: number }[] }>();
  for (const state of states) {
    let topic = topics.get(state.topic);
    if (topic === undefined) topics.set(state.topic, (topic = { topicId: state.topicId ?? ZERO_UUID, partitionErrors: [] }));
    topic.partitionErrors.push({ partitionIndex: state.partition, errorCode: errorOf(state) });
  }
  return { errorCode, topics: [...topics.values()] };
}
