import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { ClusterView } from '../../cluster/cluster-view.ts';
import type { MetadataStore } from '../../cluster/metadata-store.ts';
import type { TopicAdmin } from '../../cluster/topic-admin.ts';
import type { BrokerConfig } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { LeadershipChange, ReplicaManager } from '../../replica/replica-manager.ts';
import type { Time } from '../../time.ts';
import { replicaManagerCoordinatorLog } from '../runtime/coordinator-log.ts';
import { CoordinatorRuntime } from '../runtime/coordinator-runtime.ts';
import { groupConfigFrom, type GroupConfig } from './group-config.ts';
import { GroupCoordinatorShard } from './group-coordinator-shard.ts';
import { createInternalTopic, internalTopicReplicationFactor, InternalTopicCreation, topicsView } from '../runtime/internal-topic.ts';
import type { TopicPartition } from './offset-metadata-manager.ts';

export const GROUP_METADATA_TOPIC_NAME = '__consumer_offsets';

/** What a transaction coordinator does not expect from a marker's partition: it is told to retry (NOT_LEADER_OR_FOLLOWER). */
const NOT_READY_ERRORS: ReadonlySet<number> = new Set([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR]);

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

/** Kafka's partitionFor of a coordinator key (group id, transactional id): Utils.abs(key.hashCode) % partitions. */
export function coordinatorPartitionFor(key: string, partitions: number): number {
  return kafkaAbs(javaStringHashCode(key)) % partitions;
}

export interface GroupCoordinatorOptions {
  readonly config: BrokerConfig;
  readonly metadata: MetadataStore;
  /** Live brokers, for the replication factor of __consumer_offsets in a cluster. */
  readonly cluster: ClusterView;
  readonly topicAdmin: TopicAdmin;
  readonly replicaManager: ReplicaManager;
  readonly time: Time;
  readonly logger: Logger;
}

/**
 * The group coordinator as handlers see it: which __consumer_offsets partition a group lives on,
 * the runtime that runs operations on that partition's shard, and the internal topic's lifecycle.
 * The topic is created on first need (FindCoordinator, as Kafka does), with
 * offsets.topic.num.partitions partitions.
 *
 * Which partitions this broker coordinates: on a single node, all of them, loaded at startup or
 * creation. In a cluster (zookeeper.connect set), those whose leader it is: a partition is loaded
 * when this broker becomes its leader and dropped when it stops leading it (Kafka's onElection and
 * onResignation), so the coordinator moves with the partition's leadership.
 */
export class GroupCoordinator {
  readonly runtime: CoordinatorRuntime<GroupCoordinatorShard>;
  readonly config: GroupConfig;
  private readonly options: GroupCoordinatorOptions;
  private readonly clusterMode: boolean;
  private readonly offsetsTopic: InternalTopicCreation;
  private closed = false;

  constructor(options: GroupCoordinatorOptions) {
    this.options = options;
    this.clusterMode = options.config.zookeeperConnect !== null;
    this.config = groupConfigFrom(options.config);
    this.runtime = new CoordinatorRuntime({
      // transaction.partition.verification.enable: TxnOffsetCommit's batches are verified as produces are (Kafka 3.8+).
      log: replicaManagerCoordinatorLog(options.replicaManager, GROUP_METADATA_TOPIC_NAME, this.config.offsetCommitTimeoutMs,
        options.config.transactionPartitionVerificationEnable),
      shardFactory: (context) => new GroupCoordinatorShard(context),
      time: options.time,
      logger: options.logger.child({ component: 'group-coordinator' }),
      config: this.config,
      metadata: topicsView(options.metadata),
    });
    this.offsetsTopic = new InternalTopicCreation({
      exists: () => options.metadata.topic(GROUP_METADATA_TOPIC_NAME) !== undefined,
      create: () => this.createOffsetsTopic(),
      onExisting: () => { if (!this.clusterMode) this.loadAll(); },
    });
  }

  /** The partition count of __consumer_offsets: the topic's own once it exists, else the config's. */
  numPartitions(): number {
    return this.options.metadata.topic(GROUP_METADATA_TOPIC_NAME)?.partitionCount ?? this.config.offsetsTopicNumPartitions;
  }

  /** Kafka's partitionFor: Utils.abs(groupId.hashCode) % partitions. */
  partitionFor(groupId: string): number {
    return coordinatorPartitionFor(groupId, this.numPartitions());
  }

