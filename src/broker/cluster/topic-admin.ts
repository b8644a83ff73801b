import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { Logger } from '../logger.ts';
import type { BrokerConfig } from '../config.ts';
import type { ReplicaManager } from '../replica/replica-manager.ts';
import type { MetadataStore, TopicMetadata } from './metadata-store.ts';
import { checkPartitionIncrease, checkPartitionsAndReplicationFactor, newPartitionsManualAssignment, validateReplicaAssignment } from './controller/replica-assignment-checks.ts';
import { collidingTopicName, isInternalTopic, validateTopicName } from './topic-names.ts';
import { checkTopicConfigs, partitionSettings } from './topic-settings.ts';

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

/**
 * Creating, deleting and growing topics and changing their configs: what Kafka's controller does
 * for the admin APIs. Every check happens before anything changes, so a refused request leaves no
 * trace; validateOnly runs the checks alone.
 */
export class TopicAdmin {
  private readonly metadata: MetadataStore;
  private readonly replicaManager: ReplicaManager;
  private readonly config: BrokerConfig;
  private readonly logger: Logger;
  private readonly newTopicId: () => string;
  private readonly brokerIds: readonly number[];
  private readonly partitionsDeletedListeners: PartitionsDeletedListener[] = [];

  constructor(options: {
    metadata: MetadataStore;
    replicaManager: ReplicaManager;
    config: BrokerConfig;
    logger: Logger;
    newTopicId: () => string;
  }) {
    this.metadata = options.metadata;
    this.replicaManager = options.replicaManager;
    this.config = options.config;
    this.logger = options.logger;
    this.newTopicId = options.newTopicId;
    this.brokerIds = [options.config.nodeId];
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

  async createTopic(request: NewTopic, validateOnly = false): Promise<TopicMetadata> {
    const { name } = request;
    validateTopicName(name);
    if (this.metadata.topic(name) !== undefined) {
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    }
    const collision = collidingTopicName(name, this.metadata.topics().map((topic) => topic.name));
    if (collision !== undefined) {
      throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topic: ${collision}`);
    }
    const { partitionCount, replicationFactor } = this.placement(request);
    const configs = checkTopicConfigs(request.configs);
    const topic: TopicMetadata = { name, topicId: this.newTopicId(), partitionCount, replicationFactor, configs };
    if (validateOnly) return topic;
    await this.metadata.createTopic(topic);
    await this.replicaManager.openPartitions(topic, partitionSettings(this.config, configs));
    this.logger.info({ topic: name, topicId: topic.topicId, partitionCount, replicationFactor, configs }, 'topic created');
    return topic;
  }

  /** delete.topic.enable is the DeleteTopics handler's to check: Kafka refuses the whole request, known topics or not. */
  async deleteTopic(name: string): Promise<TopicMetadata> {
    const topic = this.existing(name);
    // Kafka's broker deletes __consumer_offsets when asked (only its tools refuse); this group
    // coordinator cannot yet give up a deleted partition's groups, so it refuses as an authorizer would.
    if (isInternalTopic(name)) {
      throw new KafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Internal topic ${name} cannot be deleted`);
    }
    await this.metadata.deleteTopic(name);
    await this.replicaManager.deletePartitions(name);
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
  ): Promise<void> {
    const topic = this.existing(name);
    checkPartitionIncrease(topic.partitionCount, count);
    if (assignments !== null) newPartitionsManualAssignment(assignments, topic, count, this.brokerIds);
    if (validateOnly) return;
    await this.metadata.setPartitionCount(name, count);
    await this.replicaManager.openPartitions(this.existing(name), partitionSettings(this.config, topic.configs));
    this.logger.info({ topic: name, from: topic.partitionCount, to: count }, 'partitions created');
  }

  /** Replaces a topic's overrides (AlterConfigs) or applies a computed set (IncrementalAlterConfigs). */
  async setTopicConfigs(name: string, configs: Readonly<Record<string, string | null>>, validateOnly: boolean): Promise<void> {
    const topic = this.existing(name);
    const checked = checkTopicConfigs(configs);
    if (validateOnly) return;
    await this.metadata.setTopicConfigs(name, checked);
    await this.replicaManager.openPartitions({ ...topic, configs: checked }, partitionSettings(this.config, checked));
    this.logger.info({ topic: name, configs: checked }, 'topic configs changed');
  }

  existing(name: string): TopicMetadata {
    const topic = this.metadata.topic(name);
    if (topic === undefined) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host this topic: ${name}`);
    }
    return topic;
  }

  private placement(request: NewTopic): { partitionCount: number; replicationFactor: number } {
    if (request.assignments !== undefined && request.assignments.size > 0) {
      if (request.numPartitions !== -1 || request.replicationFactor !== -1) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
      }
      const replicationFactor = validateReplicaAssignment(request.assignments, { brokerIds: this.brokerIds });
      return { partitionCount: request.assignments.size, replicationFactor };
    }
    const partitionCount = request.numPartitions === -1 ? this.config.numPartitions : request.numPartitions;
    const replicationFactor = request.replicationFactor === -1 ? this.config.defaultReplicationFactor : request.replicationFactor;
    checkPartitionsAndReplicationFactor(partitionCount, replicationFactor, this.brokerIds.length);
    return { partitionCount, replicationFactor };
  }

}
