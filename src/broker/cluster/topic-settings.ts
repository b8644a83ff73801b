import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import {
  ConfigError,
  brokerConfigSynonyms,
  configValueToString,
  resolveTopicConfig,
  topicConfigDefinitions,
  validateTopicConfig,
  type BrokerConfig,
} from '../config.ts';
import { ConfigSource, brokerSynonyms, configTypeCode, type DescribedConfig } from './described-config.ts';
import type { PartitionSettings } from '../replica/replica-manager.ts';

/**
 * Checks topic config overrides as CreateTopics and AlterConfigs receive them; a null value means
 * "no override" and is dropped. A bad key or value is INVALID_CONFIG naming the key.
 */
export function checkTopicConfigs(configs: Readonly<Record<string, string | null>>): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(configs)) {
    if (value === null) continue;
    try {
      validateTopicConfig(name, value);
    } catch (error) {
      if (error instanceof ConfigError) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Invalid value ${value} for configuration ${error.message}`);
      throw error;
    }
    checked[name] = value;
  }
  return checked;
}

/** What a partition's log and produce validation need, from overrides over broker defaults. */
export function partitionSettings(config: BrokerConfig, overrides: Readonly<Record<string, string>>): PartitionSettings {
  const topic = resolveTopicConfig(config, overrides);
  return {
    log: {
      segmentBytes: topic.segmentBytes,
      indexIntervalBytes: topic.indexIntervalBytes,
      maxIndexSize: topic.segmentIndexBytes,
      flushMessages: topic.flushMessages,
      flushMs: topic.flushMs,
      // The cleaner never touches the active segment, so a compacted log must roll in time for
      // max.compaction.lag.ms to hold (Kafka's LogConfig.maxSegmentMs).
      segmentMs: topic.cleanupPolicy.includes('compact') ? Math.min(topic.segmentMs, topic.maxCompactionLagMs) : topic.segmentMs,
      segmentJitterMs: topic.segmentJitterMs,
      fileDeleteDelayMs: topic.fileDeleteDelayMs,
    },
    validation: {
      maxMessageBytes: topic.maxMessageBytes,
      timestampType: topic.messageTimestampType,
      timestampBeforeMaxMs: topic.messageTimestampBeforeMaxMs,
      timestampAfterMaxMs: topic.messageTimestampAfterMaxMs,
      minInSyncReplicas: topic.minInsyncReplicas,
      compacted: topic.cleanupPolicy.includes('compact'),
      deletable: topic.cleanupPolicy.includes('delete'),
    },
    retention: {
      retentionMs: topic.retentionMs,
      retentionBytes: topic.retentionBytes,
      deletePolicy: topic.cleanupPolicy.includes('delete'),
    },
    cleaner: {
      compact: topic.cleanupPolicy.includes('compact'),
      deleteRetentionMs: topic.deleteRetentionMs,
      minCleanableDirtyRatio: topic.minCleanableDirtyRatio,
      minCompactionLagMs: topic.minCompactionLagMs,
      maxCompactionLagMs: topic.maxCompactionLagMs,
      segmentBytes: topic.segmentBytes,
      maxIndexSize: topic.segmentIndexBytes,
    },
  };
}

/**
 * Every topic config with its value and where it comes from. Its synonyms, as Kafka's ConfigHelper
 * gives them: the topic's override, then the broker keys that supply its default (retention.ms:
 * log.retention.ms, .minutes, .hours) where set in server.properties, then their built-in defaults.
 * The first is the value's source. Kafka goes on to drop the entries before its first broker key,
 * which for a topic hides log.retention.hours whenever log.retention.ms is unset; Samsa keeps them.
 */
export function describeTopicConfigs(config: BrokerConfig, overrides: Readonly<Record<string, string>>): DescribedConfig[] {
  return topicConfigDefinitions.map((definition) => {
    const override = overrides[definition.name];
    const isSensitive = definition.type === 'PASSWORD';
    const value = configValueToString(override === undefined ? definition.defaultFrom(config) : definition.parse(override, definition.name));
    const shown = isSensitive ? null : value;
    const fromBroker = definition.brokerConfig === null ? [] : brokerSynonyms(config, brokerConfigSynonyms(definition.brokerConfig), isSensitive);
    const synonyms = override === undefined ? fromBroker : [{ name: definition.name, value: shown, source: ConfigSource.TOPIC_CONFIG }, ...fromBroker];
    return {
      name: definition.name,
      value: shown,
      readOnly: false,
      configSource: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
      isSensitive,
      configType: configTypeCode(definition.type),
      documentation: definition.documentation,
      synonyms,
    };
  });
}
