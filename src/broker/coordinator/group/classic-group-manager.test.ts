import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../protocol/errors.ts';
import { buildRecordBatch } from '../../../protocol/records/record-batch-builder.ts';
import type { GroupCoordinatorShard } from './group-coordinator-shard.ts';
import { ClassicHarness, isSettled, subscription } from './classic-test-harness.ts';

const A1 = Buffer.from('assignment-1');
const A2 = Buffer.from('assignment-2');

/** One member joined and synced: a Stable group of generation 1. */
async function stableGroupOfOne(h: ClassicHarness, groupId = 'g') {
  const joined = await h.joinDynamic(groupId);
  await h.advance(0);
  const join = await joined.answer;
  assert.equal(join.errorCode, ErrorCode.NONE);
  const sync = await h.sync(groupId, join.memberId, join.generationId, { [join.memberId]: A1 });
  assert.equal(sync.errorCode, ErrorCode.NONE);
  return join;
}

test('first join of a dynamic member (v4+) gets MEMBER_ID_REQUIRED and an id; rejoining with it completes the rebalance', async () => {
  const h = await ClassicHarness.create();
  const first = await h.join('g', { clientId: 'app' });
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(first.memberId, /^app-[0-9a-f-]{36}$/);
  const joined = h.join('g', { memberId: first.memberId });
  await h.advance(0);
  const join = await joined;
  assert.equal(join.errorCode, ErrorCode.NONE);
  assert.equal(join.generationId, 1);
  assert.equal(join.leader, first.memberId);
  assert.equal(join.protocolName, 'range');
  assert.equal(join.protocolType, 'consumer');
  assert.deepEqual(join.members.map((m) => m.memberId), [first.memberId]);
  assert.equal(h.group('g').state, 'CompletingRebalance');
});

test('JoinGroup v0-3 adds a member at once, without MEMBER_ID_REQUIRED', async () => {
  const h = await ClassicHarness.create();
  const joined = h.join('g', { apiVersion: 3 });
  await h.advance(0);
  const join = await joined;
  assert.equal(join.errorCode, ErrorCode.NONE);
  assert.equal(join.generationId, 1);
});

test('the leader\'s SyncGroup writes the assignment, makes the group Stable and answers the parked followers', async () => {
  const h = await ClassicHarness.create();
  const j1 = await h.joinDynamic('g');
  const j2 = await h.joinDynamic('g');
  await h.advance(0);
  const [r1, r2] = [await j1.answer, await j2.answer];
  assert.equal(r1.generationId, 1);
  assert.equal(r2.generationId, 1);
  const leader = r1.leader === r1.memberId ? r1 : r2;
  const follower = leader === r1 ? r2 : r1;
  assert.equal(leader.members.length, 2);
  assert.equal(follower.members.length, 0);

  const followerSync = h.sync('g', follower.memberId, 1);
  assert.equal(await isSettled(followerSync), false);
  const leaderSync = await h.sync('g', leader.memberId, 1, { [leader.memberId]: A1, [follower.memberId]: A2 });
  assert.deepEqual(leaderSync.assignment, A1);
  assert.equal(leaderSync.protocolName, 'range');
  assert.deepEqual((await followerSync).assignment, A2);
  assert.equal(h.group('g').state, 'Stable');

  // What a restart loads: the same generation, leader, members and assignments.
  const fresh = h.t.replayFresh() as GroupCoordinatorShard;
  const loaded = fresh.classic.classicGroup('g')!;
  assert.equal(loaded.state, 'Stable');
  assert.equal(loaded.generationId, 1);
  assert.equal(loaded.leaderId, leader.memberId);
  assert.equal(loaded.protocolName, 'range');
  assert.deepEqual(loaded.member(follower.memberId)!.assignment, A2);
  assert.deepEqual(loaded.subscribedTopics, new Set(['topic']));
});

