import { hostname as osHostname } from 'node:os';
import {
  ConfigError, LONG_MAX, bool, camelCase, doc, double, ignored, int, list, long, nullableClass, nullableHttpListener, nullableInt, nullableLong, nullableStr, str, withoutEffect,
} from './config-definition.ts';
import { REPLICA_SELECTOR_CLASSES } from './replica/replica-selector.ts';
import { LOG_FORMATS, type LogFormat } from './logger.ts';
import { securityConfigDefinitions } from './config-security.ts';
import { isListenerOverride, parseListenerOverrides, type ListenerOverrides } from './listener-configs.ts';
import type { CamelCase, ConfigDefinition, ConfigValueOf, RawConfigValue } from './config-definition.ts';

export { ConfigError, LONG_MAX } from './config-definition.ts';
export type { ConfigDefinition, ConfigType, RawConfigValue } from './config-definition.ts';
export { parseOverrides, parseProperties } from './config-properties.ts';
export { configValueToString, resolveTopicConfig, topicConfigDefaults, topicConfigDefinitions, validateTopicConfig } from './config-topic.ts';
export type { TopicConfig, TopicConfigDefinition } from './config-topic.ts';

const INT_MAX = 2147483647;
const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;

// Why some configs are accepted but do nothing yet. The broker warns about each one that is set.
const ONE_THREAD = "the broker runs on one event loop thread, which handles every request and writes to the logs; fsyncs and fetch reads of all but the last data appended wait in libuv's thread pool, sized by UV_THREADPOOL_SIZE (4 by default), not by this key";
const NO_KRAFT = 'Samsa does not run KRaft: metadata lives in the log directory (and, for clusters, in ZooKeeper)';
// Also true of the topic configs these are defaults for (their documentation says so).
const STORED_AS_SENT = 'batches are stored as the producer compressed them; recompression is not built yet';
const NOT_PREALLOCATED = 'segment files grow as they are written';

