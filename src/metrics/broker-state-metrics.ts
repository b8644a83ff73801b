import type { SendToBroker } from './remote-high-watermarks.ts';
import type { Registry } from 'prom-client';
import type { BrokerContext } from '../broker/broker-context.ts';
import type { Partition } from '../broker/replica/partition.ts';
import { CONTROLLER_METRICS, LOG_METRICS, PARTITION_METRICS, REPLICA_MANAGER_METRICS, SERVER_METRICS } from './kafka-metric-definitions.ts';
import { counterFamily, gaugeFamily, type Sample } from './metric-families.ts';

/** What the state gauges read, each time Prometheus scrapes. */
export interface BrokerState {
  readonly context: BrokerContext;
  /** Open client connections per listener name. */
  readonly connectionCounts: () => ReadonlyMap<string, number>;
  /** Reaches the cluster's other brokers (consumer lag asks leaders for their high watermarks). */
  readonly sendToBroker?: SendToBroker;
}

/** Kafka's BrokerState while a broker serves (RUNNING). */
const RUNNING = 3;

const one = (value: number): Sample[] => [{ labels: {}, value }];
const flag = (condition: boolean): number => (condition ? 1 : 0);

/** A partition led here with fewer in-sync replicas than replicas (Kafka's Partition.isUnderReplicated). */
const underReplicated = (p: Partition): boolean => p.isLeader && p.isr.length < p.replicas.length;
const underMinIsr = (p: Partition): boolean => p.isLeader && p.isr.length < p.minInSyncReplicas;
const atMinIsr = (p: Partition): boolean => p.isLeader && p.isr.length === p.minInSyncReplicas;

/**
 * The gauges that describe state, computed from the broker's own structures when Prometheus
 * scrapes and never in between: ReplicaManager's partition counts, each partition's replication
 * and log, the controller's view of the cluster, the purgatories, connections, the broker state.
 */
export function registerBrokerStateMetrics(registry: Registry, state: () => BrokerState | undefined): void {
  const partitions = (): Partition[] => [...(state()?.context.replicaManager.partitions.values() ?? [])];
  const count = (test: (p: Partition) => boolean) => (): Sample[] => one(partitions().filter(test).length);
  const perPartition = (value: (p: Partition) => number) => (): Sample[] =>
    partitions().map((p) => ({ labels: { topic: p.topic, partition: p.index }, value: value(p) }));

  const replicaManager = REPLICA_MANAGER_METRICS;
  gaugeFamily(registry, replicaManager.partitionCount, () => one(partitions().length));
  gaugeFamily(registry, replicaManager.leaderCount, count((p) => p.isLeader));
  gaugeFamily(registry, replicaManager.underReplicatedPartitions, count(underReplicated));
  gaugeFamily(registry, replicaManager.underMinIsrPartitionCount, count(underMinIsr));
  gaugeFamily(registry, replicaManager.atMinIsrPartitionCount, count(atMinIsr));
  gaugeFamily(registry, replicaManager.offlineReplicaCount, count((p) => p.log.isOffline));
  const isrChanges = () => state()?.context.replicaManager.isrChangeCounts;
  counterFamily(registry, replicaManager.isrShrinks, () => one(isrChanges()?.shrinks ?? 0));
  counterFamily(registry, replicaManager.isrExpands, () => one(isrChanges()?.expands ?? 0));
  counterFamily(registry, replicaManager.failedIsrUpdates, () => one(isrChanges()?.failed ?? 0));

  const partition = PARTITION_METRICS;
  gaugeFamily(registry, partition.underReplicated, perPartition((p) => flag(underReplicated(p))));
  gaugeFamily(registry, partition.inSyncReplicasCount, perPartition((p) => (p.isLeader ? p.isr.length : 0)));
  gaugeFamily(registry, partition.replicasCount, perPartition((p) => (p.isLeader ? p.replicas.length : 0)));
  gaugeFamily(registry, partition.underMinIsr, perPartition((p) => flag(underMinIsr(p))));
  gaugeFamily(registry, partition.atMinIsr, perPartition((p) => flag(atMinIsr(p))));
  gaugeFamily(registry, partition.lastStableOffsetLag, perPartition((p) => (p.isLeader && !p.log.isOffline ? p.highWatermark - p.lastStableOffset : 0)));

  // Every log this broker keeps, current ones (a reassignment's future log is not the partition's yet).
  const logs = () => state()?.context.replicaManager.logManager.allLogs().filter((log) => !log.isOffline) ?? [];
  const perLog = (value: (log: ReturnType<typeof logs>[number]) => number) => (): Sample[] =>
    logs().map((log) => ({ labels: { topic: log.topic, partition: log.partition }, value: value(log) }));
  gaugeFamily(registry, LOG_METRICS.size, perLog((log) => log.size));
  gaugeFamily(registry, LOG_METRICS.numLogSegments, perLog((log) => log.segmentBaseOffsets.length));
  gaugeFamily(registry, LOG_METRICS.logStartOffset, perLog((log) => log.logStartOffset));
  gaugeFamily(registry, LOG_METRICS.logEndOffset, perLog((log) => log.logEndOffset));
  gaugeFamily(registry, LOG_METRICS.offlineLogDirectoryCount, () => one(state()?.context.replicaManager.logManager.offlineLogDirs.length ?? 0));

  registerControllerMetrics(registry, () => state()?.context);

  gaugeFamily(registry, SERVER_METRICS.brokerState, () => one(state() === undefined ? 0 : RUNNING));
  gaugeFamily(registry, SERVER_METRICS.purgatorySize, () => {
    const replicaManager = state()?.context.replicaManager;
    if (replicaManager === undefined) return [];
    return [
      { labels: { delayedOperation: 'Produce' }, value: replicaManager.producePurgatory.watchedCount },
      { labels: { delayedOperation: 'Fetch' }, value: replicaManager.fetchPurgatory.watchedCount },
    ];
  });
  gaugeFamily(registry, SERVER_METRICS.connectionCount, () =>
    [...(state()?.connectionCounts() ?? new Map<string, number>())].map(([listener, value]) => ({ labels: { listener, networkProcessor: 0 }, value })));
}

