import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../../protocol/generated/write-txn-markers.ts';
import type { ClusterView } from '../../cluster/cluster-view.ts';
import { InterBrokerApis } from '../../cluster/inter-broker-apis.ts';
import type { MetadataStore } from '../../cluster/metadata-store.ts';
import type { TopicAdmin } from '../../cluster/topic-admin.ts';
import type { BrokerConfig } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { LeadershipChange, ReplicaManager } from '../../replica/replica-manager.ts';
import type { Time, Timer } from '../../time.ts';
import { coordinatorPartitionFor } from '../group/group-coordinator.ts';
import { replicaManagerCoordinatorLog, type CoordinatorLog } from '../runtime/coordinator-log.ts';
import { CoordinatorRuntime, type CoordinatorResult } from '../runtime/coordinator-runtime.ts';
import { coordinatorErrorCode } from '../runtime/operation-error.ts';
import { InterBrokerSender } from './inter-broker-sender.ts';
import type { ProducerIdManager } from './producer-id-manager.ts';
import { transactionConfigFrom, type TransactionConfig } from './transaction-config.ts';
import { TransactionCoordinatorShard } from './transaction-coordinator-shard.ts';
import { TransactionMarkerChannelManager, type MarkerDestination, type PendingCompleteTxn } from './transaction-marker-channel-manager.ts';
import type { TransactionMetadata } from './transaction-metadata.ts';
import { TransactionState } from './transaction-state.ts';
import { interBrokerListenerName, interBrokerSecurity } from '../../security/inter-broker-security.ts';
import { createInternalTopic, internalTopicReplicationFactor, InternalTopicCreation, topicsView } from '../runtime/internal-topic.ts';

export const TRANSACTION_STATE_TOPIC_NAME = '__transaction_state';

/** Kafka's request.timeout.ms default: how long a WriteTxnMarkers may wait for its answer. */
const MARKER_REQUEST_TIMEOUT_MS = 30_000;
/** The pause before a failed write of the coordinator's own (a completion, a re-confirmed prepare) is tried again. */
const RETRY_BACKOFF_MS = 100;

export interface TransactionCoordinatorOptions {
  readonly config: BrokerConfig;
  readonly metadata: MetadataStore;
  /** Live brokers and partition leaders: for the topic's replication factor and the markers' destinations. */
  readonly cluster: ClusterView;
  readonly topicAdmin: TopicAdmin;
  readonly replicaManager: ReplicaManager;
  readonly producerIds: ProducerIdManager;
  readonly time: Time;
  readonly logger: Logger;
  /** The transaction.version the coordinator ends transactions with itself (the cluster's finalized level). */
  readonly transactionVersionLevel?: number;
  /** How a WriteTxnMarkers reaches a broker; by default over a connection to its inter-broker listener. */
  readonly sendMarkers?: (brokerId: number, request: WriteTxnMarkersRequest) => Promise<WriteTxnMarkersResponse>;
  /** The log of __transaction_state; by default its partitions through the replica manager (tests pass an in-memory one). */
  readonly log?: CoordinatorLog;
}

/**
 * The transaction coordinator's partitions (Kafka's TransactionStateManager, with the marker
 * sender's wiring): which __transaction_state partition a transactional id lives on, a shard per
 * partition this broker leads (run by the coordinator runtime over the partition's log), the
 * marker sender, and the topic's lifecycle. TransactionCoordinator adds the requests. The topic is created on first need (FindCoordinator), as Kafka does.
 *
 * Partitions follow leadership as the group coordinator's do: on a single node all are loaded at
 * startup or creation; in a cluster a partition is loaded when this broker becomes its leader and
 * dropped when it stops. The partition's leader epoch is the coordinator epoch the markers carry;
 * a new epoch reloads the partition (Kafka's onElection), and what was completing is completed.
 */
export class TransactionStateManager {
  readonly runtime: CoordinatorRuntime<TransactionCoordinatorShard, TransactionConfig>;
  readonly config: TransactionConfig;
  readonly markers: TransactionMarkerChannelManager;
  readonly producerIds: ProducerIdManager;
  protected readonly options: TransactionCoordinatorOptions;
  protected readonly logger: Logger;
  private readonly clusterMode: boolean;
  /** The coordinator epoch (the partition's leader epoch) of each partition this broker loaded. */
  private readonly coordinatorEpochs = new Map<number, number>();
  private readonly sender: InterBrokerSender;
  private readonly retries = new Set<Timer>();
  private readonly transactionTopic: InternalTopicCreation;
  private closed = false;

