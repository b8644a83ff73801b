import type { Registry } from 'prom-client';
import type { BrokerContext } from '../broker/broker-context.ts';
import type { GroupCoordinatorShard } from '../broker/coordinator/group/group-coordinator-shard.ts';
import { CONSUMER_LAG_METRICS, GROUP_METRICS } from './kafka-metric-definitions.ts';
import { gaugeFamily, type Sample } from './metric-families.ts';
import { partitionKey, type RemoteHighWatermarks } from './remote-high-watermarks.ts';

const CLASSIC_STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty'] as const;
const CONSUMER_STATES = ['Empty', 'Assigning', 'Reconciling', 'Stable', 'Dead'] as const;

/** The shards of the __consumer_offsets partitions this broker coordinates (loaded ones). */
function shards(context: BrokerContext | undefined): GroupCoordinatorShard[] {
  const runtime = context?.groupCoordinator.runtime;
  if (runtime === undefined) return [];
  return runtime.activePartitions().map((partition) => runtime.shard(partition)).filter((shard) => shard !== undefined);
}

interface GroupCounts {
  readonly classic: Map<string, number>;
  readonly consumer: Map<string, number>;
  classicTotal: number;
  consumerTotal: number;
  offsets: number;
}

function groupCounts(context: BrokerContext | undefined): GroupCounts {
  const counts: GroupCounts = { classic: new Map(), consumer: new Map(), classicTotal: 0, consumerTotal: 0, offsets: 0 };
  for (const shard of shards(context)) {
    for (const group of shard.groups.values()) {
      const byState = group.type === 'classic' ? counts.classic : counts.consumer;
      const state = group.stateName();
      byState.set(state, (byState.get(state) ?? 0) + 1);
      if (group.type === 'classic') counts.classicTotal += 1;
      else counts.consumerTotal += 1;
    }
    for (const groupId of shard.offsets.groupIds()) {
      for (const partitions of shard.offsets.groupOffsets(groupId).values()) counts.offsets += partitions.size;
    }
  }
  return counts;
}

interface PartitionLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly committed: number;
  readonly lag: number;
}

/** Every offset committed by a group whose coordinator is here. */
function* committedOffsets(context: BrokerContext | undefined): Generator<{ group: string; topic: string; partition: number; committedOffset: number }> {
  for (const shard of shards(context)) {
    for (const group of shard.offsets.groupIds()) {
      for (const [topic, partitions] of shard.offsets.groupOffsets(group)) {
        for (const [partition, offset] of partitions) yield { group, topic, partition, committedOffset: offset.committedOffset };
      }
    }
  }
}

/** Every partition a group whose coordinator is here has committed an offset for. */
export function committedPartitions(context: BrokerContext | undefined): Array<{ topic: string; partition: number }> {
  return [...committedOffsets(context)].map(({ topic, partition }) => ({ topic, partition }));
}

/**
 * Consumer lag as kafka_exporter reports it, computed by the coordinator of each group from its
 * committed offsets: the partition's high watermark minus the committed offset (never below 0).
 * The high watermark is this broker's own replica's when it hosts the partition (a follower's
 * trails its leader's by at most one fetch), else the leader's, asked at this scrape
 * (remote-high-watermarks.ts); a partition whose leader did not answer is left out.
 */
function partitionLags(context: BrokerContext | undefined, remote: RemoteHighWatermarks): PartitionLag[] {
  const lags: PartitionLag[] = [];
  if (context === undefined) return lags;
  for (const { group, topic, partition, committedOffset } of committedOffsets(context)) {
    const highWatermark = context.replicaManager.partition(topic, partition)?.highWatermark ?? remote.get(partitionKey(topic, partition));
    if (highWatermark !== undefined) lags.push({ group, topic, partition, committed: committedOffset, lag: Math.max(0, highWatermark - committedOffset) });
  }
  return lags;
}

/** Sums per group and topic. */
function sums(lags: readonly PartitionLag[], value: (lag: PartitionLag) => number): Sample[] {
  const byGroupTopic = new Map<string, { group: string; topic: string; sum: number }>();
  for (const lag of lags) {
    const key = JSON.stringify([lag.group, lag.topic]);
    const entry = byGroupTopic.get(key) ?? { group: lag.group, topic: lag.topic, sum: 0 };
    entry.sum += value(lag);
    byGroupTopic.set(key, entry);
  }
  return [...byGroupTopic.values()].map(({ group, topic, sum }) => ({ labels: { consumergroup: group, topic }, value: sum }));
}

/** Group counts by state (Kafka's GroupMetadataManager gauges and group coordinator metrics) and consumer lag. */
export function registerGroupMetrics(registry: Registry, context: () => BrokerContext | undefined, remote: () => RemoteHighWatermarks): void {
  const classic = (state: (typeof CLASSIC_STATES)[number]) => (): Sample[] => [{ labels: {}, value: groupCounts(context()).classic.get(state) ?? 0 }];
  const definitions = GROUP_METRICS;
  gaugeFamily(registry, definitions.numGroups, () => [{ labels: {}, value: groupCounts(context()).classicTotal }]);
  gaugeFamily(registry, definitions.numGroupsPreparingRebalance, classic('PreparingRebalance'));
  gaugeFamily(registry, definitions.numGroupsCompletingRebalance, classic('CompletingRebalance'));
  gaugeFamily(registry, definitions.numGroupsStable, classic('Stable'));
  gaugeFamily(registry, definitions.numGroupsDead, classic('Dead'));
  gaugeFamily(registry, definitions.numGroupsEmpty, classic('Empty'));
  gaugeFamily(registry, definitions.numOffsets, () => [{ labels: {}, value: groupCounts(context()).offsets }]);
  gaugeFamily(registry, definitions.groupCount, () => {
    const counts = groupCounts(context());
    return [{ labels: { protocol: 'classic' }, value: counts.classicTotal }, { labels: { protocol: 'consumer' }, value: counts.consumerTotal }];
  });
  gaugeFamily(registry, definitions.consumerGroupCount, () => {
    const counts = groupCounts(context());
    return CONSUMER_STATES.map((state) => ({ labels: { state }, value: counts.consumer.get(state) ?? 0 }));
  });

  const perPartition = (value: (lag: PartitionLag) => number) => (): Sample[] =>
    partitionLags(context(), remote()).map((lag) => ({ labels: { consumergroup: lag.group, topic: lag.topic, partition: lag.partition }, value: value(lag) }));
  const lagDefinitions = CONSUMER_LAG_METRICS;
  gaugeFamily(registry, lagDefinitions.lag, perPartition((lag) => lag.lag));
  gaugeFamily(registry, lagDefinitions.lagSum, () => sums(partitionLags(context(), remote()), (lag) => lag.lag));
  gaugeFamily(registry, lagDefinitions.currentOffset, perPartition((lag) => lag.committed));
  gaugeFamily(registry, lagDefinitions.currentOffsetSum, () => sums(partitionLags(context(), remote()), (lag) => lag.committed));
}
