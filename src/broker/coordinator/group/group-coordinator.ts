import type { MetadataStore } from '../../cluster/metadata-store.ts';
import type { TopicAdmin } from '../../cluster/topic-admin.ts';
import type { BrokerConfig } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { ReplicaManager } from '../../replica/replica-manager.ts';
import type { Time } from '../../time.ts';
import { replicaManagerCoordinatorLog } from '../runtime/coordinator-log.ts';
import { CoordinatorRuntime, type TopicsView } from '../runtime/coordinator-runtime.ts';
import { groupConfigFrom, type GroupConfig } from './group-config.ts';
import { GroupCoordinatorShard } from './group-coordinator-shard.ts';
import type { TopicPartition } from './offset-metadata-manager.ts';

export const GROUP_METADATA_TOPIC_NAME = '__consumer_offsets';

/** Java's String.hashCode: 31-based over UTF-16 code units, in 32-bit arithmetic. */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  return hash;
}

/** Kafka's Utils.abs: |n|, with Integer.MIN_VALUE mapped to 0. */
function kafkaAbs(value: number): number {
  return value === -2147483648 ? 0 : Math.abs(value);
}

export interface GroupCoordinatorOptions {
  readonly config: BrokerConfig;
  readonly metadata: MetadataStore;
  readonly topicAdmin: TopicAdmin;
  readonly replicaManager: ReplicaManager;
  readonly time: Time;
  readonly logger: Logger;
}

/**
 * The group coordinator as handlers see it: which __consumer_offsets partition a group lives on,
 * the runtime that runs operations on that partition's shard, and the internal topic's lifecycle.
 * The topic is created on first need (FindCoordinator, as Kafka does), with
 * offsets.topic.num.partitions partitions; an existing one is loaded at startup.
 */
export class GroupCoordinator {
  readonly runtime: CoordinatorRuntime<GroupCoordinatorShard>;
  readonly config: GroupConfig;
  private readonly options: GroupCoordinatorOptions;
  private creating: Promise<void> | undefined;
  private closed = false;

  constructor(options: GroupCoordinatorOptions) {
    this.options = options;
    this.config = groupConfigFrom(options.config);
    this.runtime = new CoordinatorRuntime({
      log: replicaManagerCoordinatorLog(options.replicaManager, GROUP_METADATA_TOPIC_NAME),
      shardFactory: (context) => new GroupCoordinatorShard(context),
      time: options.time,
      logger: options.logger.child({ component: 'group-coordinator' }),
      config: this.config,
      metadata: topicsView(options.metadata),
    });
  }

  /** The partition count of __consumer_offsets: the topic's own once it exists, else the config's. */
  numPartitions(): number {
    return this.options.metadata.topic(GROUP_METADATA_TOPIC_NAME)?.partitionCount ?? this.config.offsetsTopicNumPartitions;
  }

  /** Kafka's partitionFor: Utils.abs(groupId.hashCode) % partitions. */
  partitionFor(groupId: string): number {
    return kafkaAbs(javaStringHashCode(groupId)) % this.numPartitions();
  }

  isLoading(partition: number): boolean {
    return this.runtime.isLoading(partition);
  }

  /** Whether this broker hosts the partition's shard (loading or loaded). */
  hostsPartition(partition: number): boolean {
    return this.runtime.isLoading(partition) || this.runtime.isActive(partition);
  }

  /** Loads every partition of an existing __consumer_offsets; loading goes on in the background. */
  startup(): void {
    if (this.options.metadata.topic(GROUP_METADATA_TOPIC_NAME) !== undefined) this.loadAll();
  }

  /**
   * Creates __consumer_offsets if it does not exist yet and loads its partitions; concurrent
   * callers share one creation. Rejects when the creation fails.
   */
  async ensureOffsetsTopic(): Promise<void> {
    // The metadata names the topic before the replica manager hosts its partitions: a caller that
    // came during the creation must wait for it, or its load finds no partition and fails.
    if (this.creating !== undefined) {
      await this.creating;
      return;
    }
    if (this.options.metadata.topic(GROUP_METADATA_TOPIC_NAME) !== undefined) {
      this.loadAll();
      return;
    }
    this.creating ??= this.createOffsetsTopic().finally(() => {
      this.creating = undefined;
    });
    await this.creating;
  }

  /** Whether the topic is being created right now (FindCoordinator answers COORDINATOR_NOT_AVAILABLE). */
  get isCreatingOffsetsTopic(): boolean {
    return this.creating !== undefined;
  }

  /**
   * Topic partitions were deleted: every loaded shard tombstones the offsets groups committed for
   * them (Kafka's onPartitionsDeleted). Resolves once those are written. A shard that cannot (still
   * loading, append refused) is logged and passed over, as in Kafka: the topic is gone regardless.
   */
  async onPartitionsDeleted(partitions: readonly TopicPartition[]): Promise<void> {
    if (this.closed) return;
    const writes = this.runtime.scheduleWriteAllOperation('on-partitions-deleted', (shard) => shard.onPartitionsDeleted(partitions));
    const topics = [...new Set(partitions.map((p) => p.topic))];
    let removed = 0;
    for (const outcome of await Promise.allSettled(writes)) {
      if (outcome.status === 'fulfilled') {
        removed += outcome.value;
      } else {
        this.options.logger.error({ err: outcome.reason, topics }, 'could not delete the committed offsets of deleted partitions');
      }
    }
    // One line per deletion, not one per __consumer_offsets partition.
    this.options.logger.info({ topics, partitions: partitions.length, offsetsRemoved: removed }, 'offsets of deleted partitions removed');
  }

  shutdown(): void {
    this.closed = true;
    this.runtime.close();
  }

  private async createOffsetsTopic(): Promise<void> {
    const { config, topicAdmin, logger } = this.options;
    await topicAdmin.createTopic({
      name: GROUP_METADATA_TOPIC_NAME,
      numPartitions: this.config.offsetsTopicNumPartitions,
      // One live broker: the configured factor (3 by default) is capped to it, as Kafka does.
      replicationFactor: Math.min(config.offsetsTopicReplicationFactor, 1),
      configs: {
        'cleanup.policy': 'compact',
        'segment.bytes': String(this.config.offsetsTopicSegmentBytes),
        'compression.type': 'producer',
      },
    });
    logger.info({ partitions: this.config.offsetsTopicNumPartitions }, `${GROUP_METADATA_TOPIC_NAME} created`);
    this.loadAll();
    // New partitions are empty: waiting for their load costs nothing and spares clients a retry.
    await Promise.all(Array.from({ length: this.numPartitions() }, (_, partition) => this.load(partition)));
  }

  private loadAll(): void {
    if (this.closed) return;
    for (let partition = 0; partition < this.numPartitions(); partition++) void this.load(partition);
  }

  private async load(partition: number): Promise<void> {
    if (this.closed) return;
    // Failures are logged and retried by the runtime; the partition answers COORDINATOR_LOAD_IN_PROGRESS meanwhile.
    await this.runtime.loadPartition(partition).catch(() => undefined);
  }
}

function topicsView(metadata: MetadataStore): TopicsView {
  return {
    partitionCount: (topic) => metadata.topic(topic)?.partitionCount,
    topicId: (topic) => metadata.topic(topic)?.topicId,
    topicName: (topicId) => metadata.topicById(topicId)?.name,
    topicNames: () => metadata.topics().map((topic) => topic.name),
  };
}
