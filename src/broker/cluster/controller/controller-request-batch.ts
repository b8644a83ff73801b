import type {
  LeaderAndIsrRequest, LeaderAndIsrRequestLeaderAndIsrPartitionState, LeaderAndIsrRequestLeaderAndIsrTopicState,
} from '../../../protocol/generated/leader-and-isr.ts';
import type { StopReplicaRequest, StopReplicaResponse } from '../../../protocol/generated/stop-replica.ts';
import type {
  UpdateMetadataRequest, UpdateMetadataRequestUpdateMetadataBroker, UpdateMetadataRequestUpdateMetadataTopicState,
} from '../../../protocol/generated/update-metadata.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import type { Logger } from '../../logger.ts';
import type { LiveBroker } from '../live-brokers.ts';
import { InterBrokerApis } from '../inter-broker-apis.ts';
import type { ControllerChannelManager } from './controller-channel-manager.ts';
import { interBrokerEndpointOf, partitionKey, type ControllerContext, type TopicPartition } from './controller-context.ts';

/** Kafka's LeaderAndIsr.LeaderDuringDelete: UpdateMetadata's mark of a topic being deleted. */
export const LEADER_DURING_DELETE = -2;
/** Kafka's LeaderAndIsr.EpochDuringDelete: StopReplica's leader epoch when the replica is deleted. */
export const EPOCH_DURING_DELETE = -2;

const SECURITY_PROTOCOL_IDS: Readonly<Record<string, number>> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };

interface StopReplicaEntry extends TopicPartition {
  readonly deletePartition: boolean;
}

/**
 * The requests one controller step sends (Kafka's ControllerBrokerRequestBatch): partitions are
 * added broker by broker while the step decides, and send() turns them into one LeaderAndIsr, one
 * UpdateMetadata and one StopReplica per broker, in that order, with the partition states as the
 * context holds them at that moment (after the step's writes). Every partition named in a
 * LeaderAndIsr also goes to every live broker in an UpdateMetadata, so Metadata answers follow.
 */
export class ControllerRequestBatch {
  readonly #context: ControllerContext;
  readonly #channel: ControllerChannelManager;
  readonly #controllerId: number;
  readonly #interBrokerListener: string | null;
  readonly #logger: Logger;
  readonly #leaderAndIsr = new Map<number, Map<string, TopicPartition & { isNew: boolean }>>();
  readonly #updateMetadataBrokers = new Set<number>();
  readonly #updateMetadataPartitions = new Map<string, TopicPartition>();
  readonly #stopReplica = new Map<number, Map<string, StopReplicaEntry>>();

  constructor(options: {
    context: ControllerContext; channel: ControllerChannelManager; controllerId: number; interBrokerListener: string | null; logger: Logger;
  }) {
    this.#context = options.context;
    this.#channel = options.channel;
    this.#controllerId = options.controllerId;
    this.#interBrokerListener = options.interBrokerListener;
    this.#logger = options.logger;
  }

