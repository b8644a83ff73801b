/**
 * Authorization in every handler, as Kafka's KafkaApis checks it: a broker whose authorizer allows
 * exactly the grants each test gives User:ANONYMOUS (what a PLAINTEXT connection is), asked by KafkaJS
 * and by raw requests. Each refusal carries Kafka's error code, and nothing is written or changed.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { ErrorCode } from '../src/protocol/errors.ts';
import { ZERO_UUID } from '../src/protocol/primitives/uuid.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/generated/find-coordinator.ts';
import { initProducerIdRequest, initProducerIdResponse } from '../src/protocol/generated/init-producer-id.ts';
import { StaticAuthorizerFixture, type Grant } from '../src/broker/security/static-authorizer-fixture.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchOf, createTopic, deleteRecordsBefore, fetchBody, listOffset, metadata, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const { Kafka, logLevel } = kafkajs;
const FindCoordinator = api(findCoordinatorRequest, findCoordinatorResponse);
const InitProducerId = api(initProducerIdRequest, initProducerIdResponse);

const SECRET = 'auth-secret';
const OPEN = 'auth-open';
const authorizer = new StaticAuthorizerFixture();
let broker: TestBroker;
let client: KafkaApiClient;

/** Every operation a consumer and a producer need on a topic. */
function topicGrants(name: string, ...operations: Grant['operation'][]): Grant[] {
  return operations.map((operation) => ({ operation, resourceType: 'TOPIC', name }));
}

function logEndOffset(topic: string): number {
  return broker.replicaManager.leaderPartition(topic, 0).log.logEndOffset;
}

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'true' }, undefined, { authorizer });
  client = await KafkaApiClient.open(broker.host, broker.port);
  authorizer.allowEverything = true;
  for (const topic of [SECRET, OPEN]) assert.equal((await createTopic(client, topic)).errorCode, ErrorCode.NONE);
  assert.equal((await produce(client, SECRET, 0, batchOf(['already here']))).errorCode, ErrorCode.NONE);
});

beforeEach(() => authorizer.allow());

