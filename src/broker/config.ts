import { hostname as osHostname } from 'node:os';
import {
  ConfigError, LONG_MAX, bool, camelCase, double, ignored, int, list, long, nullableInt, nullableLong, nullableStr, str,
} from './config-definition.ts';
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

/** Kafka's broker configs that Samsa knows, by their Kafka names. BrokerConfig's properties are their camelCase. */
export const brokerConfigDefinitions = Object.freeze({
  // Listeners and identity
  'listeners': list(['PLAINTEXT://127.0.0.1:9092'], undefined, true),
  'advertised.listeners': list([]),
  'listener.security.protocol.map': list(['PLAINTEXT:PLAINTEXT', 'SSL:SSL', 'SASL_PLAINTEXT:SASL_PLAINTEXT', 'SASL_SSL:SASL_SSL']),
  'inter.broker.listener.name': nullableStr(),
  'security.inter.broker.protocol': str<SecurityProtocol>('PLAINTEXT', SECURITY_PROTOCOLS),
  'controller.listener.names': list([]),
  'node.id': int(1, 0),
  'broker.rack': nullableStr(),
  'cluster.id': nullableStr(),
  'zookeeper.connect': nullableStr(),
  'zookeeper.session.timeout.ms': int(18000, 1),
  'zookeeper.connection.timeout.ms': nullableInt(1),
  'process.roles': ignored('LIST', null, 'metadata lives in a local file or ZooKeeper, not a KRaft quorum'),
  'controller.quorum.voters': ignored('LIST', null, 'no KRaft quorum; see zookeeper.connect'),
  'controller.quorum.bootstrap.servers': ignored('LIST', null, 'no KRaft quorum; see zookeeper.connect'),
  // Network
  'socket.request.max.bytes': int(104857600, 1),
  'socket.send.buffer.bytes': int(102400, -1),
  'socket.receive.buffer.bytes': int(102400, -1),
  'socket.listen.backlog.size': int(50, 1),
  'connections.max.idle.ms': long(600000),
  'max.connections': int(INT_MAX, 0),
  'max.connections.per.ip': int(INT_MAX, 0),
  'queued.max.requests': int(500, 1),
  // Node runs network I/O and request handling on one event loop with asynchronous file I/O,
  // so Kafka's thread pool sizes have nothing to size.
  'num.network.threads': ignored('INT', '3', 'network I/O runs on the event loop'),
  'num.io.threads': ignored('INT', '8', 'handlers run on the event loop; storage I/O is asynchronous'),
  'background.threads': ignored('INT', '10', 'background work is scheduled on the event loop'),
  'num.recovery.threads.per.data.dir': ignored('INT', '2', 'log recovery uses asynchronous I/O'),
  // Log
  'log.dirs': list(['./data'], undefined, true),
  'num.partitions': int(1, 1),
  'default.replication.factor': int(1, 1, 32767),
  'auto.create.topics.enable': bool(true),
  'delete.topic.enable': bool(true),
  'log.segment.bytes': int(1073741824, 14),
  'log.index.interval.bytes': int(4096, 0),
  'log.index.size.max.bytes': int(10485760, 4),
  'log.preallocate': bool(false),
  'message.max.bytes': int(1048588, 0),
  'log.flush.interval.messages': long(LONG_MAX, 1),
  'log.flush.interval.ms': nullableLong(0),
  'log.flush.scheduler.interval.ms': long(LONG_MAX),
  'log.flush.offset.checkpoint.interval.ms': int(60000, 0),
  'log.flush.start.offset.checkpoint.interval.ms': int(60000, 0),
  'log.message.timestamp.type': str<'CreateTime' | 'LogAppendTime'>('CreateTime', TIMESTAMP_TYPES),
  'log.message.timestamp.before.max.ms': long(LONG_MAX, 0),
  'log.message.timestamp.after.max.ms': long(3600000, 0),
  'compression.type': str<(typeof COMPRESSION_TYPES)[number]>('producer', COMPRESSION_TYPES),
  'log.retention.hours': int(168),
  'log.retention.minutes': nullableInt(),
  'log.retention.ms': nullableLong(-1),
  'log.retention.bytes': long(-1),
  'log.retention.check.interval.ms': long(300000, 1),
  'log.roll.hours': int(168, 1),
  'log.roll.ms': nullableLong(1),
  'log.roll.jitter.hours': int(0, 0),
  'log.roll.jitter.ms': nullableLong(0),
  'log.segment.delete.delay.ms': long(60000, 0),
  'log.cleanup.policy': list(['delete'], ['delete', 'compact']),
  'log.cleaner.enable': bool(true),
  'log.cleaner.threads': int(1, 0),
  'log.cleaner.backoff.ms': long(15000, 0),
  'log.cleaner.dedupe.buffer.size': long(134217728),
  'log.cleaner.delete.retention.ms': long(86400000, 0),
  'log.cleaner.min.compaction.lag.ms': long(0, 0),
  'log.cleaner.max.compaction.lag.ms': long(LONG_MAX, 1),
  'log.cleaner.min.cleanable.ratio': double(0.5, 0, 1),
  // Replication
  'min.insync.replicas': int(1, 1),
  'unclean.leader.election.enable': bool(false),
  'auto.leader.rebalance.enable': bool(true),
  'leader.imbalance.check.interval.seconds': long(300, 1),
  'controlled.shutdown.enable': bool(true),
  'num.replica.fetchers': int(1, 1),
  'replica.fetch.max.bytes': int(1048576, 0),
  'replica.fetch.response.max.bytes': int(10485760, 0),
  'replica.fetch.min.bytes': int(1),
  'replica.fetch.wait.max.ms': int(500),
  'replica.fetch.backoff.ms': int(1000, 0),
  'replica.lag.time.max.ms': long(30000),
  'replica.socket.timeout.ms': int(30000),
  'replica.high.watermark.checkpoint.interval.ms': long(5000, 1),
  'fetch.max.bytes': int(57671680, 1024),
  'max.incremental.fetch.session.cache.slots': int(1000, 0),
  // Group coordinator and __consumer_offsets. A replication factor above the number of live
  // brokers is capped to it when the internal topic is created, so one node works with the default 3.
  'offsets.topic.num.partitions': int(50, 1),
  'offsets.topic.replication.factor': int(3, 1, 32767),
  'offsets.topic.segment.bytes': int(104857600, 1),
  'offsets.topic.compression.codec': int(0, 0),
  'offsets.retention.minutes': int(10080, 1),
  'offsets.retention.check.interval.ms': long(600000, 1),
  'offsets.commit.timeout.ms': int(5000, 1),
  'offsets.load.buffer.size': int(5242880, 1),
  'offset.metadata.max.bytes': int(4096),
  'group.initial.rebalance.delay.ms': int(3000, 0),
  'group.min.session.timeout.ms': int(6000),
  'group.max.session.timeout.ms': int(1800000),
  'group.max.size': int(INT_MAX, 1),
  'group.coordinator.rebalance.protocols': list(['classic', 'consumer'], ['classic', 'consumer', 'share']),
  'group.consumer.session.timeout.ms': int(45000, 1),
  'group.consumer.min.session.timeout.ms': int(45000, 1),
  'group.consumer.max.session.timeout.ms': int(60000, 1),
  'group.consumer.heartbeat.interval.ms': int(5000, 1),
  'group.consumer.min.heartbeat.interval.ms': int(5000, 1),
  'group.consumer.max.heartbeat.interval.ms': int(15000, 1),
  'group.consumer.max.size': int(INT_MAX, 1),
  // Kafka takes assignor class names or their short names; Samsa has the two built-in ones.
  'group.consumer.assignors': list(['uniform', 'range'], ['uniform', 'range'], true),
  // Transactions and idempotence
  'transaction.state.log.num.partitions': int(50, 1),
  'transaction.state.log.replication.factor': int(3, 1, 32767),
  'transaction.state.log.min.isr': int(2, 1),
  'transaction.state.log.segment.bytes': int(104857600, 1),
  'transactional.id.expiration.ms': int(604800000, 1),
  'transaction.max.timeout.ms': int(900000, 1),
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': int(10000, 1),
  'producer.id.expiration.ms': int(86400000, 1),
  'share.coordinator.state.topic.replication.factor': ignored('SHORT', '3', 'share groups are not implemented'),
  'share.coordinator.state.topic.min.isr': ignored('SHORT', '2', 'share groups are not implemented'),
});

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
    /** Effective retention: log.retention.ms, else .minutes, else .hours; -1 keeps forever. */
    logRetentionMs: number;
    /** log.roll.ms, else log.roll.hours. */
    logRollMs: number;
    /** log.roll.jitter.ms, else log.roll.jitter.hours. */
    logRollJitterMs: number;
  }
