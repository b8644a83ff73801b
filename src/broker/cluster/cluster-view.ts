import type { MetadataStore } from './metadata-store.ts';
import type { ReplicaManager } from '../replica/replica-manager.ts';

/**
 * What every handler reads about the cluster: the live brokers, the controller, and each
 * partition's leader, replicas and ISR. In a cluster it is the metadata cache fed by the
 * controller's UpdateMetadata (Kafka's MetadataCache); on a single node it is derived from the
 * local store and the partitions this broker hosts. Handlers have one code path over it.
 */
export interface AliveBroker {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionLeadership {
  readonly topic: string;
  readonly partition: number;
  /** -1: no leader (offline). */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly replicas: readonly number[];
  readonly offlineReplicas: readonly number[];
}

/**
 * Endpoints are per listener, as Kafka's MetadataCache keeps them: a client is answered with the
 * endpoints of the listener its request arrived on, so that one bootstrapped on a client listener
 * never learns an inter-broker address. A broker without that listener is left out.
 */
export interface ClusterView {
  /** -1 while unknown. */
  readonly controllerId: number;
  /** Sorted by id: the live brokers that have `listenerName`, at its endpoint. */
  aliveBrokers(listenerName: string): readonly AliveBroker[];
  /** Broker `id` at its `listenerName` endpoint; undefined when it is not alive or has no such listener. */
  aliveBroker(id: number, listenerName: string): AliveBroker | undefined;
  /** Every live broker's id, sorted, whatever its listeners (Kafka's getAliveBrokers). */
  aliveBrokerIds(): readonly number[];
  /** Whether broker `id` is alive, whatever its listeners (LEADER_NOT_AVAILABLE versus LISTENER_NOT_FOUND). */
  isAlive(id: number): boolean;
  partitionLeadership(topic: string, partition: number): PartitionLeadership | undefined;
}

/**
 * The single node's view: this broker is the cluster, its controller and every partition's only
 * replica. A partition of a known topic that is not open here (its log dir failed) has no leader.
 */
export class LocalClusterView implements ClusterView {
  readonly #nodeId: number;
  readonly #rack: string | null;
  readonly #endpoints: () => ReadonlyMap<string, { readonly host: string; readonly port: number }>;
  readonly #metadata: MetadataStore;
  readonly #replicaManager: ReplicaManager;

  constructor(options: {
    nodeId: number;
    rack: string | null;
    /** The advertised listeners by name, known once the listeners are bound. */
    endpoints: () => ReadonlyMap<string, { readonly host: string; readonly port: number }>;
    metadata: MetadataStore;
    replicaManager: ReplicaManager;
  }) {
    this.#nodeId = options.nodeId;
    this.#rack = options.rack;
    this.#endpoints = options.endpoints;
    this.#metadata = options.metadata;
    this.#replicaManager = options.replicaManager;
  }

  get controllerId(): number {
    return this.#nodeId;
  }

  aliveBrokers(listenerName: string): readonly AliveBroker[] {
    const self = this.#self(listenerName);
    return self === undefined ? [] : [self];
  }

  aliveBroker(id: number, listenerName: string): AliveBroker | undefined {
    return id === this.#nodeId ? this.#self(listenerName) : undefined;
  }

  aliveBrokerIds(): readonly number[] {
    return [this.#nodeId];
  }

  isAlive(id: number): boolean {
    return id === this.#nodeId;
  }

  partitionLeadership(topic: string, partition: number): PartitionLeadership | undefined {
    const known = this.#metadata.topic(topic);
    if (known === undefined || partition < 0 || partition >= known.partitionCount) return undefined;
    const hosted = this.#replicaManager.partition(topic, partition);
    const self = [this.#nodeId];
    if (hosted === undefined) return { topic, partition, leader: -1, leaderEpoch: -1, isr: [], replicas: self, offlineReplicas: [] };
    return { topic, partition, leader: this.#nodeId, leaderEpoch: hosted.leaderEpoch, isr: self, replicas: self, offlineReplicas: [] };
  }

  #self(listenerName: string): AliveBroker | undefined {
    const endpoint = this.#endpoints().get(listenerName);
    return endpoint === undefined ? undefined : { id: this.#nodeId, host: endpoint.host, port: endpoint.port, rack: this.#rack };
  }
}
