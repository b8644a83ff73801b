import type { ReplicaState } from './replica-state.ts';
import type { ClientMetadata, ReplicaSelector, ReplicaView } from './replica-selector.ts';

/** What the choice needs of a partition this broker leads (Partition fits). */
export interface LedPartition {
  readonly isLeader: boolean;
  readonly leaderId: number;
  readonly logEndOffset: number;
  /** The committed ISR, leader included. */
  readonly isr: readonly number[];
  readonly replication: { readonly followers: ReadonlyMap<number, ReplicaState> };
}

/**
 * Kafka's ReplicaManager.findPreferredReadReplica: the replica other than this leader that a
 * consumer's fetch at `fetchOffset` should go to, or undefined to read here. Candidates are the
 * leader and the followers that are in the ISR (one out of it may lag without end, and the consumer
 * with it), hold `fetchOffset` (log start <= it <= log end, as the follower's last fetch told) and
 * are alive with an endpoint on the consumer's listener (`rackOf` answers undefined otherwise).
 * The leader itself is never named: the consumer is already here.
 */
export function findPreferredReadReplica(
  partition: LedPartition,
  client: ClientMetadata,
  fetchOffset: number,
  selector: ReplicaSelector,
  rackOf: (brokerId: number) => string | null | undefined,
  nowMs: number,
): number | undefined {
  if (!partition.isLeader) return undefined;
  const leaderRack = rackOf(partition.leaderId);
  const leader: ReplicaView = { brokerId: partition.leaderId, rack: leaderRack ?? null, logEndOffset: partition.logEndOffset, timeSinceLastCaughtUpMs: 0 };
  const replicas: ReplicaView[] = [leader];
  for (const follower of partition.replication.followers.values()) {
    if (!partition.isr.includes(follower.brokerId)) continue;
    if (follower.logEndOffset < fetchOffset || follower.logStartOffset > fetchOffset) continue;
    const rack = rackOf(follower.brokerId);
    if (rack === undefined) continue;
    replicas.push({ brokerId: follower.brokerId, rack, logEndOffset: follower.logEndOffset, timeSinceLastCaughtUpMs: nowMs - follower.lastCaughtUpTimeMs });
  }
  const selected = selector.select(client, { replicas, leader });
  return selected === undefined || selected === leader ? undefined : selected.brokerId;
}
