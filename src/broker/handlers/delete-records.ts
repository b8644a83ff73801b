import { deleteRecordsRequest, deleteRecordsResponse } from '../../protocol/generated/delete-records.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { defineHandler } from './handler.ts';
import { errorAnswer } from './error-code.ts';
import { TopicAuthorization } from '../security/request-authorization.ts';

/**
 * DeleteRecords: each partition's log start offset moves up to the given offset (-1 = the high
 * watermark); consumers can no longer read below it and ListOffsets earliest follows it. As Kafka,
 * each topic needs DELETE (TOPIC_AUTHORIZATION_FAILED, nothing deleted).
 */
export const deleteRecordsHandler = defineHandler({
  request: deleteRecordsRequest,
  response: deleteRecordsResponse,
  minVersion: 0,
  maxVersion: 2,
  handle(request, context) {
    const deletable = TopicAuthorization.of(context, 'DELETE', request.topics.map((topic) => topic.name));
    const topics = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map(({ partitionIndex, offset }) => {
        try {
          deletable.check(topic.name);
          const lowWatermark = context.broker.replicaManager.deleteRecords(topic.name, partitionIndex, Number(offset));
          return { partitionIndex, lowWatermark: BigInt(lowWatermark), errorCode: ErrorCode.NONE };
        } catch (error) {
          return { partitionIndex, lowWatermark: -1n, errorCode: errorAnswer(error, context).errorCode };
        }
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
});
