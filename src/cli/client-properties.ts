import { ClientSecurityConfigError, clientSecurityFromProperties } from '../client/index.ts';
import type { ClusterOptions, CompressionName, ConsumerOptions, ProducerOptions } from '../client/index.ts';
import { UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const COMPRESSIONS: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function int(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${name} must be a number, not '${value}'`);
  return n;
}

function bool(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`${name} must be true or false, not '${value}'`);
}

export function compressionName(value: string): CompressionName {
  const name = value.toLowerCase() as CompressionName;
  if (!COMPRESSIONS.includes(name)) throw new UsageError(`unknown compression codec '${value}' (none, gzip, snappy, lz4, zstd)`);
  return name;
}

/**
 * As Kafka's ConfigDef parses a client config: values without surrounding whitespace, which a
 * properties file keeps (`acks=all ` is acks all).
 */
function trimmedValues(props: ReadonlyMap<string, string>): Array<[string, string]> {
  return [...props].map(([key, value]) => [key, value.trim()]);
}

/**
 * security.protocol, ssl.* and sasl.*: the client's security, read once for all of them. A bad
 * setting stops the tool: going on without the security asked for would be worse.
 */
function applySecurity(target: Record<string, unknown>, props: ReadonlyMap<string, string>): Set<string> {
  const consumed = new Set<string>();
  try {
    const security = clientSecurityFromProperties(props, consumed);
    if (security !== undefined) target.security = security;
  } catch (error) {
    if (error instanceof ClientSecurityConfigError) throw new UsageError(error.message);
    throw error;
  }
  return consumed;
}

/** Options common to every client: the ones Kafka's Java clients take under these names. */
function applyCommon(target: Record<string, unknown>, key: string, value: string): boolean {
  switch (key) {
    case 'client.id': target.clientId = value; return true;
    case 'request.timeout.ms': target.requestTimeoutMs = int(key, value); return true;
    case 'retry.backoff.ms': target.retryBackoffMs = int(key, value); return true;
    case 'retry.backoff.max.ms': target.retryBackoffMaxMs = int(key, value); return true;
    case 'reconnect.backoff.ms': target.reconnectBackoffMs = int(key, value); return true;
    case 'reconnect.backoff.max.ms': target.reconnectBackoffMaxMs = int(key, value); return true;
    case 'metadata.max.age.ms': target.metadataMaxAgeMs = int(key, value); return true;
    case 'socket.connection.setup.timeout.ms': target.connectTimeoutMs = int(key, value); return true;
    case 'bootstrap.servers': target.bootstrapServers = value.split(',').map((s) => s.trim()); return true;
    default: return false;
  }
}

/** The Java client's warning for a property it does not know, once per key. */
export function warnUnknownProperties(io: CliIo, tool: string, keys: readonly string[]): void {
  for (const key of keys) io.stderr(`samsa ${tool}: warning: the configuration '${key}' was supplied but isn't a known config\n`);
}

/** Kafka admin client properties (an admin tool's --command-config) as the Admin's options. */
export function adminOptions(base: ClusterOptions, props: ReadonlyMap<string, string>): { options: ClusterOptions; unknown: string[] } {
  const options: Mutable<ClusterOptions> & Record<string, unknown> = { ...base };
  const unknown: string[] = [];
  const security = applySecurity(options, props);
  for (const [key, value] of trimmedValues(props)) {
    if (security.has(key) || applyCommon(options, key, value)) continue;
    // How long a call retries a moved leader or coordinator before it fails, as the Java admin's.
    if (key === 'default.api.timeout.ms') {
      options.defaultApiTimeoutMs = int(key, value);
      continue;
    }
    // Java-client tuning knobs with no counterpart here: accepted, as they change no result.
    if (key === 'send.buffer.bytes' || key === 'receive.buffer.bytes' || key === 'connections.max.idle.ms') continue;
    unknown.push(key);
  }
  return { options, unknown };
}

/**
 * Kafka producer properties (as --producer-property / --producer-props / a config file give them)
 * as ProducerOptions. Unknown keys are returned so the tool can warn as the Java client does.
 */
export function producerOptions(base: ProducerOptions, props: ReadonlyMap<string, string>): { options: ProducerOptions; unknown: string[] } {
  const options: Mutable<ProducerOptions> & Record<string, unknown> = { ...base };
  const unknown: string[] = [];
  const security = applySecurity(options, props);
  for (const [key, value] of trimmedValues(props)) {
    if (security.has(key) || applyCommon(options, key, value)) continue;
    switch (key) {
      case 'acks': {
        if (value !== 'all' && value !== '-1' && value !== '0' && value !== '1') throw new UsageError(`acks must be all, -1, 0 or 1, not '${value}'`);
        options.acks = value === 'all' ? 'all' : (Number(value) as 0 | 1 | -1);
        break;
      }
      case 'compression.type': options.compression = compressionName(value); break;
      case 'batch.size': options.batchSize = int(key, value); break;
      case 'linger.ms': options.lingerMs = int(key, value); break;
      case 'retries': options.retries = int(key, value); break;
      case 'delivery.timeout.ms': options.deliveryTimeoutMs = int(key, value); break;
      case 'max.in.flight.requests.per.connection': options.maxInFlightRequestsPerConnection = int(key, value); break;
      case 'max.request.size': options.maxRequestSize = int(key, value); break;
      case 'buffer.memory': options.bufferMemory = int(key, value); break;
      case 'max.block.ms': options.maxBlockMs = int(key, value); break;
      case 'enable.idempotence': options.enableIdempotence = bool(key, value); break;
      case 'transactional.id': options.transactionalId = value; break;
      case 'transaction.timeout.ms': options.transactionTimeoutMs = int(key, value); break;
      // Set by name so that they take effect as soon as ProducerOptions has them.
      case 'buffer.memory': options.bufferMemory = int(key, value); break;
      case 'max.block.ms': options.maxBlockMs = int(key, value); break;
      // Serializers are byte arrays / strings in these tools; the rest are Java-client tuning knobs.
      case 'key.serializer': case 'value.serializer': case 'send.buffer.bytes': case 'receive.buffer.bytes': break;
      default: unknown.push(key);
    }
  }
  return { options, unknown };
}

/** Kafka consumer properties as ConsumerOptions; unknown keys are returned for a warning. */
export function consumerOptions(base: ConsumerOptions, props: ReadonlyMap<string, string>): { options: ConsumerOptions; unknown: string[] } {
  const options: Mutable<ConsumerOptions> & Record<string, unknown> = { ...base };
  const unknown: string[] = [];
  const security = applySecurity(options, props);
  for (const [key, value] of trimmedValues(props)) {
    if (security.has(key) || applyCommon(options, key, value)) continue;
    switch (key) {
      case 'group.id': options.groupId = value; break;
      case 'group.instance.id': options.groupInstanceId = value; break;
      case 'fetch.min.bytes': options.fetchMinBytes = int(key, value); break;
      case 'fetch.max.wait.ms': options.fetchMaxWaitMs = int(key, value); break;
      case 'fetch.max.bytes': options.fetchMaxBytes = int(key, value); break;
      case 'max.partition.fetch.bytes': options.maxPartitionFetchBytes = int(key, value); break;
      case 'max.poll.records': options.maxPollRecords = int(key, value); break;
      case 'check.crcs': options.checkCrcs = bool(key, value); break;
      case 'client.rack': options.clientRack = value; break;
      case 'auto.offset.reset': {
        if (value !== 'earliest' && value !== 'latest' && value !== 'none') throw new UsageError(`auto.offset.reset must be earliest, latest or none, not '${value}'`);
        options.autoOffsetReset = value;
        break;
      }
      case 'isolation.level': options.isolationLevel = isolationLevel(value); break;
      case 'enable.auto.commit': options.enableAutoCommit = bool(key, value); break;
      case 'auto.commit.interval.ms': options.autoCommitIntervalMs = int(key, value); break;
      case 'session.timeout.ms': options.sessionTimeoutMs = int(key, value); break;
      case 'heartbeat.interval.ms': options.heartbeatIntervalMs = int(key, value); break;
      case 'max.poll.interval.ms': options.maxPollIntervalMs = int(key, value); break;
      case 'default.api.timeout.ms': options.defaultApiTimeoutMs = int(key, value); break;
      case 'partition.assignment.strategy': {
        const names = value.split(',').map((s) => s.trim().replace(/^.*\.(\w+)Assignor$/, '$1').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase().replace(/^round-robin$/, 'roundrobin'));
        options.partitionAssignmentStrategy = names as ConsumerOptions['partitionAssignmentStrategy'];
        break;
      }
      case 'key.deserializer': case 'value.deserializer': case 'receive.buffer.bytes': case 'send.buffer.bytes': break;
      default: unknown.push(key);
    }
  }
  return { options, unknown };
}

export function isolationLevel(value: string): 'read_committed' | 'read_uncommitted' {
  if (value !== 'read_committed' && value !== 'read_uncommitted') throw new UsageError(`isolation level must be read_committed or read_uncommitted, not '${value}'`);
  return value;
}
