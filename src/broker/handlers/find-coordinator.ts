import { findCoordinatorRequest, findCoordinatorResponse } from '../../protocol/generated/find-coordinator.ts';
import { ErrorCode, errorName } from '../../protocol/errors.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../coordinator/group/group-coordinator.ts';
import { TRANSACTION_STATE_TOPIC_NAME } from '../coordinator/txn/transaction-coordinator.ts';
import { authorize } from '../security/authorize.ts';
import { authorizationFailed } from '../security/request-authorization.ts';
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
 * partition as the cluster view shows it (on a single node, this broker), a transactional id's
 * (key type 1) the leader of its __transaction_state partition; each topic is created on its first
 * lookup, as Kafka does, once the principal may DESCRIBE the group or transactional id (else
 * GROUP_ or TRANSACTIONAL_ID_AUTHORIZATION_FAILED). librdkafka switches LZ4 and its group
 * coordinator off unless v0 is advertised, so every version is served.
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
  if (keyType === CoordinatorType.SHARE) {
    return noCoordinator(ErrorCode.INVALID_REQUEST, 'Share groups are not enabled on this broker.');
  }
  if (keyType !== CoordinatorType.GROUP && keyType !== CoordinatorType.TRANSACTION) {
    return noCoordinator(ErrorCode.INVALID_REQUEST, `Unknown coordinator type received: ${keyType}`);
  }
  // A group's coordinator leads its __consumer_offsets partition, a transactional id's its __transaction_state one.
  const isGroup = keyType === CoordinatorType.GROUP;
  // As Kafka's getCoordinator: DESCRIBE on the group or transactional id, before anything is created.
  if (!authorize(context, 'DESCRIBE', isGroup ? 'GROUP' : 'TRANSACTIONAL_ID', key)) {
    const errorCode = isGroup ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    return noCoordinator(errorCode, authorizationFailed(errorCode).message);
  }
  const coordinator = isGroup
    ? { topic: GROUP_METADATA_TOPIC_NAME, ensureTopic: () => broker.groupCoordinator.ensureOffsetsTopic(), owner: broker.groupCoordinator }
    : { topic: TRANSACTION_STATE_TOPIC_NAME, ensureTopic: () => broker.transactionCoordinator.ensureTransactionTopic(), owner: broker.transactionCoordinator };
  try {
    await coordinator.ensureTopic();
  } catch (error) {
    broker.logger.warn({ err: error }, `creating ${coordinator.topic} failed`);
    return noCoordinator(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  }
  const partition = coordinator.owner.partitionFor(key);
  const leaderId = broker.cluster.partitionLeadership(coordinator.topic, partition)?.leader ?? -1;
  // This broker leads the partition but has not taken it up yet (LeaderAndIsr on its way, or the
  // load not begun): a client sent here now would only be told NOT_COORDINATOR.
  if (leaderId === broker.nodeId && !coordinator.owner.hostsPartition(partition)) {
    return noCoordinator(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  }
  // The coordinator's endpoint on the listener this request came in on, as Kafka's getPartitionLeaderEndpoint.
  const leader = leaderId < 0 ? undefined : broker.cluster.aliveBroker(leaderId, context.listenerName);
  if (leader === undefined) return noCoordinator(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  return { errorCode: ErrorCode.NONE, errorMessage: errorName(ErrorCode.NONE), nodeId: leader.id, host: leader.host, port: leader.port };
}

function noCoordinator(errorCode: number, errorMessage: string): CoordinatorAnswer {
  return { errorCode, errorMessage, nodeId: -1, host: '', port: -1 };
}
