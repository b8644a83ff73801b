/**
 * KIP-392, "fetch from follower": a leader may tell a consumer to read a partition from another
 * replica (the Fetch answer's preferredReadReplica), chosen by the broker's replica.selector.class.
 * Kafka ships one selector, RackAwareReplicaSelector; unset, every consumer reads from the leader.
 */

/** Kafka's class name for the one selector it ships; replica.selector.class accepts it. */
export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

/** The values replica.selector.class accepts (besides unset). */
export const REPLICA_SELECTOR_CLASSES: readonly string[] = Object.freeze([RACK_AWARE_REPLICA_SELECTOR]);

/** Who asks (Kafka's ClientMetadata): Fetch v11+ from a consumer carries its client.rack. */
export interface ClientMetadata {
  /** client.rack; '' when the consumer set none. */
  readonly rackId: string;
  readonly clientId: string;
  readonly listenerName: string;
}

/** One replica a consumer could read from (Kafka's ReplicaView). */
export interface ReplicaView {
  readonly brokerId: number;
  /** broker.rack of the replica's broker; null when it has none. */
  readonly rack: string | null;
  readonly logEndOffset: number;
  /** 0 for the leader; for a follower, how long ago it last caught up with the leader's log end. */
  readonly timeSinceLastCaughtUpMs: number;
}

/** The replicas eligible to serve a fetch, the leader among them (Kafka's PartitionView). */
export interface PartitionView {
  readonly replicas: readonly ReplicaView[];
  readonly leader: ReplicaView;
}

/** Kafka's ReplicaSelector: picks the replica a consumer should read from; undefined for none. */
export interface ReplicaSelector {
  select(client: ClientMetadata, partition: PartitionView): ReplicaView | undefined;
}

/**
 * Kafka's ReplicaView.comparator: a larger log end offset is more caught up; on a tie, the replica
 * that caught up more lately; then the larger broker id, so the choice is the same every time.
 */
export function compareCaughtUp(a: ReplicaView, b: ReplicaView): number {
  if (a.logEndOffset !== b.logEndOffset) return a.logEndOffset - b.logEndOffset;
  if (a.timeSinceLastCaughtUpMs !== b.timeSinceLastCaughtUpMs) return b.timeSinceLastCaughtUpMs - a.timeSinceLastCaughtUpMs;
  return a.brokerId - b.brokerId;
}

/**
 * Kafka's RackAwareReplicaSelector: a consumer without a rack, or in a rack no eligible replica
 * stands in, reads from the leader; so does one in the leader's rack (the leader has the newest
 * data and no lag); otherwise the most caught-up replica in the consumer's rack.
 */
export const rackAwareReplicaSelector: ReplicaSelector = Object.freeze({
  select(client: ClientMetadata, partition: PartitionView): ReplicaView | undefined {
    const rack = client.rackId;
    if (rack === '') return partition.leader;
    let best: ReplicaView | undefined;
    for (const replica of partition.replicas) {
      if (replica.rack !== rack) continue;
      if (replica === partition.leader) return replica;
      if (best === undefined || compareCaughtUp(replica, best) > 0) best = replica;
    }
    return best ?? partition.leader;
  },
});

/** The selector replica.selector.class names; undefined when unset (consumers read from leaders). */
export function replicaSelectorFor(className: string | null): ReplicaSelector | undefined {
  if (className === null) return undefined;
  if (className === RACK_AWARE_REPLICA_SELECTOR) return rackAwareReplicaSelector;
  // The config's parser admits only the names above; anything else is a bug in the caller.
  throw new Error(`unknown replica selector class ${className}`);
}