/** Kafka's broker configs that Samsa knows, by their Kafka names. BrokerConfig's properties are their camelCase. */
export const brokerConfigDefinitions = Object.freeze({
  // Listeners and identity
  'listeners': doc(list(['PLAINTEXT://127.0.0.1:9092'], undefined, true), 'The addresses the broker accepts connections on, as NAME://host:port (port 0 picks a free port).'),
  'advertised.listeners': doc(list([]), 'The addresses clients are told to connect to, when they differ from the listeners.'),
  'listener.security.protocol.map': doc(list(['PLAINTEXT:PLAINTEXT', 'SSL:SSL', 'SASL_PLAINTEXT:SASL_PLAINTEXT', 'SASL_SSL:SASL_SSL']), 'Which security protocol each listener name uses, as NAME:PROTOCOL pairs.'),
  'inter.broker.listener.name': doc(nullableStr(), 'The listener brokers use to reach one another (the first advertised listener when unset).'),
  'security.inter.broker.protocol': doc(str<SecurityProtocol>('PLAINTEXT', SECURITY_PROTOCOLS), 'The security protocol brokers use between themselves when no inter-broker listener is named: the listener of that protocol.'),
  'controller.listener.names': doc(list([]), 'Listeners kept for controllers; they are not advertised to clients.'),
  'metrics.listener': doc(nullableHttpListener(), 'Where the broker serves Prometheus metrics at /metrics, as http://host:port (e.g. http://127.0.0.1:9404; port 0 picks a free port); unset, no metrics are kept.'),
  'node.id': doc(int(1, 0), 'This broker\'s id, unique within its cluster (broker.id is accepted as its older name).'),
  'broker.rack': doc(nullableStr(), 'The rack or zone this broker stands in, for spreading replicas across failure domains.'),
  // Samsa's own: Kafka sets its log layout in log4j's config, not in server.properties.
  'log.format': doc(nullableStr<LogFormat>(LOG_FORMATS), 'How the broker writes its log lines: text for people, json for log shippers (unset: text on a terminal, else json).'),
  'cluster.id': doc(nullableStr(), 'The id of the cluster; when unset, the one stored in the log directory, or a new random one.'),
  'zookeeper.connect': doc(nullableStr(), 'The ZooKeeper ensemble (host:port list, optional chroot) that holds a cluster\'s metadata; set, the broker runs in a cluster, unset, alone with its metadata in its log directory.'),
  'zookeeper.session.timeout.ms': doc(int(18000, 1), 'How long ZooKeeper keeps the broker\'s session alive without hearing from it.'),
  'zookeeper.connection.timeout.ms': doc(nullableInt(1), 'How long the broker waits to connect to ZooKeeper (the session timeout when unset).'),
  'process.roles': doc(ignored('LIST', null, NO_KRAFT), 'KRaft roles of this node (broker, controller).'),
  'controller.quorum.voters': doc(ignored('LIST', null, NO_KRAFT), 'The fixed set of KRaft controller voters.'),
  'controller.quorum.bootstrap.servers': doc(ignored('LIST', null, NO_KRAFT), 'Addresses for finding the KRaft controller quorum.'),
  // Network
  'socket.request.max.bytes': doc(int(104857600, 1), 'The largest request the broker reads; a bigger one closes its connection.'),
  'socket.send.buffer.bytes': withoutEffect(doc(int(102400, -1), 'Size of each connection\'s socket send buffer (-1: the operating system\'s).'), 'connections keep the operating system\'s socket buffer sizes'),
  'socket.receive.buffer.bytes': withoutEffect(doc(int(102400, -1), 'Size of each connection\'s socket receive buffer (-1: the operating system\'s).'), 'connections keep the operating system\'s socket buffer sizes'),
  'socket.listen.backlog.size': withoutEffect(doc(int(50, 1), 'How many connections may wait to be accepted on each listener.'), 'listeners use Node\'s default accept backlog'),
  'connections.max.idle.ms': withoutEffect(doc(long(600000), 'Connections idle for longer than this are closed.'), 'idle connections are not closed yet'),
  'max.connections': doc(int(INT_MAX, 0), 'The most connections the broker accepts at once; past it, accepting waits for one to close (listener.name.<listener>.max.connections limits one listener).'),
  'max.connections.per.ip': doc(int(INT_MAX, 0), 'The most connections the broker accepts at once from one address; more are closed at once.'),
  'max.connections.per.ip.overrides': doc(str(''), 'Per address limits that replace max.connections.per.ip, as host:count pairs separated by commas.'),
  'max.connection.creation.rate': doc(int(INT_MAX, 0), 'The most connections per second the broker accepts; past it, accepting waits (listener.name.<listener>.max.connection.creation.rate limits one listener).'),
  'queued.max.requests': doc(int(500, 1), 'How many requests one connection may have waiting before the broker stops reading from it (at most 100).'),
  'num.network.threads': doc(ignored('INT', '3', ONE_THREAD), 'Kafka\'s count of threads that read and write connections.'),
  'num.io.threads': doc(ignored('INT', '8', ONE_THREAD), 'Kafka\'s count of threads that handle requests and do their disk I/O.'),
  'background.threads': doc(ignored('INT', '10', ONE_THREAD), 'Kafka\'s count of threads for background tasks such as deleting old segments.'),
  'num.recovery.threads.per.data.dir': doc(ignored('INT', '2', ONE_THREAD), 'Kafka\'s count of threads per log directory that load and recover logs at start and flush them at shutdown.'),
  // Log
  'log.dirs': doc(list(['./data'], undefined, true), 'The directories that hold the partitions\' logs (log.dir is accepted for one).'),
  'num.partitions': doc(int(1, 1), 'How many partitions a topic gets when created without a count.'),
  'default.replication.factor': doc(int(1, 1, 32767), 'How many replicas a topic gets when created without a replication factor.'),
  'auto.create.topics.enable': doc(bool(true), 'Whether asking for metadata of an unknown topic creates it.'),
  'delete.topic.enable': doc(bool(true), 'Whether topics may be deleted.'),
  'log.segment.bytes': doc(int(1073741824, 14), 'Default for segment.bytes: the size at which a partition\'s log starts a new segment file.'),
  'log.index.interval.bytes': doc(int(4096, 0), 'Default for index.interval.bytes: how many log bytes between two offset index entries.'),
  'log.index.size.max.bytes': doc(int(10485760, 4), 'Default for segment.index.bytes: the largest an offset or time index file may grow.'),
  'log.preallocate': withoutEffect(doc(bool(false), 'Default for preallocate: whether a new segment file is given its full size when created.'), NOT_PREALLOCATED),
  'message.max.bytes': doc(int(1048588, 0), 'Default for max.message.bytes: the largest record batch a topic accepts.'),
  'log.flush.interval.messages': doc(long(LONG_MAX, 1), 'Default for flush.messages: how many records may be appended before the log is forced to disk.'),
  'log.flush.interval.ms': doc(nullableLong(0), 'Default for flush.ms: how long appended records may wait before the log is forced to disk.'),
  'log.flush.scheduler.interval.ms': doc(long(LONG_MAX), 'Default for flush.ms when log.flush.interval.ms is unset.'),
  'log.flush.offset.checkpoint.interval.ms': doc(int(60000, 0), 'How often the recovery point of every log is written to its checkpoint file.'),
  'log.flush.start.offset.checkpoint.interval.ms': doc(int(60000, 0), 'How often the log start offset of every log is written to its checkpoint file.'),
  'log.message.timestamp.type': doc(str<'CreateTime' | 'LogAppendTime'>('CreateTime', TIMESTAMP_TYPES), 'Default for message.timestamp.type: keep the producer\'s timestamps, or stamp the broker\'s append time.'),
  'log.message.timestamp.before.max.ms': doc(long(LONG_MAX, 0), 'Default for message.timestamp.before.max.ms: how far in the past a record\'s timestamp may be.'),
  'log.message.timestamp.after.max.ms': doc(long(3600000, 0), 'Default for message.timestamp.after.max.ms: how far in the future a record\'s timestamp may be.'),
  'compression.type': withoutEffect(doc(str<(typeof COMPRESSION_TYPES)[number]>('producer', COMPRESSION_TYPES), 'Default for a topic\'s compression.type: keep the producer\'s codec, or store with the one named.'), STORED_AS_SENT),
  'log.retention.hours': doc(int(168), 'Retention time in hours, used when neither log.retention.ms nor log.retention.minutes is set.'),
  'log.retention.minutes': doc(nullableInt(), 'Retention time in minutes, used when log.retention.ms is unset.'),
  'log.retention.ms': doc(nullableLong(-1), 'Default for retention.ms: how long records are kept before their segment may be deleted (-1: forever).'),
  'log.retention.bytes': doc(long(-1), 'Default for retention.bytes: the size a partition may reach before its oldest segments are deleted (-1: no limit).'),
  'log.retention.check.interval.ms': doc(long(300000, 1), 'How often the broker looks for segments that retention allows it to delete.'),
  'log.roll.hours': doc(int(168, 1), 'Segment age in hours after which a new segment is started, used when log.roll.ms is unset.'),
  'log.roll.ms': doc(nullableLong(1), 'Default for segment.ms: the age after which a log starts a new segment even when not full.'),
  'log.roll.jitter.hours': doc(int(0, 0), 'Jitter in hours taken off the segment age, used when log.roll.jitter.ms is unset.'),
  'log.roll.jitter.ms': doc(nullableLong(0), 'Default for segment.jitter.ms: the most taken at random off the roll age, so segments do not all roll at once.'),
  'log.segment.delete.delay.ms': doc(long(60000, 0), 'Default for file.delete.delay.ms: how long a removed segment\'s files stay before being deleted.'),
  'log.cleanup.policy': doc(list(['delete'], ['delete', 'compact']), 'Default for cleanup.policy: delete old segments, compact to the latest record per key, or both.'),
  'log.cleaner.enable': doc(bool(true), 'Whether the log cleaner runs; compacted topics need it.'),
  'log.cleaner.threads': withoutEffect(doc(int(1, 0), 'How many threads compact logs.'), 'the log cleaner runs on the broker\'s one event loop thread, one log at a time'),
  'log.cleaner.backoff.ms': doc(long(15000, 0), 'How long the cleaner waits before looking again when no log needs cleaning.'),
  'log.cleaner.dedupe.buffer.size': doc(long(134217728), 'Memory the cleaner uses to map keys to their latest offsets in one pass.'),
  'log.cleaner.delete.retention.ms': doc(long(86400000, 0), 'Default for delete.retention.ms: how long tombstones stay in a compacted log.'),
  'log.cleaner.min.compaction.lag.ms': doc(long(0, 0), 'Default for min.compaction.lag.ms: how old a record must be before it may be compacted away.'),
  'log.cleaner.max.compaction.lag.ms': doc(long(LONG_MAX, 1), 'Default for max.compaction.lag.ms: how long a record may stay uncompacted at most.'),
  'log.cleaner.min.cleanable.ratio': doc(double(0.5, 0, 1), 'Default for min.cleanable.dirty.ratio: the share of a log not yet compacted that makes it worth cleaning.'),
  // Replication
  'min.insync.replicas': doc(int(1, 1), 'Default for a topic\'s min.insync.replicas: how many replicas must have a write for acks=all to succeed.'),
  'unclean.leader.election.enable': doc(bool(false), 'Default for unclean.leader.election.enable: whether a replica out of sync may become leader, losing records.'),
  'auto.leader.rebalance.enable': doc(bool(true), 'Whether the controller moves leadership back to each partition\'s preferred replica.'),
  'leader.imbalance.check.interval.seconds': doc(long(300, 1), 'How often the controller checks whether leadership needs rebalancing.'),
  'leader.imbalance.per.broker.percentage': doc(int(10, 0, 100), 'The share of a broker\'s preferred leaderships held elsewhere above which the controller moves them back.'),
  'controlled.shutdown.enable': doc(bool(true), 'Whether a stopping broker hands its leaderships over first.'),
  'controlled.shutdown.max.retries': doc(int(3, 0), 'How many times a stopping broker asks the controller again while it still leads partitions.'),
  'controlled.shutdown.retry.backoff.ms': doc(long(5000, 0), 'How long a stopping broker waits before asking the controller again.'),
  'controller.socket.timeout.ms': doc(int(30000, 1), 'How long the controller waits for a broker to answer one of its requests.'),
  'num.replica.fetchers': doc(int(1, 1), 'How many fetchers copy records from each source broker.'),
  'replica.fetch.max.bytes': doc(int(1048576, 0), 'How many bytes a follower asks for per partition in one fetch.'),
  'replica.fetch.response.max.bytes': doc(int(10485760, 0), 'How many bytes a follower accepts in one whole fetch response.'),
  'replica.fetch.min.bytes': doc(int(1), 'How many bytes a follower\'s fetch waits for before it is answered.'),
  'replica.fetch.wait.max.ms': doc(int(500), 'How long a follower\'s fetch may wait for replica.fetch.min.bytes.'),
  'replica.fetch.backoff.ms': doc(int(1000, 0), 'How long a follower waits after a failed fetch before trying again.'),
  'replica.lag.time.max.ms': doc(long(30000), 'How long a follower may go without catching up before it leaves the in-sync replicas.'),
  'replica.socket.timeout.ms': doc(int(30000), 'How long a follower waits for an answer from the leader.'),
  'leader.replication.throttled.rate': doc(long(LONG_MAX, 0), 'Bytes per second a leader sends to out-of-sync replicas of the partitions its topics list in leader.replication.throttled.replicas (dynamic).'),
  'follower.replication.throttled.rate': doc(long(LONG_MAX, 0), 'Bytes per second a follower fetches for out-of-sync replicas of the partitions its topics list in follower.replication.throttled.replicas (dynamic).'),
  'replica.alter.log.dirs.io.max.bytes.per.second': doc(long(LONG_MAX, 0), 'Bytes per second a replica moving between this broker\'s log dirs is copied at (dynamic).'),
  'replication.quota.window.num': doc(int(11, 1), 'How many windows the replication throttles measure their rate over.'),
  'replication.quota.window.size.seconds': doc(int(1, 1), 'How long each window of the replication throttles is.'),
  'quota.window.num': doc(int(11, 1), 'How many windows client quotas measure their rates over.'),
  'quota.window.size.seconds': doc(int(1, 1), 'How long each window of the client quotas is.'),
  'replica.high.watermark.checkpoint.interval.ms': doc(long(5000, 1), 'How often each partition\'s high watermark is written to its checkpoint file.'),
  'replica.selector.class': doc(nullableClass(REPLICA_SELECTOR_CLASSES), 'Which replica a leader tells a consumer to fetch from (KIP-392); unset, consumers fetch from the leader.'),
  'fetch.max.bytes': doc(int(57671680, 1024), 'The most bytes the broker puts in one fetch response, whatever the consumer asks.'),
  'max.incremental.fetch.session.cache.slots': doc(int(1000, 0), 'How many incremental fetch sessions the broker keeps.'),
  // Group coordinator and __consumer_offsets. A replication factor above the number of live
  // brokers is capped to it when the internal topic is created, so one node works with the default 3.
  'offsets.topic.num.partitions': doc(int(50, 1), 'How many partitions __consumer_offsets has.'),
  'offsets.topic.replication.factor': doc(int(3, 1, 32767), 'The replication factor of __consumer_offsets (capped to the brokers alive when it is created).'),
  'offsets.topic.segment.bytes': doc(int(104857600, 1), 'The segment size of __consumer_offsets.'),
  'offsets.topic.compression.codec': withoutEffect(doc(int(0, 0), 'The codec offset commits are written to __consumer_offsets with (0: none).'), 'offset commits are written uncompressed'),
  'offsets.retention.minutes': doc(int(10080, 1), 'How long committed offsets of an empty group are kept.'),
  'offsets.retention.check.interval.ms': doc(long(600000, 1), 'How often the coordinator looks for expired offsets.'),
  'offsets.commit.timeout.ms': doc(int(5000, 1), 'How long an offset commit waits to be written before it fails.'),
  'offsets.load.buffer.size': doc(int(5242880, 1), 'How many bytes the coordinator reads at a time when loading __consumer_offsets.'),
  'offset.metadata.max.bytes': doc(int(4096), 'The longest metadata string a committed offset may carry.'),
  'group.initial.rebalance.delay.ms': doc(int(3000, 0), 'How long a new classic group waits for more members before its first rebalance.'),
  'group.min.session.timeout.ms': doc(int(6000), 'The shortest session timeout a classic group member may ask for.'),
  'group.max.session.timeout.ms': doc(int(1800000), 'The longest session timeout a classic group member may ask for.'),
  'group.max.size': doc(int(INT_MAX, 1), 'The most members a classic group may have.'),
  'group.coordinator.rebalance.protocols': doc(list(['classic', 'consumer'], ['classic', 'consumer', 'share']), 'Which group protocols the coordinator offers.'),
  'group.consumer.session.timeout.ms': doc(int(45000, 1), 'Session timeout of members of consumer-protocol (KIP-848) groups.'),
  'group.consumer.min.session.timeout.ms': doc(int(45000, 1), 'The shortest session timeout a consumer-protocol group may be given.'),
  'group.consumer.max.session.timeout.ms': doc(int(60000, 1), 'The longest session timeout a consumer-protocol group may be given.'),
  'group.consumer.heartbeat.interval.ms': doc(int(5000, 1), 'How often members of consumer-protocol groups send a heartbeat.'),
  'group.consumer.min.heartbeat.interval.ms': doc(int(5000, 1), 'The shortest heartbeat interval a consumer-protocol group may be given.'),
  'group.consumer.max.heartbeat.interval.ms': doc(int(15000, 1), 'The longest heartbeat interval a consumer-protocol group may be given.'),
  'group.consumer.max.size': doc(int(INT_MAX, 1), 'The most members a consumer-protocol group may have.'),
  // Kafka takes assignor class names or their short names; Samsa has the two built-in ones.
  'group.consumer.assignors': doc(list(['uniform', 'range'], ['uniform', 'range'], true), 'The server-side assignors of consumer-protocol groups, the first being the default.'),
  // Transactions and idempotence
  // __transaction_state and its coordinator. As for __consumer_offsets, a cluster refuses to create
  // the topic (COORDINATOR_NOT_AVAILABLE) while fewer brokers than its replication factor are alive.
  'transaction.state.log.num.partitions': doc(int(50, 1), 'How many partitions __transaction_state has.'),
  'transaction.state.log.replication.factor': doc(int(3, 1, 32767), 'The replication factor of __transaction_state (capped to the one broker on a single node).'),
  'transaction.state.log.min.isr': doc(int(2, 1), 'The min.insync.replicas of __transaction_state.'),
  'transaction.state.log.segment.bytes': doc(int(104857600, 1), 'The segment size of __transaction_state.'),
  'transaction.state.log.load.buffer.size': doc(int(5242880, 1), 'How many bytes the coordinator reads at a time when loading __transaction_state.'),
  'transactional.id.expiration.ms': doc(int(604800000, 1), 'How long a transactional id unused by its producer is remembered.'),
  'transaction.max.timeout.ms': doc(int(900000, 1), 'The longest transaction timeout a producer may ask for.'),
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': doc(int(10000, 1), 'How often the coordinator aborts transactions that ran past their timeout.'),
  'transaction.remove.expired.transaction.cleanup.interval.ms': doc(int(3600000, 1), 'How often the coordinator removes transactional ids past transactional.id.expiration.ms.'),
  'transaction.partition.verification.enable': doc(bool(true), 'Whether a partition leader asks the transaction coordinator that a transactional batch\'s partition is in its transaction before appending it (KIP-890).'),
  'producer.id.expiration.ms': doc(int(86400000, 1), 'How long a partition remembers an idle producer id for idempotence.'),
  'producer.id.expiration.check.interval.ms': doc(int(600000, 1), 'How often partitions forget producer ids idle past producer.id.expiration.ms.'),
  'request.timeout.ms': doc(int(30000, 0), 'How long a transaction marker append waits for the in-sync replicas before it fails.'),
  'share.coordinator.state.topic.replication.factor': doc(ignored('SHORT', '3', 'share groups are not built'), 'The replication factor of the share coordinator\'s state topic.'),
  'share.coordinator.state.topic.min.isr': doc(ignored('SHORT', '2', 'share groups are not built'), 'The min.insync.replicas of the share coordinator\'s state topic.'),
  ...securityConfigDefinitions,
} satisfies Record<string, ConfigDefinition<unknown>>);

