import type { ConsumerGroupHeartbeatRequest } from '../protocol/generated/consumer-group-heartbeat.ts';
import { byTopicId, type OwnedPartition } from './consumer-reconciliation.ts';

/** KIP-848's member epochs with a meaning of their own. */
export const JOIN_GROUP_MEMBER_EPOCH = 0;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

/** What a member is and wants, as its next heartbeat reports it. */
export interface HeartbeatMember {
  readonly groupId: string;
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly subscribedTopicNames: readonly string[];
  readonly serverAssignor: string | null;
  readonly owned: readonly OwnedPartition[];
}

/**
 * The fields of ConsumerGroupHeartbeat that are sent only when they changed (null or -1 means
 * "as before"), as Java's HeartbeatState does: a join (epoch 0) sends everything, and so does the
 * first heartbeat after any failure (reset()), since the coordinator may not have seen the last
 * one. The coordinator answers a full request with the whole assignment, which is how a member
 * recovers from a lost response. Owned partitions going out again is the member's acknowledgement
 * that it finished a reconciliation.
 */
export class HeartbeatState {
  #rebalanceTimeoutMs = -1;
  /** undefined: not sent since the last reset. */
  #rackId: string | null | undefined = undefined;
  #subscribedTopicNames: string | null = null;
  #serverAssignor: string | null = null;
  #owned: string | null = null;

  reset(): void {
    this.#rebalanceTimeoutMs = -1;
    this.#rackId = undefined;
    this.#subscribedTopicNames = null;
    this.#serverAssignor = null;
    this.#owned = null;
  }

  /** The next heartbeat; what it carries counts as sent from now on (a failure must reset()). */
  request(member: HeartbeatMember): ConsumerGroupHeartbeatRequest {
    const all = member.memberEpoch === JOIN_GROUP_MEMBER_EPOCH;
    const topics = [...member.subscribedTopicNames].sort();
    const owned = byTopicId(member.owned);
    const topicsKey = topics.join('\0');
    const ownedKey = JSON.stringify(owned);
    const request: ConsumerGroupHeartbeatRequest = {
      groupId: member.groupId,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      // Always sent when static: the coordinator checks it on every heartbeat.
      instanceId: member.instanceId,
      rackId: all || this.#rackId !== member.rackId ? member.rackId : null,
      rebalanceTimeoutMs: all || this.#rebalanceTimeoutMs !== member.rebalanceTimeoutMs ? member.rebalanceTimeoutMs : -1,
      subscribedTopicNames: all || this.#subscribedTopicNames !== topicsKey ? topics : null,
      serverAssignor: member.serverAssignor !== null && (all || this.#serverAssignor !== member.serverAssignor) ? member.serverAssignor : null,
      topicPartitions: all || this.#owned !== ownedKey ? owned.map((t) => ({ topicId: t.topicId, partitions: [...t.partitions] })) : null,
    };
    this.#rebalanceTimeoutMs = member.rebalanceTimeoutMs;
    this.#rackId = member.rackId;
    this.#subscribedTopicNames = topicsKey;
    this.#serverAssignor = member.serverAssignor;
    this.#owned = ownedKey;
    return request;
  }

  /** True when the owned partitions differ from the last ones sent: an acknowledgement is due now. */
  ownedChanged(owned: readonly OwnedPartition[]): boolean {
    return this.#owned !== JSON.stringify(byTopicId(owned));
  }
}

/** Leaving: epoch -1, or -2 for a static member that means to come back (the coordinator keeps its partitions until its session ends). */
export function leaveRequest(groupId: string, memberId: string, instanceId: string | null): ConsumerGroupHeartbeatRequest {
  return {
    groupId, memberId, instanceId, rackId: null,
    memberEpoch: instanceId === null ? LEAVE_GROUP_MEMBER_EPOCH : LEAVE_GROUP_STATIC_MEMBER_EPOCH,
    rebalanceTimeoutMs: -1, subscribedTopicNames: null, serverAssignor: null, topicPartitions: null,
  };
}
