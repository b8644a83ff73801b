import { isUuid } from '../../../protocol/primitives/uuid.ts';
import { ZkDataError, arrayOf, field, int, json, object, optional, string } from './zk-json.ts';

/**
 * The JSON in Kafka's znodes (Kafka 3.x, kafka.zk.ZkData), written and read the way Kafka writes
 * and reads it, so a Samsa cluster's ZooKeeper holds what Kafka's tools and people expect. Every
 * decoder checks what it reads and throws ZkDataError for a znode it cannot use.
 */
export { ZkDataError };

/** One advertised listener: `LISTENER://host:port`. */
export interface BrokerEndpoint {
  readonly listenerName: string;
  readonly securityProtocol: string;
  readonly host: string;
  readonly port: number;
}

/** /brokers/ids/N, version 5 (Kafka 2.7+): endpoints, their security protocols, rack, features. */
export interface BrokerRegistration {
  readonly brokerId: number;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
  readonly timestampMs: number;
  readonly jmxPort: number;
  /** Supported feature versions (KIP-584): name -> [min, max]. */
  readonly features: Readonly<Record<string, { readonly minVersion: number; readonly maxVersion: number }>>;
}

export const BROKER_REGISTRATION_VERSION = 5;
const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export function encodeBrokerRegistration(broker: Omit<BrokerRegistration, 'brokerId'>): Buffer {
  // host and port on top: the first PLAINTEXT endpoint, for clients older than endpoints.
  const plaintext = broker.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
  return toJson({
    features: Object.fromEntries(Object.entries(broker.features).map(([name, v]) => [name, { min_version: v.minVersion, max_version: v.maxVersion }])),
    listener_security_protocol_map: Object.fromEntries(broker.endpoints.map((e) => [e.listenerName, e.securityProtocol])),
    endpoints: broker.endpoints.map(endpointString),
    ...(broker.rack === null ? {} : { rack: broker.rack }),
    jmx_port: broker.jmxPort,
    port: plaintext?.port ?? -1,
    host: plaintext?.host ?? null,
    timestamp: String(broker.timestampMs),
    version: BROKER_REGISTRATION_VERSION,
  });
}

export function decodeBrokerRegistration(brokerId: number, bytes: Buffer): BrokerRegistration {
  const what = `broker ${brokerId}'s registration`;
  const node = object(json(bytes, what), what);
  const version = int(field(node, 'version', what), 'version');
  if (version < 1) throw new ZkDataError(`${what}: unsupported version ${version}`);
  let endpoints: BrokerEndpoint[];
  if (version === 1) {
    endpoints = [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: string(field(node, 'host', what), 'host'), port: int(field(node, 'port', what), 'port') }];
  } else {
    const protocolMap = optional(node, 'listener_security_protocol_map', (v) => object(v, 'listener_security_protocol_map'));
    const protocolOf = (listener: string): string => {
      const mapped = protocolMap === undefined ? (SECURITY_PROTOCOLS.includes(listener) ? listener : undefined) : protocolMap[listener];
      if (typeof mapped !== 'string' || !SECURITY_PROTOCOLS.includes(mapped)) throw new ZkDataError(`${what}: no security protocol for listener ${listener}`);
      return mapped;
    };
    endpoints = arrayOf(field(node, 'endpoints', what), 'endpoints', (v) => parseEndpoint(string(v, 'endpoint'), protocolOf));
  }
  const features = optional(node, 'features', (v) => object(v, 'features')) ?? {};
  return {
    brokerId,
    endpoints,
    rack: optional(node, 'rack', (v) => (v === null ? null : string(v, 'rack'))) ?? null,
    timestampMs: Number(optional(node, 'timestamp', (v) => string(v, 'timestamp')) ?? -1),
    jmxPort: optional(node, 'jmx_port', (v) => int(v, 'jmx_port')) ?? -1,
    features: Object.fromEntries(Object.entries(features).map(([name, range]) => {
      const r = object(range, `feature ${name}`);
      return [name, { minVersion: int(field(r, 'min_version', name), 'min_version'), maxVersion: int(field(r, 'max_version', name), 'max_version') }];
    })),
  };
}

function endpointString(endpoint: BrokerEndpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${endpoint.listenerName}://${host}:${endpoint.port}`;
}

function parseEndpoint(text: string, protocolOf: (listener: string) => string): BrokerEndpoint {
  const match = /^([A-Za-z0-9_-]+):\/\/(\[[0-9A-Fa-f:.%a-z]*\]|[^:/[\]]*):(\d{1,5})$/.exec(text);
  if (match === null) throw new ZkDataError(`not an endpoint: ${JSON.stringify(text)}`);
  const [, listenerName, rawHost, port] = match;
  const host = rawHost!.startsWith('[') ? rawHost!.slice(1, -1) : rawHost!;
  return { listenerName: listenerName!, securityProtocol: protocolOf(listenerName!), host, port: Number(port) };
}

