import { createTopicsRequest, createTopicsResponse } from '../../protocol/generated/create-topics.ts';
import type { CreateTopicsResponseCreatableTopicResult } from '../../protocol/generated/create-topics.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import type { TopicMetadata } from '../cluster/metadata-store.ts';
import type { NewTopic } from '../cluster/topic-admin.ts';
import { describeTopicConfigs } from '../cluster/topic-settings.ts';
import { adminWait } from './admin-wait.ts';
import { authorizedNames } from '../security/authorize.ts';
import { authorizeCluster, TopicAuthorization } from '../security/request-authorization.ts';
import { controllerMutationQuotaFor } from '../security/quotas/controller-mutation-quota.ts';
import { defineHandler } from './handler.ts';
import { errorAnswer } from './error-code.ts';

/**
 * CreateTopics: each topic succeeds or fails on its own; a name given twice in one request fails
 * every time it appears (INVALID_REQUEST), as Kafka does. From v5 a success describes the topic's
 * partition count, replication factor and effective configs. Authorization as Kafka: CREATE on the
 * cluster or the topic (TOPIC_AUTHORIZATION_FAILED), and DESCRIBE_CONFIGS on the topic to see
 * what was created (else topicConfigErrorCode TOPIC_AUTHORIZATION_FAILED and no configs).
 * controller_mutation_rate counts the partitions created (strict from v6: THROTTLING_QUOTA_EXCEEDED);
 * Kafka's controller applies it, here the broker that receives the request does.
 */
export const createTopicsHandler = defineHandler({
  request: createTopicsRequest,
  response: createTopicsResponse,
  minVersion: 0,
  maxVersion: 7,
  async handle(request, context) {
    const { broker } = context;
    const counts = new Map<string, number>();
    for (const topic of request.topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);
    const waitMs = adminWait(request.timeoutMs, broker.time);
    // As Kafka: CREATE on the cluster, or else on each topic; its configs are shown only with DESCRIBE_CONFIGS on it.
    const names = request.topics.map((topic) => topic.name);
    const creatable = authorizeCluster(context, 'CREATE', false) ? TopicAuthorization.all() : TopicAuthorization.of(context, 'CREATE', names);
    const describable = authorizedNames(context, 'DESCRIBE_CONFIGS', 'TOPIC', names, false);
    const mutationQuota = controllerMutationQuotaFor(context, STRICT_QUOTA_SINCE_VERSION);
    // Each topic's own checks first; the topics that pass go to the topic admin together, so that
    // their metadata is written once for the whole request.
    const passed: NewTopic[] = [];
    const early = request.topics.map((requested): unknown => {
      const { name } = requested;
      try {
        if (counts.get(name)! > 1) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Create topics request from client contains the topic ${name} more than once`);
        creatable.check(name);
      } catch (error) {
        return error;
      }
      const configs: Record<string, string | null> = {};
      for (const config of requested.configs) configs[config.name] = config.value;
      const assignments = new Map(requested.assignments.map((a) => [a.partitionIndex, a.brokerIds]));
      passed.push({ name, numPartitions: requested.numPartitions, replicationFactor: requested.replicationFactor, assignments, configs });
      return undefined;
    });
    const created = await broker.topicAdmin.createTopics(passed, request.validateOnly ?? false, waitMs(), mutationQuota);
    let next = 0;
    const topics = request.topics.map(({ name }, index): CreateTopicsResponseCreatableTopicResult => {
      const outcome: PromiseSettledResult<TopicMetadata> = early[index] === undefined ? created[next++]! : { status: 'rejected', reason: early[index] };
      if (outcome.status === 'rejected') {
        const { errorCode, errorMessage } = errorAnswer(outcome.reason, context);
        return { name, topicId: ZERO_UUID, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: null };
      }
      if (!describable.has(name)) {
        // Created, but the principal may not see what it became (Kafka's topicConfigErrorCode).
        return { name, topicId: ZERO_UUID, errorCode: ErrorCode.NONE, errorMessage: null, numPartitions: -1, replicationFactor: -1, configs: [], topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
      }
      const topic = outcome.value;
      return {
        name,
        topicId: request.validateOnly ? ZERO_UUID : topic.topicId,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions: topic.partitionCount,
        replicationFactor: topic.replicationFactor,
        configs: describeTopicConfigs(broker.config, topic.configs).map((config) => ({
          name: config.name,
          value: config.value,
          readOnly: config.readOnly,
          configSource: config.configSource,
          isSensitive: config.isSensitive,
        })),
      };
    });
    return { throttleTimeMs: mutationQuota.throttleTimeMs(), topics };
  },
});

/** CreateTopics v6 clients know THROTTLING_QUOTA_EXCEEDED (KIP-599). */
const STRICT_QUOTA_SINCE_VERSION = 6;
