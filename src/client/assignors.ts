import type { TopicPartition } from './topic-partition.ts';
import { cooperativeStickyAssignor, stickyAssignor } from './sticky-assignor.ts';

export { cooperativeStickyAssignor, stickyAssignor };

export type AssignorName = 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky';

export interface MemberSubscription {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly topics: readonly string[];
  /** What the member owns now (subscription v1+), which the sticky assignors keep where they can. */
  readonly ownedPartitions: readonly TopicPartition[];
  readonly generationId: number;
  /** The subscription's userData, which the assignor that the coordinator chose wrote (or null). */
  readonly userData?: Buffer | null;
}

/** A member's last assignment and the generation it came in: what Java's assignors keep in onAssignment. */
export interface LastAssignment {
  readonly partitions: readonly TopicPartition[];
  readonly generationId: number;
}

export interface Assignor {
  readonly name: AssignorName;
  /** eager: everything is revoked before a rebalance; cooperative: only what moves (KIP-429). */
  readonly rebalanceProtocol: 'eager' | 'cooperative';
  /** Protocol names other clients give the same algorithm; offered too, so mixed groups agree on one. */
  readonly aliases?: readonly string[];
  /** The userData this assignor's subscription carries (Java's subscriptionUserData); null when none yet. */
  subscriptionUserData?(last: LastAssignment | null): Buffer | null;
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