type Definitions = typeof brokerConfigDefinitions;
type ParsedValues = { readonly [K in keyof Definitions as CamelCase<K & string>]: ConfigValueOf<Definitions[K]> };

export interface ListenerEndpoint {
  readonly name: string;
  /** '' means every interface (Kafka's `PLAINTEXT://:9092`). */
  readonly host: string;
  /** 0 means any free port; the broker advertises the bound one. */
  readonly port: number;
  readonly securityProtocol: SecurityProtocol;
}

/** The broker's configuration: one frozen object, camelCase names of Kafka's keys. */
export type BrokerConfig = Readonly<
  Omit<ParsedValues, 'listeners' | 'advertisedListeners' | 'listenerSecurityProtocolMap' | 'logRetentionMs' | 'logRollMs' | 'logRollJitterMs'> & {
    listeners: readonly ListenerEndpoint[];
    /** As given, or the non-controller listeners. */
    advertisedListeners: readonly ListenerEndpoint[];
    listenerSecurityProtocolMap: Readonly<Record<string, SecurityProtocol>>;
    /** `listener.name.<listener>.<key>` settings (read through listener-configs.ts). */
    listenerOverrides: ListenerOverrides;
    /** Effective retention: log.retention.ms, else .minutes, else .hours; -1 keeps forever. */
    logRetentionMs: number;
    /** log.roll.ms, else log.roll.hours. */
    logRollMs: number;
    /** log.roll.jitter.ms, else log.roll.jitter.hours. */
    logRollJitterMs: number;
    /**
     * The keys this broker was started with (server.properties, overrides, code), as given, by
     * Kafka name: what DescribeConfigs calls STATIC_BROKER_CONFIG, even where a value equals the default.
     */
    staticBrokerConfigs: Readonly<Record<string, string>>;
  }
