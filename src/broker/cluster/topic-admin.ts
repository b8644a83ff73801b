import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { Logger } from '../logger.ts';
import type { BrokerConfig } from '../config.ts';
import type { ReplicaManager } from '../replica/replica-manager.ts';
import type { MetadataStore, TopicMetadata } from './metadata-store.ts';
import { checkPartitionIncrease, newPartitionsManualAssignment, validateReplicaAssignment } from './controller/replica-assignment-checks.ts';
import { assignReplicasToBrokers, newPartitionsAssignment } from './controller/replica-assignment.ts';
import type { MetadataCache } from './metadata-cache.ts';
import { isInternalTopic, TopicCollisions, validateTopicName } from './topic-names.ts';
import { checkTopicConfigs, partitionSettings } from './topic-settings.ts';
import type { ControllerMutationQuota } from '../security/quotas/controller-mutation-quota.ts';

/** Told which partitions a topic deletion removed, once they are gone (Kafka's metadata publisher tells its coordinators). */
export type PartitionsDeletedListener = (partitions: readonly { readonly topic: string; readonly partition: number }[]) => Promise<void>;

export interface NewTopic {
  readonly name: string;
  /** -1 takes num.partitions. */
  readonly numPartitions: number;
  /** -1 takes default.replication.factor. */
  readonly replicationFactor: number;
  /** Manual replica assignment: partition index -> broker ids; replaces the two counts. */
  readonly assignments?: ReadonlyMap<number, readonly number[]>;
  readonly configs: Readonly<Record<string, string | null>>;
}

interface CheckedTopic {
  readonly topic: TopicMetadata;
  readonly assignment: ReadonlyMap<number, readonly number[]>;
}

/**
 * Creating, deleting and growing topics and changing their configs: what Kafka's controller does
 * for the admin APIs. Every check happens before anything changes, so a refused request leaves no
 * trace; validateOnly runs the checks alone.
 *
 * In a cluster (a metadata cache given) this broker only writes ZooKeeper, as Kafka's
 * ZkAdminManager: replicas are placed over the live brokers and their racks, the controller makes
 * the leaders and the replicas open their partitions (LeaderAndIsr), and the answer waits until the
 * metadata cache shows the outcome or `waitMs` runs out (REQUEST_TIMED_OUT; the change still
 * happens), as Kafka's DelayedCreatePartitions and DelayedDeleteTopics.
 */
export class TopicAdmin {
  private readonly metadata: MetadataStore;
  private readonly replicaManager: ReplicaManager;
  private readonly config: BrokerConfig;
  private readonly logger: Logger;
  private readonly newTopicId: () => string;
  private readonly cache: MetadataCache | undefined;
  private readonly random: () => number;
  private readonly partitionsDeletedListeners: PartitionsDeletedListener[] = [];

  constructor(options: {
    metadata: MetadataStore;
    replicaManager: ReplicaManager;
    config: BrokerConfig;
    logger: Logger;
    newTopicId: () => string;
    /** Cluster mode: the live brokers and the wait for the controller's outcome. */
    cache?: MetadataCache;
    random?: () => number;
  }) {
    this.metadata = options.metadata;
    this.replicaManager = options.replicaManager;
    this.config = options.config;
    this.logger = options.logger;
    this.newTopicId = options.newTopicId;
    this.cache = options.cache;
    this.random = options.random ?? Math.random;
  }

  /** The brokers replicas may be placed on: the live ones in a cluster, this one alone otherwise. */
  private brokers(): { id: number; rack: string | null }[] {
    if (this.cache === undefined) return [{ id: this.config.nodeId, rack: this.config.brokerRack }];
    return this.cache.aliveBrokerRacks();
  }

  private get brokerIds(): number[] {
    return this.brokers().map((broker) => broker.id);
  }

  /**
   * Registers what must follow a topic deletion (the group coordinator drops its offsets); set up
   * by the composition root, as the coordinator is built after this.
   */
  onPartitionsDeleted(listener: PartitionsDeletedListener): void {
    this.partitionsDeletedListeners.push(listener);
  }

  /** Opens the partitions of every known topic: what a broker does at start. */
  async loadTopics(): Promise<void> {
    for (const topic of this.metadata.topics()) {
      await this.replicaManager.openPartitions(topic, partitionSettings(this.config, topic.configs));
    }
  }

  /** One topic: createTopics of it alone, its error thrown. */
  async createTopic(request: NewTopic, validateOnly = false, waitMs = 0, mutationQuota?: ControllerMutationQuota): Promise<TopicMetadata> {
    const [outcome] = await this.createTopics([request], validateOnly, waitMs, mutationQuota);
    if (outcome!.status === 'rejected') throw outcome!.reason;
    return outcome!.value;
  }

