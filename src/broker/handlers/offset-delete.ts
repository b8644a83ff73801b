import { offsetDeleteRequest, offsetDeleteResponse } from '../../protocol/generated/offset-delete.ts';
import type { OffsetDeleteRequestOffsetDeleteRequestTopic, OffsetDeleteResponse } from '../../protocol/generated/offset-delete.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { coordinatorErrorCode } from '../coordinator/runtime/operation-error.ts';
import { authorize } from '../security/authorize.ts';
import { TopicAuthorization } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';

/**
 * OffsetDelete v0: removes a group's offsets for topics it no longer consumes. Unknown topic
 * partitions answer UNKNOWN_TOPIC_OR_PARTITION; a group-level error (GROUP_ID_NOT_FOUND,
 * NON_EMPTY_GROUP...) is the top-level error code with no topics, as Kafka answers. As Kafka, the
 * group needs DELETE (GROUP_AUTHORIZATION_FAILED) and each topic READ (TOPIC_AUTHORIZATION_FAILED).
 */
export const offsetDeleteHandler = defineHandler({
  request: offsetDeleteRequest,
  response: offsetDeleteResponse,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context): Promise<OffsetDeleteResponse> {
    const { broker } = context;
    // As Kafka: DELETE on the group for the whole request, READ on each topic.
    if (!authorize(context, 'DELETE', 'GROUP', request.groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
    if (request.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, throttleTimeMs: 0, topics: [] };
    const notDeleted: OffsetDeleteResponse['topics'] = [];
    const known: OffsetDeleteRequestOffsetDeleteRequestTopic[] = [];
    const readable = TopicAuthorization.of(context, 'READ', request.topics.map((topic) => topic.name));
    for (const topic of request.topics) {
      if (!readable.allows(topic.name)) {
        notDeleted.push({ name: topic.name, partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) });
        continue;
      }
      const partitionCount = broker.metadata.topic(topic.name)?.partitionCount ?? 0;
      const exists = (index: number) => index >= 0 && index < partitionCount;
      const missing = topic.partitions.filter((p) => !exists(p.partitionIndex));
      const present = topic.partitions.filter((p) => exists(p.partitionIndex));
      if (missing.length > 0) {
        notDeleted.push({ name: topic.name, partitions: missing.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })) });
      }
      if (present.length > 0) known.push({ name: topic.name, partitions: present });
    }
    const coordinator = broker.groupCoordinator;
    try {
      const topics = await coordinator.runtime.scheduleWriteOperation('delete-offsets', coordinator.partitionFor(request.groupId),
        (shard) => shard.offsets.deleteOffsets({ groupId: request.groupId, topics: known }));
      return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics: [...topics, ...notDeleted] };
    } catch (error) {
      return { errorCode: coordinatorErrorCode(error, broker.logger, 'delete-offsets'), throttleTimeMs: 0, topics: [] };
    }
  },
});
