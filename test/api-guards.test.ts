/**
 * The broker's refusals over the wire, each answered with Kafka's error code and storing or changing
 * nothing: deleting an internal topic, delete.topic.enable=false, bad replica assignments,
 * OffsetDelete of a topic a live group consumes, DescribeCluster for controllers, a known API at a
 * version it does not serve, Produce v0-2, and CreateTime timestamps outside the topic's bounds.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { ErrorCode } from '../src/protocol/errors.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/generated/find-coordinator.ts';
import { offsetDeleteRequest, offsetDeleteResponse } from '../src/protocol/generated/offset-delete.ts';
import { offsetFetchRequest, offsetFetchResponse } from '../src/protocol/generated/offset-fetch.ts';
import { ZERO_UUID } from '../src/protocol/primitives/uuid.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchOf, createTopic, listOffset, metadata, produce } from './helpers/kafka-apis.ts';
import { RawKafkaConnection, requestHeaderV1 } from './helpers/raw-kafka.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const { Kafka, logLevel } = kafkajs;
const FindCoordinator = api(findCoordinatorRequest, findCoordinatorResponse);
const OffsetDelete = api(offsetDeleteRequest, offsetDeleteResponse);
const OffsetFetch = api(offsetFetchRequest, offsetFetchResponse);
const HOUR_MS = 3_600_000;

let broker: TestBroker;
let client: KafkaApiClient;

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false', 'group.initial.rebalance.delay.ms': '0' }, undefined, { silent: true });
  client = await KafkaApiClient.open(broker.host, broker.port);
});

after(async () => {
  client?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

async function endOffset(topic: string, partition = 0): Promise<bigint> {
  return (await listOffset(client, topic, -1n, { partition })).offset ?? -1n;
}

test('DeleteTopics of __consumer_offsets is refused (TOPIC_AUTHORIZATION_FAILED) and the topic stays', async () => {
  // FindCoordinator creates the internal topic.
  assert.equal((await client.call(FindCoordinator, 3, { key: 'guard-group', keyType: 0 })).errorCode, ErrorCode.NONE);
  for (const version of [1, 6]) {
    const response = await client.call(Api.deleteTopics, version, version >= 6
      ? { topics: [{ name: '__consumer_offsets', topicId: ZERO_UUID }], timeoutMs: 10_000 }
      : { topicNames: ['__consumer_offsets'], timeoutMs: 10_000 });
    assert.deepEqual(response.responses.map((r) => [r.name, r.errorCode]), [['__consumer_offsets', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
  }
  const described = await metadata(client, ['__consumer_offsets'], { allowAutoTopicCreation: false });
  assert.equal(described.topics[0]!.errorCode, ErrorCode.NONE);
  assert.equal(described.topics[0]!.isInternal, true);
});

test('delete.topic.enable=false: TOPIC_DELETION_DISABLED for every topic (INVALID_REQUEST before v3), and nothing is deleted', async (t) => {
  const locked = await startTestBroker({ 'delete.topic.enable': 'false' }, undefined, { silent: true });
  const lockedClient = await KafkaApiClient.open(locked.host, locked.port);
  t.after(async () => {
    lockedClient.close();
    await locked.close();
    await removeTempDir(locked.dataDir);
  });
  assert.equal((await createTopic(lockedClient, 'kept')).errorCode, ErrorCode.NONE);
  for (const [version, expected] of [[2, ErrorCode.INVALID_REQUEST], [3, ErrorCode.TOPIC_DELETION_DISABLED], [5, ErrorCode.TOPIC_DELETION_DISABLED]] as const) {
    const response = await lockedClient.call(Api.deleteTopics, version, { topicNames: ['kept', 'never-was'], timeoutMs: 10_000 });
    assert.deepEqual(response.responses.map((r) => [r.name, r.errorCode]), [['kept', expected], ['never-was', expected]], `v${version}`);
  }
  // KafkaJS speaks DeleteTopics v1, so it hears INVALID_REQUEST, as from Kafka.
  const admin = new Kafka({ clientId: 'samsa-guards', brokers: [locked.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await admin.connect();
  await assert.rejects(admin.deleteTopics({ topics: ['kept'] }), (error: Error & { type?: string }) => error.type === 'INVALID_REQUEST');
  await admin.disconnect();
  assert.equal((await metadata(lockedClient, ['kept'], { allowAutoTopicCreation: false })).topics[0]!.errorCode, ErrorCode.NONE);
});

test('CreateTopics and CreatePartitions refuse bad replica assignments with INVALID_REPLICA_ASSIGNMENT', async () => {
  const bad: Array<[string, Array<{ partitionIndex: number; brokerIds: number[] }>]> = [
    ['unknown-broker', [{ partitionIndex: 0, brokerIds: [7] }]],
    ['duplicate-broker', [{ partitionIndex: 0, brokerIds: [1, 1] }]],
    ['gap-in-partitions', [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 2, brokerIds: [1] }]],
    ['uneven-replicas', [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 1, brokerIds: [] }]],
  ];
  const response = await client.call(Api.createTopics, 7, {
    topics: bad.map(([name, assignments]) => ({ name, numPartitions: -1, replicationFactor: -1, assignments, configs: [] })),
    timeoutMs: 10_000, validateOnly: false,
  });
  assert.deepEqual(response.topics.map((r) => [r.name, r.errorCode]), bad.map(([name]) => [name, ErrorCode.INVALID_REPLICA_ASSIGNMENT]));
  const listed = await metadata(client, bad.map(([name]) => name), { allowAutoTopicCreation: false });
  assert.ok(listed.topics.every((topic) => topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), 'none was created');

  assert.equal((await createTopic(client, 'assigned', { numPartitions: 1 })).errorCode, ErrorCode.NONE);
  for (const assignments of [[{ brokerIds: [1] }], [{ brokerIds: [1] }, { brokerIds: [9] }]]) {
    // 1 -> 3 needs two new assignments: one is too few, and broker 9 does not exist.
    const grown = await client.call(Api.createPartitions, 3, { topics: [{ name: 'assigned', count: 3, assignments }], timeoutMs: 10_000, validateOnly: false });
    assert.equal(grown.results[0]!.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  }
  assert.equal((await metadata(client, ['assigned'])).topics[0]!.partitions.length, 1);
  const fine = await client.call(Api.createPartitions, 3, { topics: [{ name: 'assigned', count: 2, assignments: [{ brokerIds: [1] }] }], timeoutMs: 10_000, validateOnly: false });
  assert.equal(fine.results[0]!.errorCode, ErrorCode.NONE);
});

test('OffsetDelete of a topic a live group subscribes to is GROUP_SUBSCRIBED_TO_TOPIC, and its offsets stay', async (t) => {
  assert.equal((await createTopic(client, 'subscribed', { numPartitions: 2 })).errorCode, ErrorCode.NONE);
  assert.equal((await produce(client, 'subscribed', 0, batchOf(['a', 'b', 'c']))).errorCode, ErrorCode.NONE);
  const consumer = new Kafka({ clientId: 'samsa-guards', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
    .consumer({ groupId: 'live-group', sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
  t.after(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topics: ['subscribed'], fromBeginning: true });
  let read = 0;
  await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => { read++; } });
  const committed = async () => {
    const response = await client.call(OffsetFetch, 7, { groupId: 'live-group', topics: [{ name: 'subscribed', partitionIndexes: [0] }], requireStable: false });
    return response.topics![0]!.partitions[0]!.committedOffset;
  };
  await waitFor(async () => read === 3 && await committed() === 3n, 30_000, { what: 'the group to read and commit partition 0' });

  const response = await client.call(OffsetDelete, 0, { groupId: 'live-group', topics: [{ name: 'subscribed', partitions: [{ partitionIndex: 0 }, { partitionIndex: 1 }] }] });
  assert.equal(response.errorCode, ErrorCode.NONE);
  assert.deepEqual(response.topics.flatMap((topic) => topic.partitions.map((p) => [topic.name, p.partitionIndex, p.errorCode])),
    [['subscribed', 0, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC], ['subscribed', 1, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]]);
  assert.equal(await committed(), 3n);
});

test('DescribeCluster v1 for controller endpoints is UNSUPPORTED_ENDPOINT_TYPE, with no brokers', async () => {
  const response = await client.call(Api.describeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
  assert.equal(response.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
  assert.deepEqual(response.brokers, []);
  const brokers = await client.call(Api.describeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
  assert.equal(brokers.errorCode, ErrorCode.NONE);
  assert.equal(brokers.brokers.length, 1);
});

test('a known API at a version the broker does not serve closes the connection without an answer, as Kafka does', async () => {
  // Metadata v99 and Produce one past the broker's newest; ApiVersions alone answers any version (bad-input.test.ts).
  for (const [apiKey, version] of [[Api.metadata.request.apiKey, 99], [Api.produce.request.apiKey, Api.produce.request.maxVersion + 1]] as const) {
    const connection = await RawKafkaConnection.open(broker.host, broker.port);
    connection.sendFrame(requestHeaderV1(apiKey, version, 17));
    assert.equal(await connection.waitClosed(10_000), true, `api ${apiKey} v${version} closes the connection`);
    assert.equal(connection.pendingFrames, 0);
  }
  assert.equal((await metadata(client, [])).topics.length, 0, 'the broker goes on serving others');
});

test('Produce v0-2 is UNSUPPORTED_VERSION for every partition and stores nothing', async () => {
  assert.equal((await createTopic(client, 'old-produce')).errorCode, ErrorCode.NONE);
  for (const version of [0, 1, 2]) {
    const answer = await produce(client, 'old-produce', 0, batchOf([`v${version}`]), { version });
    assert.equal(answer.errorCode, ErrorCode.UNSUPPORTED_VERSION, `v${version}`);
  }
  assert.equal(await endOffset('old-produce'), 0n);
  assert.equal((await produce(client, 'old-produce', 0, batchOf(['v3']), { version: 3 })).errorCode, ErrorCode.NONE);
});

test('a CreateTime outside message.timestamp.before/after.max.ms is INVALID_TIMESTAMP; LogAppendTime topics take any', async () => {
  const configs = { 'message.timestamp.before.max.ms': String(HOUR_MS), 'message.timestamp.after.max.ms': String(HOUR_MS) };
  assert.equal((await createTopic(client, 'timestamps', { configs })).errorCode, ErrorCode.NONE);
  assert.equal((await createTopic(client, 'append-time', { configs: { ...configs, 'message.timestamp.type': 'LogAppendTime' } })).errorCode, ErrorCode.NONE);
  const now = Date.now();
  for (const timestamp of [now - 2 * HOUR_MS, now + 2 * HOUR_MS]) {
    const answer = await produce(client, 'timestamps', 0, batchOf(['out of bounds'], timestamp));
    assert.equal(answer.errorCode, ErrorCode.INVALID_TIMESTAMP, `timestamp ${timestamp - now} ms from now`);
    assert.equal((await produce(client, 'append-time', 0, batchOf(['stamped by the broker'], timestamp))).errorCode, ErrorCode.NONE);
  }
  assert.equal(await endOffset('timestamps'), 0n);
  assert.equal((await produce(client, 'timestamps', 0, batchOf(['in bounds'], now - HOUR_MS / 2))).errorCode, ErrorCode.NONE);
  assert.equal(await endOffset('timestamps'), 1n);
});
