import { ErrorCode } from '../protocol/errors.ts';
import type { MetadataResponse } from '../protocol/generated/metadata.ts';
import type { ClientApi } from './apis.ts';
import { Apis } from './apis.ts';
import { ExponentialBackoff } from './backoff.ts';
import { Connection, type SendOptions } from './connection.ts';
import { BrokerNotInMetadataError, KafkaClientError, networkError } from './errors.ts';

/** Traffic kinds get their own connection per broker, so a long Fetch never delays a Heartbeat. */
export type TrafficKind = 'produce' | 'fetch' | 'group' | 'admin';

export interface ClusterOptions {
  /** bootstrap.servers: "host:port" entries. */
  readonly bootstrapServers: readonly string[];
  readonly clientId?: string;
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** metadata.max.age.ms: metadata is refreshed at least this often while the client runs. */
  readonly metadataMaxAgeMs?: number;
  /** reconnect.backoff.ms and reconnect.backoff.max.ms: exponential between the two. */
  readonly reconnectBackoffMs?: number;
  readonly reconnectBackoffMaxMs?: number;
  /**
   * retry.backoff.ms (default 100) and retry.backoff.max.ms (default 1000): a request retried
   * again and again waits exponentially longer between the two (KIP-580).
   */
  readonly retryBackoffMs?: number;
  readonly retryBackoffMaxMs?: number;
  /** Ask the broker to create topics the client names (allow.auto.create.topics). */
  readonly allowAutoTopicCreation?: boolean;
  /**
   * Told of every connection attempt's outcome (error null on success), as Java's NetworkClient
   * logs its failures; node -1 is a bootstrap server.
   */
  readonly onConnectionAttempt?: (attempt: ConnectionAttempt) => void;
}

export interface ConnectionAttempt { readonly nodeId: number; readonly host: string; readonly port: number; readonly error: Error | null }

export interface BrokerNode { readonly nodeId: number; readonly host: string; readonly port: number; readonly rack: string | null }

export interface PartitionMetadata {
  readonly partition: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly errorCode: number;
}

export interface TopicMetadata {
  readonly name: string;
  readonly topicId: string;
  readonly isInternal: boolean;
  readonly errorCode: number;
  readonly partitions: readonly PartitionMetadata[];
}

export interface ClusterMetadata {
  readonly clusterId: string | null;
  readonly controllerId: number;
  readonly brokers: ReadonlyMap<number, BrokerNode>;
  readonly topics: ReadonlyMap<string, TopicMetadata>;
  readonly fetchedAtMs: number;
}

interface PoolEntry {
  connection: Promise<Connection> | null;
  /** The connection once it is open, so a send can be written without waiting a turn. */
  open: Connection | null;
  failures: number;
  nextAttemptMs: number;
}

const BOOTSTRAP_ID = -1;

/**
 * The client's view of the cluster: the metadata cache (refreshed on demand, on stale-metadata
 * errors and every metadata.max.age.ms) and a pool of connections keyed by broker and traffic
 * kind, reconnecting with exponential backoff.
 */
