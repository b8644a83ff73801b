import { allPartitions } from './sticky-partitions.ts';
import { keyOf, type TopicPartition } from './topic-partition.ts';

/**
 * Kafka's constrained sticky assignment, for groups whose members all subscribe to the same topics:
 * every member ends with minQuota = floor(partitions / members) or maxQuota = ceil(...) partitions,
 * exactly (partitions % members) of them with maxQuota.
 *
 * 1. Each member keeps what it owned, up to a quota: all of it below minQuota; maxQuota if it owns
 *    that many and max-quota slots remain (so the slots go to members that already fill them and
 *    nobody has to give up a partition to make room); else minQuota. The rest is revoked.
 * 2. Unowned and revoked partitions go round-robin to members still below minQuota.
 * 3. What is left goes one each to members at exactly minQuota, the first to get there first.
 *
 * `owned` has an entry for every member, in the order ties are broken (member id), holding only
 * partitions that exist, with each partition claimed by at most one member.
 */
export function constrainedAssign(
  partitionsPerTopic: ReadonlyMap<string, number>,
  owned: ReadonlyMap<string, readonly TopicPartition[]>,
): Map<string, TopicPartition[]> {
  const all = allPartitions(partitionsPerTopic);
  const members = owned.size;
  const assignment = new Map<string, TopicPartition[]>([...owned.keys()].map((m) => [m, []]));
  if (members === 0) return assignment;
  const minQuota = Math.floor(all.length / members);
  const maxQuota = Math.ceil(all.length / members);
  const expectedAtMaxQuota = all.length % members;
  let atMaxQuota = 0;

  const underMinQuota: string[] = [];
  // Members at minQuota that may take one more; once every max-quota slot is filled by what
  // members kept, step 3 has nothing left to hand out, so members stop joining this list.
  const atMinQuota: string[] = [];
  const kept = new Set<string>();
  for (const [memberId, partitions] of owned) {
    // Java keeps the lowest partition numbers first, which spreads what is kept across topics.
    const mine = [...partitions].sort((a, b) => a.partition - b.partition || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
    let keep: number;
    if (mine.length < minQuota) {
      keep = mine.length;
      underMinQuota.push(memberId);
    } else if (mine.length >= maxQuota && atMaxQuota < expectedAtMaxQuota) {
      keep = maxQuota;
      atMaxQuota++;
    } else {
      keep = minQuota;
      if (atMaxQuota < expectedAtMaxQuota) atMinQuota.push(memberId);
    }
    for (const tp of mine.slice(0, keep)) {
      assignment.get(memberId)!.push(tp);
      kept.add(keyOf(tp));
    }
  }

  underMinQuota.sort();
  atMinQuota.sort();
  const unassigned = all.filter((tp) => !kept.has(keyOf(tp)));
  let next = 0;
  for (const tp of unassigned) {
    if (underMinQuota.length > 0) {
      next %= underMinQuota.length;
      const memberId = underMinQuota[next]!;
      const list = assignment.get(memberId)!;
      list.push(tp);
      if (list.length >= minQuota) {
        underMinQuota.splice(next, 1);
        atMinQuota.push(memberId);
      } else {
        next++;
      }
      continue;
    }
    const memberId = atMinQuota.shift();
    // The quotas add up to the partition count, so this means a bug above, not bad input.
    if (memberId === undefined) throw new Error(`sticky assignment: no member can take ${tp.topic}-${tp.partition}`);
    assignment.get(memberId)!.push(tp);
  }
  return assignment;
}
