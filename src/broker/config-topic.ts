import { ConfigError, LONG_MAX, bool, camelCase, double, int, list, long, str } from './config-definition.ts';
import type { CamelCase, ConfigDefinition, ConfigType, RawConfigValue } from './config-definition.ts';
import type { BrokerConfig } from './config.ts';

/** A topic-level config: how to validate it and which broker config gives its default. */
export interface TopicConfigDefinition<T = unknown> {
  readonly name: string;
  readonly type: ConfigType;
  /** The broker config that supplies the default (Kafka's synonym), or null. */
  readonly brokerConfig: string | null;
  readonly defaultFrom: (config: BrokerConfig) => T;
  /** Validates and converts a value; throws ConfigError naming the topic config. */
  readonly parse: (raw: RawConfigValue, key: string) => T;
}

function topic<T>(definition: ConfigDefinition<T>, brokerConfig: string | null, defaultFrom: (config: BrokerConfig) => T): Omit<TopicConfigDefinition<T>, 'name'> {
  return { type: definition.type, brokerConfig, defaultFrom, parse: definition.parse };
}

const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;

/** Kafka's topic configs (the ones a log honours), keyed by name; validators match Kafka's. */
const definitions = {
  'cleanup.policy': topic(list(['delete'], ['delete', 'compact']), 'log.cleanup.policy', (c) => c.logCleanupPolicy),
  'compression.type': topic(str<(typeof COMPRESSION_TYPES)[number]>('producer', COMPRESSION_TYPES), 'compression.type', (c) => c.compressionType),
  'delete.retention.ms': topic(long(86400000, 0), 'log.cleaner.delete.retention.ms', (c) => c.logCleanerDeleteRetentionMs),
  'file.delete.delay.ms': topic(long(60000, 0), 'log.segment.delete.delay.ms', (c) => c.logSegmentDeleteDelayMs),
  'flush.messages': topic(long(LONG_MAX, 1), 'log.flush.interval.messages', (c) => c.logFlushIntervalMessages),
  'flush.ms': topic(long(LONG_MAX, 0), 'log.flush.interval.ms', (c) => c.logFlushIntervalMs ?? c.logFlushSchedulerIntervalMs),
  'follower.replication.throttled.replicas': topic(list([]), null, () => []),
  'index.interval.bytes': topic(int(4096, 0), 'log.index.interval.bytes', (c) => c.logIndexIntervalBytes),
  'leader.replication.throttled.replicas': topic(list([]), null, () => []),
  'max.compaction.lag.ms': topic(long(LONG_MAX, 1), 'log.cleaner.max.compaction.lag.ms', (c) => c.logCleanerMaxCompactionLagMs),
  'max.message.bytes': topic(int(1048588, 0), 'message.max.bytes', (c) => c.messageMaxBytes),
  'message.timestamp.after.max.ms': topic(long(3600000, 0), 'log.message.timestamp.after.max.ms', (c) => c.logMessageTimestampAfterMaxMs),
  'message.timestamp.before.max.ms': topic(long(LONG_MAX, 0), 'log.message.timestamp.before.max.ms', (c) => c.logMessageTimestampBeforeMaxMs),
  'message.timestamp.type': topic(str<(typeof TIMESTAMP_TYPES)[number]>('CreateTime', TIMESTAMP_TYPES), 'log.message.timestamp.type', (c) => c.logMessageTimestampType),
  'min.cleanable.dirty.ratio': topic(double(0.5, 0, 1), 'log.cleaner.min.cleanable.ratio', (c) => c.logCleanerMinCleanableRatio),
  'min.compaction.lag.ms': topic(long(0, 0), 'log.cleaner.min.compaction.lag.ms', (c) => c.logCleanerMinCompactionLagMs),
  'min.insync.replicas': topic(int(1, 1), 'min.insync.replicas', (c) => c.minInsyncReplicas),
  'preallocate': topic(bool(false), 'log.preallocate', (c) => c.logPreallocate),
  'retention.bytes': topic(long(-1), 'log.retention.bytes', (c) => c.logRetentionBytes),
  'retention.ms': topic(long(604800000, -1), 'log.retention.ms', (c) => c.logRetentionMs),
  'segment.bytes': topic(int(1073741824, 14), 'log.segment.bytes', (c) => c.logSegmentBytes),
  'segment.index.bytes': topic(int(10485760, 4), 'log.index.size.max.bytes', (c) => c.logIndexSizeMaxBytes),
  'segment.jitter.ms': topic(long(0, 0), 'log.roll.jitter.ms', (c) => c.logRollJitterMs),
  'segment.ms': topic(long(604800000, 1), 'log.roll.ms', (c) => c.logRollMs),
  'unclean.leader.election.enable': topic(bool(false), 'unclean.leader.election.enable', (c) => c.uncleanLeaderElectionEnable),
};

type Definitions = typeof definitions;
type ValueOf<D> = D extends { parse: (raw: RawConfigValue, key: string) => infer T } ? T : never;

/** A topic's effective configuration, camelCase names of Kafka's topic config keys. */
export type TopicConfig = { readonly [K in keyof Definitions as CamelCase<K & string>]: ValueOf<Definitions[K]> };

/** The table DescribeConfigs, CreateTopics and AlterConfigs use, in Kafka's (alphabetical) order. */
export const topicConfigDefinitions: readonly TopicConfigDefinition[] = Object.freeze(
  Object.entries(definitions).map(([name, definition]) => Object.freeze({ name, ...definition }) as TopicConfigDefinition),
);

function definitionOf(name: string): TopicConfigDefinition {
  if (!Object.hasOwn(definitions, name)) throw new ConfigError(name, 'unknown topic config');
  return { name, ...(definitions[name as keyof Definitions] as Omit<TopicConfigDefinition, 'name'>) };
}

/** Validates one topic config value; returns it converted, or throws ConfigError (-> INVALID_CONFIG). */
export function validateTopicConfig(name: string, value: RawConfigValue): unknown {
  if (value === null) throw new ConfigError(name, 'a value is required');
  return definitionOf(name).parse(value, name);
}

/** The defaults every topic gets from this broker's config. */
export function topicConfigDefaults(config: BrokerConfig): TopicConfig {
  return resolveTopicConfig(config, {});
}

/** A topic's effective config: its own overrides (validated) over the broker's defaults. */
export function resolveTopicConfig(config: BrokerConfig, overrides: Readonly<Record<string, RawConfigValue>>): TopicConfig {
  for (const name of Object.keys(overrides)) definitionOf(name);
  const values: Record<string, unknown> = {};
  for (const definition of topicConfigDefinitions) {
    const override = overrides[definition.name];
    values[camelCase(definition.name)] =
      override === undefined || override === null ? definition.defaultFrom(config) : definition.parse(override, definition.name);
  }
  return Object.freeze(values) as TopicConfig;
}

/** A config value as Kafka shows it in DescribeConfigs (lists comma-joined, "never" as Long.MAX). */
export function configValueToString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.join(',');
  if (value === LONG_MAX) return '9223372036854775807';
  return String(value);
}
