import { consumerGroupCurrentMemberAssignmentKey } from '../../../protocol/generated/records/consumer-group-current-member-assignment-key.ts';
import { consumerGroupCurrentMemberAssignmentValue } from '../../../protocol/generated/records/consumer-group-current-member-assignment-value.ts';
import { consumerGroupMemberMetadataKey } from '../../../protocol/generated/records/consumer-group-member-metadata-key.ts';
import { consumerGroupMemberMetadataValue } from '../../../protocol/generated/records/consumer-group-member-metadata-value.ts';
import { consumerGroupMetadataKey } from '../../../protocol/generated/records/consumer-group-metadata-key.ts';
import { consumerGroupMetadataValue } from '../../../protocol/generated/records/consumer-group-metadata-value.ts';
import { consumerGroupPartitionMetadataKey } from '../../../protocol/generated/records/consumer-group-partition-metadata-key.ts';
import { consumerGroupPartitionMetadataValue } from '../../../protocol/generated/records/consumer-group-partition-metadata-value.ts';
import { consumerGroupTargetAssignmentMemberKey } from '../../../protocol/generated/records/consumer-group-target-assignment-member-key.ts';
import { consumerGroupTargetAssignmentMemberValue } from '../../../protocol/generated/records/consumer-group-target-assignment-member-value.ts';
import { consumerGroupTargetAssignmentMetadataKey } from '../../../protocol/generated/records/consumer-group-target-assignment-metadata-key.ts';
import { consumerGroupTargetAssignmentMetadataValue } from '../../../protocol/generated/records/consumer-group-target-assignment-metadata-value.ts';
import { groupMetadataKey } from '../../../protocol/generated/records/group-metadata-key.ts';
import { groupMetadataValue } from '../../../protocol/generated/records/group-metadata-value.ts';
import type { CoordinatorRecord } from '../runtime/coordinator-runtime.ts';
import { assignmentToList, type Assignment, type ConsumerGroupMember } from './consumer-group-member.ts';
import { encodeRecord, RecordType } from './group-records.ts';

/**
 * The KIP-848 records (types 3-8) as Kafka's GroupCoordinatorRecordHelpers writes them. Removing a
 * member writes, in this order, its current assignment, target assignment and subscription
 * tombstones; deleting a group adds the target assignment epoch, subscription metadata and group
 * epoch tombstones. Replaying them in that order rebuilds (or empties) the group.
 */

/** topicName -> what the group saw of it when it computed the target assignment. */
export type SubscriptionMetadata = ReadonlyMap<string, { readonly topicId: string; readonly numPartitions: number }>;

export function groupEpochRecord(groupId: string, epoch: number): CoordinatorRecord {
  return encodeRecord(RecordType.CONSUMER_GROUP_METADATA, consumerGroupMetadataKey, { groupId }, consumerGroupMetadataValue, 0, { epoch });
}

export function groupEpochTombstone(groupId: string): CoordinatorRecord {
  return encodeRecord(RecordType.CONSUMER_GROUP_METADATA, consumerGroupMetadataKey, { groupId }, consumerGroupMetadataValue, 0, null);
}

export function subscriptionMetadataRecord(groupId: string, metadata: SubscriptionMetadata): CoordinatorRecord {
  const topics = [...metadata.keys()].sort().map((topicName) => {
    const { topicId, numPartitions } = metadata.get(topicName)!;
    return { topicId, topicName, numPartitions, partitionMetadata: [] };
  });
  return encodeRecord(RecordType.CONSUMER_GROUP_PARTITION_METADATA, consumerGroupPartitionMetadataKey, { groupId },
    consumerGroupPartitionMetadataValue, 0, { topics });
}

export function subscriptionMetadataTombstone(groupId: string): CoordinatorRecord {
  return encodeRecord(RecordType.CONSUMER_GROUP_PARTITION_METADATA, consumerGroupPartitionMetadataKey, { groupId },
    consumerGroupPartitionMetadataValue, 0, null);
}

export function memberSubscriptionRecord(groupId: string, member: ConsumerGroupMember): CoordinatorRecord {
  return encodeRecord(RecordType.CONSUMER_GROUP_MEMBER_METADATA, consumerGroupMemberMetadataKey, { groupId, memberId: member.memberId },
    consumerGroupMemberMetadataValue, 0, {
      instanceId: member.instanceId,
      rackId: member.rackId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      subscribedTopicNames: [...member.subscribedTopicNames],
      subscribedTopicRegex: member.subscribedTopicRegex,
      rebalanceTimeoutMs: member.rebalanceTimeoutMs,
      serverAssignor: member.serverAssignorName,
      classicMemberMetadata: null,
    });
}

export function memberSubscriptionTombstone(groupId: string, memberId: string): CoordinatorRecord {
  return encodeRecord(RecordType.CONSUMER_GROUP_MEMBER_METADATA, consumerGroupMemberMetadataKey, { groupId, memberId },
    consumerGroupMemberMetadataValue, 0, null);
}

export function targetAssignmentEpochRecord(groupId: string, assignmentEpoch: number): CoordinatorRecord {
  return encodeRecord(RecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA, consumerGroupTargetAssignmentMetadataKey, { groupId },
    consumerGroupTargetAssignmentMetadataValue, 0, { assignmentEpoch });
}

export function targetAssignmentEpochTombstone(groupId: string): CoordinatorRecord {
  return encodeRecord(RecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA, consumerGroupTargetAssignmentMetadataKey, { groupId },
    consumerGroupTargetAssignmentMetadataValue, 0, null);
}

export function targetAssignmentRecord(groupId: string, memberId: string, assignment: Assignment): CoordinatorRecord {
  return encodeRecord(RecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER, consumerGroupTargetAssignmentMemberKey, { groupId, memberId },
    consumerGroupTargetAssignmentMemberValue, 0, { topicPartitions: assignmentToList(assignment) });
}

export function targetAssignmentTombstone(groupId: string, memberId: string): CoordinatorRecord {
  return encodeRecord(RecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER, consumerGroupTargetAssignmentMemberKey, { groupId, memberId },
    consumerGroupTargetAssignmentMemberValue, 0, null);
}

export function currentAssignmentRecord(groupId: string, member: ConsumerGroupMember): CoordinatorRecord {
  return encodeRecord(RecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT, consumerGroupCurrentMemberAssignmentKey,
    { groupId, memberId: member.memberId }, consumerGroupCurrentMemberAssignmentValue, 0, {
      memberEpoch: member.memberEpoch,
      previousMemberEpoch: member.previousMemberEpoch,
      state: member.state,
      assignedPartitions: assignmentToList(member.assignedPartitions),
      partitionsPendingRevocation: assignmentToList(member.partitionsPendingRevocation),
    });
}

export function currentAssignmentTombstone(groupId: string, memberId: string): CoordinatorRecord {
  return encodeRecord(RecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT, consumerGroupCurrentMemberAssignmentKey, { groupId, memberId },
    consumerGroupCurrentMemberAssignmentValue, 0, null);
}

/** The tombstones that remove a member, in Kafka's order. */
export function removeMemberRecords(groupId: string, memberId: string): CoordinatorRecord[] {
  return [currentAssignmentTombstone(groupId, memberId), targetAssignmentTombstone(groupId, memberId), memberSubscriptionTombstone(groupId, memberId)];
}

/** A classic group's GroupMetadata tombstone: how an empty classic group gives its id to a consumer group. */
export function classicGroupTombstone(groupId: string): CoordinatorRecord {
  return encodeRecord(RecordType.GROUP_METADATA, groupMetadataKey, { group: groupId }, groupMetadataValue, 3, null);
}
