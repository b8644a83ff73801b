import type { LogDirInfo, LogManager } from '../../storage/log-manager.ts';
import type { LeaderAppendOptions } from '../../storage/partition-log.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { Time } from '../time.ts';
import type { TopicMetadata } from '../cluster/metadata-store.ts';
import { DelayedOperationPurgatory } from './delayed-operation-purgatory.ts';
import { Partition, SINGLE_NODE_REPLICATION, type AppendResult, type FollowerPartitionAccess, type PartitionSettings } from './partition.ts';
import type { ReplicationSettings } from './leader-replicas.ts';
import { AlterPartitionManager, type SendAlterPartition } from './alter-partition-manager.ts';
import { appendCompletion } from './delayed-produce.ts';
import { proposedIsr, type IsrState } from './partition-replicas.ts';
import { becomeLeaderOrFollower, stopReplicas, type LeaderAndIsr, type StopReplicaPartition } from './replica-state-changes.ts';
import { createSilentLogger, type Logger } from '../logger.ts';
import type { RetentionTarget } from '../../storage/log-retention.ts';
import type { CleanerLogEntry } from '../../storage/cleaner/log-cleaner.ts';
import type { ClientMetadata, ReplicaSelector } from './replica-selector.ts';
import { findPreferredReadReplica } from './preferred-read-replica.ts';
import type { ReplicationQuota } from './replication-quota.ts';
import { ReplicaAlterLogDirsManager } from './replica-alter-log-dirs-manager.ts';
import type { ReadBufferPool } from '../../storage/read-buffer-pool.ts';
import type { BrokerTopicMetrics } from '../../metrics/broker-topic-metrics.ts';

export type { PartitionSettings } from './partition.ts';

/** Where a partition's leader is, for NOT_LEADER_OR_FOLLOWER answers (the ClusterView fits). */
export interface LeaderLookup {
  partitionLeadership(topic: string, partition: number): { readonly leader: number; readonly leaderEpoch: number } | undefined;
  aliveBroker(id: number, listenerName: string): { readonly host: string; readonly port: number; readonly rack?: string | null } | undefined;
}

/** The fetchers that copy followed partitions from their leaders (part FETCHER's ReplicaFetcherManager fits). */
export interface FollowerFetchers {
  addFetcherForPartitions(partitions: readonly { topic: string; partition: number; leaderId: number; leaderEpoch: number }[]): void;
  removeFetcherForPartitions(partitions: readonly { topic: string; partition: number }[]): void;
}

export interface ReplicaManagerOptions {
  /** This broker's id (node.id / broker.id); 0 when alone. */
  readonly brokerId?: number;
  readonly replicaLagTimeMaxMs?: number;
  /** Whether a broker may be in an ISR: alive and registered (Kafka's isReplicaIsrEligible). */
  readonly isReplicaIsrEligible?: (brokerId: number) => boolean;
  /** Topic settings for logs that LeaderAndIsr opens (topic overrides over broker defaults). */
  readonly settingsFor?: (topic: string) => PartitionSettings;
  /** Sends ISR changes to the controller; absent on a single node, whose partitions have no followers. */
  readonly sendAlterPartition?: SendAlterPartition;
  readonly brokerEpoch?: () => bigint;
  readonly fetchers?: FollowerFetchers;
  readonly leaders?: LeaderLookup;
  /** leader.replication.throttled.rate over the topics' leader.replication.throttled.replicas; absent on a single node. */
  readonly leaderQuota?: ReplicationQuota | undefined;
  /** replica.selector.class: picks the replica a consumer should read from (KIP-392); unset, the leader. */
  readonly replicaSelector?: ReplicaSelector;
  /** replica.alter.log.dirs.io.max.bytes.per.second: how fast AlterReplicaLogDirs copies; unthrottled without. */
  readonly alterLogDirsQuota?: ReplicationQuota;
  /** The log reads' memory, given back once a move between log dirs copied it. */
  readonly readBuffers?: ReadBufferPool;
  readonly logger?: Logger;
  /** With metrics on: the coordinators' appends count in BrokerTopicMetrics (Produce counts its own). */
  readonly brokerTopicMetrics?: BrokerTopicMetrics | undefined;
}

