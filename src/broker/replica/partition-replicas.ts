import { ErrorCode } from '../../protocol/errors.ts';
import { isCaughtUp, type ReplicaState } from './replica-state.ts';

/**
 * The leader's decisions about its followers (Kafka's cluster/Partition.scala, leader side): the
 * high watermark, which followers leave or join the ISR, and when an acks=all produce is done.
 * Pure functions over plain values: the caller (Partition) holds the state, sends AlterPartition
 * and completes delayed produces.
 *
 * The ISR is KIP-497's: the leader changes it only by asking the controller (AlterPartition), one
 * change in flight at a time. Until the controller answers, the committed ISR (what ZooKeeper
 * holds) stays in force, and the set the high watermark waits for is the "maximal ISR": the
 * committed ISR plus a replica being added, never minus one being removed. Waiting for more
 * replicas is always safe; waiting for fewer before ZooKeeper agrees could acknowledge a write
 * that a replica the controller still counts as in sync (and may elect) does not have.
 */
export type IsrState =
  | { readonly kind: 'committed'; readonly isr: readonly number[] }
  | { readonly kind: 'pendingExpand'; readonly isr: readonly number[]; readonly newInSyncReplicaId: number }
  | { readonly kind: 'pendingShrink'; readonly isr: readonly number[]; readonly outOfSyncReplicaIds: readonly number[] };

/** The ISR as ZooKeeper (a LeaderAndIsr, or the controller's answer to AlterPartition) has it. */
export function committedIsr(isr: readonly number[]): IsrState {
  return { kind: 'committed', isr: [...isr] };
}

/** An AlterPartition is in flight: no other ISR change is proposed until it is answered. */
export function isInflight(state: IsrState): boolean {
  return state.kind !== 'committed';
}

/** The set the high watermark and acks=all wait for: committed ISR plus a pending addition. */
export function maximalIsr(state: IsrState): readonly number[] {
  return state.kind === 'pendingExpand' ? [...state.isr, state.newInSyncReplicaId] : state.isr;
}

/** The ISR the pending AlterPartition asks for; the committed one when nothing is pending. */
export function proposedIsr(state: IsrState): readonly number[] {
  switch (state.kind) {
    case 'committed': return state.isr;
    case 'pendingExpand': return maximalIsr(state);
    case 'pendingShrink': return state.isr.filter((id) => !state.outOfSyncReplicaIds.includes(id));
  }
}

/** Proposes adding a follower (Kafka's prepareIsrExpand); only from a committed state. */
export function prepareIsrExpand(state: IsrState, newInSyncReplicaId: number): IsrState {
  if (state.kind !== 'committed') throw new Error(`an ISR change is already in flight (${state.kind})`);
  return { kind: 'pendingExpand', isr: state.isr, newInSyncReplicaId };
}

/** Proposes removing followers (Kafka's prepareIsrShrink); only from a committed state. */
export function prepareIsrShrink(state: IsrState, outOfSyncReplicaIds: readonly number[]): IsrState {
  if (state.kind !== 'committed') throw new Error(`an ISR change is already in flight (${state.kind})`);
  return { kind: 'pendingShrink', isr: state.isr, outOfSyncReplicaIds: [...outOfSyncReplicaIds] };
}

/** The controller refused or the request failed: back to the last committed ISR, to retry later. */
export function abandonPendingChange(state: IsrState): IsrState {
  return committedIsr(state.isr);
}

/** What the leader knows when it decides; every field is read at one moment by the caller. */
export interface LeaderReplicaView {
  readonly localBrokerId: number;
  readonly leaderLogEndOffset: number;
  readonly highWatermark: number;
  /** Start offset of the current leader epoch in the leader's log (leader epoch cache). */
  readonly leaderEpochStartOffset: number;
  readonly isrState: IsrState;
  /** Every assigned replica but the leader. An ISR member missing here holds nothing back, as in Kafka. */
  readonly followers: ReadonlyMap<number, ReplicaState>;
  /**
   * May this broker join (or wait to join) the ISR: registered and alive, not fenced or shutting
   * down, and fetching with the broker epoch the metadata has (Kafka's isReplicaIsrEligible).
   */
  readonly isReplicaIsrEligible: (brokerId: number) => boolean;
  readonly replicaLagTimeMaxMs: number;
  readonly minInSyncReplicas: number;
}

/**
 * min.insync.replicas capped by the replication factor (Kafka 3.7's effectiveMinIsr), so a topic
 * with fewer replicas than its min.insync.replicas does not freeze its high watermark.
 */