test('a new member makes a Stable group rebalance: the others learn it from heartbeats and rejoin', async () => {
  const h = await ClassicHarness.create();
  const first = await stableGroupOfOne(h);
  const second = await h.joinDynamic('g');
  await h.settle();
  assert.equal(h.group('g').state, 'PreparingRebalance');
  assert.equal(await h.heartbeat('g', first.memberId, 1), ErrorCode.REBALANCE_IN_PROGRESS);
  const sync = await h.sync('g', first.memberId, 1);
  assert.equal(sync.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoin = await h.join('g', { memberId: first.memberId });
  const r2 = await second.answer;
  assert.equal(rejoin.generationId, 2);
  assert.equal(r2.generationId, 2);
  assert.equal(rejoin.leader, first.memberId);
  assert.equal(rejoin.members.length, 2);
});

test('a member that stops heartbeating is removed after its session timeout, and the group rebalances', async () => {
  const h = await ClassicHarness.create();
  const j1 = await h.joinDynamic('g', { sessionTimeoutMs: 1000 });
  const j2 = await h.joinDynamic('g', { sessionTimeoutMs: 1000 });
  await h.advance(0);
  const [r1, r2] = [await j1.answer, await j2.answer];
  const leader = r1.leader === r1.memberId ? r1 : r2;
  const other = leader === r1 ? r2 : r1;
  const followerSync = h.sync('g', other.memberId, 1);
  await h.sync('g', leader.memberId, 1, { [leader.memberId]: A1, [other.memberId]: A2 });
  await followerSync;
  await h.advance(600);
  assert.equal(await h.heartbeat('g', leader.memberId, 1), ErrorCode.NONE);
  await h.advance(600);
  // The other member never heartbeat: gone, and the leader is asked to rejoin.
  assert.equal(h.group('g').hasMember(other.memberId), false);
  assert.equal(await h.heartbeat('g', leader.memberId, 1), ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoin = await h.join('g', { memberId: leader.memberId, sessionTimeoutMs: 1000 });
  assert.equal(rejoin.generationId, 2);
  assert.deepEqual(rejoin.members.map((m) => m.memberId), [leader.memberId]);
  assert.equal(await h.heartbeat('g', other.memberId, 2), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('members that do not rejoin within the rebalance timeout are dropped; the rest move on', async () => {
  const h = await ClassicHarness.create();
  const j1 = await h.joinDynamic('g', { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 3000 });
  const j2 = await h.joinDynamic('g', { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 3000 });
  await h.advance(0);
  const [r1, r2] = [await j1.answer, await j2.answer];
  const s2 = h.sync('g', r2.memberId, 1);
  await h.sync('g', r1.memberId, 1);
  await s2;
  // r1 rejoins (leader: forces a rebalance); r2 never does.
  const rejoin = h.join('g', { memberId: r1.memberId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 3000 });
  await h.advance(2999);
  assert.equal(await isSettled(rejoin), false);
  await h.advance(1);
  const answer = await rejoin;
  assert.equal(answer.generationId, 2);
  assert.deepEqual(answer.members.map((m) => m.memberId), [r1.memberId]);
});

test('a member that does not send SyncGroup within the rebalance timeout is removed (pending sync expiry)', async () => {
  const h = await ClassicHarness.create();
  const j1 = await h.joinDynamic('g', { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 3000 });
  const j2 = await h.joinDynamic('g', { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 3000 });
  await h.advance(0);
  const [r1, r2] = [await j1.answer, await j2.answer];
  const leader = r1.leader === r1.memberId ? r1 : r2;
  const other = leader === r1 ? r2 : r1;
  await h.sync('g', leader.memberId, 1, { [leader.memberId]: A1, [other.memberId]: A2 });
  await h.advance(3000);
  assert.equal(h.group('g').hasMember(other.memberId), false);
  assert.equal(h.group('g').state, 'PreparingRebalance');
});

test('group.initial.rebalance.delay.ms: members joining a new group within the delay share its first generation', async () => {
  const h = await ClassicHarness.create({ 'group.initial.rebalance.delay.ms': 3000 });
  const j1 = await h.joinDynamic('g', { rebalanceTimeoutMs: 10_000 });
  await h.advance(2000);
  const j2 = await h.joinDynamic('g', { rebalanceTimeoutMs: 10_000 });
  await h.advance(1000);
  // The delay restarted when the second member came: nobody answered yet.
  assert.equal(await isSettled(j1.answer), false);
  await h.advance(3000);
  const [r1, r2] = [await j1.answer, await j2.answer];
  assert.equal(r1.generationId, 1);
  assert.equal(r2.generationId, 1);
});

test('bad JoinGroups: invalid group id, session timeout out of bounds, unknown member, protocol type or protocols mismatch, group full', async () => {
  const h = await ClassicHarness.create({ 'group.max.session.timeout.ms': 5000 });
  assert.equal((await h.join('')).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await h.join('g', { sessionTimeoutMs: 99 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await h.join('g', { sessionTimeoutMs: 5001 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await h.join('nope', { memberId: 'ghost' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  await stableGroupOfOne(h);
  assert.equal((await h.join('g', { protocolType: 'connect' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const noCommon = await h.join('g', { protocols: [{ name: 'roundrobin', metadata: subscription(['topic']) }] });
  assert.equal(noCommon.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await h.join('g', { memberId: 'ghost' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(h.group('g').state, 'Stable');

  const small = await ClassicHarness.create({ 'group.max.size': 1 });
  await stableGroupOfOne(small);
  assert.equal((await small.join('g', { apiVersion: 3 })).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  // Nothing of that disturbed the group.
  assert.equal(small.group('g').state, 'Stable');
  assert.equal(small.group('g').numMembers(), 1);
});

test('bad SyncGroups and Heartbeats: unknown member, stale generation, inconsistent protocol, unknown group', async () => {
  const h = await ClassicHarness.create();
  const m = await stableGroupOfOne(h);
  assert.equal((await h.sync('g', 'ghost', 1)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await h.sync('g', m.memberId, 0)).errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await h.sync('g', m.memberId, 1, {}, { protocolType: 'connect' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await h.sync('g', m.memberId, 1, {}, { protocolName: 'roundrobin' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await h.sync('nope', m.memberId, 1)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const again = await h.sync('g', m.memberId, 1, {}, { protocolType: 'consumer', protocolName: 'range' });
  assert.deepEqual(again.assignment, A1);
  assert.equal(await h.heartbeat('g', 'ghost', 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await h.heartbeat('g', m.memberId, 7), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await h.heartbeat('nope', m.memberId, 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await h.heartbeat('g', m.memberId, 1), ErrorCode.NONE);
  assert.equal(h.group('g').state, 'Stable');
});

test('static member: rejoining a Stable group with a new member id takes the old place without a rebalance; the old id is fenced', async () => {
  const h = await ClassicHarness.create();
  const s1 = h.join('g', { groupInstanceId: 'instance-1' });
  const d2 = await h.joinDynamic('g');
  await h.advance(0);
  const [r1, r2] = [await s1, await d2.answer];
  assert.match(r1.memberId, /^instance-1-/);
  const leader = r1.leader === r1.memberId ? r1 : r2;
  const other = leader === r1 ? r2 : r1;
  const otherSync = h.sync('g', other.memberId, 1);
  await h.sync('g', leader.memberId, 1, { [r1.memberId]: A1, [r2.memberId]: A2 });
  await otherSync;

  // The static member restarts: unknown member id, same instance id.
  const back = await h.join('g', { groupInstanceId: 'instance-1' });
  assert.equal(back.errorCode, ErrorCode.NONE);
  assert.notEqual(back.memberId, r1.memberId);
  assert.equal(back.generationId, 1);
  assert.equal(h.group('g').state, 'Stable');
  assert.equal(await h.heartbeat('g', r2.memberId, 1), ErrorCode.NONE);
  const sync = await h.sync('g', back.memberId, 1, {}, { groupInstanceId: 'instance-1' });
  assert.deepEqual(sync.assignment, A1);
  assert.equal(await h.heartbeat('g', r1.memberId, 1, 'instance-1'), ErrorCode.FENCED_INSTANCE_ID);
  // The record names the new member id.
  const loaded = (h.t.replayFresh() as GroupCoordinatorShard).classic.classicGroup('g')!;
  assert.equal(loaded.staticMemberId('instance-1'), back.memberId);
});

test('JoinGroup v9: a returning static leader is told to skip the assignment', async () => {
  const h = await ClassicHarness.create();
  const s1 = h.join('g', { groupInstanceId: 'i1', apiVersion: 9 });
  await h.advance(0);
  const r1 = await s1;
  await h.sync('g', r1.memberId, 1, { [r1.memberId]: A1 });
  const back = await h.join('g', { groupInstanceId: 'i1', apiVersion: 9 });
  assert.equal(back.leader, back.memberId);
  assert.equal(back.skipAssignment, true);
  assert.equal(back.members.length, 1);
});

test('LeaveGroup: batched members with their own errors, static removal by instance id, the last one empties the group', async () => {
  const h = await ClassicHarness.create();
  const s1 = h.join('g', { groupInstanceId: 'i1' });
  const d2 = await h.joinDynamic('g');
  await h.advance(0);
  const [r1, r2] = [await s1, await d2.answer];
  const leader = r1.leader === r1.memberId ? r1 : r2;
  const other = leader === r1 ? r2 : r1;
  const otherSync = h.sync('g', other.memberId, 1);
  await h.sync('g', leader.memberId, 1);
  await otherSync;
  const outcome = await h.leave('g', [
    { memberId: r2.memberId, groupInstanceId: null },
    { memberId: 'ghost', groupInstanceId: null },
    { memberId: 'wrong', groupInstanceId: 'i1' },
  ]);
  assert.deepEqual(outcome.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.FENCED_INSTANCE_ID]);
  assert.equal(h.group('g').state, 'PreparingRebalance');
  const last = await h.leave('g', [{ memberId: '', groupInstanceId: 'i1' }]);
  assert.equal(last.members[0]!.errorCode, ErrorCode.NONE);
  assert.equal(h.group('g').state, 'Empty');
  assert.equal(h.group('g').generationId, 2);
  const loaded = (h.t.replayFresh() as GroupCoordinatorShard).classic.classicGroup('g')!;
  assert.equal(loaded.state, 'Empty');
  assert.equal(loaded.generationId, 2);
  await assert.rejects(h.leave('nope', [{ memberId: 'x', groupInstanceId: null }]), (e: { code?: number }) => e.code === ErrorCode.UNKNOWN_MEMBER_ID);
});

test('the protocol is chosen by vote among those every member supports', async () => {
  const h = await ClassicHarness.create();
  const meta = subscription(['topic']);
  const j1 = await h.joinDynamic('g', { protocols: [{ name: 'roundrobin', metadata: meta }, { name: 'range', metadata: meta }, { name: 'sticky', metadata: meta }] });
  const j2 = await h.joinDynamic('g', { protocols: [{ name: 'range', metadata: meta }, { name: 'roundrobin', metadata: meta }] });
  const j3 = await h.joinDynamic('g', { protocols: [{ name: 'range', metadata: meta }, { name: 'roundrobin', metadata: meta }] });
  await h.advance(0);
  const answers = [await j1.answer, await j2.answer, await j3.answer];
  for (const answer of answers) assert.equal(answer.protocolName, 'range');
});

test('DescribeGroups: members with metadata when Stable, Dead for unknown groups', async () => {
  const h = await ClassicHarness.create();
  const m = await stableGroupOfOne(h);
  const [described, unknown] = h.shard.classic.describeGroups(['g', 'nope']);
  assert.equal(described!.groupState, 'Stable');
  assert.equal(described!.protocolType, 'consumer');
  assert.equal(described!.protocolData, 'range');
  assert.equal(described!.members[0]!.memberId, m.memberId);
  assert.equal(described!.members[0]!.clientHost, '/127.0.0.1');
  assert.deepEqual(described!.members[0]!.memberMetadata, subscription(['topic']));
  assert.deepEqual(described!.members[0]!.memberAssignment, A1);
  assert.equal(unknown!.groupState, 'Dead');
  assert.equal(unknown!.errorCode, ErrorCode.NONE);
});

test('a failed append of the assignment answers the members with an error and the group rebalances', async () => {
  const h = await ClassicHarness.create();
  const j1 = await h.joinDynamic('g');
  const j2 = await h.joinDynamic('g');
  await h.advance(0);
  const [r1, r2] = [await j1.answer, await j2.answer];
  const leader = r1.leader === r1.memberId ? r1 : r2;
  const other = leader === r1 ? r2 : r1;
  const followerSync = h.sync('g', other.memberId, 1);
  h.t.log.failNextAppends(new Error('record too large'));
  await assert.rejects(h.sync('g', leader.memberId, 1, { [leader.memberId]: A1 }));
  await h.advance(0);
  assert.equal((await followerSync).errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
  assert.equal(h.group('g').state, 'PreparingRebalance');
});

test('after a load, members that never come back expire, and the group empties', async () => {
  const h = await ClassicHarness.create();
  await stableGroupOfOne(h);
  const fresh = await ClassicHarness.create();
  for (const record of h.t.records()) fresh.t.log.append(0, buildRecordBatch([{ key: record.key, value: record.value, timestamp: 0 }]));
  fresh.t.runtime.unloadPartition(0);
  await fresh.t.runtime.loadPartition(0);
  assert.equal(fresh.group('g').state, 'Stable');
  await fresh.advance(1000);
  assert.equal(fresh.group('g').state, 'Empty');
});
