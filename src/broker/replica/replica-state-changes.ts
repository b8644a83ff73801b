import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import { Partition } from './partition.ts';
import type { LeadershipChange, ReplicaManager } from './replica-manager.ts';

/** One partition of a LeaderAndIsr request, as the replica manager needs it. */
export interface LeaderAndIsrPartition {
  readonly topic: string;
  readonly partition: number;
  readonly topicId?: string;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly partitionEpoch: number;
  readonly replicas: readonly number[];
  readonly isNew: boolean;
}

export interface LeaderAndIsr {
  readonly controllerId: number;
  readonly controllerEpoch: number;
  readonly partitionStates: readonly LeaderAndIsrPartition[];
  readonly liveLeaders: readonly { brokerId: number; host: string; port: number }[];
}

export interface StopReplicaPartition {
  readonly topic: string;
  readonly partition: number;
  /** -1: none given (old versions); -2: the topic is being deleted (Kafka's EpochDuringDelete). */
  readonly leaderEpoch: number;
  readonly deletePartition: boolean;
}

/** Kafka's LeaderAndIsr.EpochDuringDelete and NoEpoch: StopReplica epochs that bypass the epoch check. */
const EPOCH_DURING_DELETE = -2;
const NO_EPOCH = -1;

/** A request from a controller older than the newest this broker has heard from. */
export class StaleControllerEpochError extends KafkaError {
  constructor(controllerEpoch: number, latest: number) {
    super(ErrorCode.STALE_CONTROLLER_EPOCH, `controller epoch ${controllerEpoch} is older than ${latest}`);
  }
}

/**
 * LeaderAndIsr (Kafka's ReplicaManager.becomeLeaderOrFollower, ZooKeeper mode): a request from an
 * older controller is refused whole (StaleControllerEpochError). Per partition: a topic id other
 * than the log's is INCONSISTENT_TOPIC_ID; an epoch not newer than the partition's is
 * STALE_CONTROLLER_EPOCH (the controller's decision is already applied, or superseded); a replica
 * list without this broker is UNKNOWN_TOPIC_OR_PARTITION. The others open their log if needed,
 * then become leader (their fetchers stopped first) or follower (fetching from the new leader from
 * their log end; the fetcher truncates a divergent tail by leader epoch first). Waiting produces
 * and fetches are woken to see the change; listeners learn which roles changed.
 */