>;

/**
 * Broker keys that stand in for one another, first one set wins (Kafka's
 * DynamicBrokerConfig.brokerConfigSynonyms); DescribeConfigs lists them in this order.
 */
const RETENTION_SYNONYMS = ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
const ROLL_SYNONYMS = ['log.roll.ms', 'log.roll.hours'];
const ROLL_JITTER_SYNONYMS = ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
const SYNONYMS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'log.retention.ms': RETENTION_SYNONYMS,
  'log.retention.minutes': RETENTION_SYNONYMS,
  'log.retention.hours': RETENTION_SYNONYMS,
  'log.roll.ms': ROLL_SYNONYMS,
  'log.roll.hours': ROLL_SYNONYMS,
  'log.roll.jitter.ms': ROLL_JITTER_SYNONYMS,
  'log.roll.jitter.hours': ROLL_JITTER_SYNONYMS,
  // Only one way: the scheduler interval is flush.ms's fallback, not the other way round.
  'log.flush.interval.ms': ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
});

/** A broker key and the keys that stand in for it, in order of precedence. */
export function brokerConfigSynonyms(key: string): readonly string[] {
  return SYNONYMS[key] ?? [key];
}

/**
 * Config as callers give it: Kafka keys ({ 'log.dirs': '/x' }) or their camelCase ({ logDirs: ['/x'] }),
 * plus the conveniences `port`, `host` (of the first listener) and `dataDir` (= log.dirs).
 * Values may be strings, as in server.properties, or typed. undefined and null mean "not set".
 */
