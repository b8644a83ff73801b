import { alterConfigsRequest, alterConfigsResponse } from '../../protocol/generated/alter-configs.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { defineHandler } from './handler.ts';
import { errorAnswer } from './error-code.ts';
import { ConfigResourceType, checkBrokerResource, checkConfigResourceAuthorized, dynamicBrokerConfigs } from './config-resource.ts';

/**
 * AlterConfigs: replaces a topic's (or a broker's dynamic) whole set of overrides with the one given
 * (persisted). As Kafka, ALTER_CONFIGS on the topic, or on the cluster for a broker.
 */
export const alterConfigsHandler = defineHandler({
  request: alterConfigsRequest,
  response: alterConfigsResponse,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, context) {
    const responses = [];
    for (const { resourceType, resourceName, configs } of request.resources) {
      try {
        if (resourceType === ConfigResourceType.BROKER) {
          checkBrokerResource(resourceName, context.broker.nodeId);
          checkConfigResourceAuthorized(context, 'ALTER_CONFIGS', resourceType, resourceName);
          const replacement = Object.fromEntries(configs.flatMap((c) => (c.value === null ? [] : [[c.name, c.value]])));
          await dynamicBrokerConfigs(context.broker).alter(resourceName, replacement, request.validateOnly);
          responses.push({ errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName });
          continue;
        }
        if (resourceType !== ConfigResourceType.TOPIC) {
          throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resourceType}`);
        }
        checkConfigResourceAuthorized(context, 'ALTER_CONFIGS', resourceType, resourceName);
        const replacement: Record<string, string | null> = {};
        for (const config of configs) replacement[config.name] = config.value;
        await context.broker.topicAdmin.setTopicConfigs(resourceName, replacement, request.validateOnly);
        responses.push({ errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName });
      } catch (error) {
        responses.push({ ...errorAnswer(error, context), resourceType, resourceName });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
