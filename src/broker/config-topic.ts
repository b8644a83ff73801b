import { ConfigError, LONG_MAX, bool, camelCase, doc, double, int, list, long, str } from './config-definition.ts';
import type { CamelCase, ConfigDefinition, ConfigType, RawConfigValue } from './config-definition.ts';
import type { BrokerConfig } from './config.ts';

/** A topic-level config: how to validate it and which broker config gives its default. */
export interface TopicConfigDefinition<T = unknown> {
  readonly name: string;
  readonly type: ConfigType;
  /** The broker config that supplies the default (Kafka's first synonym; see brokerConfigSynonyms), or null. */
  readonly brokerConfig: string | null;
  /** One line on what the config does, in our own words. */
  readonly documentation: string;
  readonly defaultFrom: (config: BrokerConfig) => T;
  /** Validates and converts a value; throws ConfigError naming the topic config. */
  readonly parse: (raw: RawConfigValue, key: string) => T;
}

function topic<T>(definition: ConfigDefinition<T>, brokerConfig: string | null, defaultFrom: (config: BrokerConfig) => T): Omit<TopicConfigDefinition<T>, 'name'> {
  return { type: definition.type, brokerConfig, defaultFrom, parse: definition.parse, documentation: definition.documentation };
}

const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;

/** Kafka's topic configs (the ones a log honours), keyed by name; validators match Kafka's. */
const definitions = {
  'cleanup.policy': topic(doc(list(['delete'], ['delete', 'compact']), 'What happens to old records: delete whole segments by age or size, compact to the latest record per key, or both.'), 'log.cleanup.policy', (c) => c.logCleanupPolicy),
  'compression.type': topic(doc(str<(typeof COMPRESSION_TYPES)[number]>('producer', COMPRESSION_TYPES), 'The codec batches are stored with (producer: as sent). Samsa stores every batch as sent for now, whatever this says.'), 'compression.type', (c) => c.compressionType),
  'delete.retention.ms': topic(doc(long(86400000, 0), 'How long a tombstone (a record with a null value) stays in a compacted log, so consumers can see the deletion.'), 'log.cleaner.delete.retention.ms', (c) => c.logCleanerDeleteRetentionMs),
  'file.delete.delay.ms': topic(doc(long(60000, 0), 'How long a segment stays on disk after retention or compaction removed it from the log.'), 'log.segment.delete.delay.ms', (c) => c.logSegmentDeleteDelayMs),
  'flush.messages': topic(doc(long(LONG_MAX, 1), 'How many records may be appended before the partition\'s log is forced to disk.'), 'log.flush.interval.messages', (c) => c.logFlushIntervalMessages),
  'flush.ms': topic(doc(long(LONG_MAX, 0), 'How long appended records may wait before the partition\'s log is forced to disk.'), 'log.flush.interval.ms', (c) => c.logFlushIntervalMs ?? c.logFlushSchedulerIntervalMs),
  'follower.replication.throttled.replicas': topic(doc(list([]), 'Follower replicas whose fetching is held to follower.replication.throttled.rate while out of sync, as partition:broker pairs or *.'), null, () => []),
  'index.interval.bytes': topic(doc(int(4096, 0), 'How many log bytes lie between two entries of the offset index.'), 'log.index.interval.bytes', (c) => c.logIndexIntervalBytes),
  'leader.replication.throttled.replicas': topic(doc(list([]), 'Leader replicas whose serving of out-of-sync followers is held to leader.replication.throttled.rate, as partition:broker pairs or *.'), null, () => []),
  'max.compaction.lag.ms': topic(doc(long(LONG_MAX, 1), 'The longest a record may stay in the log before it becomes eligible for compaction.'), 'log.cleaner.max.compaction.lag.ms', (c) => c.logCleanerMaxCompactionLagMs),
  'max.message.bytes': topic(doc(int(1048588, 0), 'The largest record batch (after compression) the topic accepts.'), 'message.max.bytes', (c) => c.messageMaxBytes),
  'message.timestamp.after.max.ms': topic(doc(long(3600000, 0), 'How far ahead of the broker\'s clock a record\'s timestamp may be before the batch is refused.'), 'log.message.timestamp.after.max.ms', (c) => c.logMessageTimestampAfterMaxMs),
  'message.timestamp.before.max.ms': topic(doc(long(LONG_MAX, 0), 'How far behind the broker\'s clock a record\'s timestamp may be before the batch is refused.'), 'log.message.timestamp.before.max.ms', (c) => c.logMessageTimestampBeforeMaxMs),
  'message.timestamp.type': topic(doc(str<(typeof TIMESTAMP_TYPES)[number]>('CreateTime', TIMESTAMP_TYPES), 'CreateTime keeps the producer\'s timestamps; LogAppendTime stamps each batch with the broker\'s time when it is appended.'), 'log.message.timestamp.type', (c) => c.logMessageTimestampType),
  'min.cleanable.dirty.ratio': topic(doc(double(0.5, 0, 1), 'The share of the log not yet compacted at which the cleaner compacts it.'), 'log.cleaner.min.cleanable.ratio', (c) => c.logCleanerMinCleanableRatio),
  'min.compaction.lag.ms': topic(doc(long(0, 0), 'The shortest a record stays in the log, uncompacted, after it is written.'), 'log.cleaner.min.compaction.lag.ms', (c) => c.logCleanerMinCompactionLagMs),
  'min.insync.replicas': topic(doc(int(1, 1), 'How many in-sync replicas must hold a write before a producer with acks=all is told it succeeded.'), 'min.insync.replicas', (c) => c.minInsyncReplicas),
  'preallocate': topic(doc(bool(false), 'Whether a new segment file is created at its full size. Samsa does not preallocate yet: files grow as written.'), 'log.preallocate', (c) => c.logPreallocate),
  'retention.bytes': topic(doc(long(-1), 'How large a partition\'s log may grow before its oldest segments are deleted (-1: no limit).'), 'log.retention.bytes', (c) => c.logRetentionBytes),
  'retention.ms': topic(doc(long(604800000, -1), 'How long records are kept before the segment holding them may be deleted (-1: forever).'), 'log.retention.ms', (c) => c.logRetentionMs),
  'segment.bytes': topic(doc(int(1073741824, 14), 'The size at which the log closes its active segment and starts a new one.'), 'log.segment.bytes', (c) => c.logSegmentBytes),
  'segment.index.bytes': topic(doc(int(10485760, 4), 'The largest an offset or time index file of one segment may grow.'), 'log.index.size.max.bytes', (c) => c.logIndexSizeMaxBytes),
  'segment.jitter.ms': topic(doc(long(0, 0), 'The most that is taken off segment.ms at random, so that segments do not all roll at the same moment.'), 'log.roll.jitter.ms', (c) => c.logRollJitterMs),
  'segment.ms': topic(doc(long(604800000, 1), 'The age after which the active segment is rolled even when not full, so retention and compaction can reach its records.'), 'log.roll.ms', (c) => c.logRollMs),
  'unclean.leader.election.enable': topic(doc(bool(false), 'Whether a replica that is not in sync may become leader as a last resort, at the cost of losing records.'), 'unclean.leader.election.enable', (c) => c.uncleanLeaderElectionEnable),
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
