/**
 * Authorization in every handler, as Kafka's KafkaApis checks it: a broker running the ACL
 * authorizer, where a super user creates (CreateAcls) exactly the ACLs each test gives User:ANONYMOUS
 * (what a PLAINTEXT connection is), asked by KafkaJS and by raw requests. Each refusal carries
 * Kafka's error code, and nothing is written or changed.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { ErrorCode } from '../src/protocol/errors.ts';
import { ZERO_UUID } from '../src/protocol/primitives/uuid.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/generated/find-coordinator.ts';
import { initProducerIdRequest, initProducerIdResponse } from '../src/protocol/generated/init-producer-id.ts';
import { joinGroupRequest, joinGroupResponse } from '../src/protocol/generated/join-group.ts';
import { syncGroupRequest, syncGroupResponse } from '../src/protocol/generated/sync-group.ts';
import { heartbeatRequest, heartbeatResponse } from '../src/protocol/generated/heartbeat.ts';
import { leaveGroupRequest, leaveGroupResponse } from '../src/protocol/generated/leave-group.ts';
import { offsetCommitRequest, offsetCommitResponse } from '../src/protocol/generated/offset-commit.ts';
import { offsetFetchRequest, offsetFetchResponse } from '../src/protocol/generated/offset-fetch.ts';
import { listGroupsRequest, listGroupsResponse } from '../src/protocol/generated/list-groups.ts';
import { describeGroupsRequest, describeGroupsResponse } from '../src/protocol/generated/describe-groups.ts';
import { addPartitionsToTxnRequest, addPartitionsToTxnResponse } from '../src/protocol/generated/add-partitions-to-txn.ts';
import { addOffsetsToTxnRequest, addOffsetsToTxnResponse } from '../src/protocol/generated/add-offsets-to-txn.ts';
import { endTxnRequest, endTxnResponse } from '../src/protocol/generated/end-txn.ts';
import { txnOffsetCommitRequest, txnOffsetCommitResponse } from '../src/protocol/generated/txn-offset-commit.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { startAuthorizingBroker, type AuthorizingBroker, type Grant } from './helpers/authorizing-broker.ts';
import { Api, batchOf, deleteRecordsBefore, fetchBody, listOffset, metadata, onlyPartition, produce } from './helpers/kafka-apis.ts';
import type { TestBroker } from './helpers/test-broker.ts';

const { Kafka, logLevel } = kafkajs;
const FindCoordinator = api(findCoordinatorRequest, findCoordinatorResponse);
const InitProducerId = api(initProducerIdRequest, initProducerIdResponse);
const JoinGroup = api(joinGroupRequest, joinGroupResponse);
const SyncGroup = api(syncGroupRequest, syncGroupResponse);
const Heartbeat = api(heartbeatRequest, heartbeatResponse);
const LeaveGroup = api(leaveGroupRequest, leaveGroupResponse);
const OffsetCommit = api(offsetCommitRequest, offsetCommitResponse);
const OffsetFetch = api(offsetFetchRequest, offsetFetchResponse);
const ListGroups = api(listGroupsRequest, listGroupsResponse);
const DescribeGroups = api(describeGroupsRequest, describeGroupsResponse);
const AddPartitionsToTxn = api(addPartitionsToTxnRequest, addPartitionsToTxnResponse);
const AddOffsetsToTxn = api(addOffsetsToTxnRequest, addOffsetsToTxnResponse);
const EndTxn = api(endTxnRequest, endTxnResponse);
const TxnOffsetCommit = api(txnOffsetCommitRequest, txnOffsetCommitResponse);

const SECRET = 'auth-secret';
const OPEN = 'auth-open';
let acls: AuthorizingBroker;
let broker: TestBroker;
let client: KafkaApiClient;

/** Every operation a consumer and a producer need on a topic. */
function topicGrants(name: string, ...operations: Grant['operation'][]): Grant[] {
  return operations.map((operation) => ({ operation, resourceType: 'TOPIC', name }));
}

function logEndOffset(topic: string): number {
  return broker.replicaManager.leaderPartition(topic, 0).log.logEndOffset;
}

/** Whether the topic exists, as the super user (who may describe every topic) sees it. */
async function topicExists(name: string): Promise<boolean> {
  return (await acls.admin.listTopics()).includes(name);
}