  /**
   * Creates the topics of one CreateTopics request, each succeeding or failing on its own, in the
   * request's order. Every topic is checked first, in order (a topic may collide with one before
   * it in the request, as with an existing one), then all are written together: the single node's
   * metadata store puts them in one append and one fsync, ZooKeeper takes their writes pipelined.
   * `mutationQuota` (controller_mutation_rate) takes each topic's partitions once its checks have
   * passed, and may refuse them.
   */
  async createTopics(requests: readonly NewTopic[], validateOnly = false, waitMs = 0, mutationQuota?: ControllerMutationQuota): Promise<PromiseSettledResult<TopicMetadata>[]> {
    const inRequest = new TopicCollisions();
    const names = new Set<string>();
    const checked: PromiseSettledResult<CheckedTopic>[] = requests.map((request) => {
      try {
        const topic = this.checkNewTopic(request, names, inRequest);
        if (!validateOnly) mutationQuota?.record(topic.topic.partitionCount);
        names.add(request.name);
        inRequest.add(request.name);
        return { status: 'fulfilled', value: topic };
      } catch (error) {
        return { status: 'rejected', reason: error };
      }
    });
    if (validateOnly) return checked.map((c) => (c.status === 'rejected' ? c : { status: 'fulfilled', value: c.value.topic }));
    // Every write starts before any is awaited, so that they go together.
    const writes = checked.map(async (c) => {
      if (c.status === 'rejected') throw c.reason;
      await this.metadata.createTopic(c.value.topic, c.value.assignment);
      return c.value.topic;
    });
    return Promise.allSettled(writes.map(async (write) => {
      const topic = await write;
      if (this.cache === undefined) await this.replicaManager.openPartitions(topic, partitionSettings(this.config, topic.configs));
      const { name, topicId, partitionCount, replicationFactor, configs } = topic;
      this.logger.info({ topic: name, topicId, partitionCount, replicationFactor, configs }, 'topic created');
      await this.waitForLeaders(name, 0, partitionCount, waitMs);
      return topic;
    }));
  }

