import { incrementalAlterConfigsRequest, incrementalAlterConfigsResponse } from '../../protocol/generated/incremental-alter-configs.ts';
import type { IncrementalAlterConfigsRequestAlterableConfig } from '../../protocol/generated/incremental-alter-configs.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { topicConfigDefinitions } from '../config.ts';
import { defineHandler } from './handler.ts';
import { errorAnswer } from './error-code.ts';
import { ConfigResourceType, checkBrokerResource, checkConfigResourceAuthorized, dynamicBrokerConfigs } from './config-resource.ts';

/** IncrementalAlterConfigs' operations (KIP-339). */
const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

/**
 * IncrementalAlterConfigs: set, delete, append to or subtract from single topic (or dynamic broker)
 * configs, keeping the rest. As Kafka, ALTER_CONFIGS on the topic, or on the cluster for a broker.
 */
export const incrementalAlterConfigsHandler = defineHandler({
  request: incrementalAlterConfigsRequest,
  response: incrementalAlterConfigsResponse,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, context) {
    const { broker } = context;
    const responses = [];
    for (const { resourceType, resourceName, configs } of request.resources) {
      try {
        if (resourceType === ConfigResourceType.BROKER) {
          checkBrokerResource(resourceName, broker.nodeId);
          checkConfigResourceAuthorized(context, 'ALTER_CONFIGS', resourceType, resourceName);
          const dynamic = dynamicBrokerConfigs(broker);
          await dynamic.alter(resourceName, applyOperations(dynamic.overrides(resourceName), configs), request.validateOnly);
          responses.push({ errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName });
          continue;
        }
        if (resourceType !== ConfigResourceType.TOPIC) {
          throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resourceType}`);
        }
        checkConfigResourceAuthorized(context, 'ALTER_CONFIGS', resourceType, resourceName);
        const current = broker.topicAdmin.existing(resourceName).configs;
        const next = applyOperations(current, configs);
        await broker.topicAdmin.setTopicConfigs(resourceName, next, request.validateOnly);
        responses.push({ errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName });
      } catch (error) {
        responses.push({ ...errorAnswer(error, context), resourceType, resourceName });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});

function applyOperations(
  current: Readonly<Record<string, string>>,
  operations: readonly IncrementalAlterConfigsRequestAlterableConfig[],
): Record<string, string> {
  const names = operations.map((operation) => operation.name);
  if (new Set(names).size !== names.length) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${names.join(', ')}`);
  }
  const next: Record<string, string> = { ...current };
  for (const { name, configOperation, value } of operations) {
    switch (configOperation) {
      case OpType.SET:
        if (value === null) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Null value not supported for ${name}`);
        next[name] = value;
        break;
      case OpType.DELETE:
        delete next[name];
        break;
      case OpType.APPEND:
      case OpType.SUBTRACT: {
        const definition = topicConfigDefinitions.find((candidate) => candidate.name === name);
        if (definition?.type !== 'LIST') {
          throw new KafkaError(ErrorCode.INVALID_CONFIG, `Config value append is not allowed for config key: ${name}`);
        }
        const items = (next[name] ?? '').split(',').filter((item) => item !== '');
        const given = (value ?? '').split(',').filter((item) => item !== '');
        const result = configOperation === OpType.APPEND
          ? [...items, ...given.filter((item) => !items.includes(item))]
          : items.filter((item) => !given.includes(item));
        next[name] = result.join(',');
        break;
      }
      default:
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${configOperation}`);
    }
  }
  return next;
}
