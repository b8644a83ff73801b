import { parseBrokerConfig, type BrokerConfig, type BrokerConfigInput } from '../../config.ts';

/**
 * What the group coordinator takes from the broker config (Kafka's GroupCoordinatorConfig):
 * fields are the camelCase of Kafka's keys, except offsetsRetentionMs (from offsets.retention.minutes).
 */
export interface GroupConfig {
  readonly offsetsTopicNumPartitions: number;
  readonly offsetsTopicReplicationFactor: number;
  readonly offsetsTopicSegmentBytes: number;
  readonly offsetsLoadBufferSize: number;
  readonly offsetCommitTimeoutMs: number;
  readonly offsetMetadataMaxBytes: number;
  readonly offsetsRetentionMs: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMaxSize: number;
  readonly groupCoordinatorRebalanceProtocols: readonly string[];
  readonly groupConsumerSessionTimeoutMs: number;
  readonly groupConsumerMinSessionTimeoutMs: number;
  readonly groupConsumerMaxSessionTimeoutMs: number;
  readonly groupConsumerHeartbeatIntervalMs: number;
  readonly groupConsumerMinHeartbeatIntervalMs: number;
  readonly groupConsumerMaxHeartbeatIntervalMs: number;
  readonly groupConsumerMaxSize: number;
  readonly groupConsumerAssignors: readonly string[];
}

export function groupConfigFrom(config: BrokerConfig): GroupConfig {
  return Object.freeze({
    offsetsTopicNumPartitions: config.offsetsTopicNumPartitions,
    offsetsTopicReplicationFactor: config.offsetsTopicReplicationFactor,
    offsetsTopicSegmentBytes: config.offsetsTopicSegmentBytes,
    offsetsLoadBufferSize: config.offsetsLoadBufferSize,
    offsetCommitTimeoutMs: config.offsetsCommitTimeoutMs,
    offsetMetadataMaxBytes: config.offsetMetadataMaxBytes,
    offsetsRetentionMs: config.offsetsRetentionMinutes * 60_000,
    offsetsRetentionCheckIntervalMs: config.offsetsRetentionCheckIntervalMs,
    groupMinSessionTimeoutMs: config.groupMinSessionTimeoutMs,
    groupMaxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
    groupInitialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
    groupMaxSize: config.groupMaxSize,
    groupCoordinatorRebalanceProtocols: config.groupCoordinatorRebalanceProtocols,
    groupConsumerSessionTimeoutMs: config.groupConsumerSessionTimeoutMs,
    groupConsumerMinSessionTimeoutMs: config.groupConsumerMinSessionTimeoutMs,
    groupConsumerMaxSessionTimeoutMs: config.groupConsumerMaxSessionTimeoutMs,
    groupConsumerHeartbeatIntervalMs: config.groupConsumerHeartbeatIntervalMs,
    groupConsumerMinHeartbeatIntervalMs: config.groupConsumerMinHeartbeatIntervalMs,
    groupConsumerMaxHeartbeatIntervalMs: config.groupConsumerMaxHeartbeatIntervalMs,
    groupConsumerMaxSize: config.groupConsumerMaxSize,
    groupConsumerAssignors: config.groupConsumerAssignors,
  });
}

/** Kafka's defaults with some broker keys changed, e.g. `{ 'group.initial.rebalance.delay.ms': 0 }`: for tests. */
export function groupConfigWith(overrides: BrokerConfigInput = {}): GroupConfig {
  return groupConfigFrom(parseBrokerConfig(overrides));
}