/** /brokers/topics/T, version 3: partition -> replicas (the first is the preferred leader), topic id. */
export interface TopicAssignment {
  /** Kafka's topic id (base64), absent for a topic created before topic ids. */
  readonly topicId: string | undefined;
  readonly partitions: ReadonlyMap<number, readonly number[]>;
  /** Replicas being added and removed by a reassignment, per partition (only partitions that have some). */
  readonly addingReplicas: ReadonlyMap<number, readonly number[]>;
  readonly removingReplicas: ReadonlyMap<number, readonly number[]>;
}

export function encodeTopicAssignment(assignment: Pick<TopicAssignment, 'topicId' | 'partitions'> & Partial<TopicAssignment>): Buffer {
  const byPartition = (map: ReadonlyMap<number, readonly number[]> | undefined) =>
    Object.fromEntries([...(map ?? new Map<number, readonly number[]>())].filter(([, r]) => r.length > 0).sort(([a], [b]) => a - b).map(([p, r]) => [String(p), [...r]]));
  return toJson({
    version: 3,
    partitions: Object.fromEntries([...assignment.partitions].sort(([a], [b]) => a - b).map(([p, r]) => [String(p), [...r]])),
    adding_replicas: byPartition(assignment.addingReplicas),
    removing_replicas: byPartition(assignment.removingReplicas),
    ...(assignment.topicId === undefined ? {} : { topic_id: assignment.topicId }),
  });
}

export function decodeTopicAssignment(topic: string, bytes: Buffer): TopicAssignment {
  const what = `topic ${topic}'s assignment`;
  const node = object(json(bytes, what), what);
  const replicaMap = (key: string): Map<number, number[]> => {
    const map = new Map<number, number[]>();
    for (const [partition, replicas] of Object.entries(optional(node, key, (v) => object(v, key)) ?? {})) {
      if (!/^\d+$/.test(partition)) throw new ZkDataError(`${what}: partition ${JSON.stringify(partition)} in ${key}`);
      map.set(Number(partition), arrayOf(replicas, `${key}.${partition}`, (r) => int(r, 'replica')));
    }
    return map;
  };
  const topicId = optional(node, 'topic_id', (v) => string(v, 'topic_id'));
  if (topicId !== undefined && !isUuid(topicId)) throw new ZkDataError(`${what}: topic_id ${JSON.stringify(topicId)} is not a topic id`);
  return { topicId, partitions: replicaMap('partitions'), addingReplicas: replicaMap('adding_replicas'), removingReplicas: replicaMap('removing_replicas') };
}

/** /brokers/topics/T/partitions/P/state. `partitionEpoch` is the znode's version, not in the JSON. */
export interface PartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly controllerEpoch: number;
  /** 1 while a leader chosen by unclean election recovers (KIP-704); 0 (RECOVERED) otherwise. */
  readonly leaderRecoveryState: number;
  readonly partitionEpoch: number;
}

export function encodePartitionState(state: Omit<PartitionState, 'partitionEpoch'>): Buffer {
  return toJson({
    controller_epoch: state.controllerEpoch,
    leader: state.leader,
    version: 1,
    leader_epoch: state.leaderEpoch,
    isr: [...state.isr],
    // Written only when not RECOVERED, as Kafka does, so older readers see the old format.
    ...(state.leaderRecoveryState === 0 ? {} : { leader_recovery_state: state.leaderRecoveryState }),
  });
}

export function decodePartitionState(bytes: Buffer, zkVersion: number): PartitionState {
  const what = 'partition state';
  const node = object(json(bytes, what), what);
  return {
    leader: int(field(node, 'leader', what), 'leader'),
    leaderEpoch: int(field(node, 'leader_epoch', what), 'leader_epoch'),
    isr: arrayOf(field(node, 'isr', what), 'isr', (r) => int(r, 'isr')),
    controllerEpoch: int(field(node, 'controller_epoch', what), 'controller_epoch'),
    leaderRecoveryState: optional(node, 'leader_recovery_state', (v) => int(v, 'leader_recovery_state')) ?? 0,
    partitionEpoch: zkVersion,
  };
}

/** /controller: which broker is the controller, since when. */
export interface ControllerRegistration {
  readonly brokerId: number;
  readonly timestampMs: number;
}

export function encodeController(controller: ControllerRegistration): Buffer {
  return toJson({ version: 1, brokerid: controller.brokerId, timestamp: String(controller.timestampMs) });
}

