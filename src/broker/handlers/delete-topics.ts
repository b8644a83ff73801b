import { deleteTopicsRequest, deleteTopicsResponse } from '../../protocol/generated/delete-topics.ts';
import type { DeleteTopicsResponseDeletableTopicResult } from '../../protocol/generated/delete-topics.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import { adminWait } from './admin-wait.ts';
import { authorizedNames } from '../security/authorize.ts';
import { authorizationFailed, TopicAuthorization } from '../security/request-authorization.ts';
import { controllerMutationQuotaFor } from '../security/quotas/controller-mutation-quota.ts';
import { defineHandler } from './handler.ts';
import { errorAnswer } from './error-code.ts';

/**
 * DeleteTopics: by name (v0-5) or by name or topic id (v6+); each topic answers for itself. As Kafka,
 * each topic needs DELETE, and DESCRIBE too when named by id (TOPIC_AUTHORIZATION_FAILED).
 * controller_mutation_rate counts the partitions deleted (strict from v5: THROTTLING_QUOTA_EXCEEDED).
 */
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
    const waitMs = adminWait(request.timeoutMs, broker.time);
    // As Kafka: DELETE on each topic; one named by id also needs DESCRIBE, else its name is not told.
    const targets = wanted.map(({ name, topicId }) => name ?? broker.metadata.topicById(topicId)?.name ?? null);
    const named = targets.filter((target) => target !== null);
    const describable = authorizedNames(context, 'DESCRIBE', 'TOPIC', named);
    const deletable = TopicAuthorization.of(context, 'DELETE', named);
    const mutationQuota = controllerMutationQuotaFor(context, STRICT_QUOTA_SINCE_VERSION);
    // Each topic's checks and its metadata change run in order, up to its first wait; the waits (the
    // metadata write, the logs' deletion) overlap, so the request's topics share their writes.
    const responses = await Promise.all(wanted.map(async ({ name, topicId }, i): Promise<DeleteTopicsResponseDeletableTopicResult> => {
      try {
        const target = targets[i]!;
        if (target === null) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_ID, `Topic id ${topicId} does not exist`);
        if (name === null && !describable.has(target)) {
          return { name: null, topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: authorizationFailed(ErrorCode.TOPIC_AUTHORIZATION_FAILED).message };
        }
        deletable.check(target);
        const deleted = await broker.topicAdmin.deleteTopic(target, waitMs(), mutationQuota);
        return { name: deleted.name, topicId: deleted.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
      } catch (error) {
        const { errorCode, errorMessage } = errorAnswer(error, context);
        return { name, topicId, errorCode, errorMessage };
      }
    }));
    return { throttleTimeMs: mutationQuota.throttleTimeMs(), responses };
  },
});

/** DeleteTopics v5 clients know THROTTLING_QUOTA_EXCEEDED (KIP-599). */
const STRICT_QUOTA_SINCE_VERSION = 5;
