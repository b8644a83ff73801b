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

export interface ClusterView {
  /** -1 while unknown. */
  readonly controllerId: number;
  /** Sorted by id; each broker's endpoint is the listener clients use. */
  aliveBrokers(): readonly AliveBroker[];
  aliveBroker(id: number): AliveBroker | undefined;
  partitionLeadership(topic: string, partition: number): PartitionLeadership | undefined;
}

/**
 * The single node's view: this broker is the cluster, its controller and every partition's only
 * replica. A partition of a known topic that is not open here (its log dir failed) has no leader.
 */
export class LocalClusterView implements ClusterView {
  readonly #nodeId: number;
  readonly #rack: string | null;
  readonly #endpoint: () => { readonly host: string; readonly port: number };
  readonly #metadata: MetadataStore;
  readonly #replicaManager: ReplicaManager;

  constructor(options: {
    nodeId: number;
    rack: string | null;
    /** The advertised listener, known once the listeners are bound. */
    endpoint: () => { readonly host: string; readonly port: number };
    metadata: MetadataStore;
    replicaManager: ReplicaManager;
  }) {
    this.#nodeId = options.nodeId;
    this.#rack = options.rack;
    this.#endpoint = options.endpoint;
    this.#metadata = options.metadata;
    this.#replicaManager = options.replicaManager;
  }

  get controllerId(): number {
    return this.#nodeId;
  }

  aliveBrokers(): readonly AliveBroker[] {
    return [this.#self()];
  }

  aliveBroker(id: number): AliveBroker | undefined {
    return id === this.#nodeId ? this.#self() : undefined;
  }

  partitionLeadership(topic: string, partition: number): PartitionLeadership | undefined {
    const known = this.#metadata.topic(topic);
    if (known === undefined || partition < 0 || partition >= known.partitionCount) return undefined;
    const hosted = this.#replicaManager.partition(topic, partition);
    const self = [this.#nodeId];
    if (hosted === undefined) return { topic, partition, leader: -1, leaderEpoch: -1, isr: [], replicas: self, offlineReplicas: [] };
    return { topic, partition, leader: this.#nodeId, leaderEpoch: hosted.leaderEpoch, isr: self, replicas: self, offlineReplicas: [] };
  }

  #self(): AliveBroker {
    const { host, port } = this.#endpoint();
    return { id: this.#nodeId, host, port, rack: this.#rack };
  }
}