export interface LeadershipChange {
  readonly becameLeader: readonly { topic: string; partition: number; leaderEpoch: number }[];
  readonly becameFollower: readonly { topic: string; partition: number }[];
  readonly stopped: readonly { topic: string; partition: number }[];
}

/** Kafka's default produce timeout when a caller names none (request.timeout.ms). */
const DEFAULT_APPEND_TIMEOUT_MS = 30000;

/**
 * The partitions this broker hosts, as leader or follower, and the purgatories where fetches wait
 * for data and acks=all produces for replication (Kafka's ReplicaManager).
 * Every change a waiting fetch must see wakes the fetches on that partition: appends, records
 * deleted (DeleteRecords, retention), a new leader epoch, the partition itself deleted. A woken
 * fetch reads again and answers what it finds, an error included (Kafka's DelayedFetch.tryComplete).
 * A high watermark that moves wakes both fetches and produces.
 *
 * The controller's LeaderAndIsr and StopReplica change the partitions' roles (replica-state-changes.ts);
 * a single node opens its partitions itself (openPartitions), each a leader with no followers.
 */
export class ReplicaManager {
  readonly fetchPurgatory: DelayedOperationPurgatory;
  readonly producePurgatory: DelayedOperationPurgatory;
  readonly brokerId: number;
  readonly replication: ReplicationSettings;
  readonly options: ReplicaManagerOptions;
  readonly alterPartitionManager: AlterPartitionManager | undefined;
  /** The newest controller epoch seen in LeaderAndIsr / StopReplica; older ones are refused. */
  controllerEpoch = -1;
  readonly logManager: LogManager;
  readonly time: Time;
  readonly partitions = new Map<string, Partition>();
  readonly leadershipListeners: Array<(change: LeadershipChange) => void> = [];
  /** ISR changes of partitions led here: committed shrinks and expansions, and changes refused or not sent (Kafka's IsrShrinksPerSec...). */
  readonly isrChangeCounts = { shrinks: 0, expands: 0, failed: 0 };
  /** Moves between this broker's log dirs (AlterReplicaLogDirs). */
  readonly alterLogDirs: ReplicaAlterLogDirsManager;
  private readonly liveLeaders = new Map<number, { host: string; port: number }>();
  private readonly isrShrinkTimer: ReturnType<typeof setInterval> | undefined;
  /** Set by fenceAppendsForHandover(): a clean shutdown is handing this broker's leaderships over. */
  private handingOver = false;

  constructor(logManager: LogManager, time: Time, options: ReplicaManagerOptions = {}) {
    this.logManager = logManager;
    this.time = time;
    this.options = options;
    this.brokerId = options.brokerId ?? 0;
    this.replication = Object.freeze({
      localBrokerId: this.brokerId,
      replicaLagTimeMaxMs: options.replicaLagTimeMaxMs ?? SINGLE_NODE_REPLICATION.replicaLagTimeMaxMs,
      isReplicaIsrEligible: options.isReplicaIsrEligible ?? (() => true),
    });
    this.fetchPurgatory = new DelayedOperationPurgatory(time);
    this.producePurgatory = new DelayedOperationPurgatory(time);
    const logger = options.logger ?? createSilentLogger();
    this.alterPartitionManager = options.sendAlterPartition === undefined ? undefined : new AlterPartitionManager({
      brokerId: this.brokerId,
      brokerEpoch: options.brokerEpoch ?? (() => -1n),
      send: options.sendAlterPartition,
      time,
      logger,
    });
    this.alterLogDirs = new ReplicaAlterLogDirsManager({
      logManager, time, logger, quota: options.alterLogDirsQuota, readBuffers: options.readBuffers,
      partition: (topic, index) => this.partition(topic, index),
      onLogReplaced: (partition) => this.wake(partition.key),
    });
    if (this.alterPartitionManager !== undefined) {
      // Kafka checks every half lag time, so a follower is out of the ISR within 1.5 lag times of its last catch-up.
      this.isrShrinkTimer = setInterval(() => this.maybeShrinkIsr(), Math.max(1, this.replication.replicaLagTimeMaxMs / 2));
      this.isrShrinkTimer.unref();
    }
  }

