import type { ConsumerGroupCurrentMemberAssignmentValue } from '../../../protocol/generated/records/consumer-group-current-member-assignment-value.ts';
import type { ConsumerGroupMemberMetadataValue } from '../../../protocol/generated/records/consumer-group-member-metadata-value.ts';
import type { ConsumerGroupMetadataValue } from '../../../protocol/generated/records/consumer-group-metadata-value.ts';
import type { ConsumerGroupPartitionMetadataValue } from '../../../protocol/generated/records/consumer-group-partition-metadata-value.ts';
import type { ConsumerGroupTargetAssignmentMemberValue } from '../../../protocol/generated/records/consumer-group-target-assignment-member-value.ts';
import type { ConsumerGroupTargetAssignmentMetadataValue } from '../../../protocol/generated/records/consumer-group-target-assignment-metadata-value.ts';
import { ConsumerGroup } from './consumer-group.ts';
import { assignmentFrom, EMPTY_ASSIGNMENT, LEAVE_GROUP_MEMBER_EPOCH, newMember } from './consumer-group-member.ts';
import type { Group } from './group.ts';
import { RecordType } from './group-records.ts';

/**
 * Applies one KIP-848 record (types 3-8) to the shard's groups: the only place consumer groups
 * change (DESIGN rule 5). Tombstones for groups or members that do not exist are ignored, as
 * Kafka's replay does.
 */
export function replayConsumerGroupRecord(groups: Map<string, Group>, type: number, key: unknown, value: unknown | null): void {
  const { groupId, memberId } = key as { groupId: string; memberId?: string };
  const existing = groups.get(groupId);
  const found = existing instanceof ConsumerGroup ? existing : undefined;
  const group = (): ConsumerGroup => {
    if (found !== undefined) return found;
    const created = new ConsumerGroup(groupId);
    groups.set(groupId, created);
    return created;
  };

  switch (type) {
    case RecordType.CONSUMER_GROUP_METADATA:
      if (value !== null) group().groupEpoch = (value as ConsumerGroupMetadataValue).epoch;
      else if (found !== undefined) {
        found.dead = true;
        groups.delete(groupId);
      }
      return;
    case RecordType.CONSUMER_GROUP_PARTITION_METADATA:
      if (value !== null) {
        group().subscriptionMetadata = new Map((value as ConsumerGroupPartitionMetadataValue).topics
          .map((topic) => [topic.topicName, { topicId: topic.topicId, numPartitions: topic.numPartitions }]));
      } else if (found !== undefined) found.subscriptionMetadata = new Map();
      return;
    case RecordType.CONSUMER_GROUP_MEMBER_METADATA: {
      if (value === null) {
        found?.removeMember(memberId!);
        return;
      }
      const target = group();
      const v = value as ConsumerGroupMemberMetadataValue;
      target.updateMember({
        ...(target.members.get(memberId!) ?? newMember(memberId!)),
        instanceId: v.instanceId, rackId: v.rackId, clientId: v.clientId, clientHost: v.clientHost,
        subscribedTopicNames: [...new Set(v.subscribedTopicNames)].sort(), subscribedTopicRegex: v.subscribedTopicRegex,
        rebalanceTimeoutMs: v.rebalanceTimeoutMs, serverAssignorName: v.serverAssignor,
      });
      return;
    }
    case RecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA:
      if (value !== null) group().assignmentEpoch = (value as ConsumerGroupTargetAssignmentMetadataValue).assignmentEpoch;
      else if (found !== undefined) found.assignmentEpoch = -1;
      return;
    case RecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER:
      if (value !== null) group().targetAssignment.set(memberId!, assignmentFrom((value as ConsumerGroupTargetAssignmentMemberValue).topicPartitions));
      else found?.targetAssignment.delete(memberId!);
      return;
    case RecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT: {
      if (value === null) {
        const member = found?.members.get(memberId!);
        if (member !== undefined) {
          found!.updateMember({
            ...member, memberEpoch: LEAVE_GROUP_MEMBER_EPOCH, previousMemberEpoch: LEAVE_GROUP_MEMBER_EPOCH,
            assignedPartitions: EMPTY_ASSIGNMENT, partitionsPendingRevocation: EMPTY_ASSIGNMENT,
          });
        }
        return;
      }
      const target = group();
      const v = value as ConsumerGroupCurrentMemberAssignmentValue;
      target.updateMember({
        ...(target.members.get(memberId!) ?? newMember(memberId!)),
        memberEpoch: v.memberEpoch, previousMemberEpoch: v.previousMemberEpoch, state: v.state,
        assignedPartitions: assignmentFrom(v.assignedPartitions),
        partitionsPendingRevocation: assignmentFrom(v.partitionsPendingRevocation),
      });
      return;
    }
    default:
      throw new Error(`record type ${type} is not a consumer group record`);
  }
}