export type BrokerConfigInput = { readonly [key: string]: RawConfigValue | undefined };

/** Older spellings of a config; the canonical key (node.id, log.dirs) wins when both are set. */
const ALIASES: Readonly<Record<string, 'broker.id' | 'log.dir'>> = Object.freeze({
  'broker.id': 'broker.id',
  brokerId: 'broker.id',
  'log.dir': 'log.dir',
  logDir: 'log.dir',
});

const KEY_BY_CAMEL_CASE: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.keys(brokerConfigDefinitions).map((key) => [camelCase(key), key])),
);

function isKnownKey(key: string): key is keyof Definitions {
  return Object.hasOwn(brokerConfigDefinitions, key);
}

/** Parses and validates everything once; throws ConfigError naming the first bad key. */
export function parseBrokerConfig(input: BrokerConfigInput = {}): BrokerConfig {
  const raw = new Map<string, RawConfigValue>();
  const listenerPrefixed = new Map<string, RawConfigValue>();
  const aliased = new Map<string, RawConfigValue>();
  let host: RawConfigValue | undefined;
  let port: RawConfigValue | undefined;
  for (const [givenKey, value] of Object.entries(input)) {
    if (value === undefined || value === null) continue;
    const key = KEY_BY_CAMEL_CASE[givenKey] ?? givenKey;
    if (isKnownKey(key)) raw.set(key, value);
    else if (isListenerOverride(givenKey)) listenerPrefixed.set(givenKey, value);
    else if (givenKey === 'dataDir') raw.set('log.dirs', value);
    else if (Object.hasOwn(ALIASES, givenKey)) aliased.set(ALIASES[givenKey]!, value);
    else if (givenKey === 'host') host = value;
    else if (givenKey === 'port') port = value;
    else throw new ConfigError(givenKey, 'unknown config');
  }
  const brokerId = aliased.get('broker.id');
  if (brokerId !== undefined) {
    const nodeId = raw.get('node.id');
    if (nodeId !== undefined && String(nodeId).trim() !== String(brokerId).trim()) {
      throw new ConfigError('broker.id', `${String(brokerId)} differs from node.id ${String(nodeId)}`);
    }
    raw.set('node.id', brokerId);
  }
  const logDir = aliased.get('log.dir');
  if (!raw.has('log.dirs') && logDir !== undefined) raw.set('log.dirs', logDir);

  const values: Record<string, unknown> = {};
  const given: Record<string, string> = {};
  for (const [key, definition] of Object.entries(brokerConfigDefinitions) as Array<[string, ConfigDefinition<unknown>]>) {
    const value = raw.get(key);
    values[camelCase(key)] = value === undefined ? definition.defaultValue : definition.parse(value, key);
    if (value !== undefined) given[key] = Array.isArray(value) ? value.join(',') : String(value).trim();
  }
  const parsed = values as unknown as ParsedValues;

  const protocolMap = parseSecurityProtocolMap(parsed.listenerSecurityProtocolMap);
  let listeners = parseListeners(parsed.listeners.join(','), protocolMap, 'listeners');
  if (host !== undefined || port !== undefined) {
    listeners = withHostAndPort(listeners, host, port);
    given['listeners'] = listeners.map((l) => `${l.name}://${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`).join(',');
  }
  checkDistinct(listeners, 'listeners');
  const advertisedListeners = parsed.advertisedListeners.length > 0
    ? parseListeners(parsed.advertisedListeners.join(','), protocolMap, 'advertised.listeners')
    : listeners.filter((l) => !parsed.controllerListenerNames.includes(l.name));
  for (const endpoint of advertisedListeners) {
    if (endpoint.host === '0.0.0.0' || endpoint.host === '::') {
      throw new ConfigError('advertised.listeners', `cannot advertise the non-routable address ${endpoint.host}`);
    }
  }
  // As Kafka: a follower's long poll must end before its request times out, and before it would count as lagging.
  if (parsed.replicaFetchWaitMaxMs > parsed.replicaSocketTimeoutMs) {
    throw new ConfigError('replica.fetch.wait.max.ms', `${parsed.replicaFetchWaitMaxMs} is more than replica.socket.timeout.ms (${parsed.replicaSocketTimeoutMs})`);
  }
  if (parsed.replicaFetchWaitMaxMs > parsed.replicaLagTimeMaxMs) {
    throw new ConfigError('replica.fetch.wait.max.ms', `${parsed.replicaFetchWaitMaxMs} is more than replica.lag.time.max.ms (${parsed.replicaLagTimeMaxMs})`);
  }
  if (parsed.interBrokerListenerName !== null && !listeners.some((l) => l.name === parsed.interBrokerListenerName)) {
    throw new ConfigError('inter.broker.listener.name', `${parsed.interBrokerListenerName} is not one of the listeners`);
  }

  const config: BrokerConfig = {
    ...parsed,
    listeners,
    advertisedListeners,
    listenerSecurityProtocolMap: protocolMap,
    listenerOverrides: parseListenerOverrides(listenerPrefixed),
    logRetentionMs: effectiveRetentionMs(parsed),
    logRollMs: parsed.logRollMs ?? parsed.logRollHours * 3_600_000,
    logRollJitterMs: parsed.logRollJitterMs ?? parsed.logRollJitterHours * 3_600_000,
    staticBrokerConfigs: Object.freeze(given),
  };
  return Object.freeze(config);
}

