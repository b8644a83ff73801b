import { ErrorCode } from '../../protocol/errors.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import type { UpdateMetadataRequest, UpdateMetadataRequestUpdateMetadataPartitionState } from '../../protocol/generated/update-metadata.ts';
import type { Time, Timer } from '../time.ts';
import type { AliveBroker, ClusterView, PartitionLeadership } from './cluster-view.ts';
import { TopicCollisions } from './topic-names.ts';

/**
 * A cluster broker's picture of the cluster (Kafka's ZkMetadataCache): the live brokers with their
 * endpoints, the controller, and each partition's leader, ISR and replicas, as the controller's
 * UpdateMetadata requests tell it. Live brokers are replaced by every request; partition states
 * only where the request names them, and a partition whose leader is -2 (Kafka's
 * LeaderDuringDelete) is being deleted and leaves the cache. A request from a controller epoch older
 * than the newest seen comes from a deposed controller and changes nothing (STALE_CONTROLLER_EPOCH).
 */

/** Kafka's LeaderAndIsr.LeaderDuringDelete: the partition state of a topic being deleted. */
export const LEADER_DURING_DELETE = -2;

/** UpdateMetadata's security protocol ids (Kafka's SecurityProtocol.id). */
const SECURITY_PROTOCOL_NAMES = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

interface CachedBroker {
  readonly id: number;
  readonly rack: string | null;
  /** By listener name. */
  readonly endpoints: ReadonlyMap<string, { readonly host: string; readonly port: number }>;
}

interface CachedTopic {
  topicId: string;
  readonly partitions: Map<number, PartitionLeadership>;
}

/** What the cache knows of a topic: enough for MetadataStore's read side (configs live in ZooKeeper). */
export interface CachedTopicMetadata {
  readonly name: string;
  readonly topicId: string;
  readonly partitionCount: number;
  readonly replicationFactor: number;
}

interface Waiter {
  readonly ready: () => boolean;
  readonly resolve: (ready: boolean) => void;
  readonly timer: Timer;
}

export class MetadataCache implements ClusterView {
  readonly #interBrokerListenerName: string;
  readonly #time: Time;
  #controllerId = -1;
  #controllerEpoch = -1;
  #brokers = new Map<number, CachedBroker>();
  readonly #topics = new Map<string, CachedTopic>();
  readonly #namesById = new Map<string, string>();
  readonly #collisions = new TopicCollisions();
  readonly #waiters = new Set<Waiter>();

  constructor(options: {
    /** inter.broker.listener.name, else the first listener: where the controller and followers connect. */
    interBrokerListenerName: string;
    time: Time;
  }) {
    this.#interBrokerListenerName = options.interBrokerListenerName;
    this.#time = options.time;
  }

  get controllerId(): number {
    return this.#controllerId;
  }

  /** The newest controller epoch seen; -1 before the first UpdateMetadata. */
  get controllerEpoch(): number {
    return this.#controllerEpoch;
  }