  /** Opens (or creates) the logs of a topic's partitions [0, partitionCount): the single node's partitions, each led here. */
  async openPartitions(topic: TopicMetadata, settings: PartitionSettings): Promise<void> {
    for (let index = 0; index < topic.partitionCount; index++) {
      const key = `${topic.name}-${index}`;
      const existing = this.partitions.get(key);
      if (existing !== undefined) {
        existing.applySettings(settings);
        continue;
      }
      const log = await this.logManager.getOrCreateLog(topic.name, index, settings.log);
      const partition = new Partition(topic.name, index, log, settings, this.time, { replication: this.replication, topicId: topic.topicId });
      this.partitions.set(key, partition);
      this.alterLogDirs.resume(partition);
    }
  }

  /** A topic config change reaches the partitions this broker hosts (cluster mode: /config/changes). */
  applySettings(topic: string, settings: PartitionSettings): void {
    for (const partition of this.partitions.values()) if (partition.topic === topic) partition.applySettings(settings);
  }

  /**
   * Drops the topic's partitions [0, partitionCount) and deletes their logs, together: looked up by
   * index, not found among every partition, and their checkpoint writes shared.
   */
  async deletePartitions(topicName: string, partitionCount: number): Promise<void> {
    const deletions: Promise<void>[] = [];
    for (let index = 0; index < partitionCount; index++) {
      const key = `${topicName}-${index}`;
      if (!this.partitions.delete(key)) continue;
      this.alterPartitionManager?.cancel(topicName, index);
      this.wake(key);
      deletions.push(this.logManager.deleteLog(topicName, index));
    }
    await Promise.all(deletions);
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.partitions.get(`${topic}-${index}`);
  }

