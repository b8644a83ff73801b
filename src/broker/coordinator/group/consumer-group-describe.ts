import type {
  ConsumerGroupDescribeResponseAssignment, ConsumerGroupDescribeResponseDescribedGroup,
} from '../../../protocol/generated/consumer-group-describe.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import type { TopicsView } from '../runtime/coordinator-runtime.ts';
import { AUTHORIZED_OPERATIONS_NOT_REQUESTED } from '../../security/authorized-operations.ts';
import type { ConsumerGroup } from './consumer-group.ts';
import { assignmentToList, type Assignment } from './consumer-group-member.ts';

/** A consumer group as ConsumerGroupDescribe shows it: epochs, state, assignor, and each member's current and target assignment. */
export function describeConsumerGroup(group: ConsumerGroup, assignorName: string, metadata: TopicsView): ConsumerGroupDescribeResponseDescribedGroup {
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    groupId: group.groupId,
    groupState: group.stateName(),
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch,
    assignorName,
    members: [...group.members.values()].map((member) => ({
      memberId: member.memberId,
      instanceId: member.instanceId,
      rackId: member.rackId,
      memberEpoch: member.memberEpoch,
      clientId: member.clientId,
      clientHost: member.clientHost,
      subscribedTopicNames: [...member.subscribedTopicNames],
      subscribedTopicRegex: member.subscribedTopicRegex,
      assignment: describeAssignment(member.assignedPartitions, metadata),
      targetAssignment: describeAssignment(group.targetAssignmentOf(member.memberId), metadata),
    })),
    // The handler fills it in when the client asks.
    authorizedOperations: AUTHORIZED_OPERATIONS_NOT_REQUESTED,
  };
}

/** Topics that no longer exist are left out, as Kafka does when it cannot name them. */
function describeAssignment(assignment: Assignment, metadata: TopicsView): ConsumerGroupDescribeResponseAssignment {
  const topicPartitions = [];
  for (const { topicId, partitions } of assignmentToList(assignment)) {
    const topicName = metadata.topicName(topicId);
    if (topicName !== undefined) topicPartitions.push({ topicId, topicName, partitions });
  }
  return { topicPartitions };
}