  addLeaderAndIsr(brokerIds: Iterable<number>, topic: string, partition: number, isNew = false): void {
    for (const brokerId of brokerIds) {
      if (!this.#context.liveBrokers.has(brokerId)) continue;
      let entries = this.#leaderAndIsr.get(brokerId);
      if (entries === undefined) this.#leaderAndIsr.set(brokerId, entries = new Map());
      const key = partitionKey(topic, partition);
      entries.set(key, { topic, partition, isNew: isNew || (entries.get(key)?.isNew ?? false) });
    }
    this.addUpdateMetadata(this.#context.liveBrokers.keys(), [{ topic, partition }]);
  }

  /** UpdateMetadata for `partitions` to `brokerIds` (with the live brokers, also when `partitions` is empty). */
  addUpdateMetadata(brokerIds: Iterable<number>, partitions: Iterable<TopicPartition>): void {
    for (const brokerId of brokerIds) if (this.#context.liveBrokers.has(brokerId)) this.#updateMetadataBrokers.add(brokerId);
    for (const tp of partitions) this.#updateMetadataPartitions.set(partitionKey(tp.topic, tp.partition), tp);
  }

  addStopReplica(brokerIds: Iterable<number>, topic: string, partition: number, deletePartition: boolean): void {
    for (const brokerId of brokerIds) {
      if (!this.#context.liveBrokers.has(brokerId)) continue;
      let entries = this.#stopReplica.get(brokerId);
      if (entries === undefined) this.#stopReplica.set(brokerId, entries = new Map());
      entries.set(partitionKey(topic, partition), { topic, partition, deletePartition });
    }
  }

  get isEmpty(): boolean {
    return this.#leaderAndIsr.size + this.#updateMetadataBrokers.size + this.#stopReplica.size === 0;
  }

  /** Queues the requests on the brokers' channels and empties the batch. */
  send(onStopReplicaResponse?: (brokerId: number, response: StopReplicaResponse) => void): void {
    for (const [brokerId, entries] of this.#leaderAndIsr) {
      const request = this.#leaderAndIsrRequest(brokerId, [...entries.values()]);
      if (request !== undefined) this.#channel.send(brokerId, InterBrokerApis.LeaderAndIsr, request, (response) => this.#logErrors('LeaderAndIsr', brokerId, response));
    }
    if (this.#updateMetadataBrokers.size > 0) {
      const partitions = [...this.#updateMetadataPartitions.values()];
      for (const brokerId of this.#updateMetadataBrokers) {
        this.#channel.send(brokerId, InterBrokerApis.UpdateMetadata, this.#updateMetadataRequest(brokerId, partitions), (response) => {
          if (response.errorCode !== ErrorCode.NONE) this.#logger.warn({ brokerId, errorCode: response.errorCode }, 'a broker refused UpdateMetadata');
        });
      }
    }
    for (const [brokerId, entries] of this.#stopReplica) {
      this.#channel.send(brokerId, InterBrokerApis.StopReplica, this.#stopReplicaRequest(brokerId, [...entries.values()]), (response) => {
        this.#logErrors('StopReplica', brokerId, response);
        onStopReplicaResponse?.(brokerId, response);
      });
    }
    this.#leaderAndIsr.clear();
    this.#updateMetadataBrokers.clear();
    this.#updateMetadataPartitions.clear();
    this.#stopReplica.clear();
  }

  #brokerEpoch(brokerId: number): bigint {
    return this.#context.liveBrokers.get(brokerId)?.brokerEpoch ?? -1n;
  }

  #leaderAndIsrRequest(brokerId: number, entries: readonly (TopicPartition & { isNew: boolean })[]): LeaderAndIsrRequest | undefined {
    const topics = new Map<string, LeaderAndIsrRequestLeaderAndIsrTopicState>();
    const leaders = new Set<number>();
    for (const { topic, partition, isNew } of entries) {
      const state = this.#context.state(topic, partition);
      const info = this.#context.topics.get(topic);
      if (state === undefined || info === undefined) continue;
      const assignment = this.#context.fullAssignment(topic, partition);
      let topicState = topics.get(topic);
      if (topicState === undefined) topics.set(topic, topicState = { topicName: topic, topicId: info.topicId, partitionStates: [] });
      const partitionState: LeaderAndIsrRequestLeaderAndIsrPartitionState = {
        partitionIndex: partition,
        controllerEpoch: state.controllerEpoch,
        leader: state.leader,
        leaderEpoch: state.leaderEpoch,
        isr: [...state.isr],
        partitionEpoch: state.partitionEpoch,
        replicas: [...assignment.replicas],
        addingReplicas: [...assignment.addingReplicas],
        removingReplicas: [...assignment.removingReplicas],
        isNew,
        leaderRecoveryState: state.leaderRecoveryState,
      };
      topicState.partitionStates.push(partitionState);
      if (state.leader >= 0) leaders.add(state.leader);
    }
    if (topics.size === 0) return undefined;
    const liveLeaders = [...leaders].flatMap((leader) => {
      const registration = this.#context.liveBrokers.get(leader)?.registration;
      const endpoint = registration === undefined ? undefined : interBrokerEndpointOf(registration, this.#interBrokerListener);
      return endpoint === undefined ? [] : [{ brokerId: leader, hostName: endpoint.host, port: endpoint.port }];
    });
    return {
      controllerId: this.#controllerId,
      isKRaftController: false,
      controllerEpoch: this.#context.epoch,
      brokerEpoch: this.#brokerEpoch(brokerId),
      type: 0,
      topicStates: [...topics.values()],
      liveLeaders,
    };
  }

