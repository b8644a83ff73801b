/**
 * Authorized operations (KIP-430): Metadata v8+, DescribeCluster and DescribeGroups answer the
 * operations the client may perform when it asks, and Integer.MIN_VALUE when it does not. Without
 * an authorizer that is every operation that applies to a cluster, a topic or a group.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, describeClusterV1, metadataV9 } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { describeGroupsRequest, describeGroupsResponse } from '../src/protocol/generated/describe-groups.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, createTopic } from './helpers/kafka-apis.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const { Kafka, logLevel } = kafkajs;
const NOT_REQUESTED = -2147483648;
const TOPIC = 'authorized-operations';

/** Kafka's AclOperation codes, written out here independently of the broker's table. */
const CODES: Record<string, number> = {
  READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9, DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12,
};
const CLUSTER_OPERATIONS = ['ALTER', 'ALTER_CONFIGS', 'CLUSTER_ACTION', 'CREATE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'IDEMPOTENT_WRITE'];
const TOPIC_OPERATIONS = ['ALTER', 'ALTER_CONFIGS', 'CREATE', 'DELETE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'READ', 'WRITE'];

/** The names of the operations set in a bitfield, sorted; fails on a bit that is no operation. */
function operations(bits: number | undefined): string[] {
  assert.ok(bits !== undefined && bits !== NOT_REQUESTED, `operations were asked for, got ${bits}`);
  const names = Object.entries(CODES).filter(([, code]) => (bits & (1 << code)) !== 0).map(([name]) => name);
  assert.equal(names.reduce((sum, name) => sum | (1 << CODES[name]!), 0), bits, 'only AclOperation bits are set');
  return names.sort();
}

let broker: TestBroker;
let client: KafkaApiClient;
let connection: Connection;

before(async () => {
  broker = await startTestBroker();
  client = await KafkaApiClient.open(broker.host, broker.port);
  assert.equal((await createTopic(client, TOPIC)).errorCode, 0);
  connection = new Connection('samsa-authorized-operations');
  await connection.connect(broker.host, broker.port);
});

after(async () => {
  await connection?.close();
  client?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

test('DescribeCluster (@platformatic/kafka): the cluster operations when asked, MIN_VALUE when not', { timeout: 20_000 }, async () => {
  const asked = await describeClusterV1.api.async(connection, true, 1);
  assert.deepEqual(operations(asked.clusterAuthorizedOperations), CLUSTER_OPERATIONS);
  const notAsked = await describeClusterV1.api.async(connection, false, 1);
  assert.equal(notAsked.clusterAuthorizedOperations, NOT_REQUESTED);
});

test('Metadata v9 (@platformatic/kafka): topic and cluster operations, each only when asked', { timeout: 20_000 }, async () => {
  const asked = await metadataV9.api.async(connection, [TOPIC], false, true, true);
  assert.deepEqual(operations(asked.clusterAuthorizedOperations), CLUSTER_OPERATIONS);
  assert.deepEqual(operations(asked.topics[0]!.topicAuthorizedOperations), TOPIC_OPERATIONS);
  const topicsOnly = await metadataV9.api.async(connection, [TOPIC], false, true, false);
  assert.equal(topicsOnly.clusterAuthorizedOperations, NOT_REQUESTED);
  assert.deepEqual(operations(topicsOnly.topics[0]!.topicAuthorizedOperations), TOPIC_OPERATIONS);
  const neither = await metadataV9.api.async(connection, [TOPIC], false, false, false);
  assert.equal(neither.clusterAuthorizedOperations, NOT_REQUESTED);
  assert.equal(neither.topics[0]!.topicAuthorizedOperations, NOT_REQUESTED);
});

test('Metadata v12: every topic answered gets its operations, as in Kafka; v12 has no cluster operations', { timeout: 20_000 }, async () => {
  const response = await client.call(Api.metadata, 12, {
    topics: [{ name: TOPIC, topicId: undefined }, { name: 'authorized-operations-unknown', topicId: undefined }],
    allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true,
  });
  assert.deepEqual(response.topics.map((topic) => topic.errorCode), [0, 3]);
  for (const topic of response.topics) assert.deepEqual(operations(topic.topicAuthorizedOperations), TOPIC_OPERATIONS);
});

test("DescribeGroups v3+: a group's operations when asked, MIN_VALUE when not", { timeout: 60_000 }, async () => {
  const groupId = 'authorized-operations-group';
  const kafka = new Kafka({ clientId: 'samsa-authorized-operations', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC });
    await consumer.run({ eachMessage: async () => {} });
    const describeGroups = api(describeGroupsRequest, describeGroupsResponse);
    const asked = await client.call(describeGroups, 5, { groups: [groupId], includeAuthorizedOperations: true });
    assert.equal(asked.groups[0]!.errorCode, 0);
    assert.deepEqual(operations(asked.groups[0]!.authorizedOperations), ['DELETE', 'DESCRIBE', 'READ']);
    const notAsked = await client.call(describeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false });
    assert.equal(notAsked.groups[0]!.authorizedOperations, NOT_REQUESTED);
  } finally {
    await consumer.disconnect();
  }
});