  aliveBrokers(listenerName: string): readonly AliveBroker[] {
    const alive: AliveBroker[] = [];
    for (const id of [...this.#brokers.keys()].sort((a, b) => a - b)) {
      const broker = this.aliveBroker(id, listenerName);
      if (broker !== undefined) alive.push(broker);
    }
    return alive;
  }

  /** A live broker without the listener is not offered to clients of that listener, as in Kafka. */
  aliveBroker(id: number, listenerName: string): AliveBroker | undefined {
    const broker = this.#brokers.get(id);
    const endpoint = broker?.endpoints.get(listenerName);
    if (broker === undefined || endpoint === undefined) return undefined;
    return { id, host: endpoint.host, port: endpoint.port, rack: broker.rack };
  }

  aliveBrokerIds(): readonly number[] {
    return [...this.#brokers.keys()].sort((a, b) => a - b);
  }

  /** Every live broker with its rack, whatever its listeners: where replicas may be placed. */
  aliveBrokerRacks(): { id: number; rack: string | null }[] {
    return [...this.#brokers.values()].sort((a, b) => a.id - b.id).map(({ id, rack }) => ({ id, rack }));
  }

  /** Where other brokers reach broker `id`: the controller channel and the replica fetchers use it. */
  interBrokerEndpoint(id: number): { readonly host: string; readonly port: number } | undefined {
    return this.#brokers.get(id)?.endpoints.get(this.#interBrokerListenerName);
  }

  isAlive(id: number): boolean {
    return this.#brokers.has(id);
  }

  partitionLeadership(topic: string, partition: number): PartitionLeadership | undefined {
    return this.#topics.get(topic)?.partitions.get(partition);
  }

  topicNames(): string[] {
    return [...this.#topics.keys()];
  }

  topic(name: string): CachedTopicMetadata | undefined {
    const cached = this.#topics.get(name);
    if (cached === undefined) return undefined;
    const count = Math.max(-1, ...cached.partitions.keys()) + 1;
    return { name, topicId: cached.topicId, partitionCount: count, replicationFactor: cached.partitions.get(0)?.replicas.length ?? 0 };
  }

  /** A known topic whose name differs from `name` only in "." against "_". */
  collidingTopicName(name: string): string | undefined {
    return this.#collisions.colliding(name);
  }

  topicNameById(topicId: string): string | undefined {
    return this.#namesById.get(topicId);
  }

  /**
   * Applies one UpdateMetadata request; answers its error code. The deleted partitions are
   * returned too, so that the broker can drop what it kept for them.
   */
  update(request: UpdateMetadataRequest): { errorCode: number; deleted: { topic: string; partition: number }[] } {
    if (request.controllerEpoch < this.#controllerEpoch) return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, deleted: [] };
    this.#controllerId = request.controllerId;
    this.#controllerEpoch = request.controllerEpoch;
    this.#brokers = new Map(request.liveBrokers.map((broker) => [broker.id, toCachedBroker(broker)]));
    const deleted: { topic: string; partition: number }[] = [];
    for (const { topic, topicId, state } of partitionStates(request)) {
      if (state.leader === LEADER_DURING_DELETE) {
        if (this.#remove(topic, state.partitionIndex)) deleted.push({ topic, partition: state.partitionIndex });
        continue;
      }
      const cached = this.#topicEntry(topic, topicId);
      cached.partitions.set(state.partitionIndex, Object.freeze({
        topic,
        partition: state.partitionIndex,
        leader: state.leader,
        leaderEpoch: state.leaderEpoch,
        isr: Object.freeze([...state.isr]),
        replicas: Object.freeze([...state.replicas]),
        offlineReplicas: Object.freeze([...(state.offlineReplicas ?? [])]),
      }));
    }
    for (const waiter of [...this.#waiters]) {
      if (waiter.ready()) this.#settle(waiter, true);
    }
    return { errorCode: ErrorCode.NONE, deleted };
  }

  /**
   * Resolves true once `ready()` holds after an update (or now), false after `timeoutMs`: how
   * CreateTopics waits for its partitions' leaders, as Kafka's DelayedCreatePartitions.
   */
  waitUntil(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    if (ready()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = { ready, resolve, timer: this.#time.setTimeout(() => this.#settle(waiter, false), timeoutMs) };
      this.#waiters.add(waiter);
    });
  }

  /** Ends every wait (as timed out): the broker is closing. */
  close(): void {
    for (const waiter of [...this.#waiters]) this.#settle(waiter, false);
  }

  #settle(waiter: Waiter, ready: boolean): void {
    if (!this.#waiters.delete(waiter)) return;
    this.#time.clearTimeout(waiter.timer);
    waiter.resolve(ready);
  }

  #topicEntry(topic: string, topicId: string | undefined): CachedTopic {
    let cached = this.#topics.get(topic);
    if (cached === undefined) {
      cached = { topicId: topicId ?? ZERO_UUID, partitions: new Map() };
      this.#topics.set(topic, cached);
      this.#collisions.add(topic);
    } else if (topicId !== undefined && topicId !== cached.topicId) {
      this.#namesById.delete(cached.topicId);
      cached.topicId = topicId;
    }
    if (cached.topicId !== ZERO_UUID) this.#namesById.set(cached.topicId, topic);
    return cached;
  }

  #remove(topic: string, partition: number): boolean {
    const cached = this.#topics.get(topic);
    if (cached === undefined || !cached.partitions.delete(partition)) return false;
    if (cached.partitions.size === 0) {
      this.#topics.delete(topic);
      this.#namesById.delete(cached.topicId);
      this.#collisions.remove(topic);
    }
    return true;
  }
}

function toCachedBroker(broker: UpdateMetadataRequest['liveBrokers'][number]): CachedBroker {
  const endpoints = new Map<string, { host: string; port: number }>();
  if (broker.endpoints === undefined) {
    // v0: one PLAINTEXT endpoint.
    endpoints.set('PLAINTEXT', { host: broker.v0Host ?? '', port: broker.v0Port ?? -1 });
  } else {
    for (const endpoint of broker.endpoints) {
      // Before v3 a listener is named after its security protocol.
      const name = endpoint.listener ?? SECURITY_PROTOCOL_NAMES[endpoint.securityProtocol] ?? `PROTOCOL_${endpoint.securityProtocol}`;
      endpoints.set(name.toUpperCase(), { host: endpoint.host, port: endpoint.port });
    }
  }
  return { id: broker.id, rack: broker.rack ?? null, endpoints };
}

/** The request's partition states with their topic, whichever version's layout it has. */
export function* partitionStates(request: UpdateMetadataRequest): Iterable<{ topic: string; topicId: string | undefined; state: UpdateMetadataRequestUpdateMetadataPartitionState }> {
  for (const state of request.ungroupedPartitionStates ?? []) yield { topic: state.topicName ?? '', topicId: undefined, state };
  for (const topicState of request.topicStates ?? []) {
    const topicId = topicState.topicId === undefined || topicState.topicId === ZERO_UUID ? undefined : topicState.topicId;
    for (const state of topicState.partitionStates) yield { topic: topicState.topicName, topicId, state };
  }
}