  #updateMetadataRequest(brokerId: number, partitions: readonly TopicPartition[]): UpdateMetadataRequest {
    const topics = new Map<string, UpdateMetadataRequestUpdateMetadataTopicState>();
    for (const { topic, partition } of partitions) {
      const state = this.#context.state(topic, partition);
      const info = this.#context.topics.get(topic);
      if (state === undefined || info === undefined) continue;
      const replicas = this.#context.replicas(topic, partition);
      let topicState = topics.get(topic);
      if (topicState === undefined) topics.set(topic, topicState = { topicName: topic, topicId: info.topicId, partitionStates: [] });
      topicState.partitionStates.push({
        partitionIndex: partition,
        controllerEpoch: state.controllerEpoch,
        leader: this.#context.topicsToBeDeleted.has(topic) ? LEADER_DURING_DELETE : state.leader,
        leaderEpoch: state.leaderEpoch,
        isr: [...state.isr],
        zkVersion: state.partitionEpoch,
        replicas: [...replicas],
        offlineReplicas: replicas.filter((id) => !this.#context.liveBrokers.has(id)),
      });
    }
    return {
      controllerId: this.#controllerId,
      isKRaftController: false,
      type: 0,
      controllerEpoch: this.#context.epoch,
      brokerEpoch: this.#brokerEpoch(brokerId),
      topicStates: [...topics.values()],
      liveBrokers: [...this.#context.liveBrokers.values()].sort((a, b) => a.registration.brokerId - b.registration.brokerId).map(toUpdateMetadataBroker),
    };
  }

  #stopReplicaRequest(brokerId: number, entries: readonly StopReplicaEntry[]): StopReplicaRequest {
    const topics = new Map<string, { topicName: string; partitionStates: { partitionIndex: number; leaderEpoch: number; deletePartition: boolean }[] }>();
    for (const { topic, partition, deletePartition } of entries) {
      let topicState = topics.get(topic);
      if (topicState === undefined) topics.set(topic, topicState = { topicName: topic, partitionStates: [] });
      const leaderEpoch = deletePartition ? EPOCH_DURING_DELETE : (this.#context.state(topic, partition)?.leaderEpoch ?? -1);
      topicState.partitionStates.push({ partitionIndex: partition, leaderEpoch, deletePartition });
    }
    return {
      controllerId: this.#controllerId,
      isKRaftController: false,
      controllerEpoch: this.#context.epoch,
      brokerEpoch: this.#brokerEpoch(brokerId),
      topicStates: [...topics.values()],
    };
  }

  #logErrors(api: string, brokerId: number, response: { errorCode: number; partitionErrors?: { errorCode: number }[]; topics?: { partitionErrors: { errorCode: number }[] }[] }): void {
    const partitionErrors = [...(response.partitionErrors ?? []), ...(response.topics ?? []).flatMap((t) => t.partitionErrors)];
    const failed = partitionErrors.filter((e) => e.errorCode !== ErrorCode.NONE);
    if (response.errorCode !== ErrorCode.NONE || failed.length > 0) {
      this.#logger.warn({ brokerId, errorCode: response.errorCode, partitionErrors: failed.slice(0, 10) }, `a broker answered ${api} with errors`);
    }
  }
}

function toUpdateMetadataBroker(broker: LiveBroker): UpdateMetadataRequestUpdateMetadataBroker {
  const { registration } = broker;
  return {
    id: registration.brokerId,
    endpoints: registration.endpoints.map((e) => ({
      port: e.port, host: e.host, listener: e.listenerName, securityProtocol: SECURITY_PROTOCOL_IDS[e.securityProtocol] ?? 0,
    })),
    rack: registration.rack,
  };
}