>;

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
  const aliased = new Map<string, RawConfigValue>();
  let host: RawConfigValue | undefined;
  let port: RawConfigValue | undefined;
  for (const [givenKey, value] of Object.entries(input)) {
    if (value === undefined || value === null) continue;
    const key = KEY_BY_CAMEL_CASE[givenKey] ?? givenKey;
    if (isKnownKey(key)) raw.set(key, value);
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
  for (const [key, definition] of Object.entries(brokerConfigDefinitions) as Array<[string, ConfigDefinition<unknown>]>) {
    const value = raw.get(key);
    values[camelCase(key)] = value === undefined ? definition.defaultValue : definition.parse(value, key);
  }
  const parsed = values as unknown as ParsedValues;

  const protocolMap = parseSecurityProtocolMap(parsed.listenerSecurityProtocolMap);
  let listeners = parseListeners(parsed.listeners.join(','), protocolMap, 'listeners');
  if (host !== undefined || port !== undefined) listeners = withHostAndPort(listeners, host, port);
  checkDistinct(listeners, 'listeners');
  const advertisedListeners = parsed.advertisedListeners.length > 0
    ? parseListeners(parsed.advertisedListeners.join(','), protocolMap, 'advertised.listeners')
    : listeners.filter((l) => !parsed.controllerListenerNames.includes(l.name));
  for (const endpoint of advertisedListeners) {
    if (endpoint.host === '0.0.0.0' || endpoint.host === '::') {
      throw new ConfigError('advertised.listeners', `cannot advertise the non-routable address ${endpoint.host}`);
    }
  }
  if (parsed.interBrokerListenerName !== null && !listeners.some((l) => l.name === parsed.interBrokerListenerName)) {
    throw new ConfigError('inter.broker.listener.name', `${parsed.interBrokerListenerName} is not one of the listeners`);
  }

  const config: BrokerConfig = {
    ...parsed,
    listeners,
    advertisedListeners,
    listenerSecurityProtocolMap: protocolMap,
    logRetentionMs: effectiveRetentionMs(parsed),
    logRollMs: parsed.logRollMs ?? parsed.logRollHours * 3_600_000,
    logRollJitterMs: parsed.logRollJitterMs ?? parsed.logRollJitterHours * 3_600_000,
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
