import type { AllocateProducerIdsRequest, AllocateProducerIdsResponse } from '../../../protocol/generated/allocate-producer-ids.ts';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../../../protocol/generated/alter-partition.ts';
import type {
  AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse,
} from '../../../protocol/generated/alter-partition-reassignments.ts';
import type { ElectLeadersRequest, ElectLeadersResponse } from '../../../protocol/generated/elect-leaders.ts';
import type { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../../../protocol/generated/list-partition-reassignments.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import type { StopReplicaResponse } from '../../../protocol/generated/stop-replica.ts';
import type { BrokerConfig } from '../../config.ts';
import type { ControllerStats } from '../../../metrics/controller-stats.ts';
import type { Logger } from '../../logger.ts';
import type { Time } from '../../time.ts';
import { LiveBrokers } from '../live-brokers.ts';
import { decodeTopicAssignment, type TopicAssignment } from '../zookeeper/zk-data.ts';
import { ZkPaths } from '../zookeeper/zk-paths.ts';
import type { Znode, ZooKeeperClient, ZooKeeperWatch } from '../zookeeper/zookeeper-client.ts';
import { processAlterPartition } from './alter-partition-processing.ts';
import { allocateProducerIds } from './producer-id-block-allocation.ts';
import { controlledShutdown, offlinePartitions, onBrokerFailure, onBrokerStartup, type ControlledShutdownResult } from './broker-changes.ts';
import { ControllerChannelManager } from './controller-channel-manager.ts';
import { ControllerContext, interBrokerEndpointOf, type TopicPartition } from './controller-context.ts';
import { ControllerRequestBatch } from './controller-request-batch.ts';
import { ControllerZk, inBatches } from './controller-zk.ts';
import { electOfflinePartitions, initializeNewPartitions, removeReplicasFromIsr, type ControllerStep } from './partition-state-changes.ts';
import { ElectionType, electLeaders, partitionsToRebalance } from './leader-elections.ts';
import { fullAssignments, settledAssignment } from './partition-assignment.ts';
import { alterPartitionReassignment, completeReassignmentsInSync, ongoingReassignments, resumeReassignments } from './partition-reassignment.ts';
import { TopicDeletion } from './topic-deletion.ts';
import { interBrokerListenerName, interBrokerSecurity } from '../../security/inter-broker-security.ts';

export interface ControllerActivationOptions {
  readonly client: ZooKeeperClient;
  readonly brokerId: number;
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly epoch: number;
  readonly epochZkVersion: number;
  readonly time: Time;
  readonly stats?: ControllerStats | undefined;
  /** Puts an event on the controller's queue (watches and broker answers arrive outside it). */
  readonly enqueue: (name: string, task: (activation: ControllerActivation) => Promise<unknown>) => void;
}

const AUTO_REBALANCE_FIRST_DELAY_MS = 5_000;

/**
 * One term of this broker as the active controller, from failover to resignation: its context,
 * its watches, its channels to the brokers. The KafkaController runs its methods as events, one at
 * a time; a resigned activation is closed and sends nothing more.
 */
export class ControllerActivation {
  readonly epoch: number;
  readonly epochZkVersion: number;
  readonly #options: ControllerActivationOptions;
  readonly #logger: Logger;
  readonly #context: ControllerContext;
  readonly #zk: ControllerZk;
  readonly #channel: ControllerChannelManager;
  readonly #deletion = new TopicDeletion();
  readonly #watches: ZooKeeperWatch[] = [];
  readonly #topicWatches = new Map<string, ZooKeeperWatch>();
  #liveBrokers: LiveBrokers | undefined;
  #rebalanceTimer: ReturnType<Time['setTimeout']> | undefined;
  #closed = false;
  #loaded = false;

  constructor(options: ControllerActivationOptions) {
    this.#options = options;
    this.epoch = options.epoch;
    this.epochZkVersion = options.epochZkVersion;
    this.#logger = options.logger;
    this.#context = new ControllerContext(options.epoch, options.epochZkVersion);
    this.#zk = new ControllerZk(options.client, options.epochZkVersion);
    this.#channel = new ControllerChannelManager({
      controllerId: options.brokerId,
      requestTimeoutMs: options.config.controllerSocketTimeoutMs,
      security: interBrokerSecurity(options.config),
      logger: options.logger.child({ component: 'controller-channel' }),
      endpointOf: (brokerId) => {
        const registration = this.#context.liveBrokers.get(brokerId)?.registration;
        return registration === undefined ? undefined : interBrokerEndpointOf(registration, interBrokerListenerName(options.config));
      },
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The failover has loaded the state: requests for the controller may be answered. */
  get loaded(): boolean {
    return this.#loaded;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel.close();
    this.#liveBrokers?.close();
    if (this.#rebalanceTimer !== undefined) this.#options.time.clearTimeout(this.#rebalanceTimer);
    for (const watch of [...this.#watches, ...this.#topicWatches.values()]) watch.cancel();
    this.#topicWatches.clear();
  }

  /**
   * Kafka's onControllerFailover: watch first (so no change is missed), then read everything, tell
   * every broker the whole metadata, every replica its partitions' state, and elect leaders for
   * partitions that have none.
   */
  async failover(): Promise<void> {
    const { client } = this.#options;
    this.#liveBrokers = await LiveBrokers.watch(client, this.#logger);
    this.#liveBrokers.on('change', () => this.#enqueue('BrokerChange', (a) => a.#onBrokerChange()));
    this.#watches.push(await client.watchChildren(ZkPaths.topics, (children) => this.#enqueue('TopicChange', (a) => a.#onTopicChange(children ?? []))));
    this.#watches.push(await client.watchChildren(ZkPaths.deleteTopics, (children) => this.#enqueue('TopicDeletion', (a) => a.#onDeleteTopics(children ?? []))));
    if (this.#closed) return this.close();
    for (const [id, broker] of this.#liveBrokers.brokers) {
      this.#context.liveBrokers.set(id, broker);
      this.#channel.addBroker(id);
    }
    await inBatches(await this.#zk.topicNames(), (topic) => this.#loadTopic(topic));
    if (this.#closed) return;
    this.#logger.info({ liveBrokers: [...this.#context.liveBrokers.keys()], topics: this.#context.topics.size }, 'controller failover: state loaded from ZooKeeper');
    const step = this.#step();
    step.batch.addUpdateMetadata(this.#context.liveBrokers.keys(), this.#context.allPartitions());
    step.batch.send();
    for (const { topic, partition } of this.#context.allPartitions()) step.batch.addLeaderAndIsr(this.#context.replicas(topic, partition), topic, partition);
    await electOfflinePartitions(step, offlinePartitions(step));
    // Replicas on brokers that died while there was no controller leave their ISRs (Kafka's
    // ReplicaStateMachine.startup): no dead leader is left advertised.
    const dead = new Set([...this.#context.allPartitions()].flatMap(({ topic, partition }) => this.#context.replicas(topic, partition)).filter((id) => !this.#context.liveBrokers.has(id)));
    if (dead.size > 0) await removeReplicasFromIsr(step, dead, this.#context.partitionsOn(dead));
    await this.#deletion.enqueue(step, await client.getChildren(ZkPaths.deleteTopics));
    await resumeReassignments(step);
    this.#send(step);
    this.#loaded = true;
    // Kafka's first check comes 5 s after failover, then every leader.imbalance.check.interval.seconds.
    if (this.#options.config.autoLeaderRebalanceEnable) this.#scheduleRebalance(AUTO_REBALANCE_FIRST_DELAY_MS);
  }

  async alterPartition(request: AlterPartitionRequest, apiVersion: number): Promise<AlterPartitionResponse> {
    const step = this.#step();
    const response = await processAlterPartition(step, request, apiVersion);
    // An ISR that grew may complete a reassignment: its target replicas are all in sync now.
    const altered = response.topics.flatMap((t) => {
      const topic = t.topicName ?? this.#context.topicIdToName(t.topicId ?? '');
      return topic === undefined ? [] : t.partitions.filter((p) => p.errorCode === ErrorCode.NONE).map((p) => ({ topic, partition: p.partitionIndex }));
    });
    await completeReassignmentsInSync(step, altered);
    this.#send(step);
    return response;
  }

  /** AlterPartitionReassignments: each partition starts moving (or is cancelled) in turn. */
  async alterPartitionReassignments(request: AlterPartitionReassignmentsRequest): Promise<AlterPartitionReassignmentsResponse> {
    const step = this.#step();
    const responses: AlterPartitionReassignmentsResponse['responses'] = [];
    for (const topic of request.topics) {
      const partitions = [];
      for (const { partitionIndex, replicas } of topic.partitions) {
        const outcome = await alterPartitionReassignment(step, { topic: topic.name, partition: partitionIndex }, replicas);
        partitions.push({ partitionIndex, ...outcome });
      }
      responses.push({ name: topic.name, partitions });
    }
    this.#send(step);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses };
  }

  /** ListPartitionReassignments: those of the named partitions (all when none are named) being moved. */
  listPartitionReassignments(request: ListPartitionReassignmentsRequest): ListPartitionReassignmentsResponse {
    const named = request.topics?.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition }))) ?? null;
    const topics = new Map<string, ListPartitionReassignmentsResponse['topics'][number]>();
    for (const { topic, partition, assignment } of ongoingReassignments(this.#context, named)) {
      let entry = topics.get(topic);
      if (entry === undefined) topics.set(topic, entry = { name: topic, partitions: [] });
      entry.partitions.push({
        partitionIndex: partition, replicas: [...assignment.replicas], addingReplicas: [...assignment.addingReplicas], removingReplicas: [...assignment.removingReplicas],
      });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [...topics.values()] };
  }

  /** ElectLeaders: every partition when none are named. */
  async electLeaders(request: ElectLeadersRequest): Promise<ElectLeadersResponse> {
    const named = request.topicPartitions?.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const partitions = named ?? [...this.#context.allPartitions()].filter(({ topic }) => !this.#context.topicsToBeDeleted.has(topic));
    const step = this.#step();
    const outcomes = await electLeaders(step, request.electionType ?? ElectionType.PREFERRED, partitions);
    this.#send(step);
    const results = new Map<string, ElectLeadersResponse['replicaElectionResults'][number]>();
    partitions.forEach(({ topic, partition }, i) => {
      let entry = results.get(topic);
      if (entry === undefined) results.set(topic, entry = { topic, partitionResult: [] });
      entry.partitionResult.push({ partitionId: partition, ...outcomes[i]! });
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults: [...results.values()] };
  }

  /** The periodic leadership rebalance (Kafka's AutoPreferredReplicaLeaderElection event). */
  async autoRebalance(): Promise<void> {
    const partitions = partitionsToRebalance(this.#context, this.#options.config.leaderImbalancePerBrokerPercentage);
    if (partitions.length > 0) {
      this.#logger.info({ partitions: partitions.length }, 'leadership is imbalanced: moving leaders back to preferred replicas');
      const step = this.#step();
      await electLeaders(step, ElectionType.PREFERRED, partitions);
      this.#send(step);
    }
    this.#scheduleRebalance(this.#options.config.leaderImbalanceCheckIntervalSeconds * 1000);
  }

  #scheduleRebalance(delayMs: number): void {
    if (this.#closed) return;
    this.#rebalanceTimer = this.#options.time.setTimeout(() => {
      this.#rebalanceTimer = undefined;
      this.#enqueue('AutoPreferredReplicaLeaderElection', (a) => a.autoRebalance());
    }, delayMs);
  }

  async controlledShutdown(brokerId: number, brokerEpoch: bigint): Promise<ControlledShutdownResult> {
    const step = this.#step();
    const result = await controlledShutdown(step, brokerId, brokerEpoch);
    this.#send(step);
    return result;
  }

  async allocateProducerIds(request: AllocateProducerIdsRequest): Promise<AllocateProducerIdsResponse> {
    return allocateProducerIds(this.#options.client, this.#context, request, this.#logger);
  }

  /** Brokers came, went or came back: compared with the context, not with what the watch said then. */
  async #onBrokerChange(): Promise<void> {
    const current = this.#liveBrokers?.brokers ?? new Map();
    const known = this.#context.liveBrokers;
    const added = [...current.keys()].filter((id) => !known.has(id));
    const removed = [...known.keys()].filter((id) => !current.has(id));
    const bounced = [...current.keys()].filter((id) => known.has(id) && known.get(id)!.brokerEpoch !== current.get(id)!.brokerEpoch);
    if (added.length + removed.length + bounced.length === 0) return;
    this.#logger.info({ added, removed, bounced }, 'brokers changed');
    const step = this.#step();
    const gone = new Set([...removed, ...bounced]);
    for (const id of gone) {
      known.delete(id);
      this.#channel.removeBroker(id);
    }
    this.#deletion.onBrokersRemoved(gone);
    if (gone.size > 0) {
      await onBrokerFailure(step, gone);
      this.#send(step);
    }
    const started = new Set([...added, ...bounced]);
    if (started.size === 0) return;
    const existing = [...known.keys()];
    for (const id of started) {
      known.set(id, current.get(id)!);
      this.#channel.addBroker(id);
    }
    // The new brokers learn everything; the others learn of the new brokers.
    step.batch.addUpdateMetadata(started, this.#context.allPartitions());
    step.batch.send();
    step.batch.addUpdateMetadata(existing, []);
    step.batch.send();
    await onBrokerStartup(step, started);
    await this.#deletion.resume(step);
    this.#send(step);
  }

  async #onTopicChange(children: readonly string[]): Promise<void> {
    const present = new Set(children);
    for (const topic of [...this.#context.topics.keys()]) {
      if (present.has(topic)) continue;
      this.#context.topics.delete(topic);
      this.#context.topicsToBeDeleted.delete(topic);
      this.#topicWatches.get(topic)?.cancel();
      this.#topicWatches.delete(topic);
    }
    const fresh = children.filter((topic) => !this.#context.topics.has(topic));
    if (fresh.length === 0) return;
    await inBatches(fresh, (topic) => this.#loadTopic(topic));
    this.#logger.info({ topics: fresh }, 'new topics');
    const step = this.#step();
    await this.#onNewPartitions(step, fresh.flatMap((topic) => this.#partitionsOf(topic)));
    this.#send(step);
  }

  /** /brokers/topics/T changed: partitions were added (CreatePartitions). */
  async #onPartitionModification(topic: string, node: Znode | null): Promise<void> {
    const info = this.#context.topics.get(topic);
    if (node === null || info === undefined || this.#context.topicsToBeDeleted.has(topic)) return;
    const assignment = decodeTopicAssignment(topic, node.data);
    const added = [...assignment.partitions].filter(([partition]) => !info.assignment.has(partition));
    if (added.length === 0) return;
    for (const [partition, replicas] of added) info.assignment.set(partition, settledAssignment(replicas));
    this.#logger.info({ topic, partitions: added.map(([p]) => p) }, 'new partitions');
    const step = this.#step();
    await this.#onNewPartitions(step, added.map(([partition]) => ({ topic, partition })));
    this.#send(step);
  }

  async #onDeleteTopics(children: readonly string[]): Promise<void> {
    const step = this.#step();
    await this.#deletion.enqueue(step, children);
    this.#send(step);
  }

  async #onStopReplicaResponse(brokerId: number, response: StopReplicaResponse): Promise<void> {
    const step = this.#step();
    await this.#deletion.onStopReplicaResponse(step, brokerId, response);
    this.#send(step);
  }

  /** Partitions with a state already (a topic seen again) are sent it; the others are initialized. */
  async #onNewPartitions(step: ControllerStep, partitions: readonly TopicPartition[]): Promise<void> {
    for (const { topic, partition } of partitions) {
      if (this.#context.state(topic, partition) !== undefined) step.batch.addLeaderAndIsr(this.#context.replicas(topic, partition), topic, partition);
    }
    await initializeNewPartitions(step, partitions);
  }

  async #loadTopic(topic: string): Promise<void> {
    let assignment: TopicAssignment | undefined;
    try {
      assignment = await this.#zk.topicAssignment(topic);
    } catch (error) {
      this.#logger.error({ err: error, topic }, 'unreadable topic assignment: the topic is left out');
      return;
    }
    if (assignment === undefined || this.#closed) return;
    const states = await this.#zk.partitionStates(topic, [...assignment.partitions.keys()]);
    this.#context.topics.set(topic, { topicId: assignment.topicId, assignment: fullAssignments(assignment), states });
    if (this.#topicWatches.has(topic)) return;
    const watch = await this.#options.client.watchData(ZkPaths.topic(topic), (node) => this.#enqueue('PartitionModification', (a) => a.#onPartitionModification(topic, node)));
    if (this.#closed) watch.cancel();
    else this.#topicWatches.set(topic, watch);
  }

  #partitionsOf(topic: string): TopicPartition[] {
    const info = this.#context.topics.get(topic);
    return info === undefined ? [] : [...info.assignment.keys()].sort((a, b) => a - b).map((partition) => ({ topic, partition }));
  }

  #step(): ControllerStep {
    return {
      context: this.#context,
      zk: this.#zk,
      logger: this.#logger,
      uncleanLeaderElectionEnable: this.#options.config.uncleanLeaderElectionEnable,
      stats: this.#options.stats,
      batch: new ControllerRequestBatch({
        context: this.#context,
        channel: this.#channel,
        controllerId: this.#options.brokerId,
        interBrokerListener: this.#options.config.interBrokerListenerName,
        logger: this.#logger,
      }),
    };
  }

  #send(step: ControllerStep): void {
    if (this.#closed) return;
    step.batch.send((brokerId, response) => this.#enqueue('StopReplicaResponse', (a) => a.#onStopReplicaResponse(brokerId, response)));
  }

  #enqueue(name: string, task: (activation: ControllerActivation) => Promise<unknown>): void {
    if (this.#closed) return;
    // Events of a resigned term must not run against the next one.
    this.#options.enqueue(name, (activation) => (activation === this ? task(activation) : Promise.resolve()));
  }
}
