import { metadataRequest, metadataResponse } from '../../protocol/generated/metadata.ts';
import type { MetadataResponseMetadataResponseTopic } from '../../protocol/generated/metadata.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import type { TopicMetadata } from '../cluster/metadata-store.ts';
import { isInternalTopic, topicNameProblem } from '../cluster/topic-names.ts';
import { authorizedOperations } from '../security/authorized-operations.ts';
import { defineHandler, type RequestContext } from './handler.ts';
import { errorAnswer } from './error-code.ts';

/**
 * Metadata: brokers, the controller and topics with their partitions' leaders and replicas.
 * A null topic list (or an empty one in v0) asks for every topic. Unknown topics are created when
 * auto.create.topics.enable is on and the request allows it (always before v4), as Kafka does.
 */
export const metadataHandler = defineHandler({
  request: metadataRequest,
  response: metadataResponse,
  minVersion: 0,
  maxVersion: 12,
  async handle(request, context) {
    const { broker, apiVersion } = context;
    const everything = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
    const topics: MetadataResponseMetadataResponseTopic[] = [];
    if (everything) {
      for (const topic of broker.metadata.topics()) topics.push(describeTopic(topic, context));
    } else {
      const allowAutoCreate = (apiVersion < 4 || request.allowAutoTopicCreation !== false) && broker.config.autoCreateTopicsEnable;
      for (const requested of request.topics ?? []) {
        const byId = requested.name === null || requested.name === undefined;
        const known = byId ? broker.metadata.topicById(requested.topicId ?? ZERO_UUID) : broker.metadata.topic(requested.name!);
        if (known !== undefined) {
          topics.push(describeTopic(known, context));
        } else if (byId) {
          topics.push(missingTopic(null, requested.topicId ?? ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_ID));
        } else if (allowAutoCreate) {
          topics.push(await autoCreate(requested.name!, context));
        } else {
          // As Kafka: a name that could never exist is INVALID_TOPIC_EXCEPTION (clients stop
          // waiting for it); a valid one is merely unknown, and may yet be created.
          const errorCode = topicNameProblem(requested.name!) === null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION;
          topics.push(missingTopic(requested.name!, ZERO_UUID, errorCode));
        }
      }
    }
    // v8+: what the client may do, when it asks; every topic answered gets it, as in Kafka, and
    // the cluster's set has its place in v8-10 only (later clients ask DescribeCluster).
    if (apiVersion >= 8 && request.includeTopicAuthorizedOperations === true) {
      for (const topic of topics) topic.topicAuthorizedOperations = authorizedOperations('topic', true);
    }
    const includeCluster = apiVersion >= 8 && apiVersion <= 10 && request.includeClusterAuthorizedOperations === true;
    return {
      throttleTimeMs: 0,
      brokers: broker.cluster.aliveBrokers(context.listenerName).map(({ id, host, port, rack }) => ({ nodeId: id, host, port, rack })),
      clusterId: broker.metadata.clusterId,
      controllerId: broker.cluster.controllerId,
      topics,
      ...(includeCluster ? { clusterAuthorizedOperations: authorizedOperations('cluster', true) } : {}),
    };
  },
});

async function autoCreate(name: string, context: RequestContext): Promise<MetadataResponseMetadataResponseTopic> {
  try {
    const topic = await context.broker.topicAdmin.createTopic({ name, numPartitions: -1, replicationFactor: -1, configs: {} });
    return describeTopic(topic, context);
  } catch (error) {
    const { errorCode } = errorAnswer(error, context);
    // Another request may have created it meanwhile; then it simply exists.
    const existing = context.broker.metadata.topic(name);
    if (existing !== undefined) return describeTopic(existing, context);
    return missingTopic(name, ZERO_UUID, errorCode);
  }
}

function describeTopic(topic: TopicMetadata, context: RequestContext): MetadataResponseMetadataResponseTopic {
  const { broker: { cluster }, listenerName, apiVersion } = context;
  const reachable = (id: number) => cluster.aliveBroker(id, listenerName) !== undefined;
  const partitions = [];
  for (let index = 0; index < topic.partitionCount; index++) {
    const leadership = cluster.partitionLeadership(topic.name, index);
    const replicas = leadership?.replicas ?? [];
    const isr = leadership?.isr ?? [];
    // v0 lists only the replicas a client can reach (Kafka's errorUnavailableEndpoints).
    const replicaNodes = apiVersion === 0 ? replicas.filter(reachable) : [...replicas];
    const isrNodes = apiVersion === 0 ? isr.filter(reachable) : [...isr];
    const leader = leadership === undefined || leadership.leader < 0 ? -1 : leadership.leader;
    // As Kafka's metadata cache: a leader is named only when the client can reach it on this
    // listener. A dead one is LEADER_NOT_AVAILABLE; a live one without this listener is
    // LISTENER_NOT_FOUND from v6 on (both retriable).
    let errorCode: number = ErrorCode.NONE;
    if (!reachable(leader)) {
      errorCode = apiVersion >= 6 && cluster.isAlive(leader) ? ErrorCode.LISTENER_NOT_FOUND : ErrorCode.LEADER_NOT_AVAILABLE;
    } else if (replicaNodes.length < replicas.length || isrNodes.length < isr.length) {
      errorCode = ErrorCode.REPLICA_NOT_AVAILABLE;
    }
    partitions.push({
      errorCode,
      partitionIndex: index,
      leaderId: errorCode === ErrorCode.NONE || errorCode === ErrorCode.REPLICA_NOT_AVAILABLE ? leader : -1,
      leaderEpoch: leadership?.leaderEpoch ?? -1,
      replicaNodes,
      isrNodes,
      offlineReplicas: [...(leadership?.offlineReplicas ?? [])],
    });
  }
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: isInternalTopic(topic.name),
    partitions,
  };
}

function missingTopic(name: string | null, topicId: string, errorCode: number): MetadataResponseMetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [] };
}
