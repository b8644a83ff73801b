import { ErrorCode } from '../protocol/errors.ts';
import type { MetadataResponse } from '../protocol/generated/metadata.ts';
import type { ClientApi } from './apis.ts';
import { Apis } from './apis.ts';
import { ExponentialBackoff } from './backoff.ts';
import { Connection, type SendOptions } from './connection.ts';
import { BrokerNotInMetadataError, KafkaClientError, networkError } from './errors.ts';
import type { ClientSecurity } from './client-security.ts';

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
  /**
   * default.api.timeout.ms (default 60000): how long an Admin call, or a consumer's offset lookup,
   * goes on retrying while the broker it needs is gone or has moved (a leader or controller died).
   */
  readonly defaultApiTimeoutMs?: number;
  /** Ask the broker to create topics the client names (allow.auto.create.topics). */
  readonly allowAutoTopicCreation?: boolean;
  /**
   * Told of every connection attempt's outcome (error null on success), as Java's NetworkClient
   * logs its failures; bootstrap servers are nodes -1, -2, ... in the order given, as in Java.
   */
  readonly onConnectionAttempt?: (attempt: ConnectionAttempt) => void;
  /**
   * security.protocol with the ssl.* and sasl.* settings (clientSecurityFromProperties reads them
   * from Kafka client properties); PLAINTEXT when not given.
   */
  readonly security?: ClientSecurity;
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
}

/**
 * Reconnect state per node, whatever the traffic kind: a refused connection says the broker is
 * down, so every kind backs off from it (Java keeps one ClusterConnectionStates entry per node).
 */
interface NodeState {
  failures: number;
  nextAttemptMs: number;
  lastAttemptMs: number;
}

/** Bootstrap server i (0-based) is node -(i + 1), as Java numbers them. */
function bootstrapNodeId(index: number): number { return -(index + 1); }

/**
 * The client's view of the cluster: the metadata cache (refreshed on demand, on stale-metadata
 * errors and every metadata.max.age.ms) and a pool of connections keyed by broker and traffic
 * kind, reconnecting with exponential backoff.
 */
