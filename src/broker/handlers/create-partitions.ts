import { createPartitionsRequest, createPartitionsResponse } from '../../protocol/generated/create-partitions.ts';
import type { CreatePartitionsResponseCreatePartitionsTopicResult } from '../../protocol/generated/create-partitions.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { adminWait } from './admin-wait.ts';
import { TopicAuthorization } from '../security/request-authorization.ts';
import { controllerMutationQuotaFor } from '../security/quotas/controller-mutation-quota.ts';
import { defineHandler } from './handler.ts';
import { errorAnswer } from './error-code.ts';

/**
 * CreatePartitions: grow a topic's partition count; it never shrinks. As Kafka, the topic needs ALTER;
 * controller_mutation_rate counts the partitions added (strict from v3: THROTTLING_QUOTA_EXCEEDED).
 */
export const createPartitionsHandler = defineHandler({
  request: createPartitionsRequest,
  response: createPartitionsResponse,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, context) {
    const results: CreatePartitionsResponseCreatePartitionsTopicResult[] = [];
    const waitMs = adminWait(request.timeoutMs, context.broker.time);
    const alterable = TopicAuthorization.of(context, 'ALTER', request.topics.map((topic) => topic.name));
    const mutationQuota = controllerMutationQuotaFor(context, STRICT_QUOTA_SINCE_VERSION);
    for (const topic of request.topics) {
      try {
        alterable.check(topic.name);
        const assignments = topic.assignments === null ? null : topic.assignments.map((a) => a.brokerIds);
        await context.broker.topicAdmin.createPartitions(topic.name, topic.count, assignments, request.validateOnly, waitMs(), mutationQuota);
        results.push({ name: topic.name, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (error) {
        results.push({ name: topic.name, ...errorAnswer(error, context) });
      }
    }
    return { throttleTimeMs: mutationQuota.throttleTimeMs(), results };
  },
});

/** CreatePartitions v3 clients know THROTTLING_QUOTA_EXCEEDED (KIP-599). */
const STRICT_QUOTA_SINCE_VERSION = 3;
