import { allocateProducerIdsRequest, allocateProducerIdsResponse } from '../../protocol/generated/allocate-producer-ids.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { errorAnswer } from './error-code.ts';
import { authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';
import { SingleNodeController } from './single-node-controller.ts';

/**
 * AllocateProducerIds (KIP-730): a broker asks the controller for its next block of producer ids.
 * Only the active controller allocates (Kafka's KafkaApis.handleAllocateProducerIdsRequest); any
 * other broker answers NOT_CONTROLLER, which the sender's channel retries elsewhere. A single node
 * answers as a one-broker cluster's controller does: a block from its local metadata for itself
 * (at broker epoch -1, a single node's), none for a broker it does not know.
 * Only a broker may send it: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED (Kafka's
 * authorizeClusterOperation), checked before anything else.
 */
export const allocateProducerIdsHandler = defineHandler({
  request: allocateProducerIdsRequest,
  response: allocateProducerIdsResponse,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context) {
    if (!authorizeCluster(context, 'CLUSTER_ACTION')) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, producerIdStart: 0n, producerIdLen: 0 };
    const { controller, localProducerIdBlocks, metadata, nodeId } = context.broker;
    if (controller === undefined && localProducerIdBlocks !== undefined) {
      try {
        return { throttleTimeMs: 0, ...(await new SingleNodeController(metadata, nodeId).allocateProducerIds(request, localProducerIdBlocks)) };
      } catch (error) {
        return { throttleTimeMs: 0, errorCode: errorAnswer(error, context).errorCode, producerIdStart: 0n, producerIdLen: 0 };
      }
    }
    if (controller === undefined || !controller.isActive) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, producerIdStart: 0n, producerIdLen: 0 };
    return controller.allocateProducerIds(request);
  },
});