before(async () => {
  acls = await startAuthorizingBroker({ 'auto.create.topics.enable': 'true' });
  broker = acls.broker;
  client = await KafkaApiClient.open(broker.host, broker.port);
  await acls.admin.createTopics([SECRET, OPEN].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })));
  await acls.produceAsAdmin(SECRET, ['already here']);
});

beforeEach(() => acls.revokeAll());

after(async () => {
  client?.close();
  await acls?.close();
});

test('Produce: a topic without WRITE is TOPIC_AUTHORIZATION_FAILED and nothing is written; a writable one in the same request is written', async () => {
  await acls.allowOnly(...topicGrants(OPEN, 'WRITE', 'DESCRIBE'), ...topicGrants(SECRET, 'DESCRIBE'));
  const endBefore = logEndOffset(SECRET);
  const response = await client.call(Api.produce, 9, {
    transactionalId: null, acks: -1, timeoutMs: 10_000,
    topicData: [SECRET, OPEN].map((name) => ({ name, partitionData: [{ index: 0, records: batchOf(['x']) }] })),
  });
  assert.deepEqual(response.responses.map((t) => [t.name, t.partitionResponses[0]!.errorCode]), [[SECRET, ErrorCode.TOPIC_AUTHORIZATION_FAILED], [OPEN, ErrorCode.NONE]]);
  assert.equal(logEndOffset(SECRET), endBefore);
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
  assert.equal(logEndOffset(SECRET), endBefore, 'nothing of the refused sends was written');
});

