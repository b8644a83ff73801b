import { deleteTopicsRequest, deleteTopicsResponse } from '../../protocol/generated/delete-topics.ts';
import type { DeleteTopicsResponseDeletableTopicResult } from '../../protocol/generated/delete-topics.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import { adminWait } from './admin-wait.ts';
import { defineHandler } from './handler.ts';
import { errorAnswer } from './error-code.ts';

/** DeleteTopics: by name (v0-5) or by name or topic id (v6+); each topic answers for itself. */
export const deleteTopicsHandler = defineHandler({
  request: deleteTopicsRequest,
  response: deleteTopicsResponse,
  minVersion: 0,
  maxVersion: 6,
  async handle(request, context) {
    const { broker } = context;
    const wanted = context.apiVersion >= 6
      ? (request.topics ?? []).map((topic) => ({ name: topic.name ?? null, topicId: topic.topicId ?? ZERO_UUID }))
      : (request.topicNames ?? []).map((name) => ({ name, topicId: ZERO_UUID }));
    if (!broker.config.deleteTopicEnable) {
      // Kafka answers every topic alike, known or not; v0-2 have no TOPIC_DELETION_DISABLED.
      const errorCode = context.apiVersion >= 3 ? ErrorCode.TOPIC_DELETION_DISABLED : ErrorCode.INVALID_REQUEST;
      const errorMessage = 'Topic deletion is disabled (delete.topic.enable=false)';
      return { throttleTimeMs: 0, responses: wanted.map(({ name, topicId }) => ({ name, topicId, errorCode, errorMessage })) };
    }
    const responses: DeleteTopicsResponseDeletableTopicResult[] = [];
    const waitMs = adminWait(request.timeoutMs, broker.time);
    for (const { name, topicId } of wanted) {
      try {
        let target = name;
        if (target === null) {
          target = broker.metadata.topicById(topicId)?.name ?? null;
          if (target === null) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_ID, `Topic id ${topicId} does not exist`);
        }
        const deleted = await broker.topicAdmin.deleteTopic(target, waitMs());
        responses.push({ name: deleted.name, topicId: deleted.topicId, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (error) {
        const { errorCode, errorMessage } = errorAnswer(error, context);
        responses.push({ name, topicId, errorCode, errorMessage });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