export class Cluster {
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  readonly retryBackoffMs: number;
  readonly defaultApiTimeoutMs: number;
  /** metadata.max.age.ms: also how long a consumer keeps fetching from a preferred read replica before asking the leader again. */
  readonly metadataMaxAgeMs: number;
  /** Shared by everything that retries; each caller counts its own attempts. */
  readonly retryBackoff: ExponentialBackoff;
  readonly #reconnectBackoff: ExponentialBackoff;
  readonly #options: ClusterOptions;
  readonly #pool = new Map<string, PoolEntry>();
  readonly #nodes = new Map<number, NodeState>();
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
    this.defaultApiTimeoutMs = options.defaultApiTimeoutMs ?? 60_000;
    this.retryBackoff = new ExponentialBackoff({ initialMs: this.retryBackoffMs, maxMs: options.retryBackoffMaxMs ?? 1000 });
    this.#reconnectBackoff = new ExponentialBackoff({ initialMs: options.reconnectBackoffMs ?? 50, maxMs: options.reconnectBackoffMaxMs ?? 1000 });
    const maxAge = options.metadataMaxAgeMs ?? 300_000;
    this.metadataMaxAgeMs = maxAge;
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
      label: nodeId < 0 ? `bootstrap ${host}:${port}` : `broker ${nodeId} (${host}:${port})`,
      ...(this.#options.security === undefined ? {} : { security: this.#options.security }),
    });
  }

  #nodeState(nodeId: number): NodeState {
    let state = this.#nodes.get(nodeId);
    if (state === undefined) this.#nodes.set(nodeId, state = { failures: 0, nextAttemptMs: 0, lastAttemptMs: 0 });
    return state;
  }

  /** A live connection to `nodeId` for `kind`; waits out the reconnect backoff after failures. */
  async connection(nodeId: number, kind: TrafficKind): Promise<Connection> {
    if (this.#closed) throw networkError(`connect to broker ${nodeId}`, 'client closed');
    const key = `${nodeId}/${kind}`;
    let entry = this.#pool.get(key);
    if (entry === undefined) {
      entry = { connection: null, open: null };
      this.#pool.set(key, entry);
    }
    if (entry.connection !== null) {
      const existing = await entry.connection.catch(() => null);
      if (existing !== null && !existing.closed) return existing;
      entry.connection = null;
    }
    const state = this.#nodeState(nodeId);
    const waitMs = state.nextAttemptMs - Date.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    // Someone else may have connected while this waited.
    if (entry.connection !== null) return this.connection(nodeId, kind);
    const target = this.#address(nodeId);
    state.lastAttemptMs = Date.now();
    const pending = this.#open(nodeId, target.host, target.port);
    entry.connection = pending;
    const current = entry;
    try {
      const connection = await pending;
      state.failures = 0;
      state.nextAttemptMs = 0;
      if (current.connection === pending) current.open = connection;
      connection.onClose(() => {
        if (current.connection === pending) current.connection = null;
        if (current.open === connection) current.open = null;
      });
      this.#options.onConnectionAttempt?.({ nodeId, host: target.host, port: target.port, error: null });
      return connection;
    } catch (error) {
      if (current.connection === pending) current.connection = null;
      state.failures++;
      state.nextAttemptMs = Date.now() + this.#reconnectBackoff.backoff(state.failures - 1);
      this.#options.onConnectionAttempt?.({ nodeId, host: target.host, port: target.port, error: error as Error });
      throw error;
    }
  }

  #address(nodeId: number): { host: string; port: number } {
    if (nodeId >= 0) {
      const node = this.#metadata.brokers.get(nodeId);
      if (node === undefined) throw new BrokerNotInMetadataError(nodeId);
      return node;
    }
    const server = this.#options.bootstrapServers[-nodeId - 1];
    if (server === undefined) throw new Error(`no bootstrap server ${nodeId}`);
    const colon = server.lastIndexOf(':');
    return { host: server.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(server.slice(colon + 1)) };
  }

  get #bootstrapNodes(): number[] { return this.#options.bootstrapServers.map((_, i) => bootstrapNodeId(i)); }

  /**
   * Java's NetworkClient.leastLoadedNode over `nodes` (less those in `exclude`), starting at a random
   * one: an open connection with nothing in flight at once, else the open one with least in flight,
   * else one connecting, else one that may connect now (the one tried longest ago), and only then
   * the one whose reconnect backoff ends first. A broker that refused us is thus asked last.
   */
  #leastLoadedNode(nodes: readonly number[], kind: TrafficKind, exclude: ReadonlySet<number>): number | undefined {
    const now = Date.now();
    let ready: number | undefined;
    let readyInFlight = Infinity;
    let connecting: number | undefined;
    let canConnect: number | undefined;
    let canConnectLastAttemptMs = Infinity;
    let backingOff: number | undefined;
    let backingOffUntilMs = Infinity;
    const offset = Math.floor(Math.random() * nodes.length);
    for (let i = 0; i < nodes.length; i++) {
      const nodeId = nodes[(offset + i) % nodes.length]!;
      if (exclude.has(nodeId)) continue;
      const entry = this.#pool.get(`${nodeId}/${kind}`);
      const state = this.#nodes.get(nodeId);
      if (entry?.open != null && !entry.open.closed) {
        if (entry.open.inFlight === 0) return nodeId;
        if (entry.open.inFlight < readyInFlight) [ready, readyInFlight] = [nodeId, entry.open.inFlight];
      } else if (entry?.connection != null) {
        connecting = nodeId;
      } else if ((state?.nextAttemptMs ?? 0) <= now) {
        if ((state?.lastAttemptMs ?? 0) < canConnectLastAttemptMs) [canConnect, canConnectLastAttemptMs] = [nodeId, state?.lastAttemptMs ?? 0];
      } else if (state!.nextAttemptMs < backingOffUntilMs) {
        [backingOff, backingOffUntilMs] = [nodeId, state!.nextAttemptMs];
      }
    }
    return ready ?? connecting ?? canConnect ?? backingOff;
  }

  /**
   * A connection to the least loaded node: a known broker if the metadata lists any, else a
   * bootstrap server. A node that cannot be reached moves on to the next, each tried once per call;
   * when no known broker answers, the bootstrap servers are tried too (metadata.recovery.strategy
   * rebootstrap, Kafka 4's default).
   */
  async anyConnection(kind: TrafficKind): Promise<Connection> {
    const tried = new Set<number>();
    let lastError: unknown;
    for (const nodes of [[...this.#metadata.brokers.keys()], this.#bootstrapNodes]) {
      for (let nodeId = this.#leastLoadedNode(nodes, kind, tried); nodeId !== undefined; nodeId = this.#leastLoadedNode(nodes, kind, tried)) {
        tried.add(nodeId);
        try {
          return await this.connection(nodeId, kind);
        } catch (error) {
          lastError = error;
        }
      }
    }
    throw lastError;
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
    return this.cachedLeadership(topic, partition)?.leaderId;
  }

  /** The leader and its epoch from the cache only (undefined when no leader is known). */
  cachedLeadership(topic: string, partition: number): { readonly leaderId: number; readonly leaderEpoch: number } | undefined {
    const p = this.#metadata.topics.get(topic)?.partitions[partition];
    return p !== undefined && p.leaderId >= 0 && p.partition === partition ? p : undefined;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    for (const entry of this.#pool.values()) entry.connection?.then((c) => c.close(), () => {});
    this.#pool.clear();
  }
}