interface ControllerView {
  readonly active: boolean;
  readonly topics: number;
  readonly partitions: number;
  readonly offline: number;
  readonly imbalanced: number;
}

/**
 * Kafka's KafkaController gauges: the active controller reports the cluster (from the metadata its
 * UpdateMetadata requests gave this broker, itself included), every other broker 0. A single node
 * is its own controller; its offline partitions are those whose log dir failed.
 */
function controllerView(context: BrokerContext): ControllerView {
  const cache = context.metadataCache;
  if (cache === undefined) {
    const topics = context.metadata.topics();
    const offline = [...context.replicaManager.partitions.values()].filter((p) => p.log.isOffline).length;
    return { active: true, topics: topics.length, partitions: topics.reduce((sum, t) => sum + t.partitionCount, 0), offline, imbalanced: 0 };
  }
  if (context.controller?.isActive !== true) return { active: false, topics: 0, partitions: 0, offline: 0, imbalanced: 0 };
  let partitions = 0;
  let offline = 0;
  let imbalanced = 0;
  const names = cache.topicNames();
  for (const name of names) {
    const partitionCount = cache.topic(name)?.partitionCount ?? 0;
    partitions += partitionCount;
    for (let index = 0; index < partitionCount; index++) {
      const leadership = cache.partitionLeadership(name, index);
      const leader = leadership?.leader ?? -1;
      if (leader < 0 || !cache.isAlive(leader)) offline += 1;
      else if (leadership!.replicas[0] !== leader) imbalanced += 1;
    }
  }
  return { active: true, topics: names.length, partitions, offline, imbalanced };
}

function registerControllerMetrics(registry: Registry, context: () => BrokerContext | undefined): void {
  const view = (): ControllerView | undefined => {
    const current = context();
    return current === undefined ? undefined : controllerView(current);
  };
  const controller = CONTROLLER_METRICS;
  gaugeFamily(registry, controller.activeControllerCount, () => one(flag(view()?.active === true)));
  gaugeFamily(registry, controller.offlinePartitionsCount, () => one(view()?.offline ?? 0));
  gaugeFamily(registry, controller.preferredReplicaImbalanceCount, () => one(view()?.imbalanced ?? 0));
  gaugeFamily(registry, controller.globalTopicCount, () => one(view()?.topics ?? 0));
  gaugeFamily(registry, controller.globalPartitionCount, () => one(view()?.partitions ?? 0));
}