export class Cluster {
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  readonly retryBackoffMs: number;
  /** Shared by everything that retries; each caller counts its own attempts. */
  readonly retryBackoff: ExponentialBackoff;
  readonly #reconnectBackoff: ExponentialBackoff;
  readonly #options: ClusterOptions;
  readonly #pool = new Map<string, PoolEntry>();
  readonly #topics = new Set<string>();
  #metadata: ClusterMetadata = { clusterId: null, controllerId: -1, brokers: new Map(), topics: new Map(), fetchedAtMs: 0 };
  #refreshing: Promise<ClusterMetadata> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: ClusterOptions) {
    if (options.bootstrapServers.length === 0) throw new Error('bootstrapServers is empty');
    this.#options = options;
    this.clientId = options.clientId ?? 'samsa';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.retryBackoffMs = options.retryBackoffMs ?? 100;
    this.retryBackoff = new ExponentialBackoff({ initialMs: this.retryBackoffMs, maxMs: options.retryBackoffMaxMs ?? 1000 });
    this.#reconnectBackoff = new ExponentialBackoff({ initialMs: options.reconnectBackoffMs ?? 50, maxMs: options.reconnectBackoffMaxMs ?? 1000 });
    const maxAge = options.metadataMaxAgeMs ?? 300_000;
    this.#timer = setInterval(() => { if (this.#topics.size > 0) this.refreshMetadata().catch(() => {}); }, maxAge);
    this.#timer.unref();
  }

  get metadata(): ClusterMetadata { return this.#metadata; }

  /** Topics whose metadata every refresh includes. */
  addTopics(topics: Iterable<string>): void { for (const t of topics) this.#topics.add(t); }

  async #open(nodeId: number, host: string, port: number): Promise<Connection> {
    return Connection.open({
      host, port, clientId: this.clientId, requestTimeoutMs: this.requestTimeoutMs,
      connectTimeoutMs: this.#options.connectTimeoutMs ?? 10_000,
      label: nodeId === BOOTSTRAP_ID ? `bootstrap ${host}:${port}` : `broker ${nodeId} (${host}:${port})`,
    });
  }

  /** A live connection to `nodeId` for `kind`; waits out the reconnect backoff after failures. */
  async connection(nodeId: number, kind: TrafficKind): Promise<Connection> {
    if (this.#closed) throw networkError(`connect to broker ${nodeId}`, 'client closed');
    const key = `${nodeId}/${kind}`;
    let entry = this.#pool.get(key);
    if (entry === undefined) {
      entry = { connection: null, open: null, failures: 0, nextAttemptMs: 0 };
      this.#pool.set(key, entry);
    }
    if (entry.connection !== null) {
      const existing = await entry.connection.catch(() => null);
      if (existing !== null && !existing.closed) return existing;
      entry.connection = null;
    }
    const waitMs = entry.nextAttemptMs - Date.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const node = nodeId === BOOTSTRAP_ID ? null : this.#metadata.brokers.get(nodeId);
    if (nodeId !== BOOTSTRAP_ID && node === undefined) {
      throw new BrokerNotInMetadataError(nodeId);
    }
    const target = node ?? this.#bootstrapAddress(entry.failures);
    const pending = this.#open(nodeId, target.host, target.port);
    entry.connection = pending;
    const current = entry;
    try {
      const connection = await pending;
      current.failures = 0;
      current.nextAttemptMs = 0;
      if (current.connection === pending) current.open = connection;
      connection.onClose(() => {
        if (current.connection === pending) current.connection = null;
        if (current.open === connection) current.open = null;
      });
      this.#options.onConnectionAttempt?.({ nodeId, host: target.host, port: target.port, error: null });
      return connection;
    } catch (error) {
      current.connection = null;
      current.failures++;
      current.nextAttemptMs = Date.now() + this.#reconnectBackoff.backoff(current.failures - 1);
      this.#options.onConnectionAttempt?.({ nodeId, host: target.host, port: target.port, error: error as Error });
      throw error;
    }
  }

  #bootstrapAddress(attempt: number): { host: string; port: number } {
    const servers = this.#options.bootstrapServers;
    const server = servers[attempt % servers.length]!;
    const colon = server.lastIndexOf(':');
    return { host: server.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(server.slice(colon + 1)) };
  }

  /** Any broker (a known one if metadata has any, else a bootstrap server). */
  async anyConnection(kind: TrafficKind): Promise<Connection> {
    const brokers = [...this.#metadata.brokers.keys()];
    if (brokers.length === 0) return this.connection(BOOTSTRAP_ID, kind);
    const start = Math.floor(Math.random() * brokers.length);
    let lastError: unknown;
    for (let i = 0; i < brokers.length; i++) {
      try {
        return await this.connection(brokers[(start + i) % brokers.length]!, kind);
      } catch (error) {
        lastError = error;
      }
    }
    try {
      return await this.connection(BOOTSTRAP_ID, kind);
    } catch {
      throw lastError;
    }
  }

  /**
   * Sends to a broker (or any broker when nodeId is undefined) over the connection for `kind`.
   * When that connection is open, the request is written before this returns, not a turn later:
   * the consumer relies on it to have its next Fetch on the wire before it wakes the application.
   */
  send<Req, Res>(nodeId: number | undefined, kind: TrafficKind, api: ClientApi<Req, Res>, body: Req, options?: SendOptions): Promise<Res> {
    const open = nodeId === undefined || this.#closed ? null : this.#pool.get(`${nodeId}/${kind}`)?.open;
    if (open != null && !open.closed) return open.send(api, body, options);
    return this.#connectAndSend(nodeId, kind, api, body, options);
  }

  async #connectAndSend<Req, Res>(nodeId: number | undefined, kind: TrafficKind, api: ClientApi<Req, Res>, body: Req, options?: SendOptions): Promise<Res> {
    const connection = nodeId === undefined ? await this.anyConnection(kind) : await this.connection(nodeId, kind);
    return connection.send(api, body, options);
  }

  /** Fetches metadata for the tracked topics (plus `topics`); concurrent callers share one request. */
  async refreshMetadata(topics: Iterable<string> = []): Promise<ClusterMetadata> {
    this.addTopics(topics);
    if (this.#refreshing !== null) return this.#refreshing;
    this.#refreshing = this.#fetchMetadata([...this.#topics]).finally(() => { this.#refreshing = null; });
    return this.#refreshing;
  }

  /** Metadata for every topic of the cluster, without tracking them all (listTopics, patterns). */
  async fetchAllTopics(): Promise<ClusterMetadata> {
    return this.#fetchMetadata(null);
  }

  async #fetchMetadata(topics: string[] | null): Promise<ClusterMetadata> {
    const response: MetadataResponse = await this.send(undefined, 'admin', Apis.Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation: this.#options.allowAutoTopicCreation ?? false,
    });
    const brokers = new Map<number, BrokerNode>(response.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null }]));
    const fetched = new Map<string, TopicMetadata>();
    for (const t of response.topics) {
      if (t.name === null) continue;
      fetched.set(t.name, {
        name: t.name, topicId: t.topicId ?? '', isInternal: t.isInternal ?? false, errorCode: t.errorCode,
        partitions: t.partitions.map((p) => ({
          partition: p.partitionIndex, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch ?? -1,
          replicas: p.replicaNodes, isr: p.isrNodes, errorCode: p.errorCode,
        })).sort((a, b) => a.partition - b.partition),
      });
    }
    // A full listing replaces everything; a partial one updates the topics it names.
    const merged = topics === null ? fetched : new Map([...this.#metadata.topics, ...fetched]);
    if (topics !== null) for (const name of topics) if (!fetched.has(name)) merged.delete(name);
    this.#metadata = { clusterId: response.clusterId ?? null, controllerId: response.controllerId ?? -1, brokers, topics: merged, fetchedAtMs: Date.now() };
    return this.#metadata;
  }

  /** A topic's metadata, fetching it when unknown; throws when the topic does not exist. */
  async topic(name: string): Promise<TopicMetadata> {
    let topic = this.#metadata.topics.get(name);
    if (topic === undefined || topic.errorCode !== ErrorCode.NONE) topic = (await this.refreshMetadata([name])).topics.get(name);
    if (topic === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `metadata for ${name}`);
    if (topic.errorCode !== ErrorCode.NONE) throw new KafkaClientError(topic.errorCode, `metadata for ${name}`);
    return topic;
  }

  /** The leader's node id of a partition; throws a retriable error when there is none right now. */
  async leaderFor(topic: string, partition: number): Promise<number> {
    const meta = await this.topic(topic);
    const p = meta.partitions[partition];
    if (p === undefined || p.partition !== partition) {
      throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `leader of ${topic}-${partition}`);
    }
    if (p.leaderId < 0) throw new KafkaClientError(ErrorCode.LEADER_NOT_AVAILABLE, `leader of ${topic}-${partition}`);
    return p.leaderId;
  }

  /** The leader from the cache only (undefined when unknown): for hot paths that must not wait. */
  cachedLeader(topic: string, partition: number): number | undefined {
    const p = this.#metadata.topics.get(topic)?.partitions[partition];
    return p !== undefined && p.leaderId >= 0 ? p.leaderId : undefined;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    for (const entry of this.#pool.values()) entry.connection?.then((c) => c.close(), () => {});
    this.#pool.clear();
  }
}