function effectiveRetentionMs(parsed: ParsedValues): number {
  const ms = parsed.logRetentionMs ?? (parsed.logRetentionMinutes !== null ? parsed.logRetentionMinutes * 60_000 : parsed.logRetentionHours * 3_600_000);
  return ms < 0 ? -1 : ms;
}

function parseSecurityProtocolMap(entries: readonly string[]): Readonly<Record<string, SecurityProtocol>> {
  const map: Record<string, SecurityProtocol> = {};
  for (const entry of entries) {
    const [name, protocol, extra] = entry.split(':').map((part) => part.trim());
    const known = SECURITY_PROTOCOLS.find((p) => p === protocol?.toUpperCase());
    if (!name || known === undefined || extra !== undefined) {
      throw new ConfigError('listener.security.protocol.map', `"${entry}" is not NAME:PROTOCOL with PROTOCOL one of ${SECURITY_PROTOCOLS.join(', ')}`);
    }
    map[name.toUpperCase()] = known;
  }
  return Object.freeze(map);
}

const LISTENER_PATTERN = /^([A-Za-z0-9_]+):\/\/(\[[0-9A-Fa-f:.]+\]|[^:[\]/]*):(\d+)$/;

/**
 * Parses Kafka's listener syntax: `NAME://host:port[,NAME://host:port...]`; an empty host binds
 * every interface, IPv6 hosts go in brackets. Names must appear in the security protocol map
 * (by default the four protocol names map to themselves).
 */
