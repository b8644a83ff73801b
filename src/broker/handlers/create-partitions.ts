import { createPartitionsRequest, createPartitionsResponse } from '../../protocol/generated/create-partitions.ts';
import type { CreatePartitionsResponseCreatePartitionsTopicResult } from '../../protocol/generated/create-partitions.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { adminWait } from './admin-wait.ts';
import { TopicAuthorization } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';
import { errorAnswer } from './error-code.ts';

/** CreatePartitions: grow a topic's partition count; it never shrinks. As Kafka, the topic needs ALTER. */
export const createPartitionsHandler = defineHandler({
  request: createPartitionsRequest,
  response: createPartitionsResponse,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, context) {
    const results: CreatePartitionsResponseCreatePartitionsTopicResult[] = [];
    const waitMs = adminWait(request.timeoutMs, context.broker.time);
    const alterable = TopicAuthorization.of(context, 'ALTER', request.topics.map((topic) => topic.name));
    for (const topic of request.topics) {
      try {
        alterable.check(topic.name);
        const assignments = topic.assignments === null ? null : topic.assignments.map((a) => a.brokerIds);
        await context.broker.topicAdmin.createPartitions(topic.name, topic.count, assignments, request.validateOnly, waitMs());
        results.push({ name: topic.name, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (error) {
        results.push({ name: topic.name, ...errorAnswer(error, context) });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
