import { describeConfigsRequest, describeConfigsResponse } from '../../protocol/generated/describe-configs.ts';
import type {
  DescribeConfigsResponseDescribeConfigsResourceResult,
  DescribeConfigsResponseDescribeConfigsResult,
} from '../../protocol/generated/describe-configs.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { describeBrokerConfigs, describeDefaultBrokerConfigs } from '../cluster/broker-settings.ts';
import { DYNAMIC_BROKER_CONFIGS } from '../cluster/dynamic-broker-configs.ts';
import { ConfigSource, type DescribedConfig } from '../cluster/described-config.ts';
import { describeTopicConfigs } from '../cluster/topic-settings.ts';
import { defineHandler, type RequestContext } from './handler.ts';
import { errorAnswer } from './error-code.ts';
import { ConfigResourceType, checkBrokerResource, checkConfigResourceAuthorized } from './config-resource.ts';

/**
 * DescribeConfigs for topics (every topic config with its effective value and source) and for this
 * broker (its static configuration). Synonyms from v1 when asked for; config types from v3, and
 * each config's one-line documentation when asked for. As Kafka, DESCRIBE_CONFIGS on the topic, or on
 * the cluster for a broker (TOPIC_ or CLUSTER_AUTHORIZATION_FAILED).
 */
export const describeConfigsHandler = defineHandler({
  request: describeConfigsRequest,
  response: describeConfigsResponse,
  minVersion: 0,
  maxVersion: 4,
  async handle(request, context) {
    const results: DescribeConfigsResponseDescribeConfigsResult[] = await Promise.all(request.resources.map(async (resource) => {
      const { resourceType, resourceName } = resource;
      try {
        checkConfigResourceAuthorized(context, 'DESCRIBE_CONFIGS', resourceType, resourceName);
        const all = await describe(resourceType, resourceName, context);
        const keys = resource.configurationKeys;
        const chosen = keys === null ? all : all.filter((config) => keys.includes(config.name));
        const configs = chosen.map((config) => toResult(config, context.apiVersion, request.includeSynonyms ?? false, request.includeDocumentation ?? false));
        return { errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName, configs };
      } catch (error) {
        return { ...errorAnswer(error, context), resourceType, resourceName, configs: [] };
      }
    }));
    return { throttleTimeMs: 0, results };
  },
});

async function describe(resourceType: number, resourceName: string, context: RequestContext): Promise<DescribedConfig[]> {
  const { broker } = context;
  switch (resourceType) {
    case ConfigResourceType.TOPIC:
      // UNKNOWN_TOPIC_OR_PARTITION first; then the overrides as the cluster holds them now, as Kafka reads /config/topics.
      broker.topicAdmin.existing(resourceName);
      return describeTopicConfigs(broker.config, await broker.metadata.currentTopicConfigs(resourceName));
    case ConfigResourceType.BROKER:
      checkBrokerResource(resourceName, broker.nodeId);
      // The empty name is the cluster-wide dynamic default (none on a single node, whose configs are static).
      if (resourceName === '') return describeDefaultBrokerConfigs(broker.brokerConfigs?.overrides('') ?? {});
      return describeBrokerConfigs(broker.config, undefined, broker.brokerConfigs === undefined ? undefined : {
        keys: Object.keys(DYNAMIC_BROKER_CONFIGS), own: broker.brokerConfigs.overrides(resourceName), defaults: broker.brokerConfigs.overrides(''),
      });
    default:
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resourceType}`);
  }
}

function toResult(
  config: DescribedConfig,
  apiVersion: number,
  includeSynonyms: boolean,
  includeDocumentation: boolean,
): DescribeConfigsResponseDescribeConfigsResourceResult {
  return {
    name: config.name,
    value: config.value,
    readOnly: config.readOnly,
    // v0 says isDefault; v1 replaced it with configSource.
    isDefault: apiVersion === 0 && config.configSource === ConfigSource.DEFAULT_CONFIG,
    configSource: config.configSource,
    isSensitive: config.isSensitive,
    synonyms: includeSynonyms ? [...config.synonyms] : [],
    configType: config.configType,
    documentation: includeDocumentation ? config.documentation : null,
  };
}