export function becomeLeaderOrFollower(manager: ReplicaManager, request: LeaderAndIsr): Map<string, number> {
  if (request.controllerEpoch < manager.controllerEpoch) throw new StaleControllerEpochError(request.controllerEpoch, manager.controllerEpoch);
  manager.controllerEpoch = request.controllerEpoch;
  manager.rememberLeaders(request.liveLeaders);
  const errors = new Map<string, number>();
  const toLead: Array<{ partition: Partition; state: LeaderAndIsrPartition }> = [];
  const toFollow: Array<{ partition: Partition; state: LeaderAndIsrPartition }> = [];
  for (const state of request.partitionStates) {
    const key = `${state.topic}-${state.partition}`;
    try {
      const existing = manager.partitions.get(key);
      const topicId = state.topicId !== undefined && state.topicId !== ZERO_UUID ? state.topicId : undefined;
      if (existing !== undefined && topicId !== undefined && existing.topicId !== ZERO_UUID && existing.topicId !== topicId) {
        errors.set(key, ErrorCode.INCONSISTENT_TOPIC_ID);
        continue;
      }
      if (existing !== undefined && state.leaderEpoch <= existing.leaderEpoch) {
        errors.set(key, ErrorCode.STALE_CONTROLLER_EPOCH);
        continue;
      }
      if (!state.replicas.includes(manager.brokerId)) {
        errors.set(key, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const partition = existing ?? openPartition(manager, state, topicId);
      if (topicId !== undefined) partition.topicId = topicId;
      (state.leader === manager.brokerId ? toLead : toFollow).push({ partition, state });
      errors.set(key, ErrorCode.NONE);
    } catch (error) {
      errors.set(key, error instanceof KafkaError ? error.code : ErrorCode.KAFKA_STORAGE_ERROR);
    }
  }
  const becameLeader = makeLeaders(manager, toLead, errors);
  const becameFollower = makeFollowers(manager, toFollow, errors);
  if (becameLeader.length > 0 || becameFollower.length > 0) notify(manager, { becameLeader, becameFollower, stopped: [] });
  return errors;
}

function openPartition(manager: ReplicaManager, state: LeaderAndIsrPartition, topicId: string | undefined): Partition {
  const settings = manager.settingsFor(state.topic);
  const log = manager.logManager.getOrCreateLog(state.topic, state.partition, settings.log);
  // Epoch -1 until the controller's first decision (Kafka's Partition starts below LeaderAndIsr.InitialLeaderEpoch).
  // The high watermark starts where the last checkpoint left it (none: 0, as Kafka), so a restarted
  // replica never counts as replicated what only its own log holds; followers and the ISR move it on.
  const highWatermark = manager.logManager.checkpointedHighWatermark(state.topic, state.partition) ?? 0;
  const partition = new Partition(state.topic, state.partition, log, settings, manager.time, { replication: manager.replication, topicId, leaderEpoch: -1, highWatermark });
  manager.partitions.set(partition.key, partition);
  manager.alterLogDirs.resume(partition);
  return partition;
}

function makeLeaders(manager: ReplicaManager, toLead: readonly { partition: Partition; state: LeaderAndIsrPartition }[], errors: Map<string, number>): LeadershipChange['becameLeader'] {
  if (toLead.length === 0) return [];
  // Stop fetching first: a fetch response arriving after this must not write a log that now leads.
  manager.options.fetchers?.removeFetcherForPartitions(toLead.map(({ partition }) => ({ topic: partition.topic, partition: partition.index })));
  const became: Array<{ topic: string; partition: number; leaderEpoch: number }> = [];
  for (const { partition, state } of toLead) {
    try {
      manager.alterPartitionManager?.cancel(partition.topic, partition.index);
      partition.makeLeader(state);
      became.push({ topic: partition.topic, partition: partition.index, leaderEpoch: state.leaderEpoch });
    } catch (error) {
      errors.set(partition.key, error instanceof KafkaError ? error.code : ErrorCode.KAFKA_STORAGE_ERROR);
    }
    manager.wake(partition.key);
  }
  return became;
}

function makeFollowers(manager: ReplicaManager, toFollow: readonly { partition: Partition; state: LeaderAndIsrPartition }[], errors: Map<string, number>): LeadershipChange['becameFollower'] {
  if (toFollow.length === 0) return [];
  const became: Array<{ topic: string; partition: number }> = [];
  const fetch: Array<{ topic: string; partition: number; leaderId: number; leaderEpoch: number }> = [];
  for (const { partition, state } of toFollow) {
    try {
      manager.alterPartitionManager?.cancel(partition.topic, partition.index);
      const changed = partition.makeFollower(state);
      became.push({ topic: partition.topic, partition: partition.index });
      // Kafka's makeFollowers: fetch only from a live leader; an offline partition (-1) waits for the next LeaderAndIsr.
      if (changed && state.leader >= 0) fetch.push({ topic: partition.topic, partition: partition.index, leaderId: state.leader, leaderEpoch: state.leaderEpoch });
    } catch (error) {
      errors.set(partition.key, error instanceof KafkaError ? error.code : ErrorCode.KAFKA_STORAGE_ERROR);
    }
    // Produces waiting as leader answer NOT_LEADER_OR_FOLLOWER now, fetches see the new epoch.
    manager.wake(partition.key);
  }
  const fetchers = manager.options.fetchers;
  if (fetchers !== undefined && fetch.length > 0) {
    fetchers.removeFetcherForPartitions(fetch);
    fetchers.addFetcherForPartitions(fetch);
  }
  return became;
}

/**
 * StopReplica (Kafka's ReplicaManager.stopReplicas): refused whole from an older controller. Per
 * partition an older leader epoch is FENCED_LEADER_EPOCH; otherwise its fetcher stops, and with
 * deletePartition the partition goes and its log is deleted; without, it stays hosted (a broker
 * shutting down stops following). Waiting produces and fetches complete.
 */
export async function stopReplicas(manager: ReplicaManager, controllerEpoch: number, partitions: readonly StopReplicaPartition[]): Promise<Map<string, number>> {
  if (controllerEpoch < manager.controllerEpoch) throw new StaleControllerEpochError(controllerEpoch, manager.controllerEpoch);
  manager.controllerEpoch = controllerEpoch;
  const errors = new Map<string, number>();
  const toStop: StopReplicaPartition[] = [];
  for (const stop of partitions) {
    const key = `${stop.topic}-${stop.partition}`;
    const hosted = manager.partitions.get(key);
    if (hosted !== undefined && hosted.log.isOffline) {
      errors.set(key, ErrorCode.KAFKA_STORAGE_ERROR);
    } else if (hosted !== undefined && stop.leaderEpoch !== EPOCH_DURING_DELETE && stop.leaderEpoch !== NO_EPOCH && stop.leaderEpoch < hosted.leaderEpoch) {
      errors.set(key, ErrorCode.FENCED_LEADER_EPOCH);
    } else {
      toStop.push(stop);
      errors.set(key, ErrorCode.NONE);
    }
  }
  manager.options.fetchers?.removeFetcherForPartitions(toStop);
  const stopped: Array<{ topic: string; partition: number }> = [];
  for (const stop of toStop) {
    const key = `${stop.topic}-${stop.partition}`;
    manager.alterPartitionManager?.cancel(stop.topic, stop.partition);
    stopped.push({ topic: stop.topic, partition: stop.partition });
    if (stop.deletePartition) {
      manager.partitions.delete(key);
      manager.wake(key);
      try {
        // A partition deleted while this broker was down has a log but no Partition: deleted all the same.
        if (manager.logManager.getLog(stop.topic, stop.partition) !== undefined) await manager.logManager.deleteLog(stop.topic, stop.partition);
      } catch (error) {
        errors.set(key, error instanceof KafkaError ? error.code : ErrorCode.KAFKA_STORAGE_ERROR);
      }
    } else {
      manager.wake(key);
    }
  }
  if (stopped.length > 0) notify(manager, { becameLeader: [], becameFollower: [], stopped });
  return errors;
}

function notify(manager: ReplicaManager, change: LeadershipChange): void {
  for (const listener of manager.leadershipListeners) {
    try {
      listener(change);
    } catch (error) {
      manager.options.logger?.error({ err: error }, 'a leadership change listener failed');
    }
  }
}

/**
 * Stray replicas: logs left behind by a replica removed from its partition (a reassignment, a
 * decommission) while this broker was down, so that no StopReplica reached it. The controller's
 * UpdateMetadata names every partition's replicas; a log this broker holds for a partition whose
 * replicas leave it out, and that no LeaderAndIsr has opened here, is deleted, as KRaft brokers
 * do (ZooKeeper-mode Kafka left such logs on disk for good). Answers the partitions deleted.
 */
export function deleteStrayReplicas(manager: ReplicaManager, partitions: Iterable<{ topic: string; partition: number; replicas: readonly number[] }>): string[] {
  const deleted: string[] = [];
  for (const { topic, partition, replicas } of partitions) {
    const key = `${topic}-${partition}`;
    if (replicas.length === 0 || replicas.includes(manager.brokerId) || manager.partitions.has(key)) continue;
    const log = manager.logManager.getLog(topic, partition);
    if (log === undefined || log.isOffline) continue;
    // The log is gone at once (its dir renamed); the files go in the background, not in the
    // controller's UpdateMetadata, which waits for this broker's answer.
    manager.logManager.deleteLog(topic, partition).catch((error: unknown) =>
      manager.options.logger?.warn({ err: error, topic, partition }, 'removing a stray replica\'s files failed'));
    deleted.push(key);
  }
  if (deleted.length > 0) manager.options.logger?.info({ partitions: deleted }, 'deleted stray replicas: this broker is no longer among their replicas');
  return deleted;
}
