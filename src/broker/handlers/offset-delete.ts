import { offsetDeleteRequest, offsetDeleteResponse } from '../../protocol/generated/offset-delete.ts';
import type { OffsetDeleteRequestOffsetDeleteRequestTopic, OffsetDeleteResponse } from '../../protocol/generated/offset-delete.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { coordinatorErrorCode } from '../coordinator/runtime/operation-error.ts';
import { defineHandler } from './handler.ts';

/**
 * OffsetDelete v0: removes a group's offsets for topics it no longer consumes. Unknown topic
 * partitions answer UNKNOWN_TOPIC_OR_PARTITION; a group-level error (GROUP_ID_NOT_FOUND,
 * NON_EMPTY_GROUP...) is the top-level error code with no topics, as Kafka answers.
 */
export const offsetDeleteHandler = defineHandler({
  request: offsetDeleteRequest,
  response: offsetDeleteResponse,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context): Promise<OffsetDeleteResponse> {
    const { broker } = context;
    if (request.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, throttleTimeMs: 0, topics: [] };
    const unknown: OffsetDeleteResponse['topics'] = [];
    const known: OffsetDeleteRequestOffsetDeleteRequestTopic[] = [];
    for (const topic of request.topics) {
      const partitionCount = broker.metadata.topic(topic.name)?.partitionCount ?? 0;
      const exists = (index: number) => index >= 0 && index < partitionCount;
      const missing = topic.partitions.filter((p) => !exists(p.partitionIndex));
      const present = topic.partitions.filter((p) => exists(p.partitionIndex));
      if (missing.length > 0) {
        unknown.push({ name: topic.name, partitions: missing.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })) });
      }
      if (present.length > 0) known.push({ name: topic.name, partitions: present });
    }
    const coordinator = broker.groupCoordinator;
    try {
      const topics = await coordinator.runtime.scheduleWriteOperation('delete-offsets', coordinator.partitionFor(request.groupId),
        (shard) => shard.offsets.deleteOffsets({ groupId: request.groupId, topics: known }));
      return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics: [...topics, ...unknown] };
    } catch (error) {
      return { errorCode: coordinatorErrorCode(error, broker.logger, 'delete-offsets'), throttleTimeMs: 0, topics: [] };
    }
  },
});
