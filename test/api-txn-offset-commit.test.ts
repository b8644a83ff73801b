/**
 * Transactional offset commits over the wire against one real broker: TxnOffsetCommit writes a
 * producer's offsets into __consumer_offsets as part of its transaction; OffsetFetch does not show
 * them (require_stable answers UNSTABLE_OFFSET_COMMIT) until WriteTxnMarkers commits them, an
 * abort drops them, and a restart loads an open transaction back as still open. These requests come
 * by hand, with no transaction coordinator involved, so KIP-890 verification is off here (its check of
 * TxnOffsetCommit is in api-transactions.test.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/generated/find-coordinator.ts';
import { initProducerIdRequest, initProducerIdResponse } from '../src/protocol/generated/init-producer-id.ts';
import { offsetFetchRequest, offsetFetchResponse } from '../src/protocol/generated/offset-fetch.ts';
import { txnOffsetCommitRequest, txnOffsetCommitResponse } from '../src/protocol/generated/txn-offset-commit.ts';
import { writeTxnMarkersRequest, writeTxnMarkersResponse } from '../src/protocol/generated/write-txn-markers.ts';
import { coordinatorPartitionFor } from '../src/broker/coordinator/group/group-coordinator.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { createTopic } from './helpers/kafka-apis.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const FindCoordinator = api(findCoordinatorRequest, findCoordinatorResponse);
const InitProducerId = api(initProducerIdRequest, initProducerIdResponse);
const OffsetFetch = api(offsetFetchRequest, offsetFetchResponse);
const TxnOffsetCommit = api(txnOffsetCommitRequest, txnOffsetCommitResponse);
const WriteTxnMarkers = api(writeTxnMarkersRequest, writeTxnMarkersResponse);

/** offsets.topic.num.partitions: Kafka's default, which the broker keeps here. */
const OFFSETS_PARTITIONS = 50;

let broker: TestBroker;
let client: KafkaApiClient;

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false', 'transaction.partition.verification.enable': 'false' }, undefined, { silent: true });
  client = await KafkaApiClient.open(broker.host, broker.port);
  assert.equal((await createTopic(client, 'input', { numPartitions: 2 })).errorCode, ErrorCode.NONE);
  await waitFor(async () => (await client.call(FindCoordinator, 3, { key: 'any', keyType: 0 })).errorCode === ErrorCode.NONE, 30_000,
    { what: 'the group coordinator' });
});

after(async () => {
  client?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

function offsetsPartition(groupId: string): number {
  return coordinatorPartitionFor(groupId, OFFSETS_PARTITIONS);
}

async function newProducerId(): Promise<bigint> {
  const answer = await client.call(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000 });
  assert.equal(answer.errorCode, ErrorCode.NONE);
  return answer.producerId;
}

async function txnCommit(groupId: string, producerId: bigint, offsets: Record<number, number>, { version = 3, producerEpoch = 0, topic = 'input', generationId = -1, memberId = '' } = {}) {
  const response = await client.call(TxnOffsetCommit, version, {
    transactionalId: `tx-${groupId}`, groupId, producerId, producerEpoch, generationId, memberId, groupInstanceId: null,
    topics: [{ name: topic, partitions: Object.entries(offsets).map(([partition, offset]) => ({
      partitionIndex: Number(partition), committedOffset: BigInt(offset), committedLeaderEpoch: 0, committedMetadata: `m${offset}`,
    })) }],
  });
  return response.topics.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.errorCode]));
}

async function writeMarker(groupId: string, producerId: bigint, commit: boolean, { producerEpoch = 0, coordinatorEpoch = 0 } = {}): Promise<number> {
  const response = await client.call(WriteTxnMarkers, 1, { markers: [{
    producerId, producerEpoch, transactionResult: commit, coordinatorEpoch,
    topics: [{ name: '__consumer_offsets', partitionIndexes: [offsetsPartition(groupId)] }],
  }] });
  return response.markers[0]!.topics[0]!.partitions[0]!.errorCode;
}

async function fetchOffsets(groupId: string, requireStable: boolean, version = 7) {
  const body = version >= 8
    ? { groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: 'input', partitionIndexes: [0, 1] }] }], requireStable }
    : { groupId, topics: [{ name: 'input', partitionIndexes: [0, 1] }], requireStable };
  const response = await client.call(OffsetFetch, version, body);
  // A group-level error (COORDINATOR_LOAD_IN_PROGRESS while loading) fails here.
  assert.equal(version >= 8 ? response.groups![0]!.errorCode : response.errorCode, ErrorCode.NONE);
  const topics = version >= 8 ? response.groups![0]!.topics : response.topics!;
  return topics[0]!.partitions.map((p) => [Number(p.committedOffset), p.errorCode, p.metadata]);
}