export function decodeController(bytes: Buffer): ControllerRegistration {
  const node = object(json(bytes, 'controller'), 'controller');
  return {
    brokerId: int(field(node, 'brokerid', 'controller'), 'brokerid'),
    timestampMs: Number(optional(node, 'timestamp', (v) => string(v, 'timestamp')) ?? -1),
  };
}

/** /controller_epoch holds the epoch as a bare decimal number. */
export function encodeControllerEpoch(epoch: number): Buffer {
  return Buffer.from(String(epoch));
}

export function decodeControllerEpoch(bytes: Buffer): number {
  const text = bytes.toString('utf8');
  if (!/^-?\d+$/.test(text)) throw new ZkDataError(`controller epoch ${JSON.stringify(text)} is not a number`);
  return Number(text);
}

/** /config/<type>/<name>: an entity's dynamic config overrides. */
export function encodeEntityConfig(config: Readonly<Record<string, string>>): Buffer {
  return toJson({ version: 1, config });
}

export function decodeEntityConfig(bytes: Buffer): Record<string, string> {
  if (bytes.length === 0) return {};
  const node = object(json(bytes, 'entity config'), 'entity config');
  const config = optional(node, 'config', (v) => object(v, 'config')) ?? {};
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, string(value, key)]));
}

/** /config/changes/config_change_N: the entity whose config changed, as `topics/foo`. */
export function encodeConfigChangeNotification(entityPath: string): Buffer {
  return toJson({ version: 2, entity_path: entityPath });
}

export function decodeConfigChangeNotification(bytes: Buffer): string {
  const node = object(json(bytes, 'config change'), 'config change');
  const version = int(field(node, 'version', 'config change'), 'version');
  if (version !== 2) throw new ZkDataError(`config change notification version ${version} is not supported`);
  return string(field(node, 'entity_path', 'config change'), 'entity_path');
}

export interface NotifiedPartition {
  readonly topic: string;
  readonly partition: number;
}

/** /isr_change_notification/isr_change_N: partitions whose ISR changed. */
export function encodeIsrChangeNotification(partitions: readonly NotifiedPartition[]): Buffer {
  return toJson({ version: 1, partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition })) });
}

export function decodeIsrChangeNotification(bytes: Buffer): NotifiedPartition[] {
  const node = object(json(bytes, 'ISR change'), 'ISR change');
  return arrayOf(field(node, 'partitions', 'ISR change'), 'partitions', (p) => {
    const entry = object(p, 'partition');
    return { topic: string(field(entry, 'topic', 'partition'), 'topic'), partition: int(field(entry, 'partition', 'partition'), 'partition') };
  });
}

/** /cluster/id (Kafka writes its version as a string here). */
export function encodeClusterId(clusterId: string): Buffer {
  return toJson({ version: '1', id: clusterId });
}

export function decodeClusterId(bytes: Buffer): string {
  const node = object(json(bytes, 'cluster id'), 'cluster id');
  return string(field(node, 'id', 'cluster id'), 'id');
}

/**
 * /latest_producer_id_block: the latest block of producer ids the controller handed out (Kafka's
 * ProducerIdBlockZNode), both ends inclusive and written as decimal strings, as Kafka writes them
 * (64-bit ids; JSON numbers are exact only to 2^53). Empty until the first block.
 */
export interface ProducerIdBlockZnode {
  readonly brokerId: number;
  readonly blockStart: bigint;
  readonly blockEnd: bigint;
}

export function encodeProducerIdBlock(block: ProducerIdBlockZnode): Buffer {
  return toJson({ version: 1, broker: block.brokerId, block_start: String(block.blockStart), block_end: String(block.blockEnd) });
}

/** Undefined for the empty znode that the persistent paths create: no block handed out yet. */
export function decodeProducerIdBlock(bytes: Buffer): ProducerIdBlockZnode | undefined {
  if (bytes.length === 0) return undefined;
  const what = 'latest producer id block';
  const node = object(json(bytes, what), what);
  const id = (key: string): bigint => {
    const text = string(field(node, key, what), key);
    if (!/^-?\d{1,19}$/.test(text) || BigInt(text) > 0x7fff_ffff_ffff_ffffn || BigInt(text) < -0x8000_0000_0000_0000n) {
      throw new ZkDataError(`${what}: ${key} ${JSON.stringify(text)} is not a 64-bit number`);
    }
    return BigInt(text);
  };
  const block = { brokerId: int(field(node, 'broker', what), 'broker'), blockStart: id('block_start'), blockEnd: id('block_end') };
  if (block.blockEnd < block.blockStart) throw new ZkDataError(`${what}: block_end ${block.blockEnd} is before block_start ${block.blockStart}`);
  return block;
}

function toJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
