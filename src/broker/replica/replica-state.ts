import { ErrorCode, KafkaError } from '../../protocol/errors.ts';

/**
 * What a partition leader knows of one follower (Kafka's ReplicaState in Replica.scala), learnt
 * only from that follower's fetches. Plain immutable values: the leader replaces the whole state
 * on each fetch, so a reader never sees half an update. Times are the leader's clock, passed in.
 */
export interface ReplicaState {
  readonly brokerId: number;
  /** The follower's log start offset, as its last fetch said; UNKNOWN_OFFSET before one. */
  readonly logStartOffset: number;
  /** The follower's log end offset: the fetch offset of its last fetch; UNKNOWN_OFFSET before one. */
  readonly logEndOffset: number;
  /** The leader's log end offset when the last fetch arrived (never decreases between resets). */
  readonly lastFetchLeaderLogEndOffset: number;
  readonly lastFetchTimeMs: number;
  /**
   * The latest time t at which this follower had fetched up to the leader's log end offset as of t.
   * The ISR is defined by it: a follower is in sync while now - lastCaughtUpTimeMs <= replica.lag.time.max.ms.
   */
  readonly lastCaughtUpTimeMs: number;
  /** The broker epoch the last fetch carried (-1: the fetcher did not say); undefined before one. */
  readonly brokerEpoch: number | undefined;
}

/** Kafka's UnifiedLog.UnknownOffset: no fetch has told the leader this yet. */
export const UNKNOWN_OFFSET = -1;

/** A follower the leader has never heard from: never caught up, so it holds nothing back. */
export function emptyReplicaState(brokerId: number): ReplicaState {
  return {
    brokerId,
    logStartOffset: UNKNOWN_OFFSET,
    logEndOffset: UNKNOWN_OFFSET,
    lastFetchLeaderLogEndOffset: 0,
    lastFetchTimeMs: 0,
    lastCaughtUpTimeMs: 0,
    brokerEpoch: undefined,
  };
}

/** One follower fetch as the leader sees it when the request arrives. */
export interface FollowerFetch {
  /** The offset the follower asks for: everything below it is in the follower's log. */
  readonly fetchOffset: number;
  readonly logStartOffset: number;
  readonly fetchTimeMs: number;
  /** The leader's log end offset when the fetch arrived (before reading for it). */
  readonly leaderLogEndOffset: number;
  /** From the Fetch request's ReplicaState; -1 when the follower does not send one. */
  readonly brokerEpoch: number;
}

/**
 * The follower's state after a fetch (Kafka's Replica.updateFetchStateOrThrow). A fetch that
 * reaches the leader's log end offset as of its own arrival makes the follower caught up at that
 * time. One that only reaches the leader's log end offset as of the previous fetch makes it caught
 * up at the previous fetch's time: so a follower that always trails a busy leader by the records
 * produced since its last fetch still counts as in sync, as long as it keeps fetching within the
 * lag time. lastCaughtUpTimeMs never goes back.
 *
 * `aliveBrokerEpoch` is the follower's broker epoch as the leader's metadata knows it: a fetch
 * carrying an older epoch comes from a previous incarnation of that broker and must not move
 * anything (NOT_LEADER_OR_FOLLOWER, as Kafka answers).
 */
export function updateFetchState(state: ReplicaState, fetch: FollowerFetch, aliveBrokerEpoch?: number): ReplicaState {
  if (fetch.brokerEpoch !== -1 && aliveBrokerEpoch !== undefined && aliveBrokerEpoch > fetch.brokerEpoch) {
    throw new KafkaError(
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
      `Stale fetch state update from broker ${state.brokerId}: broker epoch ${fetch.brokerEpoch}, expected ${aliveBrokerEpoch}`,
    );
  }
  let lastCaughtUpTimeMs = state.lastCaughtUpTimeMs;
  if (fetch.fetchOffset >= fetch.leaderLogEndOffset) {
    lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, fetch.fetchTimeMs);
  } else if (fetch.fetchOffset >= state.lastFetchLeaderLogEndOffset) {
    lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, state.lastFetchTimeMs);
  }
  return {
    brokerId: state.brokerId,
    logStartOffset: fetch.logStartOffset,
    logEndOffset: fetch.fetchOffset,
    lastFetchLeaderLogEndOffset: Math.max(fetch.leaderLogEndOffset, state.lastFetchLeaderLogEndOffset),
    lastFetchTimeMs: fetch.fetchTimeMs,
    lastCaughtUpTimeMs,
    brokerEpoch: fetch.brokerEpoch,
  };
}

/**
 * The follower's state when this broker becomes (or stays) leader through a LeaderAndIsr (Kafka's
 * Replica.resetReplicaState). A follower in the ISR gets the benefit of the doubt (caught up now),
 * one outside it starts at 0 so it holds back neither the high watermark nor, before it fetches,
 * rejoins the ISR. A new leader forgets offsets learnt under an older leader: they may describe a
 * log that has since been truncated.
 */
export function resetReplicaState(
  state: ReplicaState,
  reset: { readonly nowMs: number; readonly leaderLogEndOffset: number; readonly isNewLeader: boolean; readonly isFollowerInSync: boolean },
): ReplicaState {
  const lastCaughtUpTimeMs = reset.isFollowerInSync ? reset.nowMs : 0;
  if (reset.isNewLeader) {
    return { ...emptyReplicaState(state.brokerId), lastFetchLeaderLogEndOffset: UNKNOWN_OFFSET, lastCaughtUpTimeMs };
  }
  return {
    ...state,
    lastFetchLeaderLogEndOffset: reset.leaderLogEndOffset,
    lastFetchTimeMs: reset.isFollowerInSync ? reset.nowMs : 0,
    lastCaughtUpTimeMs,
  };
}

/**
 * Kafka's ReplicaState.isCaughtUp: the follower has the leader's whole log, or was caught up
 * within the lag time. This is both "still in sync" for an ISR member and "about to join" for a
 * follower outside it.
 */
export function isCaughtUp(state: ReplicaState, leaderLogEndOffset: number, nowMs: number, replicaLagTimeMaxMs: number): boolean {
  return state.logEndOffset === leaderLogEndOffset || nowMs - state.lastCaughtUpTimeMs <= replicaLagTimeMaxMs;
}
