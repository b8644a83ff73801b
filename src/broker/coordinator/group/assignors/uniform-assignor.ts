import {
  addPartition, emptyGroupAssignment, removePartition, sortedMemberIds,
  type AssignmentGroupSpec, type GroupAssignment, type PartitionAssignor, type SubscribedTopicDescriber,
} from './partition-assignor.ts';

/**
 * The "uniform" assignor (Kafka's default server assignor): spreads the partitions of the subscribed
 * topics evenly over the members that subscribe to them, and keeps every member's current partitions
 * where balance allows (sticky), so a rebalance moves as few partitions as possible.
 *
 * What must hold when every member subscribes to the same topics: each partition is assigned exactly
 * once and the members' partition counts differ by at most one. With different subscriptions, each
 * partition goes to one of its subscribers and no partition could move to a subscriber holding two or
 * more fewer partitions than its owner.
 *
 * Three steps: keep the current (still valid) partitions; hand out the unowned partitions, the most
 * constrained first, to their least loaded subscriber; then move partitions from a member to an
 * eligible one holding at least two fewer until none can move. Each move lowers the sum of the
 * squared counts, so the loop ends.
 */
export class UniformAssignor implements PartitionAssignor {
  readonly name = 'uniform';

  assign(group: AssignmentGroupSpec, topics: SubscribedTopicDescriber): GroupAssignment {
    const result = emptyGroupAssignment(group);
    const memberIds = sortedMemberIds(group);
    const counts = new Map<string, number>(memberIds.map((id) => [id, 0]));
    const subscribers = new Map<string, string[]>();
    for (const memberId of memberIds) {
      for (const topicId of group.members.get(memberId)!.subscribedTopicIds) {
        if (topics.numPartitions(topicId) <= 0) continue;
        let list = subscribers.get(topicId);
        if (list === undefined) subscribers.set(topicId, list = []);
        list.push(memberId);
      }
    }
    const owner = new Map<string, string>();
    const key = (topicId: string, partition: number): string => `${topicId}:${partition}`;

    for (const memberId of memberIds) {
      const member = group.members.get(memberId)!;
      for (const [topicId, partitions] of member.assignment) {
        if (!member.subscribedTopicIds.has(topicId)) continue;
        const numPartitions = topics.numPartitions(topicId);
        for (const partition of [...partitions].sort((a, b) => a - b)) {
          if (partition < 0 || partition >= numPartitions || owner.has(key(topicId, partition))) continue;
          owner.set(key(topicId, partition), memberId);
          addPartition(result.get(memberId)!, topicId, partition);
          counts.set(memberId, counts.get(memberId)! + 1);
        }
      }
    }

    const leastLoaded = (candidates: readonly string[]): string => {
      let best = candidates[0]!;
      for (const candidate of candidates) if (counts.get(candidate)! < counts.get(best)!) best = candidate;
      return best;
    };

    const unowned: Array<{ topicId: string; partition: number }> = [];
    for (const topicId of [...subscribers.keys()].sort()) {
      const numPartitions = topics.numPartitions(topicId);
      for (let partition = 0; partition < numPartitions; partition++) {
        if (!owner.has(key(topicId, partition))) unowned.push({ topicId, partition });
      }
    }
    unowned.sort((a, b) => subscribers.get(a.topicId)!.length - subscribers.get(b.topicId)!.length);
    for (const { topicId, partition } of unowned) {
      const memberId = leastLoaded(subscribers.get(topicId)!);
      owner.set(key(topicId, partition), memberId);
      addPartition(result.get(memberId)!, topicId, partition);
      counts.set(memberId, counts.get(memberId)! + 1);
    }

    for (let moved = true; moved;) {
      moved = false;
      const byLoad = [...memberIds].sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1));
      for (const from of byLoad) {
        const owned = result.get(from)!;
        const partitions = [...owned].flatMap(([topicId, set]) => [...set].map((partition) => ({ topicId, partition })));
        partitions.sort((a, b) => (a.topicId < b.topicId ? 1 : a.topicId > b.topicId ? -1 : b.partition - a.partition));
        for (const { topicId, partition } of partitions) {
          const to = leastLoaded(subscribers.get(topicId)!);
          if (counts.get(to)! >= counts.get(from)! - 1) continue;
          removePartition(owned, topicId, partition);
          addPartition(result.get(to)!, topicId, partition);
          counts.set(from, counts.get(from)! - 1);
          counts.set(to, counts.get(to)! + 1);
          moved = true;
        }
      }
    }
    return result;
  }
}
