import { metadataRequest, metadataResponse } from '../../protocol/generated/metadata.ts';
import type { MetadataResponseMetadataResponseTopic } from '../../protocol/generated/metadata.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import type { TopicMetadata } from '../cluster/metadata-store.ts';
import { isInternalTopic, topicNameProblem } from '../cluster/topic-names.ts';
import { authorizedNames } from '../security/authorize.ts';
import { authorizedOperations, clusterAuthorizedOperations } from '../security/authorized-operations.ts';
import { authorizeCluster, partitionByAuthorized } from '../security/request-authorization.ts';
import { defineHandler, type RequestContext } from './handler.ts';
import { errorAnswer } from './error-code.ts';

/**
 * Metadata: brokers, the controller and topics with their partitions' leaders and replicas.
 * A null topic list (or an empty one in v0) asks for every topic. Unknown topics are created when
 * auto.create.topics.enable is on and the request allows it (always before v4), as Kafka does.
 *
 * Authorization as Kafka's handleTopicMetadataRequest: DESCRIBE on each topic. A list of every topic
 * leaves out those the principal may not describe; a topic asked for by name or id is answered
 * TOPIC_AUTHORIZATION_FAILED, without saying whether it exists. Auto-creation needs CREATE on the
 * cluster or on the topic, else TOPIC_AUTHORIZATION_FAILED.
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
    // Answers for topics the principal may not describe: they carry no authorized operations.
    const refused = new Set<MetadataResponseMetadataResponseTopic>();
    if (everything) {
      // As Kafka, topics the principal may not describe are left out without a word (nor a log line).
      const { authorized } = partitionByAuthorized(context, 'DESCRIBE', 'TOPIC', broker.metadata.topics(), (topic) => topic.name, false);
      for (const topic of authorized) topics.push(describeTopic(topic, context));
    } else {
      const allowAutoCreate = (apiVersion < 4 || request.allowAutoTopicCreation !== false) && broker.config.autoCreateTopicsEnable;
      const requested = (request.topics ?? []).map((topic) => {
        const byId = topic.name === null || topic.name === undefined;
        const known = byId ? broker.metadata.topicById(topic.topicId ?? ZERO_UUID) : broker.metadata.topic(topic.name!);
        return { byId, name: byId ? known?.name : topic.name!, topicId: topic.topicId ?? ZERO_UUID, known };
      });
      const named = requested.flatMap(({ name }) => (name === undefined ? [] : [name]));
      const describable = authorizedNames(context, 'DESCRIBE', 'TOPIC', named);
      const creatable = allowAutoCreate ? creatableTopics(requested.flatMap(({ name, known }) => (known === undefined && name !== undefined && describable.has(name) ? [name] : [])), context) : new Set<string>();
      for (const { byId, name, topicId, known } of requested) {
        if (byId && known === undefined) {
          topics.push(missingTopic(null, topicId, ErrorCode.UNKNOWN_TOPIC_ID));
        } else if (!describable.has(name!)) {
          // Not even whether it exists: by id, the id (not secret) comes back, by name the name.
          const answer = byId ? missingTopic(null, topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED) : missingTopic(name!, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          topics.push(answer);
          refused.add(answer);
        } else if (known !== undefined) {
          topics.push(describeTopic(known, context));
        } else if (allowAutoCreate && !creatable.has(name!)) {
          const answer = { ...missingTopic(name!, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED), isInternal: isInternalTopic(name!) };
          topics.push(answer);
          refused.add(answer);
        } else if (allowAutoCreate) {
          topics.push(await autoCreate(name!, context));
        } else {
          // As Kafka: a name that could never exist is INVALID_TOPIC_EXCEPTION (clients stop
          // waiting for it); a valid one is merely unknown, and may yet be created.
          const errorCode = topicNameProblem(name!) === null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION;
          topics.push(missingTopic(name!, ZERO_UUID, errorCode));
        }
      }
    }
    // v8+: what the client may do, when it asks; every topic answered gets it (but those refused), as
    // in Kafka, and the cluster's set has its place in v8-10 only (later clients ask DescribeCluster).
    if (apiVersion >= 8 && request.includeTopicAuthorizedOperations === true) {
      for (const topic of topics) if (!refused.has(topic) && topic.name !== null) topic.topicAuthorizedOperations = authorizedOperations(context, 'TOPIC', topic.name, true);
    }
    const includeCluster = apiVersion >= 8 && apiVersion <= 10 && request.includeClusterAuthorizedOperations === true;
    return {
      throttleTimeMs: 0,
      brokers: broker.cluster.aliveBrokers(context.listenerName).map(({ id, host, port, rack }) => ({ nodeId: id, host, port, rack })),
      clusterId: broker.metadata.clusterId,
      controllerId: broker.cluster.controllerId,
      topics,
      ...(includeCluster ? { clusterAuthorizedOperations: clusterAuthorizedOperations(context, true) } : {}),
    };
  },
});

/** Auto-creation needs CREATE on the cluster, or else on each topic (Kafka's handleTopicMetadataRequest). */
function creatableTopics(missing: readonly string[], context: RequestContext): Set<string> {
  if (missing.length === 0 || authorizeCluster(context, 'CREATE', false)) return new Set(missing);
  return authorizedNames(context, 'CREATE', 'TOPIC', missing);
}

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
