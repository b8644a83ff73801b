import {
  addPartition, emptyGroupAssignment,
  type AssignmentGroupSpec, type GroupAssignment, type PartitionAssignor, type SubscribedTopicDescriber,
} from './partition-assignor.ts';

/**
 * The "range" assignor: topic by topic, the subscribers in a fixed order each take a contiguous range
 * of partitions, the first (partitions % subscribers) one more. Members that subscribe to the same
 * co-partitioned topics get the same partition numbers of each (orders-3 with payments-3), as the
 * client-side RangeAssignor gives, which is what joins over co-partitioned topics rely on.
 *
 * The order is the instance id for static members (so a restarted static member gets its ranges back)
 * and the member id otherwise. Unlike Kafka's server RangeAssignor this one is not sticky beyond that
 * order: a member joining moves the ranges after it.
 */
export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';

  assign(group: AssignmentGroupSpec, topics: SubscribedTopicDescriber): GroupAssignment {
    const result = emptyGroupAssignment(group);
    const subscribers = new Map<string, string[]>();
    for (const member of group.members.values()) {
      for (const topicId of member.subscribedTopicIds) {
        let list = subscribers.get(topicId);
        if (list === undefined) subscribers.set(topicId, list = []);
        list.push(member.memberId);
      }
    }
    const orderKey = (memberId: string): string => {
      const instanceId = group.members.get(memberId)!.instanceId;
      return instanceId === null ? `1${memberId}` : `0${instanceId}`;
    };
    for (const [topicId, memberIds] of subscribers) {
      const numPartitions = topics.numPartitions(topicId);
      if (numPartitions <= 0) continue;
      memberIds.sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : orderKey(a) > orderKey(b) ? 1 : 0));
      const quota = Math.floor(numPartitions / memberIds.length);
      const extra = numPartitions % memberIds.length;
      let next = 0;
      memberIds.forEach((memberId, index) => {
        const size = quota + (index < extra ? 1 : 0);
        for (let i = 0; i < size; i++) addPartition(result.get(memberId)!, topicId, next++);
      });
    }
    return result;
  }
}
