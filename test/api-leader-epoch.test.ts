/**
 * KIP-320 leader epochs on the wire, as Kafka's Partition.checkCurrentLeaderEpoch answers them: a
 * Fetch (v9+) or ListOffsets (v4+) naming the partition's current leader epoch is served; a newer
 * one is UNKNOWN_LEADER_EPOCH (this leader is behind the client's metadata), an older one
 * FENCED_LEADER_EPOCH (the client's metadata is stale). "No epoch" is any negative value for
 * Fetch (FetchRequest.optionalEpoch) but only -1 for ListOffsets. A fetch parked with an epoch
 * that a new leader epoch fences completes with FENCED_LEADER_EPOCH (Kafka's DelayedFetch case E).
 *
 * In the single-node mode nothing moves a leader epoch yet; the tests move it as the controller's
 * LeaderAndIsr will, through the broker's replica manager.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer } from '@platformatic/kafka';
import { ErrorCode } from '../src/protocol/errors.ts';
import { Api, batchOf, batchesOf, createTopic, fetchBody, listOffset, metadata, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { apiTestBroker } from './helpers/api-test-broker.ts';
import { waitForParkedFetches } from './helpers/test-broker.ts';

const FETCH_VERSIONS = [9, 12, 13, 17];
const LIST_OFFSETS_VERSIONS = [4, 7, 10];
const LATEST = -1n;

const api = apiTestBroker();
const { open } = api;

/** A one-partition topic holding one batch of two records; returns its id. */
async function topicWithRecords(name: string): Promise<string> {
  const created = await createTopic(api.client, name);
  assert.equal(created.errorCode, ErrorCode.NONE);
  assert.equal((await produce(api.client, name, 0, batchOf(['one', 'two']))).errorCode, ErrorCode.NONE);
  return created.topicId!;
}

async function metadataEpoch(topic: string): Promise<number | undefined> {
  return (await metadata(api.client, [topic], { allowAutoTopicCreation: false })).topics[0]?.partitions[0]?.leaderEpoch;
}

async function fetchWithEpoch(topic: string, topicId: string, version: number, currentLeaderEpoch: number) {
  const address = version >= 13 ? { topicId } : { topic };
  return onlyPartition(await api.client.call(Api.fetch, version, fetchBody({ ...address, currentLeaderEpoch })));
}

/** [epoch sent, error expected] for a partition whose leader epoch is `current`. */
function fetchCases(current: number): Array<[number, number]> {
  return [
    [current, ErrorCode.NONE],
    [-1, ErrorCode.NONE],
    [-2, ErrorCode.NONE],
    [current + 1, ErrorCode.UNKNOWN_LEADER_EPOCH],
    [current + 100, ErrorCode.UNKNOWN_LEADER_EPOCH],
    ...(current > 0 ? [[current - 1, ErrorCode.FENCED_LEADER_EPOCH], [0, ErrorCode.FENCED_LEADER_EPOCH]] as Array<[number, number]> : []),
  ];
}

function listOffsetsCases(current: number): Array<[number, number]> {
  return [
    [current, ErrorCode.NONE],
    [-1, ErrorCode.NONE],
    // Only -1 is "no epoch" in ListOffsets: -2 is an epoch older than any.
    [-2, ErrorCode.FENCED_LEADER_EPOCH],
    [current + 1, ErrorCode.UNKNOWN_LEADER_EPOCH],
    ...(current > 0 ? [[current - 1, ErrorCode.FENCED_LEADER_EPOCH]] as Array<[number, number]> : []),
  ];
}

async function assertEpochAnswers(topic: string, topicId: string, current: number): Promise<void> {
  assert.equal(await metadataEpoch(topic), current, 'Metadata tells clients the epoch to send');
  for (const version of FETCH_VERSIONS) {
    for (const [sent, expected] of fetchCases(current)) {
      const partition = await fetchWithEpoch(topic, topicId, version, sent);
      const where = `Fetch v${version}, epoch ${sent} against ${current}`;
      assert.equal(partition.errorCode, expected, where);
      if (expected === ErrorCode.NONE) {
        assert.deepEqual(batchesOf(partition).flatMap((batch) => batch.records.map((record) => record.value?.toString())), ['one', 'two'], where);
      } else {
        assert.equal(partition.records?.length ?? 0, 0, where);
        assert.equal(partition.highWatermark, -1n, where);
      }
    }
  }
  for (const version of LIST_OFFSETS_VERSIONS) {
    for (const [sent, expected] of listOffsetsCases(current)) {
      const answer = await listOffset(api.client, topic, LATEST, { version, currentLeaderEpoch: sent });
      const where = `ListOffsets v${version}, epoch ${sent} against ${current}`;
      assert.equal(answer.errorCode, expected, where);
      assert.equal(answer.offset, expected === ErrorCode.NONE ? 2n : -1n, where);
    }
  }
}