export function parseListeners(
  value: string,
  securityProtocolMap: Readonly<Record<string, SecurityProtocol>> = parseSecurityProtocolMap(brokerConfigDefinitions['listener.security.protocol.map'].defaultValue),
  key = 'listeners',
): ListenerEndpoint[] {
  const endpoints: ListenerEndpoint[] = [];
  for (const item of value.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const match = LISTENER_PATTERN.exec(item);
    if (match === null) throw new ConfigError(key, `"${item}" is not NAME://host:port`);
    const name = match[1]!.toUpperCase();
    const host = match[2]!.startsWith('[') ? match[2]!.slice(1, -1) : match[2]!;
    const port = Number(match[3]);
    if (port > 65535) throw new ConfigError(key, `port ${port} in "${item}" is out of range`);
    const securityProtocol = securityProtocolMap[name];
    if (securityProtocol === undefined) {
      throw new ConfigError(key, `listener name ${name} has no entry in listener.security.protocol.map`);
    }
    endpoints.push(Object.freeze({ name, host, port, securityProtocol }));
  }
  if (endpoints.length === 0) throw new ConfigError(key, 'no listener given');
  return endpoints;
}

function checkDistinct(endpoints: readonly ListenerEndpoint[], key: string): void {
  const names = new Set<string>();
  const ports = new Set<number>();
  for (const endpoint of endpoints) {
    if (names.has(endpoint.name)) throw new ConfigError(key, `listener name ${endpoint.name} appears twice`);
    if (endpoint.port !== 0 && ports.has(endpoint.port)) throw new ConfigError(key, `port ${endpoint.port} appears twice`);
    names.add(endpoint.name);
    ports.add(endpoint.port);
  }
}