  /**
   * The partition if this broker leads it. One it follows is NOT_LEADER_OR_FOLLOWER; one it does
   * not host is too when the cluster knows the partition (its leader is elsewhere), else
   * UNKNOWN_TOPIC_OR_PARTITION, as Kafka answers.
   */
  leaderPartition(topic: string, index: number): Partition {
    const partition = this.partitions.get(`${topic}-${index}`);
    if (partition === undefined) {
      if (this.options.leaders?.partitionLeadership(topic, index) !== undefined) {
        throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `This server does not host ${topic}-${index}`);
      }
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host ${topic}-${index}`);
    }
    if (!partition.isLeader) {
      throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `This server is not the leader of ${topic}-${index} (broker ${partition.leaderId} is)`);
    }
    return partition;
  }

  /**
   * The partition a Fetch reads: the leader's only, for followers and for consumers that cannot be
   * sent elsewhere (Fetch before v11); from v11 a consumer may read from a follower too (KIP-392,
   * Kafka's FetchParams.fetchOnlyLeader), below the high watermark the follower learnt from its leader.
   */
  fetchPartition(topic: string, index: number, fetchOnlyFromLeader: boolean): Partition {
    if (fetchOnlyFromLeader) return this.leaderPartition(topic, index);
    const partition = this.partitions.get(`${topic}-${index}`);
    return partition ?? this.leaderPartition(topic, index);
  }

  /**
   * The replica a consumer's fetch should go to instead of this leader (the Fetch answer's
   * preferredReadReplica), or undefined: always undefined without replica.selector.class.
   */
  preferredReadReplica(partition: Partition, client: ClientMetadata, fetchOffset: number): number | undefined {
    const selector = this.options.replicaSelector;
    if (selector === undefined) return undefined;
    const rackOf = (brokerId: number) => {
      const endpoint = this.options.leaders?.aliveBroker(brokerId, client.listenerName);
      return endpoint === undefined ? undefined : endpoint.rack ?? null;
    };
    return findPreferredReadReplica(partition, client, fetchOffset, selector, rackOf, this.time.now());
  }

  /** The partition while this broker follows it: what the replica fetcher works on. */
  followerPartition(topic: string, index: number): FollowerPartitionAccess | undefined {
    const partition = this.partitions.get(`${topic}-${index}`);
    return partition !== undefined && !partition.isLeader ? partition : undefined;
  }

  /**
   * The leader to steer a client to (the current-leader fields of NOT_LEADER_OR_FOLLOWER): what
   * the cluster's metadata says, else what the last LeaderAndIsr told this broker.
   */
  currentLeader(topic: string, index: number): { leaderId: number; leaderEpoch: number } | undefined {
    const known = this.options.leaders?.partitionLeadership(topic, index);
    const hosted = this.partitions.get(`${topic}-${index}`);
    const leaderId = known?.leader ?? hosted?.leaderId;
    if (leaderId === undefined || leaderId < 0) return undefined;
    return { leaderId, leaderEpoch: known?.leaderEpoch ?? hosted!.leaderEpoch };
  }

  /**
   * Appends as the leader. `completion` settles when `requiredAcks` is satisfied (see
   * appendCompletion); with acks=-1 too few in-sync replicas refuse the append first
   * (NOT_ENOUGH_REPLICAS, nothing written).
   */
  appendRecords(topic: string, index: number, records: Buffer, requiredAcks: -1 | 0 | 1 = 1, timeoutMs = DEFAULT_APPEND_TIMEOUT_MS, options: LeaderAppendOptions = {}): AppendResult & { completion: Promise<void> } {
    const metrics = options.origin === 'coordinator' ? this.options.brokerTopicMetrics : undefined;
    if (metrics === undefined) return this.#appendRecords(topic, index, records, requiredAcks, timeoutMs, options);
    return metrics.countAppend(topic, records.length, () => this.#appendRecords(topic, index, records, requiredAcks, timeoutMs, options));
  }

  #appendRecords(topic: string, index: number, records: Buffer, requiredAcks: -1 | 0 | 1, timeoutMs: number, options: LeaderAppendOptions): AppendResult & { completion: Promise<void> } {
    const partition = this.leaderPartition(topic, index);
    if (this.handingOver && partition.isr.some((id) => id !== this.brokerId)) {
      throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${topic}-${index} is moving to another in-sync replica: broker ${this.brokerId} is shutting down`);
    }
    if (requiredAcks === -1) partition.checkEnoughReplicasForAppend();
    const result = partition.appendRecordsAsLeader(records, options);
    // Followers wait at the log end, consumers at the high watermark: an append concerns both.
    this.wake(partition.key);
    // With flush.messages the high watermark moves when the fsync ends: wake the fetches again then.
    result.durable?.then(() => this.wake(partition.key), () => undefined);
    const leaderEpoch = partition.leaderEpoch;
    const isCurrent = () => this.partitions.get(partition.key) === partition && partition.isLeader && partition.leaderEpoch === leaderEpoch;
    const completion = appendCompletion(this.producePurgatory, partition, isCurrent, result, requiredAcks, timeoutMs);
    return { ...result, completion };
  }

  /**
   * From now on appends to partitions that another in-sync replica can take over are refused
   * (NOT_LEADER_OR_FOLLOWER, retriable, nothing written): see leadership-handover.ts.
   */
  fenceAppendsForHandover(): void {
    this.handingOver = true;
  }

  /**
   * A follower's fetch reached this leader (Fetch with a replica id): the follower's log end
   * offset is its fetch offset. The high watermark may move (waking consumers and acks=all
   * produces), and a follower that caught up is proposed for the ISR.
   */
  updateFollowerFetchState(partition: Partition, followerId: number, fetch: { fetchOffset: number; logStartOffset: number; brokerEpoch: number; leaderEpochGiven?: boolean }): void {
    const { highWatermarkMoved, expand } = partition.updateFollowerFetchState(followerId, fetch);
    if (highWatermarkMoved) this.wake(partition.key);
    if (expand !== undefined) this.proposeIsr(partition, expand);
  }

  /** A follower applied its leader's answer: consumer fetches waiting here (KIP-392) may see a new high watermark. */
  completeDelayedFetches(topic: string, index: number): void {
    this.fetchPurgatory.checkAndComplete(`${topic}-${index}`);
  }

  /** Wakes whatever waits on the partition: fetches for data or a new high watermark, produces for replication. */
  wake(key: string): void {
    this.fetchPurgatory.checkAndComplete(key);
    this.producePurgatory.checkAndComplete(key);
  }

  /** Sends an ISR change the partition prepared, and applies the controller's answer. */
  proposeIsr(partition: Partition, sent: IsrState): void {
    const manager = this.alterPartitionManager;
    // Without a controller to ask (a single node) the change stays pending: the high watermark keeps waiting for the larger set.
    if (manager === undefined) return;
    manager.submit({
      topic: partition.topic,
      topicId: partition.topicId,
      partition: partition.index,
      leaderEpoch: partition.leaderEpoch,
      partitionEpoch: partition.partitionEpoch,
      newIsr: proposedIsr(sent),
    }).then((answer) => {
      if (this.partitions.get(partition.key) !== partition) return;
      const before = partition.isr.length;
      if (partition.applyIsrChangeAnswer(sent, answer)) this.wake(partition.key);
      this.countIsrChange(answer.errorCode === ErrorCode.NONE, before, partition.isr.length);
      // A refused change was the partition's last word until the next fetch or check; answered ones may let produces finish.
      this.producePurgatory.checkAndComplete(partition.key);
    }, (error: unknown) => {
      this.isrChangeCounts.failed += 1;
      this.options.logger?.warn({ err: error, partition: partition.key }, 'ISR change not sent');
    });
  }

  private countIsrChange(accepted: boolean, before: number, after: number): void {
    if (!accepted) this.isrChangeCounts.failed += 1;
    else if (after < before) this.isrChangeCounts.shrinks += 1;
    else if (after > before) this.isrChangeCounts.expands += 1;
  }

  /** The periodic ISR check (Kafka's maybeShrinkIsr): followers out of step for the lag time are proposed out. */
  maybeShrinkIsr(): void {
    for (const partition of this.partitions.values()) {
      const shrink = partition.proposeIsrShrink();
      if (shrink !== undefined) this.proposeIsr(partition, shrink);
    }
  }

  /** LeaderAndIsr: see replica-state-changes.ts. Per partition error codes by `topic-partition`. */
  becomeLeaderOrFollower(request: LeaderAndIsr): Map<string, number> {
    return becomeLeaderOrFollower(this, request);
  }

  /** StopReplica: see replica-state-changes.ts. Per partition error codes by `topic-partition`. */
  stopReplicas(controllerEpoch: number, partitions: readonly StopReplicaPartition[]): Promise<Map<string, number>> {
    return stopReplicas(this, controllerEpoch, partitions);
  }

  /**
   * Where clients of `listenerName` reach these brokers (the node endpoints of produce and fetch
   * answers, KIP-951); unknown ones, and ones without that listener, are left out.
   */
  nodeEndpoints(brokerIds: Iterable<number>, listenerName: string): { nodeId: number; host: string; port: number; rack: string | null }[] {
    const endpoints: { nodeId: number; host: string; port: number; rack: string | null }[] = [];
    for (const nodeId of brokerIds) {
      const endpoint = this.options.leaders?.aliveBroker(nodeId, listenerName);
      if (endpoint !== undefined) endpoints.push({ nodeId, host: endpoint.host, port: endpoint.port, rack: endpoint.rack ?? null });
    }
    return endpoints;
  }

  /** Where the leaders named by the last LeaderAndIsr listen (its liveLeaders). */
  leaderEndpoint(brokerId: number): { host: string; port: number } | undefined {
    return this.liveLeaders.get(brokerId);
  }

  rememberLeaders(leaders: readonly { brokerId: number; host: string; port: number }[]): void {
    for (const leader of leaders) this.liveLeaders.set(leader.brokerId, { host: leader.host, port: leader.port });
  }

  settingsFor(topic: string): PartitionSettings {
    const settingsFor = this.options.settingsFor;
    if (settingsFor === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no settings known for topic ${topic}`);
    return settingsFor(topic);
  }

  /** Registers a listener told after every LeaderAndIsr / StopReplica that changed roles (the coordinators'). */
  onLeadershipChange(listener: (change: LeadershipChange) => void): void {
    this.leadershipListeners.push(listener);
  }

  /** DeleteRecords: moves the partition's log start offset; returns the new low watermark. */
  deleteRecords(topic: string, index: number, offset: number): number {
    const partition = this.leaderPartition(topic, index);
    const lowWatermark = partition.deleteRecordsBefore(offset);
    this.fetchPurgatory.checkAndComplete(partition.key);
    return lowWatermark;
  }

  /**
   * The partition's leader epoch moves to `leaderEpoch`, this broker staying its only replica: what
   * a LeaderAndIsr does to a single node's partition (tests of epoch fencing use it). Fetches
   * waiting with the old epoch complete, fenced.
   */
  makeLeader(topic: string, index: number, leaderEpoch: number): void {
    const partition = this.leaderPartition(topic, index);
    partition.makeLeader({ leader: this.brokerId, leaderEpoch, isr: partition.isr, partitionEpoch: partition.partitionEpoch, replicas: partition.replicas });
    this.wake(partition.key);
  }

  /** DescribeLogDirs: every log dir, its space and the partitions in it. */
  logDirsInfo(): LogDirInfo[] {
    return this.logManager.logDirsInfo();
  }

  /** AlterReplicaLogDirs for one replica: see ReplicaAlterLogDirsManager. Returns its error code. */
  alterReplicaLogDir(topic: string, index: number, logDir: string): Promise<number> {
    return this.alterLogDirs.alterReplicaLogDir(topic, index, logDir);
  }

  /** What the periodic retention check walks: every hosted log with its topic's retention settings. */
  *retentionTargets(): Iterable<RetentionTarget> {
    for (const partition of this.partitions.values()) {
      yield {
        log: partition.log,
        config: partition.retention,
        highWatermark: partition.highWatermark,
        onSegmentsDeleted: () => this.fetchPurgatory.checkAndComplete(partition.key),
      };
    }
  }

  /** What the log cleaner picks from: every hosted log with its topic's compaction settings and how far it is decided. */
  *cleanerEntries(): Iterable<CleanerLogEntry> {
    for (const partition of this.partitions.values()) yield { log: partition.log, config: partition.cleaner, lastStableOffset: partition.lastStableOffset };
  }

  async close(): Promise<void> {
    if (this.isrShrinkTimer !== undefined) clearInterval(this.isrShrinkTimer);
    this.alterPartitionManager?.close();
    // Unfinished moves keep their future logs: the next start resumes them.
    await this.alterLogDirs.close();
    this.fetchPurgatory.completeAll();
    this.producePurgatory.completeAll();
    // The logs' last checkpoints (high watermarks among them) are taken from the partitions: clear them after.
    await this.logManager.closeAll();
    this.partitions.clear();
  }
}