test('at a new partition\'s first epoch (0): the same epoch or none is served, a newer one is UNKNOWN_LEADER_EPOCH', { timeout: 30_000 }, async () => {
  const topicId = await topicWithRecords('epoch-first');
  await assertEpochAnswers('epoch-first', topicId, 0);
});

test('after the leader epoch moves on: an older epoch is FENCED_LEADER_EPOCH, a newer one UNKNOWN_LEADER_EPOCH', { timeout: 30_000 }, async () => {
  const topicId = await topicWithRecords('epoch-moved');
  api.broker.replicaManager.makeLeader('epoch-moved', 0, 5);
  await assertEpochAnswers('epoch-moved', topicId, 5);
  // Batches appended from now on carry the new epoch, and ListOffsets (v4+) reports it with the offset.
  assert.equal((await produce(api.client, 'epoch-moved', 0, batchOf(['three']))).errorCode, ErrorCode.NONE);
  const batches = batchesOf(await fetchWithEpoch('epoch-moved', topicId, 12, 5));
  assert.deepEqual(batches.map((batch) => batch.partitionLeaderEpoch), [0, 5]);
  assert.equal((await listOffset(api.client, 'epoch-moved', 0n, { version: 7, currentLeaderEpoch: 5 })).leaderEpoch, 5);
});

test('a fetch parked with the current epoch completes FENCED_LEADER_EPOCH when the epoch moves on', { timeout: 30_000 }, async () => {
  const topicId = await topicWithRecords('epoch-parked');
  api.broker.replicaManager.makeLeader('epoch-parked', 0, 2);
  const consumer = await open();
  const pending = consumer.send(Api.fetch, 13, fetchBody({ topicId, fetchOffset: 2n, currentLeaderEpoch: 2, maxWaitMs: 120_000 }));
  await waitForParkedFetches(api.broker);
  assert.equal(consumer.connection.pendingFrames, 0, 'the fetch was answered before the epoch moved');
  api.broker.replicaManager.makeLeader('epoch-parked', 0, 3);
  assert.equal(onlyPartition(await pending.response(20_000)).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
});

test('@platformatic/kafka, which sends Metadata\'s leader epoch with ListOffsets, gets offsets across an epoch move', { timeout: 60_000 }, async () => {
  await topicWithRecords('epoch-platformatic');
  api.broker.replicaManager.makeLeader('epoch-platformatic', 0, 7);
  const consumer = new Consumer({ clientId: 'samsa-epoch-test', groupId: 'samsa-epoch-unused', bootstrapBrokers: [api.broker.bootstrap], retries: 2 });
  const admin = new Admin({ clientId: 'samsa-epoch-test', bootstrapBrokers: [api.broker.bootstrap], retries: 2 });
  try {
    consumer.topics.trackAll('epoch-platformatic');
    assert.deepEqual((await consumer.listOffsets({ topics: ['epoch-platformatic'] })).get('epoch-platformatic'), [2n]);
    // Its cached metadata says 7: the next ListOffsets is fenced, and the client refreshes and asks again.
    api.broker.replicaManager.makeLeader('epoch-platformatic', 0, 8);
    assert.equal((await produce(api.client, 'epoch-platformatic', 0, batchOf(['three']))).errorCode, ErrorCode.NONE);
    assert.deepEqual((await consumer.listOffsets({ topics: ['epoch-platformatic'] })).get('epoch-platformatic'), [3n]);
    const listed = await admin.listOffsets({ topics: [{ name: 'epoch-platformatic', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
    assert.deepEqual(listed[0]!.partitions.map((each) => [each.offset, each.leaderEpoch]), [[3n, 8]]);
  } finally {
    await consumer.close();
    await admin.close();
  }
});
