/**
 * Classic group requests a real client would not send, over the wire: each gets Kafka's error
 * code and leaves the group as it was. Oversized member metadata is accepted by JoinGroup and
 * fails when the group's record cannot be written (larger than __consumer_offsets'
 * max.message.bytes), as in Kafka: the members are told and the group rebalances.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeGroupsRequest, describeGroupsResponse } from '../src/protocol/generated/describe-groups.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/generated/find-coordinator.ts';
import { heartbeatRequest, heartbeatResponse } from '../src/protocol/generated/heartbeat.ts';
import { joinGroupRequest, joinGroupResponse, type JoinGroupResponse } from '../src/protocol/generated/join-group.ts';
import { leaveGroupRequest, leaveGroupResponse } from '../src/protocol/generated/leave-group.ts';
import { syncGroupRequest, syncGroupResponse } from '../src/protocol/generated/sync-group.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { Admin, Producer } from '../src/client/index.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const Api = {
  findCoordinator: api(findCoordinatorRequest, findCoordinatorResponse),
  join: api(joinGroupRequest, joinGroupResponse),
  sync: api(syncGroupRequest, syncGroupResponse),
  heartbeat: api(heartbeatRequest, heartbeatResponse),
  leave: api(leaveGroupRequest, leaveGroupResponse),
  describe: api(describeGroupsRequest, describeGroupsResponse),
};

let broker: TestBroker;
const clients: KafkaApiClient[] = [];

before(async () => {
  broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '1000', 'offsets.topic.num.partitions': '1' }, undefined, { silent: true });
  const client = await connect();
  await waitFor(async () => (await client.call(Api.findCoordinator, 0, { key: 'g' })).errorCode === ErrorCode.NONE, 20_000, { what: 'the group coordinator' });
});

after(async () => {
  for (const client of clients) client.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

async function connect(): Promise<KafkaApiClient> {
  const client = await KafkaApiClient.open(broker.host, broker.port);
  clients.push(client);
  return client;
}

function subscription(topic: string, userDataBytes = 0): Buffer {
  const name = Buffer.from(topic);
  const header = Buffer.alloc(2 + 4 + 2);
  header.writeInt32BE(1, 2);
  header.writeInt16BE(name.length, 6);
  const userData = Buffer.alloc(4 + userDataBytes);
  userData.writeInt32BE(userDataBytes);
  return Buffer.concat([header, name, userData]);
}

function join(client: KafkaApiClient, groupId: string, memberId = '', overrides: Partial<Parameters<typeof joinGroupRequest.encode>[1]> = {}): Promise<JoinGroupResponse> {
  return client.call(Api.join, 5, {
    groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 3000, memberId, groupInstanceId: null, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription('t') }], ...overrides,
  }, 15_000);
}

/** A member through both JoinGroup round trips and its SyncGroup: a Stable group of one. */
async function stableMember(client: KafkaApiClient, groupId: string): Promise<JoinGroupResponse> {
  const first = await join(client, groupId);
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const joined = await join(client, groupId, first.memberId);
  assert.equal(joined.errorCode, ErrorCode.NONE);
  const sync = await client.call(Api.sync, 3, { groupId, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null, assignments: [{ memberId: joined.memberId, assignment: Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }] });
  assert.equal(sync.errorCode, ErrorCode.NONE);
  return joined;
}

async function groupState(client: KafkaApiClient, groupId: string): Promise<string> {
  const described = await client.call(Api.describe, 4, { groups: [groupId], includeAuthorizedOperations: false });
  return described.groups[0]!.groupState;
}

