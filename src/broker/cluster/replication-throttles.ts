import type { BrokerConfig } from '../config.ts';
import { ReplicationQuota } from '../replica/replication-quota.ts';
import type { DynamicBrokerConfigs } from './dynamic-broker-configs.ts';

/** Kafka's default for the throttled rates is Long.MaxValue (the config's LONG_MAX here): no throttle. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** The two replication throttles of a broker (Kafka's ReplicationQuotaManager, leader and follower). */
export interface ReplicationThrottles {
  readonly leader: ReplicationQuota;
  readonly follower: ReplicationQuota;
}

/**
 * Builds the broker's throttles and keeps them current: the rates from the dynamic broker configs
 * (this broker's, else the cluster default, else server.properties), the throttled replicas from
 * each topic's leader/follower.replication.throttled.replicas as its configs change.
 */
export function replicationThrottles(options: {
  readonly config: BrokerConfig;
  readonly brokerConfigs: DynamicBrokerConfigs;
  readonly topicConfigs: (topic: string) => Readonly<Record<string, string>> | undefined;
  readonly onTopicConfigsChanged: (listener: (topic: string) => void) => void;
}): ReplicationThrottles {
  const { config, brokerConfigs } = options;
  const quota = (replicasKey: string) => new ReplicationQuota({
    localBrokerId: config.nodeId,
    windowCount: config.replicationQuotaWindowNum,
    windowMs: config.replicationQuotaWindowSizeSeconds * 1000,
    throttledReplicasOf: (topic) => (options.topicConfigs(topic)?.[replicasKey] ?? '').split(','),
  });
  const throttles = { leader: quota('leader.replication.throttled.replicas'), follower: quota('follower.replication.throttled.replicas') };
  const rate = (key: string, configured: number): number | undefined => {
    const value = Number(brokerConfigs.value(key) ?? configured);
    return value >= UNLIMITED ? undefined : value;
  };
  const applyRates = () => {
    const leader = rate('leader.replication.throttled.rate', config.leaderReplicationThrottledRate);
    const follower = rate('follower.replication.throttled.rate', config.followerReplicationThrottledRate);
    if (leader !== (throttles.leader.rateLimit === Infinity ? undefined : throttles.leader.rateLimit)) throttles.leader.setRateLimit(leader);
    if (follower !== (throttles.follower.rateLimit === Infinity ? undefined : throttles.follower.rateLimit)) throttles.follower.setRateLimit(follower);
  };
  applyRates();
  brokerConfigs.onChange(applyRates);
  options.onTopicConfigsChanged((topic) => {
    throttles.leader.invalidate(topic);
    throttles.follower.invalidate(topic);
  });
  return throttles;
}

/**
 * replica.alter.log.dirs.io.max.bytes.per.second as a throttle over every move between this
 * broker's log dirs (Kafka's alterLogDirs quota): from server.properties, and in a cluster from the
 * dynamic broker configs as they change.
 */
export function replicaAlterLogDirsThrottle(config: BrokerConfig, brokerConfigs: DynamicBrokerConfigs | undefined): ReplicationQuota {
  const quota = new ReplicationQuota({
    localBrokerId: config.nodeId,
    windowCount: config.replicationQuotaWindowNum,
    windowMs: config.replicationQuotaWindowSizeSeconds * 1000,
    throttledReplicasOf: () => ['*'],
  });
  const applyRate = () => {
    const value = Number(brokerConfigs?.value('replica.alter.log.dirs.io.max.bytes.per.second') ?? config.replicaAlterLogDirsIoMaxBytesPerSecond);
    const rate = value >= UNLIMITED ? undefined : value;
    if (rate !== (quota.rateLimit === Infinity ? undefined : quota.rateLimit)) quota.setRateLimit(rate);
  };
  applyRate();
  brokerConfigs?.onChange(applyRate);
  return quota;
}
