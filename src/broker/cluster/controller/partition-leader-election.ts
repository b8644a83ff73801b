import {
  LeaderRecoveryState, newLeaderAndIsr, writtenByNewerController, type LeaderAndIsr,
} from './leader-and-isr.ts';

/**
 * How the controller picks a partition's leader (Kafka 3.x's PartitionLeaderElectionAlgorithms and
 * Election, ZooKeeper mode). Every algorithm walks the replicas in assignment order, so the
 * preferred leader (the first replica) wins whenever it is eligible and leadership returns to
 * where the assignment spread it. Only a replica in the ISR is eligible, as only the ISR is known
 * to hold every acknowledged record; the one exception is unclean election, which a topic must
 * enable and which accepts losing records to get the partition back online.
 */

/** The first live replica that is in sync; else, with unclean election enabled, the first live one. */
export function offlinePartitionLeaderElection(
  assignment: readonly number[],
  isr: readonly number[],
  liveReplicas: ReadonlySet<number>,
  uncleanLeaderElectionEnabled: boolean,
): { readonly leader: number; readonly unclean: boolean } | undefined {
  const clean = assignment.find((id) => liveReplicas.has(id) && isr.includes(id));
  if (clean !== undefined) return { leader: clean, unclean: false };
  if (!uncleanLeaderElectionEnabled) return undefined;
  const unclean = assignment.find((id) => liveReplicas.has(id));
  return unclean === undefined ? undefined : { leader: unclean, unclean: true };
}

/** Among a reassignment's target replicas: the first live one in sync. */
export function reassignPartitionLeaderElection(reassignment: readonly number[], isr: readonly number[], liveReplicas: ReadonlySet<number>): number | undefined {
  return reassignment.find((id) => liveReplicas.has(id) && isr.includes(id));
}

/** The preferred replica, if it is live and in sync; no other. */
export function preferredReplicaPartitionLeaderElection(assignment: readonly number[], isr: readonly number[], liveReplicas: ReadonlySet<number>): number | undefined {
  const preferred = assignment[0];
  return preferred !== undefined && liveReplicas.has(preferred) && isr.includes(preferred) ? preferred : undefined;
}

/** The first live replica in sync that is not shutting down. */
export function controlledShutdownPartitionLeaderElection(
  assignment: readonly number[],
  isr: readonly number[],
  liveReplicas: ReadonlySet<number>,
  shuttingDownBrokers: ReadonlySet<number>,
): number | undefined {
  return assignment.find((id) => liveReplicas.has(id) && isr.includes(id) && !shuttingDownBrokers.has(id));
}

/** What the controller knows of the cluster when it elects (a slice of Kafka's ControllerContext). */
export interface ElectionContext {
  readonly controllerEpoch: number;
  /** Brokers with a live registration, including those shutting down. */
  readonly liveBrokers: ReadonlySet<number>;
  /** Brokers that asked for a controlled shutdown: alive, but no longer eligible to lead. */
  readonly shuttingDownBrokers?: ReadonlySet<number>;
}

export type ElectionResult =
  | {
    readonly elected: true;
    /** The state to write, conditional on the partition epoch it carries. */
    readonly leaderAndIsr: LeaderAndIsr;
    /** The brokers that get LeaderAndIsr for it. */
    readonly recipients: readonly number[];
    /** The leader came from outside the ISR: acknowledged records may be lost. */
    readonly unclean: boolean;
  }
  | { readonly elected: false; readonly reason: string };

/**
 * A partition whose leader is gone (or which never had one). The new ISR is the old one less its
 * dead members; after an unclean election it is the new leader alone, marked RECOVERING.
 */
export function electLeaderForOfflinePartition(
  state: LeaderAndIsr,
  assignment: readonly number[],
  context: ElectionContext,
  uncleanLeaderElectionEnabled: boolean,
): ElectionResult {
  const stale = staleController(state, context);
  if (stale !== undefined) return stale;
  const online = onlineBrokers(context);
  const result = offlinePartitionLeaderElection(assignment, state.isr, online, uncleanLeaderElectionEnabled);
  const recipients = assignment.filter((id) => online.has(id));
  if (result === undefined) return notElected('offline', assignment, state.isr, online);
  const leaderAndIsr = result.unclean
    ? newLeaderAndIsr(state, result.leader, [result.leader], context.controllerEpoch, LeaderRecoveryState.RECOVERING)
    : newLeaderAndIsr(state, result.leader, state.isr.filter((id) => online.has(id)), context.controllerEpoch);
  return { elected: true, leaderAndIsr, recipients, unclean: result.unclean };
}