export function effectiveMinIsr(view: LeaderReplicaView): number {
  return Math.min(view.minInSyncReplicas, view.followers.size + 1);
}

export function isUnderMinIsr(view: LeaderReplicaView): boolean {
  return view.isrState.isr.length < effectiveMinIsr(view);
}

/**
 * The high watermark after a fetch, an append or an ISR change (Kafka's maybeIncrementLeaderHW):
 * the smallest log end offset among the leader, the maximal ISR, and the followers outside it
 * that are caught up and eligible. Waiting for those too is Kafka's rule for a follower catching up
 * to a lone leader: if the high watermark ran on with the leader's log end offset, the follower
 * would never reach it and never join. It only moves forward, and (Kafka 3.7, KAFKA-15583) not at
 * all while the committed ISR is below min.insync.replicas, so that what consumers see stays
 * within what enough replicas hold.
 */
export function maybeIncrementLeaderHighWatermark(view: LeaderReplicaView, nowMs: number): number {
  if (isUnderMinIsr(view)) return view.highWatermark;
  const waitedFor = maximalIsr(view.isrState);
  let newHighWatermark = view.leaderLogEndOffset;
  for (const follower of view.followers.values()) {
    if (follower.logEndOffset >= newHighWatermark) continue;
    const holdsBack = waitedFor.includes(follower.brokerId)
      || (isCaughtUp(follower, view.leaderLogEndOffset, nowMs, view.replicaLagTimeMaxMs) && view.isReplicaIsrEligible(follower.brokerId));
    if (holdsBack) newHighWatermark = follower.logEndOffset;
  }
  return Math.max(view.highWatermark, newHighWatermark);
}

/**
 * Followers to drop from the ISR (Kafka's getOutOfSyncReplicas): members that have not been
 * caught up within replica.lag.time.max.ms, which covers both a stuck follower (no fetches) and a
 * slow one (fetching, but never reaching the leader's log end offset). Empty while a change is in
 * flight: the next one is decided against the controller's answer.
 */
export function outOfSyncReplicas(view: LeaderReplicaView, nowMs: number): number[] {
  if (isInflight(view.isrState)) return [];
  return view.isrState.isr.filter((id) => {
    if (id === view.localBrokerId) return false;
    const follower = view.followers.get(id);
    return follower === undefined || !isCaughtUp(follower, view.leaderLogEndOffset, nowMs, view.replicaLagTimeMaxMs);
  });
}

/**
 * May this follower be proposed for the ISR now (Kafka's needsExpandIsr)? It must hold everything
 * below the high watermark, and reach into the current leader epoch: a follower that stopped
 * before this leader's first offset might lack committed records between the high watermark and
 * the leader's log end offset, and would lose them if elected. Only the high watermark is checked,
 * not the lag time, to agree with how followers judge themselves in sync.
 */
export function canExpandIsr(view: LeaderReplicaView, followerId: number): boolean {
  const follower = view.followers.get(followerId);
  return follower !== undefined
    && !isInflight(view.isrState)
    && !view.isrState.isr.includes(followerId)
    && view.isReplicaIsrEligible(followerId)
    && follower.logEndOffset >= view.highWatermark
    && follower.logEndOffset >= view.leaderEpochStartOffset;
}

/**
 * Before an acks=all append (Kafka's appendRecordsToLeader): with fewer in-sync replicas than
 * min.insync.replicas nothing is written, so the producer can retry without a duplicate.
 */
export function checkEnoughReplicasForAppend(isrState: IsrState, minInSyncReplicas: number): ErrorCode {
  return isrState.isr.length < minInSyncReplicas ? ErrorCode.NOT_ENOUGH_REPLICAS : ErrorCode.NONE;
}

export type AcksAllProgress = { readonly done: false } | { readonly done: true; readonly errorCode: ErrorCode };

/**
 * Is an acks=all produce whose records end below `requiredOffset` (last offset + 1) finished
 * (Kafka's checkEnoughReplicasReachOffset)? Once the high watermark passes it, every replica the
 * leader waits for holds the records. If the ISR shrank below min.insync.replicas meanwhile, the
 * records are written but the producer is told NOT_ENOUGH_REPLICAS_AFTER_APPEND.
 */
export function checkEnoughReplicasReachOffset(view: LeaderReplicaView, requiredOffset: number): AcksAllProgress {
  if (view.highWatermark < requiredOffset) return { done: false };
  const enough = maximalIsr(view.isrState).length >= view.minInSyncReplicas;
  return { done: true, errorCode: enough ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND };
}
