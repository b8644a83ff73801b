/**
 * Authorization of the admin and inter-broker APIs, as Kafka's KafkaApis checks it: topic admin by
 * CREATE, DELETE and ALTER on the topic (CREATE also on the cluster), configs by DESCRIBE_CONFIGS and
 * ALTER_CONFIGS on the topic or the cluster, cluster admin by ALTER or DESCRIBE on the cluster, and
 * what only brokers send by CLUSTER_ACTION. A broker running the ACL authorizer, where a super user
 * creates (CreateAcls) exactly the ACLs each test gives User:ANONYMOUS; each refusal changes nothing.
 * Our admin client and raw requests.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '../src/client/index.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { ZERO_UUID } from '../src/protocol/primitives/uuid.ts';
import { allocateProducerIdsRequest, allocateProducerIdsResponse } from '../src/protocol/generated/allocate-producer-ids.ts';
import { leaderAndIsrRequest, leaderAndIsrResponse } from '../src/protocol/generated/leader-and-isr.ts';
import { stopReplicaRequest, stopReplicaResponse } from '../src/protocol/generated/stop-replica.ts';
import { writeTxnMarkersRequest, writeTxnMarkersResponse } from '../src/protocol/generated/write-txn-markers.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { startAuthorizingBroker, type AuthorizingBroker } from './helpers/authorizing-broker.ts';
import { Api, createTopic, ResourceType } from './helpers/kafka-apis.ts';
import type { TestBroker } from './helpers/test-broker.ts';

const LeaderAndIsr = api(leaderAndIsrRequest, leaderAndIsrResponse);
const StopReplica = api(stopReplicaRequest, stopReplicaResponse);
const WriteTxnMarkers = api(writeTxnMarkersRequest, writeTxnMarkersResponse);
const AllocateProducerIds = api(allocateProducerIdsRequest, allocateProducerIdsResponse);

const TOPIC = 'auth-admin';
const CLUSTER = { resourceType: 'CLUSTER', name: 'kafka-cluster' } as const;
const NOT_REQUESTED = -2147483648;
let acls: AuthorizingBroker;
let broker: TestBroker;
let client: KafkaApiClient;

before(async () => {
  acls = await startAuthorizingBroker({ 'auto.create.topics.enable': 'false' });
  broker = acls.broker;
  client = await KafkaApiClient.open(broker.host, broker.port);
  await acls.admin.createTopics([{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }]);
});

beforeEach(() => acls.revokeAll());

after(async () => {
  client?.close();
  await acls?.close();
});

test('CreateTopics needs CREATE on the cluster or the topic; what was created is shown only with DESCRIBE_CONFIGS', async () => {
  const refused = await createTopic(client, 'auth-created');
  assert.deepEqual([refused.errorCode, refused.errorMessage], [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.']);
  assert.equal((await acls.admin.listTopics()).includes('auth-created'), false, 'not created');

  await acls.allowOnly({ operation: 'CREATE', resourceType: 'TOPIC', name: 'auth-created' });
  const hidden = await createTopic(client, 'auth-created', { numPartitions: 2 });
  assert.deepEqual([hidden.errorCode, hidden.topicConfigErrorCode, hidden.numPartitions, hidden.configs],
    [ErrorCode.NONE, ErrorCode.TOPIC_AUTHORIZATION_FAILED, -1, []]);
  await acls.allowOnly({ operation: 'CREATE', ...CLUSTER }, { operation: 'DESCRIBE_CONFIGS', resourceType: 'TOPIC', name: 'auth-shown' });
  const shown = await createTopic(client, 'auth-shown', { numPartitions: 3 });
  assert.deepEqual([shown.errorCode, shown.topicConfigErrorCode, shown.numPartitions], [ErrorCode.NONE, ErrorCode.NONE, 3]);
  assert.ok((shown.configs ?? []).length > 0);
});

test('our Admin client: DeleteTopics needs DELETE, CreatePartitions ALTER, configs DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic or the cluster', async () => {
  const admin = new Admin({ bootstrapServers: [broker.bootstrap], clientId: 'auth-admin' });
  try {
    await assert.rejects(admin.deleteTopics([TOPIC]), /TOPIC_AUTHORIZATION_FAILED|authorization/i);
    await assert.rejects(admin.createPartitions([{ topic: TOPIC, count: 2 }]), /TOPIC_AUTHORIZATION_FAILED|authorization/i);
  } finally {
    await admin.close();
  }
  const [still] = await acls.admin.describeTopics([TOPIC]);
  assert.equal(still!.partitions.length, 1, 'the topic is still there, with its one partition');

  const describe = async () => (await client.call(Api.describeConfigs, 4, {
    resources: [{ resourceType: ResourceType.TOPIC, resourceName: TOPIC, configurationKeys: null }, { resourceType: ResourceType.BROKER, resourceName: '1', configurationKeys: null }],
    includeSynonyms: false, includeDocumentation: false,
  })).results.map((r) => [r.errorCode, r.configs.length > 0]);
  assert.deepEqual(await describe(), [[ErrorCode.TOPIC_AUTHORIZATION_FAILED, false], [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, false]]);
  await acls.allowOnly({ operation: 'DESCRIBE_CONFIGS', resourceType: 'TOPIC', name: TOPIC }, { operation: 'DESCRIBE_CONFIGS', ...CLUSTER });
  assert.deepEqual(await describe(), [[ErrorCode.NONE, true], [ErrorCode.NONE, true]]);

  const alter = await client.call(Api.incrementalAlterConfigs, 1, {
    resources: [{ resourceType: ResourceType.TOPIC, resourceName: TOPIC, configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] }], validateOnly: false,
  });
  assert.equal(alter.responses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const legacy = await client.call(Api.alterConfigs, 2, { resources: [{ resourceType: ResourceType.TOPIC, resourceName: TOPIC, configs: [{ name: 'retention.ms', value: '1000' }] }], validateOnly: false });
  assert.equal(legacy.responses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const unchanged = await client.call(Api.describeConfigs, 4, { resources: [{ resourceType: ResourceType.TOPIC, resourceName: TOPIC, configurationKeys: ['retention.ms'] }] });
  assert.notEqual(unchanged.results[0]!.configs[0]!.value, '1000', 'the refused changes changed nothing');
});

test('cluster admin: DescribeLogDirs and ListPartitionReassignments need DESCRIBE on the cluster; AlterReplicaLogDirs, AlterPartitionReassignments and ElectLeaders ALTER', async () => {
  const denied = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
  const logDirs = await client.call(Api.describeLogDirs, 4, { topics: null });
  assert.deepEqual([logDirs.errorCode, logDirs.results], [denied, []]);
  const listed = await client.call(Api.listPartitionReassignments, 0, { timeoutMs: 1000, topics: [{ name: TOPIC, partitionIndexes: [0] }] });
  assert.equal(listed.errorCode, denied);
  const moved = await client.call(Api.alterReplicaLogDirs, 2, { dirs: [{ path: broker.dataDir, topics: [{ name: TOPIC, partitions: [0] }] }] });
  assert.equal(moved.results[0]!.partitions[0]!.errorCode, denied);
  const reassigned = await client.call(Api.alterPartitionReassignments, 0, { timeoutMs: 1000, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, replicas: [1] }] }] });
  assert.deepEqual([reassigned.errorCode, reassigned.responses[0]!.partitions[0]!.errorCode], [denied, denied]);
  const elected = await client.call(Api.electLeaders, 2, { electionType: 0, topicPartitions: [{ topic: TOPIC, partitions: [0] }], timeoutMs: 1000 });
  assert.deepEqual([elected.errorCode, elected.replicaElectionResults[0]!.partitionResult[0]!.errorCode], [denied, denied]);

  await acls.allowOnly({ operation: 'DESCRIBE', ...CLUSTER });
  assert.equal((await client.call(Api.describeLogDirs, 4, { topics: null })).errorCode, ErrorCode.NONE);
});

test('APIs only brokers send (LeaderAndIsr, StopReplica, WriteTxnMarkers, AllocateProducerIds) need CLUSTER_ACTION; a refused marker is not written', async () => {
  const denied = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
  const partitionState = { partitionIndex: 0, controllerEpoch: 1, leader: 1, leaderEpoch: 99, isr: [1], partitionEpoch: 99, replicas: [1], addingReplicas: [], removingReplicas: [], isNew: false };
  const leaderAndIsr = await client.call(LeaderAndIsr, 5, {
    controllerId: 1, controllerEpoch: 1, brokerEpoch: -1n, type: 0, topicStates: [{ topicName: TOPIC, topicId: ZERO_UUID, partitionStates: [partitionState] }], liveLeaders: [],
  });
  assert.deepEqual([leaderAndIsr.errorCode, leaderAndIsr.topics![0]!.partitionErrors[0]!.errorCode], [denied, denied]);
  assert.notEqual(broker.replicaManager.leaderPartition(TOPIC, 0).leaderEpoch, 99, 'the leader epoch did not move');
  const stop = await client.call(StopReplica, 3, {
    controllerId: 1, controllerEpoch: 1, brokerEpoch: -1n, topicStates: [{ topicName: TOPIC, partitionStates: [{ partitionIndex: 0, leaderEpoch: 99, deletePartition: true }] }],
  });
  assert.deepEqual([stop.errorCode, stop.partitionErrors[0]!.errorCode], [denied, denied]);
  const end = broker.replicaManager.leaderPartition(TOPIC, 0).log.logEndOffset;
  const markers = await client.call(WriteTxnMarkers, 1, {
    markers: [{ producerId: 7n, producerEpoch: 0, transactionResult: true, coordinatorEpoch: 0, topics: [{ name: TOPIC, partitionIndexes: [0] }] }],
  });
  assert.equal(markers.markers[0]!.topics[0]!.partitions[0]!.errorCode, denied);
  assert.equal(broker.replicaManager.leaderPartition(TOPIC, 0).log.logEndOffset, end, 'no marker written');
  const ids = await client.call(AllocateProducerIds, 0, { brokerId: 1, brokerEpoch: -1n });
  assert.deepEqual([ids.errorCode, ids.producerIdLen], [denied, 0]);

  await acls.allowOnly({ operation: 'CLUSTER_ACTION', ...CLUSTER });
  assert.equal((await client.call(AllocateProducerIds, 0, { brokerId: 1, brokerEpoch: -1n })).errorCode, ErrorCode.NONE);
});

test('authorized operations come from the authorizer: the cluster\'s only for a principal that may describe it, a topic\'s as granted', async () => {
  const cluster = async () => (await client.call(Api.describeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 })).clusterAuthorizedOperations;
  assert.equal(await cluster(), 0, 'no DESCRIBE on the cluster: no operations');
  await acls.allowOnly({ operation: 'DESCRIBE', ...CLUSTER }, { operation: 'ALTER', ...CLUSTER }, { operation: 'DESCRIBE', resourceType: 'TOPIC', name: TOPIC },
    { operation: 'READ', resourceType: 'TOPIC', name: TOPIC });
  assert.equal(await cluster(), (1 << 8) | (1 << 7), 'DESCRIBE and ALTER');
  const notAsked = await client.call(Api.describeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
  assert.equal(notAsked.clusterAuthorizedOperations, NOT_REQUESTED);
  const topic = await client.call(Api.metadata, 10, {
    topics: [{ name: TOPIC }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true,
  });
  assert.equal(topic.topics[0]!.topicAuthorizedOperations, (1 << 3) | (1 << 8), 'READ and DESCRIBE');
  assert.equal(topic.clusterAuthorizedOperations, (1 << 8) | (1 << 7));
});
