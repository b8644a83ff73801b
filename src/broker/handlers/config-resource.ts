import { ErrorCode, KafkaError } from '../../protocol/errors.ts';

/** Kafka's ConfigResource.Type codes. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

/** A broker resource names this broker's id, or is empty for the cluster-wide default. */
export function checkBrokerResource(resourceName: string, nodeId: number): void {
  if (resourceName !== '' && resourceName !== String(nodeId)) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Broker id ${resourceName} is not this broker (${nodeId})`);
  }
}

/** Changing broker configs at run time (KIP-226) is not offered: the broker's config is read once at start. */
export function refuseBrokerAlteration(): never {
  throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Broker configs are static in Samsa; change server.properties and restart');
}