test('Produce of transactional batches: WRITE on the transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED for the whole request and nothing written', async () => {
  await acls.allowOnly(...topicGrants(OPEN, 'WRITE', 'DESCRIBE'));
  const endBefore = logEndOffset(OPEN);
  const transactional = batchOf(['in a transaction'], Date.now(), { producerId: 4000, producerEpoch: 0, baseSequence: 0, isTransactional: true });
  const response = await client.call(Api.produce, 9, {
    transactionalId: 'auth-txn', acks: -1, timeoutMs: 10_000, topicData: [{ name: OPEN, partitionData: [{ index: 0, records: transactional }] }],
  });
  assert.equal(response.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal(logEndOffset(OPEN), endBefore);
});

test('InitProducerId and FindCoordinator: a transactional id needs WRITE (DESCRIBE to find it); idempotence IDEMPOTENT_WRITE or WRITE on some topic', async () => {
  const init = (transactionalId: string | null) =>
    client.call(InitProducerId, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  assert.equal((await init('auth-txn')).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const found = await client.call(FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['auth-txn'] });
  assert.deepEqual(found.coordinators!.map((c) => [c.errorCode, c.nodeId]), [[ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1]]);
  assert.equal((await init(null)).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);

  await acls.allowOnly(...topicGrants(OPEN, 'WRITE'));
  assert.equal((await init(null)).errorCode, ErrorCode.NONE, 'WRITE on any topic is enough (KIP-679)');
  await acls.allowOnly({ operation: 'IDEMPOTENT_WRITE', resourceType: 'CLUSTER', name: 'kafka-cluster' });
  assert.equal((await init(null)).errorCode, ErrorCode.NONE);

  await acls.allowOnly({ operation: 'WRITE', resourceType: 'TRANSACTIONAL_ID', name: 'auth-txn' }, { operation: 'DESCRIBE', resourceType: 'TRANSACTIONAL_ID', name: 'auth-txn' });
  assert.equal((await client.call(FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['auth-txn'] })).coordinators![0]!.errorCode, ErrorCode.NONE);
  assert.equal((await init('auth-txn')).errorCode, ErrorCode.NONE);
});

test('Fetch: a consumer needs READ on the topic, a follower CLUSTER_ACTION', async () => {
  await acls.allowOnly(...topicGrants(OPEN, 'READ'));
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
  await acls.allowOnly(...topicGrants(SECRET, 'DESCRIBE'));
  const earliest = await listOffset(client, SECRET, -2n);
  assert.deepEqual([earliest.errorCode, earliest.offset], [ErrorCode.NONE, 0n], 'the refused DeleteRecords left the log start alone');
});

test('Metadata: an all-topics list hides what the principal may not describe; a named one is TOPIC_AUTHORIZATION_FAILED; auto-creation needs CREATE', async () => {
  await acls.allowOnly(...topicGrants(OPEN, 'DESCRIBE'), ...topicGrants('auth-auto-refused', 'DESCRIBE'));
  const all = await metadata(client, null);
  const names = all.topics.map((t) => t.name);
  assert.ok(names.includes(OPEN) && !names.includes(SECRET), `all topics: ${names.join(', ')}`);
  const named = await metadata(client, [SECRET, OPEN, 'auth-auto-refused']);
  assert.deepEqual(named.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [
    [SECRET, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0], [OPEN, ErrorCode.NONE, 1], ['auth-auto-refused', ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0],
  ]);
  assert.equal(named.topics[0]!.topicId, ZERO_UUID, 'not even its id');
  assert.equal(await topicExists('auth-auto-refused'), false, 'not created');

  await acls.allowOnly(...topicGrants('auth-auto', 'DESCRIBE', 'CREATE'));
  const created = await metadata(client, ['auth-auto']);
  assert.deepEqual([created.topics[0]!.errorCode, created.topics[0]!.partitions.length > 0], [ErrorCode.NONE, true]);
});

test('a KafkaJS consumer whose group it may not READ fails with GROUP_AUTHORIZATION_FAILED; JoinGroup, SyncGroup, Heartbeat and LeaveGroup all refuse', async () => {
  const group = 'auth-group-refused';
  await acls.allowOnly(...topicGrants(OPEN, 'READ', 'DESCRIBE'), { operation: 'DESCRIBE', resourceType: 'GROUP', name: group });
  const kafka = new Kafka({ clientId: 'auth-consumer', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const consumer = kafka.consumer({ groupId: group, retry: { retries: 0, restartOnFailure: async () => false } });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [OPEN], fromBeginning: true });
    const crashed = new Promise<{ type?: string }>((resolve) => consumer.on(consumer.events.CRASH, ({ payload }) => resolve(payload.error as { type?: string })));
    await consumer.run({ eachMessage: async () => assert.fail('no message may be delivered') });
    assert.equal((await crashed).type, 'GROUP_AUTHORIZATION_FAILED');
  } finally {
    await consumer.disconnect();
  }
  const join = await client.call(JoinGroup, 5, {
    groupId: group, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
  });
  assert.deepEqual([join.errorCode, join.memberId, join.generationId], [ErrorCode.GROUP_AUTHORIZATION_FAILED, '', -1]);
  const sync = await client.call(SyncGroup, 3, { groupId: group, generationId: 1, memberId: 'm', groupInstanceId: null, assignments: [] });
  const heartbeat = await client.call(Heartbeat, 3, { groupId: group, generationId: 1, memberId: 'm', groupInstanceId: null });
  const leave = await client.call(LeaveGroup, 3, { groupId: group, members: [{ memberId: 'm', groupInstanceId: null }] });
  assert.deepEqual([sync.errorCode, heartbeat.errorCode, leave.errorCode], Array(3).fill(ErrorCode.GROUP_AUTHORIZATION_FAILED));
});