/** A reassignment moving leadership onto its target replicas; the ISR is kept. */
export function electLeaderForReassignment(state: LeaderAndIsr, targetReplicas: readonly number[], context: ElectionContext): ElectionResult {
  return electKeepingIsr('reassign', reassignPartitionLeaderElection, state, targetReplicas, context);
}

/**
 * Leadership back to the preferred replica (auto.leader.rebalance.enable, ElectLeaders); the ISR
 * is kept. Callers skip partitions already led by their preferred replica (ELECTION_NOT_NEEDED).
 */
export function electPreferredLeader(state: LeaderAndIsr, assignment: readonly number[], context: ElectionContext): ElectionResult {
  return electKeepingIsr('preferred replica', preferredReplicaPartitionLeaderElection, state, assignment, context);
}

/** A leader moved among healthy replicas: the ISR is still right; all the replicas named hear of it. */
function electKeepingIsr(
  strategy: string,
  algorithm: (replicas: readonly number[], isr: readonly number[], liveReplicas: ReadonlySet<number>) => number | undefined,
  state: LeaderAndIsr,
  replicas: readonly number[],
  context: ElectionContext,
): ElectionResult {
  const stale = staleController(state, context);
  if (stale !== undefined) return stale;
  const online = onlineBrokers(context);
  const leader = algorithm(replicas, state.isr, online);
  if (leader === undefined) return notElected(strategy, replicas, state.isr, online);
  return { elected: true, leaderAndIsr: newLeaderAndIsr(state, leader, state.isr, context.controllerEpoch), recipients: [...replicas], unclean: false };
}

/**
 * Leadership moved off brokers shutting down (ControlledShutdown). They also leave the ISR, so
 * that acks=all stops waiting for them; they still get the LeaderAndIsr, to stop leading.
 */
export function electLeaderForControlledShutdown(state: LeaderAndIsr, assignment: readonly number[], context: ElectionContext): ElectionResult {
  const stale = staleController(state, context);
  if (stale !== undefined) return stale;
  const shuttingDown = context.shuttingDownBrokers ?? new Set<number>();
  const recipients = assignment.filter((id) => context.liveBrokers.has(id));
  const leader = controlledShutdownPartitionLeaderElection(assignment, state.isr, context.liveBrokers, shuttingDown);
  if (leader === undefined) return notElected('controlled shutdown', assignment, state.isr, onlineBrokers(context));
  const isr = state.isr.filter((id) => !shuttingDown.has(id));
  return { elected: true, leaderAndIsr: newLeaderAndIsr(state, leader, isr, context.controllerEpoch), recipients, unclean: false };
}

/** Live and not shutting down: Kafka's isReplicaOnline. */
function onlineBrokers(context: ElectionContext): ReadonlySet<number> {
  const shuttingDown = context.shuttingDownBrokers;
  if (shuttingDown === undefined || shuttingDown.size === 0) return context.liveBrokers;
  return new Set([...context.liveBrokers].filter((id) => !shuttingDown.has(id)));
}

function staleController(state: LeaderAndIsr, context: ElectionContext): ElectionResult | undefined {
  if (!writtenByNewerController(state, context.controllerEpoch)) return undefined;
  return {
    elected: false,
    reason: `the partition state was written by controller epoch ${state.controllerEpoch}, newer than this controller's ${context.controllerEpoch}: another controller has taken over`,
  };
}

function notElected(strategy: string, replicas: readonly number[], isr: readonly number[], online: ReadonlySet<number>): ElectionResult {
  const live = replicas.filter((id) => online.has(id));
  return {
    elected: false,
    reason: `no eligible leader under the ${strategy} strategy: replicas [${replicas.join(', ')}], ISR [${isr.join(', ')}], online replicas [${live.join(', ')}]`,
  };
}
