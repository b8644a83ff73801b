import type { PartitionState } from '../zookeeper/zk-data.ts';

/**
 * A partition's leader, ISR and epochs as the controller changes them (Kafka's LeaderAndIsr), in
 * the shape of its znode /brokers/topics/T/partitions/P/state. What must stay true:
 * - every change of leader or ISR the controller makes bumps the leader epoch by one, so a broker
 *   can tell a newer LeaderAndIsr from an older one and fence clients of the old leader;
 * - `partitionEpoch` is the znode's version. A proposed state keeps the version it was derived
 *   from, which is the version its conditional write expects; once the write succeeds the state
 *   takes the version ZooKeeper answers (withPartitionEpoch). A writer with a stale view fails.
 * - the ISR is never empty while the partition exists: a partition whose last in-sync replica
 *   died keeps that replica in its ISR, with no leader, until it returns (or unclean election).
 */
export type LeaderAndIsr = PartitionState;

/** Kafka's LeaderAndIsr.NoLeader: the partition is offline. */
export const NO_LEADER = -1;
export const INITIAL_LEADER_EPOCH = 0;
export const INITIAL_PARTITION_EPOCH = 0;

/** KIP-704's leader recovery state: a leader elected from outside the ISR is RECOVERING until it has recovered its log. */
export const LeaderRecoveryState = Object.freeze({ RECOVERED: 0, RECOVERING: 1 });

/**
 * A new partition's first state (Kafka's NewPartition -> OnlinePartition): the first live replica
 * in assignment order leads, every live replica is in sync (an empty log is in sync by
 * definition). Undefined when no replica is alive: the partition waits for one.
 */
export function initialLeaderAndIsr(assignment: readonly number[], liveBrokers: ReadonlySet<number>, controllerEpoch: number): LeaderAndIsr | undefined {
  const liveReplicas = assignment.filter((replica) => liveBrokers.has(replica));
  if (liveReplicas.length === 0) return undefined;
  return {
    leader: liveReplicas[0]!,
    leaderEpoch: INITIAL_LEADER_EPOCH,
    isr: liveReplicas,
    controllerEpoch,
    leaderRecoveryState: LeaderRecoveryState.RECOVERED,
    partitionEpoch: INITIAL_PARTITION_EPOCH,
  };
}

/**
 * A new leader and ISR in the next leader epoch, written by this controller; the recovery state
 * stays as it was unless given.
 */
export function newLeaderAndIsr(
  state: LeaderAndIsr,
  leader: number,
  isr: readonly number[],
  controllerEpoch: number,
  leaderRecoveryState: number = state.leaderRecoveryState,
): LeaderAndIsr {
  return { ...state, leader, leaderEpoch: state.leaderEpoch + 1, isr: [...isr], controllerEpoch, leaderRecoveryState };
}

/** The state as written: its partition epoch is now the znode version ZooKeeper answered. */
export function withPartitionEpoch(state: LeaderAndIsr, zkVersion: number): LeaderAndIsr {
  return { ...state, partitionEpoch: zkVersion };
}

/**
 * A broker's replica going offline (Kafka's removeReplicasFromIsr, run for every partition a dead
 * or stopped broker holds a replica of): it leaves the ISR, and if it led, the partition has no
 * leader. Except that the ISR's last member stays: the ISR must name who holds every
 * acknowledged record, so the partition can come back without loss when that broker does.
 * Undefined when the replica is not in the ISR: nothing to write.
 */
export function removeReplicaFromIsr(state: LeaderAndIsr, replicaId: number, controllerEpoch: number): LeaderAndIsr | undefined {
  if (!state.isr.includes(replicaId)) return undefined;
  const leader = state.leader === replicaId ? NO_LEADER : state.leader;
  const isr = state.isr.length === 1 ? state.isr : state.isr.filter((id) => id !== replicaId);
  return newLeaderAndIsr(state, leader, isr, controllerEpoch);
}

/**
 * Whether the state was written by a controller newer than this one: then this controller has
 * been replaced (a soft failure, a lost ZooKeeper session) and must not touch the partition.
 */
export function writtenByNewerController(state: LeaderAndIsr, controllerEpoch: number): boolean {
  return state.controllerEpoch > controllerEpoch;
}