test('OffsetCommit needs READ on the group and on each topic; OffsetFetch DESCRIBE on both; ListGroups and DescribeGroups show only describable groups', async () => {
  const group = 'auth-group-offsets';
  const commit = () => client.call(OffsetCommit, 8, {
    groupId: group, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [SECRET, OPEN].map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] })),
  });
  assert.deepEqual((await commit()).topics.map((t) => t.partitions[0]!.errorCode), [ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.GROUP_AUTHORIZATION_FAILED]);
  await acls.allowOnly({ operation: 'READ', resourceType: 'GROUP', name: group }, ...topicGrants(OPEN, 'READ'));
  assert.deepEqual((await commit()).topics.map((t) => t.partitions[0]!.errorCode), [ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.NONE]);

  const fetchOffsets = async (topics: string[] | null) => (await client.call(OffsetFetch, 8, {
    groups: [{ groupId: group, topics: topics === null ? null : topics.map((name) => ({ name, partitionIndexes: [0] })) }], requireStable: false,
  })).groups![0]!;
  // READ on the group would imply DESCRIBE: with the topic's DESCRIBE only, the group is refused.
  await acls.allowOnly(...topicGrants(OPEN, 'DESCRIBE'));
  assert.equal((await fetchOffsets(null)).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  await acls.allowOnly({ operation: 'DESCRIBE', resourceType: 'GROUP', name: group }, ...topicGrants(OPEN, 'DESCRIBE'));
  assert.deepEqual((await fetchOffsets(null)).topics.map((t) => [t.name, t.partitions[0]!.committedOffset]), [[OPEN, 1n]], 'only describable topics');
  assert.deepEqual((await fetchOffsets([SECRET, OPEN])).topics.map((t) => [t.name, t.partitions[0]!.errorCode]).sort(),
    [[OPEN, ErrorCode.NONE], [SECRET, ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);

  assert.deepEqual((await client.call(ListGroups, 4, { statesFilter: [] })).groups.map((g) => g.groupId), [group], 'only the describable group');
  await acls.revokeAll();
  assert.deepEqual((await client.call(ListGroups, 4, { statesFilter: [] })).groups, []);
  await acls.allowOnly({ operation: 'DESCRIBE', resourceType: 'CLUSTER', name: 'kafka-cluster' });
  assert.ok((await client.call(ListGroups, 4, { statesFilter: [] })).groups.some((g) => g.groupId === group), 'DESCRIBE on the cluster lists every group');
  const described = await client.call(DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: true });
  assert.deepEqual([described.groups[0]!.errorCode, described.groups[0]!.authorizedOperations], [ErrorCode.GROUP_AUTHORIZATION_FAILED, -2147483648]);
  await acls.allowOnly({ operation: 'DESCRIBE', resourceType: 'GROUP', name: group }, { operation: 'READ', resourceType: 'GROUP', name: group });
  const allowed = await client.call(DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: true });
  assert.deepEqual([allowed.groups[0]!.errorCode, allowed.groups[0]!.authorizedOperations], [ErrorCode.NONE, (1 << 3) | (1 << 8)], 'READ and DESCRIBE, as granted');
});

test('Transactions: AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and TxnOffsetCommit need WRITE on the transactional id, then the topic WRITE or group READ', async () => {
  const txn = 'auth-txn-ops';
  const add = async (version = 3) => {
    const answer = await client.call(AddPartitionsToTxn, version, {
      v3AndBelowTransactionalId: txn, v3AndBelowProducerId: 1n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: SECRET, partitions: [0] }, { name: OPEN, partitions: [0] }],
    });
    return answer.resultsByTopicV3AndBelow!.map((t) => [t.name, t.resultsByPartition[0]!.partitionErrorCode]);
  };
  const fenced = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  assert.deepEqual(await add(), [[SECRET, fenced], [OPEN, fenced]]);
  const offsets = { transactionalId: txn, producerId: 1n, producerEpoch: 0, groupId: 'auth-txn-group' };
  assert.equal((await client.call(AddOffsetsToTxn, 3, offsets)).errorCode, fenced);
  assert.equal((await client.call(EndTxn, 3, { transactionalId: txn, producerId: 1n, producerEpoch: 0, committed: true })).errorCode, fenced);
  const txnCommit = async () => (await client.call(TxnOffsetCommit, 3, {
    ...offsets, generationId: -1, memberId: '', groupInstanceId: null, topics: [{ name: OPEN, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  })).topics[0]!.partitions[0]!.errorCode;
  assert.equal(await txnCommit(), fenced);

  await acls.allowOnly({ operation: 'WRITE', resourceType: 'TRANSACTIONAL_ID', name: txn }, ...topicGrants(OPEN, 'WRITE'));
  assert.deepEqual(await add(), [[SECRET, ErrorCode.TOPIC_AUTHORIZATION_FAILED], [OPEN, ErrorCode.OPERATION_NOT_ATTEMPTED]]);
  assert.equal((await client.call(AddOffsetsToTxn, 3, offsets)).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal(await txnCommit(), ErrorCode.GROUP_AUTHORIZATION_FAILED);
  // v4+ is a leader's verification: CLUSTER_ACTION, not WRITE on the transactional id.
  const fromLeader = await client.call(AddPartitionsToTxn, 4, { transactions: [{ transactionalId: txn, producerId: 1n, producerEpoch: 0, verifyOnly: true, topics: [{ name: OPEN, partitions: [0] }] }] });
  assert.deepEqual([fromLeader.errorCode, fromLeader.resultsByTransaction], [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, []]);
});
