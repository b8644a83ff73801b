import { findCoordinatorRequest, findCoordinatorResponse } from '../../protocol/generated/find-coordinator.ts';
import { ErrorCode, errorName } from '../../protocol/errors.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../coordinator/group/group-coordinator.ts';
import { defineHandler, type RequestContext } from './handler.ts';

/** FindCoordinatorRequest key types. */
const CoordinatorType = { GROUP: 0, TRANSACTION: 1, SHARE: 2 } as const;

interface CoordinatorAnswer {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/**
 * FindCoordinator (v4+ batches keys). A group's coordinator is the leader of its __consumer_offsets
 * partition, which on a single node is this broker; the topic is created on the first lookup, as
 * Kafka does. librdkafka switches LZ4 and its group coordinator off unless v0 is advertised, so
 * every version is served.
 */
export const findCoordinatorHandler = defineHandler({
  request: findCoordinatorRequest,
  response: findCoordinatorResponse,
  minVersion: 0,
  maxVersion: 6,
  async handle(request, context) {
    const keyType = request.keyType ?? CoordinatorType.GROUP;
    if (context.apiVersion < 4) {
      const answer = await findCoordinator(keyType, request.key ?? '', context);
      return { throttleTimeMs: 0, ...answer };
    }
    const coordinators = [];
    for (const key of request.coordinatorKeys ?? []) coordinators.push({ key, ...(await findCoordinator(keyType, key, context)) });
    return { throttleTimeMs: 0, coordinators };
  },
});

async function findCoordinator(keyType: number, key: string, context: RequestContext): Promise<CoordinatorAnswer> {
  const { broker } = context;
  if (keyType === CoordinatorType.TRANSACTION) {
    // No transaction coordinator yet: Kafka's answer while a coordinator is not available (retriable).
    return noCoordinator(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  }
  if (keyType === CoordinatorType.SHARE) {
    return noCoordinator(ErrorCode.INVALID_REQUEST, 'Share groups are not enabled on this broker.');
  }
  if (keyType !== CoordinatorType.GROUP) {
    return noCoordinator(ErrorCode.INVALID_REQUEST, `Unknown coordinator type received: ${keyType}`);
  }
  const coordinator = broker.groupCoordinator;
  try {
    await coordinator.ensureOffsetsTopic();
  } catch (error) {
    broker.logger.warn({ err: error }, 'creating __consumer_offsets failed');
    return noCoordinator(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  }
  const partition = coordinator.partitionFor(key);
  if (!coordinator.hostsPartition(partition)) {
    return noCoordinator(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  }
  // The coordinator is the leader of the group's partition, reached at its client listener.
  const leader = broker.cluster.partitionLeadership(GROUP_METADATA_TOPIC_NAME, partition)?.leader ?? -1;
  const node = broker.cluster.aliveBroker(leader);
  if (node === undefined) return noCoordinator(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  return { errorCode: ErrorCode.NONE, errorMessage: errorName(ErrorCode.NONE), nodeId: node.id, host: node.host, port: node.port };
}

function noCoordinator(errorCode: number, errorMessage: string): CoordinatorAnswer {
  return { errorCode, errorMessage, nodeId: -1, host: '', port: -1 };
}
