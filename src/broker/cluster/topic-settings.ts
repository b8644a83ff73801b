import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import {
  ConfigError,
  configValueToString,
  parseBrokerConfig,
  resolveTopicConfig,
  topicConfigDefinitions,
  validateTopicConfig,
  type BrokerConfig,
  type ConfigType,
} from '../config.ts';
import type { PartitionSettings } from '../replica/replica-manager.ts';

/** DescribeConfigs' ConfigSource values. */
export const ConfigSource = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

/** DescribeConfigs' ConfigType values (v3+). */
export function configTypeCode(type: ConfigType): number {
  return CONFIG_TYPE_CODES[type];
}

const CONFIG_TYPE_CODES: Record<ConfigType, number> = {
  BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9,
};

export interface DescribedConfig {
  readonly name: string;
  readonly value: string | null;
  readonly readOnly: boolean;
  readonly isDefault: boolean;
  readonly configSource: number;
  readonly isSensitive: boolean;
  readonly configType: number;
  readonly synonyms: { name: string; value: string | null; source: number }[];
}

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

/** Every topic config with its effective value and where it comes from, in Kafka's order. */
export function describeTopicConfigs(config: BrokerConfig, overrides: Readonly<Record<string, string>>): DescribedConfig[] {
  // A broker value that differs from what an empty server.properties gives was set by the operator:
  // Kafka reports it, and topics inheriting it, as STATIC_BROKER_CONFIG.
  const kafkaDefaults = parseBrokerConfig({});
  return topicConfigDefinitions.map((definition) => {
    const override = overrides[definition.name];
    const brokerValue = configValueToString(definition.defaultFrom(config));
    const brokerSource = brokerValue === configValueToString(definition.defaultFrom(kafkaDefaults))
      ? ConfigSource.DEFAULT_CONFIG
      : ConfigSource.STATIC_BROKER_CONFIG;
    const synonyms: DescribedConfig['synonyms'] = [];
    if (override !== undefined) synonyms.push({ name: definition.name, value: override, source: ConfigSource.TOPIC_CONFIG });
    if (definition.brokerConfig !== null) {
      synonyms.push({ name: definition.brokerConfig, value: brokerValue, source: brokerSource });
    }
    return {
      name: definition.name,
      value: override ?? brokerValue,
      readOnly: false,
      isDefault: override === undefined && brokerSource === ConfigSource.DEFAULT_CONFIG,
      configSource: override === undefined ? brokerSource : ConfigSource.TOPIC_CONFIG,
      isSensitive: false,
      configType: configTypeCode(definition.type),
      synonyms,
    };
  });
}
