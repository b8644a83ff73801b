import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { DynamicBrokerConfigs } from '../cluster/dynamic-broker-configs.ts';
import { authorize, type AuthorizationContext } from '../security/authorize.ts';
import { authorizationFailed, authorizeCluster } from '../security/request-authorization.ts';

/** Kafka's ConfigResource.Type codes. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

/** A broker resource names this broker's id, or is empty for the cluster-wide default. */
export function checkBrokerResource(resourceName: string, nodeId: number): void {
  if (resourceName !== '' && resourceName !== String(nodeId)) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Broker id ${resourceName} is not this broker (${nodeId})`);
  }
}

/**
 * Kafka's check of a config resource (ConfigHelper, processIncrementalAlterConfigsRequest):
 * DESCRIBE_CONFIGS or ALTER_CONFIGS on the topic, or on the cluster for a broker resource; refused
 * as TOPIC_AUTHORIZATION_FAILED or CLUSTER_AUTHORIZATION_FAILED for that resource alone.
 */
export function checkConfigResourceAuthorized(
  context: AuthorizationContext,
  operation: 'DESCRIBE_CONFIGS' | 'ALTER_CONFIGS',
  resourceType: number,
  resourceName: string,
): void {
  if (resourceType === ConfigResourceType.TOPIC) {
    if (!authorize(context, operation, 'TOPIC', resourceName)) throw authorizationFailed(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  } else if (resourceType === ConfigResourceType.BROKER || resourceType === ConfigResourceType.BROKER_LOGGER) {
    if (!authorizeCluster(context, operation)) throw authorizationFailed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  }
}

/**
 * The dynamic broker configs to change (KIP-226): a cluster's. A single node's broker config is read
 * once at start, so it refuses: there is nothing a dynamic config would change without replication.
 */
export function dynamicBrokerConfigs(broker: BrokerContext): DynamicBrokerConfigs {
  if (broker.brokerConfigs === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Broker configs are static in Samsa; change server.properties and restart');
  return broker.brokerConfigs;
}
