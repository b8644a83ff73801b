import type { Assignor, MemberSubscription } from './assignors.ts';
import { constrainedAssign } from './sticky-constrained-assign.ts';
import { generalAssign } from './sticky-general-assign.ts';
import { keyOf, type TopicPartition } from './topic-partition.ts';
import {
  decodeCooperativeUserData, decodeStickyUserData, DEFAULT_GENERATION, encodeCooperativeUserData, encodeStickyUserData,
  type StickyMemberData,
} from './sticky-user-data.ts';

/**
 * Kafka's sticky assignors (KIP-54, KIP-341, KIP-429): a balanced assignment that moves as few
 * partitions as it can. Both share the algorithm and differ in where they learn what members had
 * (memberData) and in what they may hand out in one round.
 */

interface Ownership {
  /** Per member (member id order), the partitions it owned and still may: conflicts resolved. */
  readonly owned: Map<string, TopicPartition[]>;
  /** Per partition, the claimant of the generation before its owner's: where it goes back first. */
  readonly previousOwner: Map<string, string>;
}

/**
 * Who owns what. A partition claimed by several members (a member that missed a rebalance still
 * reports what it had) belongs to the one with the highest generation; if several share that
 * generation the input is contradictory and none of them keeps it. Partitions that no longer
 * exist, or whose topic nobody subscribes to, are dropped.
 */
function resolveOwnership(members: ReadonlyArray<{ readonly memberId: string; readonly data: StickyMemberData }>, partitionsPerTopic: ReadonlyMap<string, number>): Ownership {
  const claims = new Map<string, { tp: TopicPartition; claimants: Array<{ memberId: string; generation: number }> }>();
  for (const { memberId, data } of members) {
    for (const tp of data.partitions) {
      if (!(tp.partition < (partitionsPerTopic.get(tp.topic) ?? 0))) continue;
      const claim = claims.get(keyOf(tp)) ?? { tp, claimants: [] };
      claims.set(keyOf(tp), claim);
      if (!claim.claimants.some((c) => c.memberId === memberId)) claim.claimants.push({ memberId, generation: data.generation });
    }
  }
  const owned = new Map(members.map((m): [string, TopicPartition[]] => [m.memberId, []]));
  const previousOwner = new Map<string, string>();
  for (const [key, { tp, claimants }] of claims) {
    const top = Math.max(...claimants.map((c) => c.generation));
    const winners = claimants.filter((c) => c.generation === top);
    if (winners.length === 1) owned.get(winners[0]!.memberId)!.push(tp);
    const older = claimants.filter((c) => c.generation < top);
    if (older.length > 0) {
      const second = Math.max(...older.map((c) => c.generation));
      previousOwner.set(key, older.find((c) => c.generation === second)!.memberId);
    }
  }
  return { owned, previousOwner };
}

interface StickyRound {
  readonly plan: Map<string, TopicPartition[]>;
  readonly ownership: Ownership;
  readonly claims: ReadonlyMap<string, StickyMemberData>;
}

function stickyAssign(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly MemberSubscription[], memberData: (m: MemberSubscription) => StickyMemberData): StickyRound {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  // Only topics that exist count: a member subscribed to a missing topic subscribes to nothing more.
  const subscriptions = new Map(sorted.map((m) => [m.memberId, new Set(m.topics.filter((t) => partitionsPerTopic.has(t)))]));
  const subscribed = new Set([...subscriptions.values()].flatMap((topics) => [...topics]));
  const topics = new Map([...partitionsPerTopic].filter(([topic]) => subscribed.has(topic)));
  const claims = new Map(sorted.map((m) => [m.memberId, memberData(m)]));
  const ownership = resolveOwnership(sorted.map((m) => ({ memberId: m.memberId, data: claims.get(m.memberId)! })), topics);
  const first = subscriptions.values().next().value;
  const allEqual = [...subscriptions.values()].every((s) => s.size === first!.size && [...s].every((t) => first!.has(t)));
  const plan = allEqual
    ? constrainedAssign(topics, ownership.owned)
    : generalAssign(topics, subscriptions, ownership.owned, ownership.previousOwner);
  return { plan, ownership, claims };
}

/**
 * The eager StickyAssignor: members revoke everything before they join, so their subscriptions'
 * ownedPartitions are empty and the StickyAssignorUserData tells the leader what they had (Java
 * reads only that). A subscription without userData falls back to its ownedPartitions and
 * generationId, which is what a caller that knows them directly passes.
 */
function stickyMemberData(m: MemberSubscription): StickyMemberData {
  if (m.userData !== undefined && m.userData !== null && m.userData.length > 0) return decodeStickyUserData(m.userData);
  return { partitions: m.ownedPartitions, generation: m.generationId };
}

export const stickyAssignor: Assignor = {
  name: 'sticky',
  rebalanceProtocol: 'eager',
  subscriptionUserData: (last) => (last === null ? null : encodeStickyUserData({ partitions: last.partitions, generation: last.generationId })),
  assign: (partitionsPerTopic, members) => stickyAssign(partitionsPerTopic, members, stickyMemberData).plan,
};

/** Subscriptions v2+ carry the generation; older ones have it in the cooperative userData. */
function cooperativeMemberData(m: MemberSubscription): StickyMemberData {
  const generation = m.generationId !== DEFAULT_GENERATION ? m.generationId : decodeCooperativeUserData(m.userData);
  return { partitions: m.ownedPartitions, generation };
}

/**
 * CooperativeStickyAssignor (KIP-429): the sticky plan, minus every partition that would pass
 * from one live member to another in this round. A partition is handed over only once nobody in
 * the group claims it: the member that gives it up revokes it, rejoins, and the next round (in
 * which it no longer claims it) hands it over. Partitions of members that left move at once.
 */
export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  rebalanceProtocol: 'cooperative',
  subscriptionUserData: (last) => encodeCooperativeUserData(last?.generationId ?? DEFAULT_GENERATION),
  assign(partitionsPerTopic, members) {
    const { plan, ownership, claims } = stickyAssign(partitionsPerTopic, members, cooperativeMemberData);
    const claimedBy = new Map<string, string[]>();
    for (const [memberId, data] of claims) for (const tp of data.partitions) claimedBy.set(keyOf(tp), [...(claimedBy.get(keyOf(tp)) ?? []), memberId]);
    for (const [memberId, partitions] of plan) {
      const kept = new Set(ownership.owned.get(memberId)!.map(keyOf));
      plan.set(memberId, partitions.filter((tp) => kept.has(keyOf(tp)) || (claimedBy.get(keyOf(tp)) ?? []).every((other) => other === memberId)));
    }
    return plan;
  },
};
