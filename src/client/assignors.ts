import type { TopicPartition } from './fetcher.ts';

export type AssignorName = 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky';

export interface MemberSubscription {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly topics: readonly string[];
  /** What the member owns now (subscription v1+), which the sticky assignors keep where they can. */
  readonly ownedPartitions: readonly TopicPartition[];
  readonly generationId: number;
}

export interface Assignor {
  readonly name: AssignorName;
  /** eager: everything is revoked before a rebalance; cooperative: only what moves (KIP-429). */
  readonly rebalanceProtocol: 'eager' | 'cooperative';
  /** Protocol names other clients give the same algorithm; offered too, so mixed groups agree on one. */
  readonly aliases?: readonly string[];
  assign(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): Map<string, TopicPartition[]>;
}

/** Java sorts members by group.instance.id when static, else by member id; so do we. */
function memberOrder(a: MemberSubscription, b: MemberSubscription): number {
  const ka = a.groupInstanceId ?? a.memberId;
  const kb = b.groupInstanceId ?? b.memberId;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function emptyAssignment(members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
  return new Map(members.map((m) => [m.memberId, []]));
}

/** RangeAssignor: per topic, consecutive ranges; the first (n % members) members get one more. */
export const rangeAssignor: Assignor = {
  name: 'range',
  rebalanceProtocol: 'eager',
  assign(partitionsPerTopic, members) {
    const result = emptyAssignment(members);
    for (const [topic, count] of [...partitionsPerTopic].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const consumers = members.filter((m) => m.topics.includes(topic)).sort(memberOrder);
      if (consumers.length === 0) continue;
      const each = Math.floor(count / consumers.length);
      const extra = count % consumers.length;
      consumers.forEach((m, i) => {
        const start = each * i + Math.min(i, extra);
        const length = each + (i < extra ? 1 : 0);
        for (let p = start; p < start + length; p++) result.get(m.memberId)!.push({ topic, partition: p });
      });
    }
    return result;
  },
};

/** RoundRobinAssignor: all partitions in (topic, partition) order dealt to members in turn. */
export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  rebalanceProtocol: 'eager',
  // KafkaJS's only built-in assignor deals (member id order) the same way under this name.
  aliases: ['RoundRobinAssigner'],
  assign(partitionsPerTopic, members) {
    const result = emptyAssignment(members);
    const sorted = [...members].sort(memberOrder);
    if (sorted.length === 0) return result;
    let next = 0;
    for (const [topic, count] of [...partitionsPerTopic].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (let p = 0; p < count; p++) {
        for (let tries = 0; tries < sorted.length; tries++) {
          const m = sorted[next % sorted.length]!;
          next++;
          if (m.topics.includes(topic)) {
            result.get(m.memberId)!.push({ topic, partition: p });
            break;
          }
        }
      }
    }
    return result;
  },
};

/**
 * The sticky idea (KIP-54): keep every valid owned partition, but no member above its fair share;
 * then hand out the rest to the least-loaded subscribed member. A partition claimed by two members
 * (generation mix-ups) stays with the higher generation.
 */
function stickyAssign(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
  const result = emptyAssignment(members);
  const sorted = [...members].sort(memberOrder);
  const all: TopicPartition[] = [];
  for (const [topic, count] of [...partitionsPerTopic].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!sorted.some((m) => m.topics.includes(topic))) continue;
    for (let p = 0; p < count; p++) all.push({ topic, partition: p });
  }
  const quota = sorted.length === 0 ? 0 : Math.ceil(all.length / sorted.length);
  const owner = new Map<string, { memberId: string; generationId: number }>();
  for (const m of sorted) {
    for (const tp of m.ownedPartitions) {
      const count = partitionsPerTopic.get(tp.topic);
      if (count === undefined || tp.partition >= count || !m.topics.includes(tp.topic)) continue;
      const key = `${tp.topic}\0${tp.partition}`;
      const current = owner.get(key);
      if (current === undefined || current.generationId < m.generationId) owner.set(key, { memberId: m.memberId, generationId: m.generationId });
    }
  }
  const unassigned: TopicPartition[] = [];
  for (const tp of all) {
    const o = owner.get(`${tp.topic}\0${tp.partition}`);
    const list = o === undefined ? undefined : result.get(o.memberId);
    if (list !== undefined && list.length < quota) list.push(tp);
    else unassigned.push(tp);
  }
  for (const tp of unassigned) {
    let best: MemberSubscription | undefined;
    for (const m of sorted) {
      if (!m.topics.includes(tp.topic)) continue;
      if (best === undefined || result.get(m.memberId)!.length < result.get(best.memberId)!.length) best = m;
    }
    if (best !== undefined) result.get(best.memberId)!.push(tp);
  }
  return result;
}

export const stickyAssignor: Assignor = { name: 'sticky', rebalanceProtocol: 'eager', assign: stickyAssign };

/**
 * CooperativeStickyAssignor: the sticky plan, minus partitions that change owner in this round;
 * the old owner revokes them, rejoins, and the next round hands them over (KIP-429).
 */
export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  rebalanceProtocol: 'cooperative',
  assign(partitionsPerTopic, members) {
    const plan = stickyAssign(partitionsPerTopic, members);
    const ownedBy = new Map<string, string>();
    for (const m of members) for (const tp of m.ownedPartitions) ownedBy.set(`${tp.topic}\0${tp.partition}`, m.memberId);
    for (const [memberId, list] of plan) {
      plan.set(memberId, list.filter((tp) => {
        const previous = ownedBy.get(`${tp.topic}\0${tp.partition}`);
        return previous === undefined || previous === memberId || !members.some((m) => m.memberId === previous);
      }));
    }
    return plan;
  },
};

export const ASSIGNORS: Readonly<Record<AssignorName, Assignor>> = {
  range: rangeAssignor, roundrobin: roundRobinAssignor, sticky: stickyAssignor, 'cooperative-sticky': cooperativeStickyAssignor,
};

/**
 * The JoinGroup protocol names for the configured assignors: their own names in preference order,
 * then their aliases. The coordinator picks a name every member offers, by the members' first
 * choices, so a group of our consumers keeps Java's names and a mixed group falls back to an alias.
 */
export function joinProtocolNames(assignors: readonly AssignorName[]): string[] {
  const names = [...assignors, ...assignors.flatMap((name) => ASSIGNORS[name].aliases ?? [])];
  return [...new Set(names)];
}

/** The assignor behind a protocol name the coordinator chose (own name or alias). */
export function assignorForProtocol(protocolName: string): Assignor | undefined {
  return Object.values(ASSIGNORS).find((a) => a.name === protocolName || (a.aliases ?? []).includes(protocolName));
}
