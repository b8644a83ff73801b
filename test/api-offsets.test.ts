/**
 * Committed offsets end to end over the wire: FindCoordinator (creating __consumer_offsets, the
 * hash partition choice), OffsetCommit / OffsetFetch / OffsetDelete across versions, ListGroups and
 * DeleteGroups, and a broker restart that loads the offsets back from __consumer_offsets.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import { deleteGroupsRequest, deleteGroupsResponse } from '../src/protocol/generated/delete-groups.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/generated/find-coordinator.ts';
import { listGroupsRequest, listGroupsResponse } from '../src/protocol/generated/list-groups.ts';
import { offsetCommitRequest, offsetCommitResponse } from '../src/protocol/generated/offset-commit.ts';
import { offsetDeleteRequest, offsetDeleteResponse } from '../src/protocol/generated/offset-delete.ts';
import { offsetFetchRequest, offsetFetchResponse } from '../src/protocol/generated/offset-fetch.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { createTopic, listOffset, metadata } from './helpers/kafka-apis.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const FindCoordinator = api(findCoordinatorRequest, findCoordinatorResponse);
const OffsetCommit = api(offsetCommitRequest, offsetCommitResponse);
const OffsetFetch = api(offsetFetchRequest, offsetFetchResponse);
const OffsetDelete = api(offsetDeleteRequest, offsetDeleteResponse);
const ListGroups = api(listGroupsRequest, listGroupsResponse);
const DeleteGroups = api(deleteGroupsRequest, deleteGroupsResponse);

let broker: TestBroker;
let client: KafkaApiClient;

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false' }, undefined, { silent: true });
  client = await KafkaApiClient.open(broker.host, broker.port);
  assert.equal((await createTopic(client, 'orders', { numPartitions: 3 })).errorCode, ErrorCode.NONE);
  assert.equal((await createTopic(client, 'payments', { numPartitions: 2 })).errorCode, ErrorCode.NONE);
});

after(async () => {
  client?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

async function findGroupCoordinator(groupId: string, version = 3) {
  return client.call(FindCoordinator, version, { key: groupId, keyType: 0 });
}

async function commit(groupId: string, topic: string, offsets: Record<number, number>, { version = 8, metadata = 'meta', generation = -1, memberId = '' } = {}) {
  const response = await client.call(OffsetCommit, version, {
    groupId, generationIdOrMemberEpoch: generation, memberId, groupInstanceId: null, retentionTimeMs: -1n,
    topics: [{ name: topic, partitions: Object.entries(offsets).map(([partition, offset]) => ({
      partitionIndex: Number(partition), committedOffset: BigInt(offset), committedLeaderEpoch: 3, commitTimestamp: -1n, committedMetadata: metadata,
    })) }],
  });
  return response.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })));
}

async function fetchOffsets(groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null, version = 7) {
  const response = await client.call(OffsetFetch, version, { groupId, topics, requireStable: false });
  assert.equal(response.errorCode ?? ErrorCode.NONE, ErrorCode.NONE);
  const result = new Map<string, bigint>();
  for (const topic of response.topics ?? []) {
    for (const p of topic.partitions) {
      assert.equal(p.errorCode, ErrorCode.NONE);
      result.set(`${topic.name}-${p.partitionIndex}`, p.committedOffset);
    }
  }
  return result;
}

test('FindCoordinator creates the internal compacted __consumer_offsets and names this broker for groups, in every version', async () => {
  for (const version of [0, 1, 2, 3]) {
    const answer = await findGroupCoordinator('group-1', version);
    assert.equal(answer.errorCode, ErrorCode.NONE, `v${version}`);
    assert.equal(answer.nodeId, 1);
    assert.equal(answer.port, broker.port);
  }
  for (const version of [4, 5, 6]) {
    const answer = await client.call(FindCoordinator, version, { keyType: 0, coordinatorKeys: ['group-1', 'group-2', 'my-group'] });
    assert.deepEqual(answer.coordinators!.map((c) => [c.key, c.errorCode, c.nodeId, c.port]),
      [['group-1', 0, 1, broker.port], ['group-2', 0, 1, broker.port], ['my-group', 0, 1, broker.port]]);
  }
  const offsetsTopic = (await metadata(client, ['__consumer_offsets'], { allowAutoTopicCreation: false })).topics[0]!;
  assert.equal(offsetsTopic.errorCode, ErrorCode.NONE);
  assert.equal(offsetsTopic.isInternal, true);
  assert.equal(offsetsTopic.partitions.length, 50);

  // A transactional id's coordinator is this broker too (api-transactions.test.ts). Unknown key types: INVALID_REQUEST.
  assert.equal((await client.call(FindCoordinator, 3, { key: 'txn-1', keyType: 1 })).nodeId, 1);
  const unknown = await client.call(FindCoordinator, 4, { keyType: 7, coordinatorKeys: ['x'] });
  assert.equal(unknown.coordinators![0]!.errorCode, ErrorCode.INVALID_REQUEST);
});

test("a group's offsets go to partition abs(Java hashCode(groupId)) % 50 of __consumer_offsets", async () => {
  // Java: "group-1".hashCode() = 293427299 -> 49; "group-2" = 293427300 -> 0; "my-group" = -1906497762 -> 12.
  const expected: Record<string, number> = { 'group-1': 49, 'group-2': 0, 'my-group': 12 };
  for (const [groupId, partition] of Object.entries(expected)) {
    const endBefore = (await listOffset(client, '__consumer_offsets', -1n, { partition })).offset ?? -1n;
    assert.deepEqual((await commit(groupId, 'orders', { 0: 1 })).map((p) => p.errorCode), [ErrorCode.NONE]);
    const endAfter = (await listOffset(client, '__consumer_offsets', -1n, { partition })).offset ?? -1n;
    assert.equal(endAfter, endBefore + 1n, `${groupId} wrote to partition ${partition}`);
  }
});

test('commit and fetch across versions: metadata, leader epoch, -1 for nothing committed, unknown partitions, oversized metadata', async () => {
  for (const version of [0, 1, 2, 5, 7, 8, 9]) {
    const groupId = `commit-v${version}`;
    const result = await commit(groupId, 'orders', { 0: 10 + version, 1: 20 + version }, { version });
    assert.deepEqual(result.map((p) => p.errorCode), [ErrorCode.NONE, ErrorCode.NONE], `v${version}`);
  }
  for (const version of [1, 2, 5, 7]) {
    const offsets = await fetchOffsets('commit-v5', [{ name: 'orders', partitionIndexes: [0, 1, 2] }], version);
    assert.deepEqual([...offsets.values()], [15n, 25n, -1n], `fetch v${version}`);
  }
  const v7 = await client.call(OffsetFetch, 7, { groupId: 'commit-v7', topics: [{ name: 'orders', partitionIndexes: [0] }], requireStable: true });
  assert.deepEqual(v7.topics![0]!.partitions[0], { partitionIndex: 0, committedOffset: 17n, committedLeaderEpoch: 3, metadata: 'meta', errorCode: 0 });

  const mixed = await client.call(OffsetCommit, 8, {
    groupId: 'mixed', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [
      { name: 'orders', partitions: [
        { partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: 'x'.repeat(4097) },
        { partitionIndex: 1, committedOffset: 6n, committedLeaderEpoch: -1, committedMetadata: 'x'.repeat(4096) },
        { partitionIndex: 7, committedOffset: 6n, committedLeaderEpoch: -1, committedMetadata: null },
      ] },
      { name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] },
    ],
  });
  assert.deepEqual(mixed.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)]), [
    ['orders', [ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
    ['no-such-topic', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
  ]);
  assert.deepEqual([...(await fetchOffsets('mixed', [{ name: 'orders', partitionIndexes: [0, 1] }])).values()], [-1n, 6n]);

  // topics = null (v2+): every partition the group has an offset for.
  await commit('all-topics', 'payments', { 1: 9 });
  await commit('all-topics', 'orders', { 2: 4 });
  const all = await fetchOffsets('all-topics', null, 5);
  assert.deepEqual(new Map([...all].sort()), new Map([['orders-2', 4n], ['payments-1', 9n]]));

  // v8+: several groups in one request; an unknown group has no offsets.
  const many = await client.call(OffsetFetch, 8, {
    groups: [
      { groupId: 'commit-v8', topics: [{ name: 'orders', partitionIndexes: [0] }] },
      { groupId: 'never-committed', topics: [{ name: 'orders', partitionIndexes: [0] }] },
      { groupId: 'all-topics', topics: null },
    ],
    requireStable: false,
  });
  assert.deepEqual(many.groups!.map((g) => [g.groupId, g.errorCode, g.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}=${p.committedOffset}`)).sort()]), [
    ['commit-v8', 0, ['orders-0=18']],
    ['never-committed', 0, ['orders-0=-1']],
    ['all-topics', 0, ['orders-2=4', 'payments-1=9']],
  ]);

  // A commit with a generation for a group that does not exist: ILLEGAL_GENERATION before v9, GROUP_ID_NOT_FOUND from v9.
  assert.deepEqual((await commit('ghost', 'orders', { 0: 1 }, { version: 8, generation: 3, memberId: 'm' })).map((p) => p.errorCode), [ErrorCode.ILLEGAL_GENERATION]);
  assert.deepEqual((await commit('ghost', 'orders', { 0: 1 }, { version: 9, generation: 3, memberId: 'm' })).map((p) => p.errorCode), [ErrorCode.GROUP_ID_NOT_FOUND]);
});

test('OffsetDelete, ListGroups and DeleteGroups', async () => {
  await commit('to-delete', 'orders', { 0: 3, 1: 4 });
  await commit('to-delete', 'payments', { 0: 5 });

  const noGroup = await client.call(OffsetDelete, 0, { groupId: 'nobody', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(noGroup.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const deleted = await client.call(OffsetDelete, 0, {
    groupId: 'to-delete', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }, { partitionIndex: 9 }] }],
  });
  assert.equal(deleted.errorCode, ErrorCode.NONE);
  assert.deepEqual(deleted.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.errorCode])).sort(),
    [['orders', 0, ErrorCode.NONE], ['orders', 9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
  assert.deepEqual([...(await fetchOffsets('to-delete', [{ name: 'orders', partitionIndexes: [0, 1] }])).values()], [-1n, 4n]);

  for (const version of [0, 3, 4, 5]) {
    const listed = await client.call(ListGroups, version, { statesFilter: [], typesFilter: [] });
    assert.equal(listed.errorCode, ErrorCode.NONE);
    const group = listed.groups.find((g) => g.groupId === 'to-delete');
    assert.ok(group !== undefined, `v${version} lists the simple group`);
    assert.equal(group.protocolType, '');
    if (version >= 4) assert.equal(group.groupState, 'Empty');
    if (version >= 5) assert.equal(group.groupType, 'classic');
  }
  const stable = await client.call(ListGroups, 4, { statesFilter: ['Stable'] });
  assert.equal(stable.groups.some((g) => g.groupId === 'to-delete'), false);
  const empty = await client.call(ListGroups, 5, { statesFilter: ['empty'], typesFilter: ['Classic'] });
  assert.equal(empty.groups.some((g) => g.groupId === 'to-delete'), true);

  const result = await client.call(DeleteGroups, 2, { groupsNames: ['to-delete', 'nobody'] });
  assert.deepEqual(result.results.map((r) => [r.groupId, r.errorCode]), [['to-delete', ErrorCode.NONE], ['nobody', ErrorCode.GROUP_ID_NOT_FOUND]]);
  assert.deepEqual([...(await fetchOffsets('to-delete', [{ name: 'payments', partitionIndexes: [0] }])).values()], [-1n]);
  const listedAfter = await client.call(ListGroups, 3, {});
  assert.equal(listedAfter.groups.some((g) => g.groupId === 'to-delete'), false);
});

test('a restarted broker loads committed offsets back from __consumer_offsets', async () => {
  await commit('survivor', 'orders', { 0: 100, 1: 200, 2: 300 }, { metadata: 'kept' });
  await commit('survivor', 'orders', { 1: 201 });
  await client.call(OffsetDelete, 0, { groupId: 'survivor', topics: [{ name: 'orders', partitions: [{ partitionIndex: 2 }] }] });
  client.close();
  await broker.close();
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false' }, broker.dataDir, { silent: true });
  client = await KafkaApiClient.open(broker.host, broker.port);
  assert.equal((await findGroupCoordinator('survivor')).errorCode, ErrorCode.NONE);
  // Loading goes on in the background: COORDINATOR_LOAD_IN_PROGRESS until it is done. How long it
  // takes is no business of this test (a loaded machine is slow); that it ends, and with what, is.
  const response = await waitFor(async () => {
    const answer = await client.call(OffsetFetch, 7, { groupId: 'survivor', topics: [{ name: 'orders', partitionIndexes: [0, 1, 2] }], requireStable: false });
    return answer.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? undefined : answer;
  }, 30_000, { intervalMs: 20, what: 'the coordinator to load __consumer_offsets' });
  assert.equal(response.errorCode, ErrorCode.NONE);
  assert.deepEqual(response.topics!.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata])),
    [[0, 100n, 'kept'], [1, 201n, 'meta'], [2, -1n, '']]);
  assert.deepEqual([...(await fetchOffsets('commit-v9', [{ name: 'orders', partitionIndexes: [0, 1] }])).values()], [19n, 29n]);
});
