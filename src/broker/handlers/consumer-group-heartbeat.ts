import { ErrorCode } from '../../protocol/errors.ts';
import {
  consumerGroupHeartbeatRequest, consumerGroupHeartbeatResponse, type ConsumerGroupHeartbeatResponse,
} from '../../protocol/generated/consumer-group-heartbeat.ts';
import { errorAnswer } from './error-code.ts';
import { authorize } from '../security/authorize.ts';
import { defineHandler } from './handler.ts';

/** Kafka's clientHost ("/127.0.0.1") from the connection id ("local:port-remote:port-index"). */
export function clientHostOf(connectionId: string): string {
  const remote = connectionId.split('-')[1] ?? '';
  const colon = remote.lastIndexOf(':');
  return `/${colon < 0 ? remote : remote.slice(0, colon)}`;
}

/**
 * ConsumerGroupHeartbeat (KIP-848): join, heartbeat and leave of consumer-protocol members. Only v0
 * is served: the spec marks v1 (regex subscriptions, client-made member ids) latestVersionUnstable,
 * and Kafka leaves unstable versions out of ApiVersions. With group.coordinator.rebalance.protocols
 * lacking "consumer" the API answers UNSUPPORTED_VERSION, as Kafka does; then, as Kafka, the member
 * needs READ on the group (GROUP_AUTHORIZATION_FAILED).
 */
export const consumerGroupHeartbeatHandler = defineHandler({
  request: consumerGroupHeartbeatRequest,
  response: consumerGroupHeartbeatResponse,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context): Promise<ConsumerGroupHeartbeatResponse> {
    const failed = (errorCode: number, errorMessage: string | null): ConsumerGroupHeartbeatResponse => ({
      throttleTimeMs: 0, errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null,
    });
    const coordinator = context.broker.groupCoordinator;
    if (!coordinator.config.groupCoordinatorRebalanceProtocols.includes('consumer')) {
      return failed(ErrorCode.UNSUPPORTED_VERSION, 'The consumer group protocol is not enabled (group.coordinator.rebalance.protocols).');
    }
    if (!authorize(context, 'READ', 'GROUP', request.groupId)) return failed(ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
    const client = { clientId: context.clientId, clientHost: clientHostOf(context.connectionId) };
    try {
      return await coordinator.runtime.scheduleWriteOperation('consumer-group-heartbeat', coordinator.partitionFor(request.groupId),
        (shard) => shard.consumer.heartbeat(request, client));
    } catch (error) {
      const { errorCode, errorMessage } = errorAnswer(error, context);
      return failed(errorCode, errorMessage);
    }
  },
});