  constructor(options: TransactionCoordinatorOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'transaction-coordinator' });
    this.clusterMode = options.config.zookeeperConnect !== null;
    this.producerIds = options.producerIds;
    this.config = transactionConfigFrom(options.config, options.transactionVersionLevel ?? 0);
    this.runtime = new CoordinatorRuntime<TransactionCoordinatorShard, TransactionConfig>({
      log: options.log ?? replicaManagerCoordinatorLog(options.replicaManager, TRANSACTION_STATE_TOPIC_NAME, this.config.writeTimeoutMs),
      shardFactory: (context) => new TransactionCoordinatorShard(context, {
        onLoaded: (partition, completing) => this.onPartitionLoaded(partition, completing),
        onTimedOut: (partition, timedOut) => {
          for (const m of timedOut) void this.abortTimedOut(partition, m);
        },
      }),
      time: options.time,
      logger: this.logger,
      config: this.config,
      metadata: topicsView(options.metadata),
      loadBufferSize: this.config.transactionLogLoadBufferSize,
    });
    const listenerName = interBrokerListenerName(options.config);
    this.sender = new InterBrokerSender({
      clientId: `broker-${options.config.nodeId}-txn-marker-sender`,
      endpointOf: (brokerId) => options.cluster.aliveBroker(brokerId, listenerName),
      requestTimeoutMs: MARKER_REQUEST_TIMEOUT_MS,
      security: interBrokerSecurity(options.config),
    });
    this.markers = new TransactionMarkerChannelManager({
      leaderOf: (topic, partition) => this.markerDestination(topic, partition, listenerName),
      send: options.sendMarkers ?? ((brokerId, request) => this.sender.send(brokerId, InterBrokerApis.WriteTxnMarkers, request)),
      onMarkersWritten: (txn) => this.writeCompletion(txn),
      time: options.time,
      logger: this.logger,
    });
    this.transactionTopic = new InternalTopicCreation({
      exists: () => options.metadata.topic(TRANSACTION_STATE_TOPIC_NAME) !== undefined,
      create: () => this.createTopic(),
      onExisting: () => { if (!this.clusterMode) this.loadAll(); },
    });
  }

  /** The partition count of __transaction_state: the topic's own once it exists, else the config's. */
  numPartitions(): number {
    return this.options.metadata.topic(TRANSACTION_STATE_TOPIC_NAME)?.partitionCount ?? this.config.transactionLogNumPartitions;
  }

  /** Kafka's partitionFor: Utils.abs(transactionalId.hashCode) % partitions. */
  partitionFor(transactionalId: string): number {
    return coordinatorPartitionFor(transactionalId, this.numPartitions());
  }

  /** Whether this broker hosts the partition's shard (loading or loaded). */
  hostsPartition(partition: number): boolean {
    return this.runtime.isLoading(partition) || this.runtime.isActive(partition);
  }

  coordinatorEpoch(partition: number): number | undefined {
    return this.coordinatorEpochs.get(partition);
  }

  /** Single node: loads every partition of an existing __transaction_state. A cluster waits for LeaderAndIsr. */
  startup(): void {
    if (!this.clusterMode && this.options.metadata.topic(TRANSACTION_STATE_TOPIC_NAME) !== undefined) this.loadAll();
  }

  /**
   * Follows the leadership of __transaction_state partitions: one this broker now leads is loaded
   * (COORDINATOR_LOAD_IN_PROGRESS until then), one it no longer leads is dropped with its pending
   * markers (NOT_COORDINATOR from then on, so clients look the coordinator up again).
   */
  onLeadershipChange(change: LeadershipChange): void {
    if (this.closed) return;
    for (const { topic, partition } of [...change.becameFollower, ...change.stopped]) {
      if (topic === TRANSACTION_STATE_TOPIC_NAME) this.unload(partition);
    }
    for (const { topic, partition, leaderEpoch } of change.becameLeader) {
      if (topic !== TRANSACTION_STATE_TOPIC_NAME) continue;
      if (this.hostsPartition(partition) && this.coordinatorEpochs.get(partition) === leaderEpoch) continue;
      this.unload(partition);
      void this.load(partition, leaderEpoch);
    }
  }

  /** Creates __transaction_state if it does not exist yet and loads its partitions; concurrent callers share one creation. */
  async ensureTransactionTopic(): Promise<void> {
    await this.transactionTopic.ensure();
  }

  shutdown(): void {
    this.closed = true;
    for (const timer of this.retries) this.options.time.clearTimeout(timer);
    this.retries.clear();
    this.markers.close();
    this.sender.close();
    this.runtime.close();
    this.coordinatorEpochs.clear();
  }

  /**
   * Runs an operation that writes a PrepareCommit or PrepareAbort, and once that is durable sends
   * the transaction's markers. Answers the operation's response and the metadata the transaction
   * completes to (what a version 2 EndTxn tells the producer). A prepare the log holds but did not
   * confirm in time (its replicas were slow) is written again until it is durable, then its markers
   * go: its transaction must complete even though its client was answered with an error.
   */
  protected async prepareAndSendMarkers<T>(
    name: string, partition: number, operation: (shard: TransactionCoordinatorShard) => CoordinatorResult<T>,
    preparedOf: (response: T) => TransactionMetadata | undefined,
  ): Promise<{ response: T; completed: TransactionMetadata | undefined }> {
    const epoch = this.coordinatorEpochs.get(partition);
    let prepared: TransactionMetadata | undefined;
    let response: T;
    try {
      response = await this.runtime.scheduleWriteOperation(name, partition, (shard) => {
        const result = operation(shard);
        if (!(result.response instanceof Promise)) prepared = preparedOf(result.response);
        return result;
      });
    } catch (error) {
      if (prepared !== undefined && epoch !== undefined) void this.confirmWhenAppended(partition, epoch, prepared);
      throw error;
    }
    if (prepared === undefined || epoch === undefined) return { response, completed: undefined };
    const completed = await this.sendMarkersOnce(partition, epoch, prepared);
    return { response, completed };
  }

  /** After a prepare is durable: checks it still stands (as Kafka checks before sending) and sends its markers. */
  private async sendMarkersOnce(partition: number, epoch: number, prepared: TransactionMetadata): Promise<TransactionMetadata> {
    if (this.coordinatorEpochs.get(partition) !== epoch) {
      throw new KafkaError(ErrorCode.NOT_COORDINATOR, `The coordinator epoch of partition ${partition} changed while ${prepared.transactionalId} was ending`);
    }
    const completed = await this.runtime.scheduleReadOperation('check-prepared', partition, (shard) => shard.checkPrepared(prepared));
    this.markers.addTxnMarkersToSend({
      transactionalId: prepared.transactionalId, txnPartition: partition, coordinatorEpoch: epoch,
      commit: prepared.state === TransactionState.PREPARE_COMMIT, prepared,
    });
    return completed;
  }

  /** A prepare whose write failed after it was appended: written again (a no-op transition) until durable. */
  private async confirmWhenAppended(partition: number, epoch: number, prepared: TransactionMetadata): Promise<void> {
    const appended = await this.runtime.scheduleReadOperation('check-appended', partition, (shard) => shard.isCurrent(prepared)).catch(() => false);
    if (appended) this.retryLater(() => this.reconfirm(partition, epoch, prepared));
  }

  private async reconfirm(partition: number, epoch: number, prepared: TransactionMetadata): Promise<void> {
    if (this.closed || this.coordinatorEpochs.get(partition) !== epoch) return;
    try {
      const written = await this.runtime.scheduleWriteOperation('reconfirm-prepared', partition, (shard) => shard.reconfirmPrepared(prepared));
      if (written) await this.sendMarkersOnce(partition, epoch, prepared);
    } catch (error) {
      if (coordinatorErrorCode(error, this.logger, 'reconfirm-prepared') === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
        this.retryLater(() => this.reconfirm(partition, epoch, prepared));
      }
    }
  }

  private onPartitionLoaded(partition: number, completing: readonly TransactionMetadata[]): void {
    const epoch = this.coordinatorEpochs.get(partition);
    if (epoch === undefined) return;
    for (const prepared of completing) {
      this.logger.info({ transactionalId: prepared.transactionalId, partition }, 'sending the markers of a transaction found completing at load');
      this.markers.addTxnMarkersToSend({
        transactionalId: prepared.transactionalId, txnPartition: partition, coordinatorEpoch: epoch,
        commit: prepared.state === TransactionState.PREPARE_COMMIT, prepared,
      });
    }
  }

  private async abortTimedOut(partition: number, timedOut: TransactionMetadata): Promise<void> {
    try {
      await this.prepareAndSendMarkers('abort-timed-out-transaction', partition, (shard) => shard.abortTimedOutTransaction(timedOut), (m) => m);
    } catch (error) {
      const code = coordinatorErrorCode(error, this.logger, 'abort-timed-out-transaction');
      this.logger.warn({ transactionalId: timedOut.transactionalId, error: code }, 'aborting a timed out transaction failed; the next check tries again');
    }
  }

  /** Every marker is written: CompleteCommit / CompleteAbort, retried while the log refuses it for now. */
  private writeCompletion(txn: PendingCompleteTxn): void {
    if (this.closed || this.coordinatorEpochs.get(txn.txnPartition) !== txn.coordinatorEpoch) return;
    this.runtime.scheduleWriteOperation('complete-transaction', txn.txnPartition, (shard) => shard.completeTransaction(txn.prepared)).then(
      (written) => {
        if (written) this.logger.debug({ transactionalId: txn.transactionalId, commit: txn.commit }, 'transaction completed');
      },
      (error: unknown) => {
        const code = coordinatorErrorCode(error, this.logger, 'complete-transaction');
        // NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS: the partition moved; its next load completes the transaction.
        if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE) this.retryLater(() => this.writeCompletion(txn));
      },
    );
  }

  private retryLater(task: () => unknown): void {
    if (this.closed) return;
    const timer = this.options.time.setTimeout(() => {
      this.retries.delete(timer);
      void task();
    }, RETRY_BACKOFF_MS);
    timer.unref?.();
    this.retries.add(timer);
  }

  private markerDestination(topic: string, partition: number, listenerName: string): MarkerDestination {
    const leadership = this.options.cluster.partitionLeadership(topic, partition);
    if (leadership === undefined) return undefined;
    if (leadership.leader < 0 || this.options.cluster.aliveBroker(leadership.leader, listenerName) === undefined) return 'unavailable';
    return leadership.leader;
  }

  private async createTopic(): Promise<void> {
    const { topicAdmin } = this.options;
    // On a single node min.insync.replicas is capped with the factor, or no write could succeed.
    const replicationFactor = internalTopicReplicationFactor(this.config.transactionLogReplicationFactor, this.clusterMode ? this.options.cluster : undefined,
      { description: 'transactions state topic', config: 'transaction.state.log.replication.factor' });
    const created = await createInternalTopic(topicAdmin, {
      name: TRANSACTION_STATE_TOPIC_NAME,
      numPartitions: this.config.transactionLogNumPartitions,
      replicationFactor,
      // Kafka's transactionTopicConfigs: compacted, uncompressed, never an unclean leader.
      configs: {
        'cleanup.policy': 'compact',
        'compression.type': 'uncompressed',
        'unclean.leader.election.enable': 'false',
        'min.insync.replicas': String(Math.min(this.config.transactionLogMinInsyncReplicas, replicationFactor)),
        'segment.bytes': String(this.config.transactionLogSegmentBytes),
      },
    });
    if (!created) return;
    this.logger.info({ partitions: this.config.transactionLogNumPartitions, replicationFactor }, `${TRANSACTION_STATE_TOPIC_NAME} created`);
    if (this.clusterMode) return;
    this.loadAll();
    await Promise.all(Array.from({ length: this.numPartitions() }, (_, partition) => this.runtime.loadPartition(partition).catch(() => undefined)));
  }

  private loadAll(): void {
    for (let partition = 0; partition < this.numPartitions(); partition++) {
      if (this.hostsPartition(partition)) continue;
      void this.load(partition, this.options.replicaManager.partition(TRANSACTION_STATE_TOPIC_NAME, partition)?.leaderEpoch ?? 0);
    }
  }

  private async load(partition: number, leaderEpoch: number): Promise<void> {
    if (this.closed) return;
    this.coordinatorEpochs.set(partition, leaderEpoch);
    // Failures are logged and retried by the runtime; the partition answers COORDINATOR_LOAD_IN_PROGRESS meanwhile.
    await this.runtime.loadPartition(partition).catch(() => undefined);
  }

  private unload(partition: number): void {
    this.runtime.unloadPartition(partition);
    this.markers.removeMarkersForTxnTopicPartition(partition);
    this.coordinatorEpochs.delete(partition);
  }
}