function withHostAndPort(listeners: ListenerEndpoint[], host: RawConfigValue | undefined, port: RawConfigValue | undefined): ListenerEndpoint[] {
  const first = listeners[0]!;
  const portNumber = port === undefined ? first.port : int(0, 0, 65535).parse(port, 'port');
  const hostName = host === undefined ? first.host : str('').parse(host, 'host');
  return [Object.freeze({ ...first, host: hostName, port: portNumber }), ...listeners.slice(1)];
}

/**
 * The endpoints to put in Metadata responses once the listeners are bound: port 0 becomes the
 * bound port of the same-named listener, and a wildcard host becomes this machine's name.
 */
export function resolveAdvertisedListeners(
  config: BrokerConfig,
  boundPorts: ReadonlyMap<string, number>,
  hostname: string = osHostname(),
): ListenerEndpoint[] {
  return config.advertisedListeners.map((endpoint) => {
    const port = endpoint.port === 0 ? (boundPorts.get(endpoint.name) ?? 0) : endpoint.port;
    const host = endpoint.host === '' ? hostname : endpoint.host;
    return Object.freeze({ ...endpoint, host, port });
  });
}

/** A Kafka cluster id: 16 random bytes as unpadded base64url (22 characters), never starting with '-'. */
export function generateClusterId(randomBytes: (size: number) => Uint8Array): string {
  for (;;) {
    const id = Buffer.from(randomBytes(16)).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