test('offsets committed in a transaction show only once WriteTxnMarkers commits it; require_stable answers UNSTABLE_OFFSET_COMMIT meanwhile', async () => {
  const producerId = await newProducerId();
  assert.deepEqual(await txnCommit('committed', producerId, { 0: 10, 1: 20 }), [[0, ErrorCode.NONE], [1, ErrorCode.NONE]]);
  assert.deepEqual(await fetchOffsets('committed', false), [[-1, ErrorCode.NONE, ''], [-1, ErrorCode.NONE, '']]);
  for (const version of [7, 8]) {
    assert.deepEqual(await fetchOffsets('committed', true, version),
      [[-1, ErrorCode.UNSTABLE_OFFSET_COMMIT, ''], [-1, ErrorCode.UNSTABLE_OFFSET_COMMIT, '']], `v${version}`);
  }
  assert.equal(await writeMarker('committed', producerId, true), ErrorCode.NONE);
  for (const version of [7, 8]) {
    assert.deepEqual(await fetchOffsets('committed', true, version), [[10, ErrorCode.NONE, 'm10'], [20, ErrorCode.NONE, 'm20']], `v${version}`);
  }
});

test('an aborted transaction\'s offsets never show; the offsets committed before it stay', async () => {
  const producerId = await newProducerId();
  await txnCommit('aborted', producerId, { 0: 5 }, { version: 0 });
  assert.equal(await writeMarker('aborted', producerId, true), ErrorCode.NONE);
  await txnCommit('aborted', producerId, { 0: 50, 1: 60 }, { version: 2 });
  assert.equal(await writeMarker('aborted', producerId, false), ErrorCode.NONE);
  assert.deepEqual(await fetchOffsets('aborted', true), [[5, ErrorCode.NONE, 'm5'], [-1, ErrorCode.NONE, '']]);
});

test('refusals: unknown partitions, an empty group id, a generation for a group that does not exist, a fenced marker', async () => {
  const producerId = await newProducerId();
  assert.deepEqual(await txnCommit('refused', producerId, { 0: 1, 7: 1 }), [[0, ErrorCode.NONE], [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
  assert.deepEqual(await txnCommit('refused', producerId, { 0: 1 }, { topic: 'nope' }), [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
  assert.deepEqual(await txnCommit('', producerId, { 0: 1 }), [[0, ErrorCode.INVALID_GROUP_ID]]);
  assert.deepEqual(await txnCommit('never-joined', producerId, { 0: 1 }, { generationId: 4, memberId: 'm' }), [[0, ErrorCode.ILLEGAL_GENERATION]]);
  // A marker from an older transaction coordinator epoch is fenced by the partition's producer
  // state, and the transaction's offsets stay pending.
  assert.equal(await writeMarker('refused', producerId, true, { coordinatorEpoch: 3 }), ErrorCode.NONE);
  await txnCommit('refused', producerId, { 1: 2 });
  assert.equal(await writeMarker('refused', producerId, true, { coordinatorEpoch: 2 }), ErrorCode.TRANSACTION_COORDINATOR_FENCED);
  assert.deepEqual(await fetchOffsets('refused', true), [[1, ErrorCode.NONE, 'm1'], [-1, ErrorCode.UNSTABLE_OFFSET_COMMIT, '']]);
  assert.equal(await writeMarker('refused', producerId, true, { coordinatorEpoch: 3 }), ErrorCode.NONE);
  assert.deepEqual(await fetchOffsets('refused', true), [[1, ErrorCode.NONE, 'm1'], [2, ErrorCode.NONE, 'm2']]);
});

test('a restarted broker loads an open transaction as open, and commits it on its marker', async () => {
  const producerId = await newProducerId();
  await txnCommit('survivor', producerId, { 0: 7 });
  assert.equal(await writeMarker('survivor', producerId, true), ErrorCode.NONE);
  await txnCommit('survivor', producerId, { 0: 8, 1: 9 });
  client.close();
  await broker.close();
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false', 'transaction.partition.verification.enable': 'false' }, broker.dataDir, { silent: true });
  client = await KafkaApiClient.open(broker.host, broker.port);
  // Loading goes on in the background; how long it takes is no business of this test.
  const loaded = await waitFor(() => fetchOffsets('survivor', true), 30_000, { intervalMs: 20, what: 'the coordinator to load __consumer_offsets' });
  assert.deepEqual(loaded, [[-1, ErrorCode.UNSTABLE_OFFSET_COMMIT, ''], [-1, ErrorCode.UNSTABLE_OFFSET_COMMIT, '']]);
  assert.deepEqual(await fetchOffsets('survivor', false), [[7, ErrorCode.NONE, 'm7'], [-1, ErrorCode.NONE, '']]);
  assert.equal(await writeMarker('survivor', producerId, true), ErrorCode.NONE);
  assert.deepEqual(await fetchOffsets('survivor', true), [[8, ErrorCode.NONE, 'm8'], [9, ErrorCode.NONE, 'm9']]);
});
