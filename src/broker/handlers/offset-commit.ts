import { offsetCommitRequest, offsetCommitResponse } from '../../protocol/generated/offset-commit.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { coordinatorErrorCode } from '../coordinator/runtime/operation-error.ts';
import { defineHandler } from './handler.ts';
import { everyPartitionFailed, knownPartitions, partitionKey } from './commit-partitions.ts';
import { authorize } from '../security/authorize.ts';
import { TopicAuthorization } from '../security/request-authorization.ts';

/**
 * OffsetCommit v0-9. Partitions of topics the cluster does not have are refused with
 * UNKNOWN_TOPIC_OR_PARTITION before the coordinator sees them (as Kafka's KafkaApis does); the
 * rest are committed in one write operation on the group's partition, so a group-level failure
 * (unknown member, stale generation, coordinator loading) answers each of them. As Kafka, the group
 * needs READ (else GROUP_AUTHORIZATION_FAILED everywhere) and each topic READ (TOPIC_AUTHORIZATION_FAILED).
 */
export const offsetCommitHandler = defineHandler({
  request: offsetCommitRequest,
  response: offsetCommitResponse,
  minVersion: 0,
  maxVersion: 9,
  async handle(request, context) {
    const { broker } = context;
    // As Kafka: READ on the group for the whole request, then READ on each topic.
    if (!authorize(context, 'READ', 'GROUP', request.groupId)) return everyPartitionFailed(request.topics, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const errors = new Map<string, number>();
    const readable = TopicAuthorization.of(context, 'READ', request.topics.map((topic) => topic.name));
    const known = knownPartitions(request.topics, broker.metadata, errors, readable);
    if (known.length > 0) {
      const coordinator = broker.groupCoordinator;
      try {
        const topics = await coordinator.runtime.scheduleWriteOperation('commit-offset', coordinator.partitionFor(request.groupId),
          (shard) => shard.offsets.commitOffset({ ...request, topics: known }, context.apiVersion));
        for (const topic of topics) for (const p of topic.partitions) errors.set(partitionKey(topic.name, p.partitionIndex), p.errorCode);
      } catch (error) {
        const errorCode = coordinatorErrorCode(error, broker.logger, 'commit-offset');
        for (const topic of known) for (const p of topic.partitions) errors.set(partitionKey(topic.name, p.partitionIndex), errorCode);
      }
    }
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: errors.get(partitionKey(topic.name, p.partitionIndex)) ?? ErrorCode.UNKNOWN_SERVER_ERROR,
        })),
      })),
    };
  },
});
