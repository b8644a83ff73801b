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
 * Builds the broker's replication throttles and keeps them current: the rates from the dynamic
 * broker configs, the throttled replicas from each topic's leader/follower.replication.throttled.replicas
 * as its configs change.
 */
export function replicationThrottles(options: {
  readonly config: BrokerConfig;
  readonly brokerConfigs: DynamicBrokerConfigs;
  readonly topicConfigs: (topic: string) => Readonly<Record<string, string>> | undefined;
  readonly onTopicConfigsChanged: (listener: (topic: string) => void) => void;
}): ReplicationThrottles {
  const { config, brokerConfigs } = options;
  const side = (rateKey: string, configured: number, replicasKey: string) =>
    throttle(config, brokerConfigs, rateKey, configured, (topic) => (options.topicConfigs(topic)?.[replicasKey] ?? '').split(','));
  const throttles = {
    leader: side('leader.replication.throttled.rate', config.leaderReplicationThrottledRate, 'leader.replication.throttled.replicas'),
    follower: side('follower.replication.throttled.rate', config.followerReplicationThrottledRate, 'follower.replication.throttled.replicas'),
  };
  options.onTopicConfigsChanged((topic) => {
    throttles.leader.invalidate(topic);
    throttles.follower.invalidate(topic);
  });
  return throttles;
}

/**
 * replica.alter.log.dirs.io.max.bytes.per.second as a throttle over every move between this
 * broker's log dirs (Kafka's alterLogDirs quota).
 */
export function replicaAlterLogDirsThrottle(config: BrokerConfig, brokerConfigs: DynamicBrokerConfigs | undefined): ReplicationQuota {
  return throttle(config, brokerConfigs, 'replica.alter.log.dirs.io.max.bytes.per.second', config.replicaAlterLogDirsIoMaxBytesPerSecond, () => ['*']);
}

/**
 * A quota whose rate is `rateKey` as in force: this broker's dynamic value, else the cluster's
 * dynamic default, else server.properties (`configured`); followed as the dynamic configs change.
 */
function throttle(
  config: BrokerConfig, brokerConfigs: DynamicBrokerConfigs | undefined, rateKey: string, configured: number,
  throttledReplicasOf: (topic: string) => readonly string[],
): ReplicationQuota {
  const quota = new ReplicationQuota({
    localBrokerId: config.nodeId,
    windowCount: config.replicationQuotaWindowNum,
    windowMs: config.replicationQuotaWindowSizeSeconds * 1000,
    throttledReplicasOf,
  });
  const applyRate = () => {
    const value = Number(brokerConfigs?.value(rateKey) ?? configured);
    const rate = value >= UNLIMITED ? Infinity : value;
    // A rate set again unchanged keeps what has been measured.
    if (rate !== quota.rateLimit) quota.setRateLimit(rate === Infinity ? undefined : rate);
  };
  applyRate();
  brokerConfigs?.onChange(applyRate);
  return quota;
}
