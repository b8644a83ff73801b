import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import {
  abandonPendingChange,
  canExpandIsr,
  checkEnoughReplicasReachOffset,
  committedIsr,
  isInflight,
  maybeIncrementLeaderHighWatermark,
  outOfSyncReplicas,
  prepareIsrExpand,
  prepareIsrShrink,
  type AcksAllProgress,
  type IsrState,
  type LeaderReplicaView,
} from './partition-replicas.ts';
import { emptyReplicaState, resetReplicaState, updateFetchState, type ReplicaState } from './replica-state.ts';

/** What the leader's decisions need from the broker: fixed for the broker's life. */
export interface ReplicationSettings {
  readonly localBrokerId: number;
  readonly replicaLagTimeMaxMs: number;
  /** Alive and registered (Kafka's isReplicaIsrEligible); true for every id when nothing says otherwise. */
  readonly isReplicaIsrEligible: (brokerId: number) => boolean;
}

/** The controller's decision for one partition (LeaderAndIsr, or the answer to AlterPartition). */
export interface LeaderAndIsrState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly partitionEpoch: number;
  readonly replicas: readonly number[];
}

/** The controller's answer to one proposed ISR change (AlterPartition's partition data). */
export interface IsrChangeAnswer {
  readonly errorCode: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly partitionEpoch: number;
}

/**
 * The leader's view of its followers (Kafka's Partition.scala, leader side): their fetch states,
 * the KIP-497 ISR and the decisions over them, as state around the pure functions of
 * partition-replicas.ts. The partition owns the log and the high watermark; it asks this object
 * what the high watermark may become and which ISR change to propose.
 */
export class LeaderReplicas {
  isrState: IsrState;
  /** Every assigned replica but the leader, in assignment order. */
  readonly followers = new Map<number, ReplicaState>();
  /** Where this leader's epoch starts in its log: a follower must reach it to join the ISR. */
  leaderEpochStartOffset = 0;
  private readonly settings: ReplicationSettings;

  constructor(settings: ReplicationSettings, isr: readonly number[]) {
    this.settings = settings;
    this.isrState = committedIsr(isr);
  }

  get localBrokerId(): number {
    return this.settings.localBrokerId;
  }

  /**
   * Becoming (or staying) leader with the controller's state (Kafka's makeLeader): followers in the
   * ISR are given the benefit of the doubt, the others start from nothing; a new leader forgets
   * offsets learnt under an older one.
   */
  reset(state: LeaderAndIsrState, nowMs: number, leaderLogEndOffset: number, isNewLeader: boolean): void {
    this.isrState = committedIsr(state.isr);
    const previous = new Map(this.followers);
    this.followers.clear();
    for (const id of state.replicas) {
      if (id === this.settings.localBrokerId) continue;
      this.followers.set(id, resetReplicaState(previous.get(id) ?? emptyReplicaState(id), {
        nowMs, leaderLogEndOffset, isNewLeader, isFollowerInSync: state.isr.includes(id),
      }));
    }
    if (isNewLeader) this.leaderEpochStartOffset = leaderLogEndOffset;
  }

  view(leaderLogEndOffset: number, highWatermark: number, minInSyncReplicas: number): LeaderReplicaView {
    return {
      localBrokerId: this.settings.localBrokerId,
      leaderLogEndOffset,
      highWatermark,
      leaderEpochStartOffset: this.leaderEpochStartOffset,
      isrState: this.isrState,
      followers: this.followers,
      isReplicaIsrEligible: this.settings.isReplicaIsrEligible,
      replicaLagTimeMaxMs: this.settings.replicaLagTimeMaxMs,
      minInSyncReplicas,
    };
  }

  /**
   * A follower's fetch arrived (Kafka's updateFollowerFetchState). A broker that is not an assigned
   * follower may know a newer assignment than this leader: with a leader epoch in its fetch it is
   * told UNKNOWN_LEADER_EPOCH, without one NOT_LEADER_OR_FOLLOWER, both retried (Kafka's
   * followerReplicaOrThrow). A fetch from an older life of the broker is NOT_LEADER_OR_FOLLOWER.
   */
  updateFollower(followerId: number, fetch: { fetchOffset: number; logStartOffset: number; brokerEpoch: number; leaderEpochGiven?: boolean }, nowMs: number, leaderLogEndOffset: number): void {
    const state = this.followers.get(followerId);
    if (state === undefined) {
      throw new KafkaError(
        fetch.leaderEpochGiven === true ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.NOT_LEADER_OR_FOLLOWER,
        `broker ${followerId} is not an assigned replica of this partition`,
      );
    }
    this.followers.set(followerId, updateFetchState(state, {
      fetchOffset: fetch.fetchOffset, logStartOffset: fetch.logStartOffset, brokerEpoch: fetch.brokerEpoch, fetchTimeMs: nowMs, leaderLogEndOffset,
    }));
  }

  highWatermark(view: LeaderReplicaView, nowMs: number): number {
    return maybeIncrementLeaderHighWatermark(view, nowMs);
  }

  /** The ISR change to propose after a follower's fetch, if it may join now (prepareIsrExpand). */
  proposeExpand(view: LeaderReplicaView, followerId: number): IsrState | undefined {
    if (!canExpandIsr(view, followerId)) return undefined;
    this.isrState = prepareIsrExpand(this.isrState, followerId);
    return this.isrState;
  }

  /** The ISR change to propose when members fell behind for longer than the lag time (prepareIsrShrink). */
  proposeShrink(view: LeaderReplicaView, nowMs: number): IsrState | undefined {
    const outOfSync = outOfSyncReplicas(view, nowMs);
    if (outOfSync.length === 0) return undefined;
    this.isrState = prepareIsrShrink(this.isrState, outOfSync);
    return this.isrState;
  }

  /**
   * The controller answered the change `sent` (Kafka's handleAlterPartitionUpdate / Error). A
   * state replaced meanwhile (a LeaderAndIsr) ignores it. Accepted: the answer is the committed
   * ISR. Refused because it could not apply (not attempted, ineligible replica, unknown
   * partition): back to the committed ISR, to be proposed again. Fenced or a stale partition
   * epoch: the proposal stays pending, so no other is made, until the controller's LeaderAndIsr.
   * `changed`: the ISR state moved (the caller recomputes the high watermark).
   */
  answer(sent: IsrState, answer: IsrChangeAnswer): { accepted: boolean; changed: boolean } {
    if (this.isrState !== sent) return { accepted: false, changed: false };
    switch (answer.errorCode) {
      case ErrorCode.NONE:
        this.isrState = committedIsr(answer.isr);
        return { accepted: true, changed: true };
      case ErrorCode.FENCED_LEADER_EPOCH:
      case ErrorCode.INVALID_UPDATE_VERSION:
        return { accepted: false, changed: false };
      default:
        this.isrState = abandonPendingChange(this.isrState);
        return { accepted: false, changed: true };
    }
  }

  get inflight(): boolean {
    return isInflight(this.isrState);
  }

  acksAllProgress(view: LeaderReplicaView, requiredOffset: number): AcksAllProgress {
    return checkEnoughReplicasReachOffset(view, requiredOffset);
  }
}