  /** The checks of one new topic, against the existing ones and those before it in its request (`names`, `inRequest`). */
  private checkNewTopic(request: NewTopic, names: ReadonlySet<string>, inRequest: TopicCollisions): CheckedTopic {
    const { name } = request;
    validateTopicName(name);
    if (this.metadata.topic(name) !== undefined || names.has(name)) {
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    }
    const collision = this.metadata.collidingTopicName(name) ?? inRequest.colliding(name);
    if (collision !== undefined) {
      throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topic: ${collision}`);
    }
    const { partitionCount, replicationFactor, assignment } = this.placement(request);
    const configs = checkTopicConfigs(request.configs);
    return { topic: { name, topicId: this.newTopicId(), partitionCount, replicationFactor, configs }, assignment };
  }

  /** Cluster mode: waits until partitions [from, to) of the topic have leaders in the metadata cache. */
  private async waitForLeaders(name: string, from: number, to: number, waitMs: number): Promise<void> {
    const cache = this.cache;
    if (cache === undefined || waitMs <= 0) return;
    const led = (): boolean => {
      for (let partition = from; partition < to; partition++) {
        if ((cache.partitionLeadership(name, partition)?.leader ?? -1) < 0) return false;
      }
      return true;
    };
    if (!await cache.waitUntil(led, waitMs)) {
      throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `The partitions of ${name} were created, but have no leader after ${waitMs} ms.`);
    }
  }

  /** delete.topic.enable is the DeleteTopics handler's to check: Kafka refuses the whole request, known topics or not. */
  async deleteTopic(name: string, waitMs = 0, mutationQuota?: ControllerMutationQuota): Promise<TopicMetadata> {
    const topic = this.existing(name);
    // Kafka's broker deletes __consumer_offsets when asked (only its tools refuse); this group
    // coordinator cannot yet give up a deleted partition's groups, so it refuses as an authorizer would.
    if (isInternalTopic(name)) {
      throw new KafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Internal topic ${name} cannot be deleted`);
    }
    mutationQuota?.record(topic.partitionCount);
    await this.metadata.deleteTopic(name);
    if (this.cache !== undefined) {
      // The controller stops the replicas (StopReplica) and tells every broker (UpdateMetadata), whose
      // group coordinator then drops the offsets: this broker only waits for the topic to be gone.
      this.logger.info({ topic: name, topicId: topic.topicId }, 'topic marked for deletion');
      if (waitMs > 0 && !await this.cache.waitUntil(() => this.cache!.topic(name) === undefined, waitMs)) {
        throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `Topic ${name} is marked for deletion, but not deleted after ${waitMs} ms.`);
      }
      return topic;
    }
    await this.replicaManager.deletePartitions(name, topic.partitionCount);
    this.logger.info({ topic: name, topicId: topic.topicId }, 'topic deleted');
    // Awaited, so that once DeleteTopics answers, OffsetFetch no longer shows the topic's offsets.
    const partitions = Array.from({ length: topic.partitionCount }, (_, partition) => ({ topic: name, partition }));
    for (const listener of this.partitionsDeletedListeners) await listener(partitions);
    return topic;
  }

  async createPartitions(
    name: string,
    count: number,
    assignments: readonly (readonly number[])[] | null,
    validateOnly: boolean,
    waitMs = 0,
    mutationQuota?: ControllerMutationQuota,
  ): Promise<void> {
    const topic = this.existing(name);
    checkPartitionIncrease(topic.partitionCount, count);
    if (this.cache === undefined) {
      if (assignments !== null) newPartitionsManualAssignment(assignments, topic, count, this.brokerIds);
      if (validateOnly) return;
      mutationQuota?.record(count - topic.partitionCount);
      await this.metadata.setPartitionCount(name, count);
      await this.replicaManager.openPartitions(this.existing(name), partitionSettings(this.config, topic.configs));
    } else {
      const existing = new Map<number, readonly number[]>();
      for (let partition = 0; partition < topic.partitionCount; partition++) {
        existing.set(partition, this.cache.partitionLeadership(name, partition)?.replicas ?? []);
      }
      const added = newPartitionsAssignment(existing, this.brokers(), count, assignments);
      if (validateOnly) return;
      mutationQuota?.record(count - topic.partitionCount);
      await this.metadata.setPartitionCount(name, count, added);
    }
    this.logger.info({ topic: name, from: topic.partitionCount, to: count }, 'partitions created');
    await this.waitForLeaders(name, topic.partitionCount, count, waitMs);
  }

  /** Replaces a topic's overrides (AlterConfigs) or applies a computed set (IncrementalAlterConfigs). */
  async setTopicConfigs(name: string, configs: Readonly<Record<string, string | null>>, validateOnly: boolean): Promise<void> {
    const topic = this.existing(name);
    const checked = checkTopicConfigs(configs);
    if (validateOnly) return;
    await this.metadata.setTopicConfigs(name, checked);
    if (this.cache === undefined) await this.replicaManager.openPartitions({ ...topic, configs: checked }, partitionSettings(this.config, checked));
    else this.applyTopicConfigs(name, checked);
    this.logger.info({ topic: name, configs: checked }, 'topic configs changed');
  }

  /** A topic's overrides changed (here, or on another broker: /config/changes): its hosted partitions take them. */
  applyTopicConfigs(name: string, configs: Readonly<Record<string, string>>): void {
    const settings = partitionSettings(this.config, configs);
    const partitionCount = this.metadata.topic(name)?.partitionCount ?? 0;
    for (let index = 0; index < partitionCount; index++) this.replicaManager.partition(name, index)?.applySettings(settings);
  }

  existing(name: string): TopicMetadata {
    const topic = this.metadata.topic(name);
    if (topic === undefined) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host this topic: ${name}`);
    }
    return topic;
  }

  private placement(request: NewTopic): { partitionCount: number; replicationFactor: number; assignment: ReadonlyMap<number, readonly number[]> } {
    if (request.assignments !== undefined && request.assignments.size > 0) {
      if (request.numPartitions !== -1 || request.replicationFactor !== -1) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
      }
      const replicationFactor = validateReplicaAssignment(request.assignments, { brokerIds: this.brokerIds });
      return { partitionCount: request.assignments.size, replicationFactor, assignment: request.assignments };
    }
    const partitionCount = request.numPartitions === -1 ? this.config.numPartitions : request.numPartitions;
    const replicationFactor = request.replicationFactor === -1 ? this.config.defaultReplicationFactor : request.replicationFactor;
    // Evenly over the live brokers, rack-aware, as Kafka's AdminUtils (INVALID_REPLICATION_FACTOR when too few).
    const assignment = assignReplicasToBrokers(this.brokers(), partitionCount, replicationFactor, { random: this.random });
    return { partitionCount, replicationFactor, assignment };
  }

}