after(async () => {
  client?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

test('Produce: a topic without WRITE is TOPIC_AUTHORIZATION_FAILED and nothing is written; a writable one in the same request is written', async () => {
  authorizer.allow(...topicGrants(OPEN, 'WRITE', 'DESCRIBE'), ...topicGrants(SECRET, 'DESCRIBE'));
  const before = logEndOffset(SECRET);
  const response = await client.call(Api.produce, 9, {
    transactionalId: null, acks: -1, timeoutMs: 10_000,
    topicData: [SECRET, OPEN].map((name) => ({ name, partitionData: [{ index: 0, records: batchOf(['x']) }] })),
  });
  assert.deepEqual(response.responses.map((t) => [t.name, t.partitionResponses[0]!.errorCode]), [[SECRET, ErrorCode.TOPIC_AUTHORIZATION_FAILED], [OPEN, ErrorCode.NONE]]);
  assert.equal(logEndOffset(SECRET), before);
  // A topic that does not exist, without WRITE, is refused for want of WRITE: its existence is not told.
  assert.equal((await produce(client, 'auth-nowhere', 0, batchOf(['x']))).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);

  const kafka = new Kafka({ clientId: 'auth-producer', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await assert.rejects(producer.send({ topic: SECRET, messages: [{ value: 'refused' }] }), (error: { type?: string }) => error.type === 'TOPIC_AUTHORIZATION_FAILED');
    await producer.send({ topic: OPEN, messages: [{ value: 'allowed' }] });
  } finally {
    await producer.disconnect();
  }
  assert.equal(logEndOffset(SECRET), before, 'nothing of the refused sends was written');
});

test('Produce of transactional batches: WRITE on the transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED for the whole request and nothing written', async () => {
  authorizer.allow(...topicGrants(OPEN, 'WRITE', 'DESCRIBE'));
  const before = logEndOffset(OPEN);
  const transactional = batchOf(['in a transaction'], Date.now(), { producerId: 4000, producerEpoch: 0, baseSequence: 0, isTransactional: true });
  const response = await client.call(Api.produce, 9, {
    transactionalId: 'auth-txn', acks: -1, timeoutMs: 10_000, topicData: [{ name: OPEN, partitionData: [{ index: 0, records: transactional }] }],
  });
  assert.equal(response.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal(logEndOffset(OPEN), before);
});

test('InitProducerId and FindCoordinator: a transactional id needs WRITE (DESCRIBE to find it); idempotence IDEMPOTENT_WRITE or WRITE on some topic', async () => {
  const init = (transactionalId: string | null) =>
    client.call(InitProducerId, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  assert.equal((await init('auth-txn')).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const found = await client.call(FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['auth-txn'] });
  assert.deepEqual(found.coordinators!.map((c) => [c.errorCode, c.nodeId]), [[ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1]]);
  assert.equal((await init(null)).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);

  authorizer.allow(...topicGrants(OPEN, 'WRITE'));
  assert.equal((await init(null)).errorCode, ErrorCode.NONE, 'WRITE on any topic is enough (KIP-679)');
  authorizer.allow({ operation: 'IDEMPOTENT_WRITE', resourceType: 'CLUSTER', name: 'kafka-cluster' });
  assert.equal((await init(null)).errorCode, ErrorCode.NONE);

  authorizer.allow({ operation: 'WRITE', resourceType: 'TRANSACTIONAL_ID', name: 'auth-txn' }, { operation: 'DESCRIBE', resourceType: 'TRANSACTIONAL_ID', name: 'auth-txn' });
  assert.equal((await client.call(FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['auth-txn'] })).coordinators![0]!.errorCode, ErrorCode.NONE);
  assert.equal((await init('auth-txn')).errorCode, ErrorCode.NONE);
});

test('Fetch: a consumer needs READ on the topic, a follower CLUSTER_ACTION', async () => {
  authorizer.allow(...topicGrants(OPEN, 'READ'));
  const consumerFetch = (topic: string) => client.call(Api.fetch, 12, fetchBody({ topic }));
  assert.equal(onlyPartition(await consumerFetch(SECRET)).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(onlyPartition(await consumerFetch(SECRET)).records?.length ?? 0, 0);
  assert.equal(onlyPartition(await consumerFetch(OPEN)).errorCode, ErrorCode.NONE);
  const followerFetch = await client.call(Api.fetch, 12, { ...fetchBody({ topic: OPEN }), replicaId: 2 });
  assert.equal(onlyPartition(followerFetch).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'a follower is not authorized by READ');
});

test('ListOffsets needs DESCRIBE and DeleteRecords DELETE on the topic; a refused delete moves nothing', async () => {
  assert.equal((await listOffset(client, SECRET, -1n)).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal((await deleteRecordsBefore(client, SECRET, 1n)).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  authorizer.allow(...topicGrants(SECRET, 'DESCRIBE'));
  const earliest = await listOffset(client, SECRET, -2n);
  assert.deepEqual([earliest.errorCode, earliest.offset], [ErrorCode.NONE, 0n], 'the refused DeleteRecords left the log start alone');
});

test('Metadata: an all-topics list hides what the principal may not describe; a named one is TOPIC_AUTHORIZATION_FAILED; auto-creation needs CREATE', async () => {
  authorizer.allow(...topicGrants(OPEN, 'DESCRIBE'), ...topicGrants('auth-auto-refused', 'DESCRIBE'));
  const all = await metadata(client, null);
  const names = all.topics.map((t) => t.name);
  assert.ok(names.includes(OPEN) && !names.includes(SECRET), `all topics: ${names.join(', ')}`);
  const named = await metadata(client, [SECRET, OPEN, 'auth-auto-refused']);
  assert.deepEqual(named.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [
    [SECRET, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0], [OPEN, ErrorCode.NONE, 1], ['auth-auto-refused', ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0],
  ]);
  assert.equal(named.topics[0]!.topicId, ZERO_UUID, 'not even its id');
  authorizer.allowEverything = true;
  assert.equal((await metadata(client, ['auth-auto-refused'], { allowAutoTopicCreation: false })).topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'not created');

  authorizer.allow(...topicGrants('auth-auto', 'DESCRIBE', 'CREATE'));
  const created = await metadata(client, ['auth-auto']);
  assert.deepEqual([created.topics[0]!.errorCode, created.topics[0]!.partitions.length > 0], [ErrorCode.NONE, true]);
});