test('unknown member, stale generation, wrong protocol type and no common protocol get Kafka\'s codes; the group stays Stable', async () => {
  const client = await connect();
  const member = await stableMember(client, 'bad-1');
  assert.equal((await join(client, 'bad-1', 'ghost')).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await join(client, 'no-such-group', 'ghost')).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await join(client, 'bad-1', '', { protocolType: 'connect' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await join(client, 'bad-1', '', { protocols: [{ name: 'roundrobin', metadata: subscription('t') }] })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await join(client, 'bad-1', '', { sessionTimeoutMs: 10 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  const heartbeat = (memberId: string, generationId: number) => client.call(Api.heartbeat, 3, { groupId: 'bad-1', generationId, memberId, groupInstanceId: null });
  assert.equal((await heartbeat('ghost', member.generationId)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await heartbeat(member.memberId, member.generationId + 5)).errorCode, ErrorCode.ILLEGAL_GENERATION);
  const staleSync = await client.call(Api.sync, 5, { groupId: 'bad-1', generationId: 0, memberId: member.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
  assert.equal(staleSync.errorCode, ErrorCode.ILLEGAL_GENERATION);
  const wrongType = await client.call(Api.sync, 5, { groupId: 'bad-1', generationId: member.generationId, memberId: member.memberId, groupInstanceId: null, protocolType: 'connect', protocolName: 'range', assignments: [] });
  assert.equal(wrongType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const leave = await client.call(Api.leave, 3, { groupId: 'bad-1', members: [{ memberId: 'ghost', groupInstanceId: null }] });
  assert.deepEqual(leave.members!.map((m) => m.errorCode), [ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.equal((await heartbeat(member.memberId, member.generationId)).errorCode, ErrorCode.NONE);
  assert.equal(await groupState(client, 'bad-1'), 'Stable');
});

test('during a rebalance, Heartbeat and SyncGroup answer REBALANCE_IN_PROGRESS', async () => {
  const first = await connect();
  const second = await connect();
  const member = await stableMember(first, 'bad-2');
  const newcomer = await join(second, 'bad-2');
  const parked = join(second, 'bad-2', newcomer.memberId);
  await waitFor(async () => (await groupState(first, 'bad-2')) === 'PreparingRebalance', 5000, { what: 'a rebalance' });
  const hb = await first.call(Api.heartbeat, 3, { groupId: 'bad-2', generationId: member.generationId, memberId: member.memberId, groupInstanceId: null });
  assert.equal(hb.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const sync = await first.call(Api.sync, 3, { groupId: 'bad-2', generationId: member.generationId, memberId: member.memberId, groupInstanceId: null, assignments: [] });
  assert.equal(sync.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoined = await join(first, 'bad-2', member.memberId);
  assert.equal(rejoined.generationId, member.generationId + 1);
  assert.equal((await parked).generationId, member.generationId + 1);
});

test('oversized member metadata: JoinGroup takes it, the group record cannot be written, SyncGroup fails and the group rebalances', async () => {
  // Its own broker with an initial rebalance delay, so both members surely join the first
  // generation whatever the machine's load (with no delay the first join could complete alone).
  const delayed = await startTestBroker({ 'group.initial.rebalance.delay.ms': '2000', 'group.min.session.timeout.ms': '1000', 'offsets.topic.num.partitions': '1' }, undefined, { silent: true });
  const open = async () => {
    const client = await KafkaApiClient.open(delayed.host, delayed.port);
    clients.push(client);
    return client;
  };
  try {
    const leader = await open();
    const follower = await open();
    await waitFor(async () => (await leader.call(Api.findCoordinator, 0, { key: 'bad-3' })).errorCode === ErrorCode.NONE, 20_000, { what: 'the group coordinator' });
    const big = { protocols: [{ name: 'range', metadata: subscription('t', 1_200_000) }] };
    const l1 = await join(leader, 'bad-3', '', big);
    const l2 = join(leader, 'bad-3', l1.memberId, big);
    const f1 = await join(follower, 'bad-3');
    const f2 = join(follower, 'bad-3', f1.memberId);
    const [leaderJoin, followerJoin] = [await l2, await f2];
    assert.equal(leaderJoin.errorCode, ErrorCode.NONE);
    assert.equal(followerJoin.generationId, leaderJoin.generationId, 'both members are in the first generation');
    const [lead, other] = leaderJoin.leader === leaderJoin.memberId ? [leader, follower] : [follower, leader];
    const [leadJoin, otherJoin] = leaderJoin.leader === leaderJoin.memberId ? [leaderJoin, followerJoin] : [followerJoin, leaderJoin];
    const otherSync = other.call(Api.sync, 3, { groupId: 'bad-3', generationId: otherJoin.generationId, memberId: otherJoin.memberId, groupInstanceId: null, assignments: [] }, 15_000);
    const leadSync = await lead.call(Api.sync, 3, { groupId: 'bad-3', generationId: leadJoin.generationId, memberId: leadJoin.memberId, groupInstanceId: null, assignments: [] });
    assert.equal(leadSync.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
    // A follower whose SyncGroup was parked learns of the failure too; one that arrives after it
    // finds the group rebalancing. Both are Kafka's answers; which one depends on arrival order.
    assert.ok([ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.REBALANCE_IN_PROGRESS].includes((await otherSync).errorCode as never));
    assert.equal(await groupState(lead, 'bad-3'), 'PreparingRebalance');
  } finally {
    await delayed.close();
    await removeTempDir(delayed.dataDir);
  }
});

test('a large assignment outlives the pooled memory of the SyncGroup that carried it: DescribeGroups returns it intact after Produce requests reused that memory', async () => {
  const client = await connect();
  const first = await join(client, 'big-assignment');
  const joined = await join(client, 'big-assignment', first.memberId);
  // 70 KiB: the request frame comes from the broker's pooled read memory, and the group keeps a view of it.
  const assignment = Buffer.alloc(70 * 1024, 7);
  const sync = await client.call(Api.sync, 3, { groupId: 'big-assignment', generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null, assignments: [{ memberId: joined.memberId, assignment }] });
  assert.ok(sync.assignment.equals(assignment), 'the leader gets its assignment back');
  // Produce requests of the same size class take the pooled memory a released frame would have freed.
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'reuse-memory', numPartitions: 1 }]);
  await admin.close();
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0 });
  for (let i = 0; i < 4; i++) await producer.send({ topic: 'reuse-memory', partition: 0, value: Buffer.alloc(90 * 1024, 0x58) });
  await producer.close();
  const described = await client.call(Api.describe, 4, { groups: ['big-assignment'], includeAuthorizedOperations: false });
  const member = described.groups[0]!.members[0]!;
  assert.ok(member.memberAssignment.equals(assignment), 'the stored assignment is the one the leader sent, not a later request\'s bytes');
});