  isLoading(partition: number): boolean {
    return this.runtime.isLoading(partition);
  }

  /** Whether this broker hosts the partition's shard (loading or loaded). */
  hostsPartition(partition: number): boolean {
    return this.runtime.isLoading(partition) || this.runtime.isActive(partition);
  }

  /**
   * Single node: loads every partition of an existing __consumer_offsets; loading goes on in the
   * background. In a cluster nothing is loaded before the controller makes this broker a leader.
   */
  startup(): void {
    if (!this.clusterMode && this.options.metadata.topic(GROUP_METADATA_TOPIC_NAME) !== undefined) this.loadAll();
  }

  /**
   * Follows the leadership of __consumer_offsets partitions (ReplicaManager.onLeadershipChange):
   * a partition this broker now leads is loaded from its log (COORDINATOR_LOAD_IN_PROGRESS until
   * then); one it follows or no longer hosts is dropped, its groups' operations answered
   * NOT_COORDINATOR from then on, so clients look the coordinator up again.
   */
  onLeadershipChange(change: LeadershipChange): void {
    if (this.closed) return;
    for (const { topic, partition } of [...change.becameFollower, ...change.stopped]) {
      if (topic === GROUP_METADATA_TOPIC_NAME) this.runtime.unloadPartition(partition);
    }
    for (const { topic, partition } of change.becameLeader) {
      if (topic !== GROUP_METADATA_TOPIC_NAME) continue;
      // Still leader with a newer epoch: the state in memory is the log's already. A shard that
      // failed (its state no longer matched its log) is rebuilt from the log, as Kafka reloads it.
      if (!this.hostsPartition(partition)) this.runtime.unloadPartition(partition);
      void this.load(partition);
    }
  }

  /** Creates __consumer_offsets if it does not exist yet and loads its partitions; rejects when the creation fails. */
  async ensureOffsetsTopic(): Promise<void> {
    await this.offsetsTopic.ensure();
  }

  /** Whether the topic is being created right now (FindCoordinator answers COORDINATOR_NOT_AVAILABLE). */
  get isCreatingOffsetsTopic(): boolean {
    return this.offsetsTopic.inProgress;
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

  /**
   * WriteTxnMarkers for a __consumer_offsets partition (Kafka's completeTransaction): the marker is
   * written through the partition's shard, so the transaction's offsets are committed or dropped in
   * the same step. Resolves once the marker is committed. Rejects with KafkaError
   * NOT_LEADER_OR_FOLLOWER while this broker does not coordinate the partition (not hosted, still
   * loading, shut down: the transaction coordinator retries it, as Kafka translates those), else
   * with the append's error (NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, ...).
   */
  async completeTransaction(offsetsPartition: number, producerId: bigint, producerEpoch: number, coordinatorEpoch: number, commit: boolean): Promise<void> {
    try {
      await this.runtime.scheduleTransactionCompletion('write-txn-marker', offsetsPartition, producerId, producerEpoch, coordinatorEpoch, commit);
    } catch (error) {
      if (error instanceof KafkaError && NOT_READY_ERRORS.has(error.code)) {
        throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${GROUP_METADATA_TOPIC_NAME}-${offsetsPartition} is not coordinated by this broker now: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  shutdown(): void {
    this.closed = true;
    this.runtime.close();
  }

  private async createOffsetsTopic(): Promise<void> {
    const { topicAdmin, logger } = this.options;
    const replicationFactor = internalTopicReplicationFactor(this.options.config.offsetsTopicReplicationFactor, this.clusterMode ? this.options.cluster : undefined,
      { description: 'offsets topic', config: 'offsets.topic.replication.factor' });
    const created = await createInternalTopic(topicAdmin, {
      name: GROUP_METADATA_TOPIC_NAME,
      numPartitions: this.config.offsetsTopicNumPartitions,
      replicationFactor,
      configs: {
        'cleanup.policy': 'compact',
        'segment.bytes': String(this.config.offsetsTopicSegmentBytes),
        'compression.type': 'producer',
      },
    });
    if (!created) return;
    logger.info({ partitions: this.config.offsetsTopicNumPartitions, replicationFactor }, `${GROUP_METADATA_TOPIC_NAME} created`);
    // In a cluster the controller's LeaderAndIsr makes leaders, and their brokers load.
    if (this.clusterMode) return;
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
