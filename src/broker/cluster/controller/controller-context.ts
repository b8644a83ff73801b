import type { LiveBroker } from '../live-brokers.ts';
import type { BrokerEndpoint, BrokerRegistration } from '../zookeeper/zk-data.ts';
import type { LeaderAndIsr } from './leader-and-isr.ts';
import { isBeingReassigned, settledAssignment, type PartitionAssignment } from './partition-assignment.ts';
import type { ElectionContext } from './partition-leader-election.ts';

/** One partition of one topic. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface ControllerTopic {
  readonly topicId: string | undefined;
  /**
   * Partition -> replicas in assignment order (the first is the preferred leader), with those a
   * reassignment is adding and removing.
   */
  readonly assignment: Map<number, PartitionAssignment>;
  /** Partition -> its state znode as last read or written; absent while the partition has none. */
  readonly states: Map<number, LeaderAndIsr>;
}

/**
 * What the active controller knows of the cluster (Kafka's ControllerContext): the live brokers and
 * their epochs, every topic's assignment and every partition's leader and ISR, all as read from
 * ZooKeeper at failover and kept current by the controller's own writes and its watches. Only the
 * controller's event queue touches it, one event at a time, so no two changes interleave.
 */
export class ControllerContext {
  readonly epoch: number;
  readonly epochZkVersion: number;
  readonly liveBrokers = new Map<number, LiveBroker>();
  /** Brokers that asked for a controlled shutdown and are still registered. */
  readonly shuttingDownBrokers = new Set<number>();
  readonly topics = new Map<string, ControllerTopic>();
  /** Topics named under /admin/delete_topics whose deletion has started. */
  readonly topicsToBeDeleted = new Set<string>();

  constructor(epoch: number, epochZkVersion: number) {
    this.epoch = epoch;
    this.epochZkVersion = epochZkVersion;
  }

  liveBrokerIds(): ReadonlySet<number> {
    return new Set(this.liveBrokers.keys());
  }

  /** Alive and not shutting down: may lead and be in an ISR (Kafka's isReplicaOnline). */
  isOnline(brokerId: number): boolean {
    return this.liveBrokers.has(brokerId) && !this.shuttingDownBrokers.has(brokerId);
  }

  electionContext(): ElectionContext {
    return { controllerEpoch: this.epoch, liveBrokers: this.liveBrokerIds(), shuttingDownBrokers: this.shuttingDownBrokers };
  }

  replicas(topic: string, partition: number): readonly number[] {
    return this.topics.get(topic)?.assignment.get(partition)?.replicas ?? [];
  }

  /** The partition exists and its topic is not being deleted: requests about it may act. */
  isLivePartition(topic: string, partition: number): boolean {
    return this.topics.get(topic)?.assignment.has(partition) === true && !this.topicsToBeDeleted.has(topic);
  }

  fullAssignment(topic: string, partition: number): PartitionAssignment {
    return this.topics.get(topic)?.assignment.get(partition) ?? settledAssignment([]);
  }

  setFullAssignment(topic: string, partition: number, assignment: PartitionAssignment): void {
    this.topics.get(topic)?.assignment.set(partition, assignment);
  }

  /** Partitions a reassignment is moving (Kafka's partitionsBeingReassigned). */
  reassigningPartitions(): TopicPartition[] {
    return [...this.allPartitions()].filter(({ topic, partition }) => isBeingReassigned(this.fullAssignment(topic, partition)));
  }

  state(topic: string, partition: number): LeaderAndIsr | undefined {
    return this.topics.get(topic)?.states.get(partition);
  }

  setState(topic: string, partition: number, state: LeaderAndIsr): void {
    this.topics.get(topic)?.states.set(partition, state);
  }

  /** Every partition, topic by topic. */
  *allPartitions(): Generator<TopicPartition> {
    for (const [topic, info] of this.topics) {
      for (const partition of [...info.assignment.keys()].sort((a, b) => a - b)) yield { topic, partition };
    }
  }

  /** The partitions with a replica on any of `brokerIds`. */
  partitionsOn(brokerIds: ReadonlySet<number>): TopicPartition[] {
    return [...this.allPartitions()].filter(({ topic, partition }) => this.replicas(topic, partition).some((id) => brokerIds.has(id)));
  }

  topicIdToName(topicId: string): string | undefined {
    for (const [topic, info] of this.topics) if (info.topicId === topicId) return topic;
    return undefined;
  }
}

/**
 * The endpoint brokers use to reach a broker: the listener named by inter.broker.listener.name,
 * else the first it registered (Kafka's default inter-broker listener is the PLAINTEXT one, which
 * a Samsa broker registers first).
 */
export function interBrokerEndpointOf(registration: BrokerRegistration, listenerName: string | null): BrokerEndpoint | undefined {
  if (listenerName !== null) return registration.endpoints.find((e) => e.listenerName === listenerName);
  return registration.endpoints[0];
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
