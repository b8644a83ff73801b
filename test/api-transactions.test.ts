/**
 * The transaction coordinator's APIs over the wire on one broker: FindCoordinator for transactional
 * ids (creating the internal, compacted __transaction_state), InitProducerId, AddPartitionsToTxn in
 * its client (v0-3) and broker (v4+, verifyOnly) forms, AddOffsetsToTxn, EndTxn (the markers it has
 * the leaders write), ListTransactions and DescribeTransactions, across versions and errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import { addOffsetsToTxnRequest, addOffsetsToTxnResponse } from '../src/protocol/generated/add-offsets-to-txn.ts';
import { addPartitionsToTxnRequest, addPartitionsToTxnResponse } from '../src/protocol/generated/add-partitions-to-txn.ts';
import { describeTransactionsRequest, describeTransactionsResponse } from '../src/protocol/generated/describe-transactions.ts';
import { endTxnRequest, endTxnResponse } from '../src/protocol/generated/end-txn.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/generated/find-coordinator.ts';
import { initProducerIdRequest, initProducerIdResponse } from '../src/protocol/generated/init-producer-id.ts';
import { listTransactionsRequest, listTransactionsResponse } from '../src/protocol/generated/list-transactions.ts';
import { txnOffsetCommitRequest, txnOffsetCommitResponse } from '../src/protocol/generated/txn-offset-commit.ts';
import { ControlRecordType } from '../src/protocol/records/record-batch.ts';
import { apiTestBroker } from './helpers/api-test-broker.ts';
import { api } from './helpers/kafka-api-client.ts';
import { Api, batchesOf, batchOf, createTopic, fetchBody, metadata, onlyPartition } from './helpers/kafka-apis.ts';
import { waitFor } from './helpers/wait-for.ts';

const FindCoordinator = api(findCoordinatorRequest, findCoordinatorResponse);
const InitProducerId = api(initProducerIdRequest, initProducerIdResponse);
const AddPartitionsToTxn = api(addPartitionsToTxnRequest, addPartitionsToTxnResponse);
const AddOffsetsToTxn = api(addOffsetsToTxnRequest, addOffsetsToTxnResponse);
const EndTxn = api(endTxnRequest, endTxnResponse);
const ListTransactions = api(listTransactionsRequest, listTransactionsResponse);
const DescribeTransactions = api(describeTransactionsRequest, describeTransactionsResponse);
const TxnOffsetCommit = api(txnOffsetCommitRequest, txnOffsetCommitResponse);

const setup = apiTestBroker({ 'transaction.max.timeout.ms': '600000' });

/** As a client starts: FindCoordinator (which creates __transaction_state the first time), then InitProducerId. */
async function init(transactionalId: string, version = 4) {
  assert.equal((await setup.client.call(FindCoordinator, 3, { key: transactionalId, keyType: 1 })).errorCode, ErrorCode.NONE);
  const answer = await setup.client.call(InitProducerId, version, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  assert.equal(answer.errorCode, ErrorCode.NONE);
  return answer;
}

async function addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, topics: { name: string; partitions: number[] }[], version = 3) {
  const answer = await setup.client.call(AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: transactionalId, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: topics,
  });
  return answer.resultsByTopicV3AndBelow!.flatMap((t) => t.resultsByPartition.map((p) => [`${t.name}-${p.partitionIndex}`, p.partitionErrorCode]));
}

test('FindCoordinator for a transactional id, every version, creates the internal compacted __transaction_state and names this broker', async () => {
  const { broker, client } = setup;
  // v0 knows only groups: the key type came with v1.
  for (const version of [1, 2, 3]) {
    const answer = await client.call(FindCoordinator, version, { key: 'txn-a', keyType: 1 });
    assert.deepEqual([answer.errorCode, answer.nodeId, answer.port], [ErrorCode.NONE, 1, broker.port], `v${version}`);
  }
  for (const version of [4, 5, 6]) {
    const answer = await client.call(FindCoordinator, version, { keyType: 1, coordinatorKeys: ['txn-a', 'txn-b'] });
    assert.deepEqual(answer.coordinators!.map((c) => [c.key, c.errorCode, c.nodeId]), [['txn-a', 0, 1], ['txn-b', 0, 1]]);
  }
  const topic = (await metadata(client, ['__transaction_state'], { allowAutoTopicCreation: false })).topics[0]!;
  assert.deepEqual([topic.errorCode, topic.isInternal, topic.partitions.length], [ErrorCode.NONE, true, 50]);
  const configs = await client.call(Api.describeConfigs, 4, {
    resources: [{ resourceType: 2, resourceName: '__transaction_state', configurationKeys: ['cleanup.policy', 'compression.type', 'unclean.leader.election.enable'] }],
    includeSynonyms: false, includeDocumentation: false,
  });
  assert.deepEqual(configs.results[0]!.configs.map((c) => [c.name, c.value]).sort(),
    [['cleanup.policy', 'compact'], ['compression.type', 'uncompressed'], ['unclean.leader.election.enable', 'false']]);
});

test('InitProducerId with a transactional id: the next epoch at each call; an empty id or a timeout above the maximum is refused', async () => {
  const first = await init('txn-init');
  assert.equal(first.producerEpoch, 0);
  assert.deepEqual({ ...(await init('txn-init')), throttleTimeMs: 0 }, { ...first, producerEpoch: 1 });
  const tooLong = await setup.client.call(InitProducerId, 4, { transactionalId: 'txn-init', transactionTimeoutMs: 600_001, producerId: -1n, producerEpoch: -1 });
  assert.equal(tooLong.errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  const empty = await setup.client.call(InitProducerId, 4, { transactionalId: '', transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 });
  assert.equal(empty.errorCode, ErrorCode.INVALID_REQUEST);
});

test('AddPartitionsToTxn from a client: unknown partitions and internal topics add nothing; a fenced epoch is INVALID_PRODUCER_EPOCH before v2', async () => {
  await createTopic(setup.client, 'txn-add', { numPartitions: 2 });
  const { producerId, producerEpoch } = await init('txn-add');
  assert.deepEqual(await addPartitions('txn-add', producerId, producerEpoch, [{ name: 'txn-add', partitions: [0, 5] }]),
    [['txn-add-0', ErrorCode.OPERATION_NOT_ATTEMPTED], ['txn-add-5', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
  assert.deepEqual(await addPartitions('txn-add', producerId, producerEpoch, [{ name: '__consumer_offsets', partitions: [0] }]),
    [['__consumer_offsets-0', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
  for (const [version, fenced] of [[0, ErrorCode.INVALID_PRODUCER_EPOCH], [1, ErrorCode.INVALID_PRODUCER_EPOCH], [2, ErrorCode.PRODUCER_FENCED], [3, ErrorCode.PRODUCER_FENCED]]) {
    assert.deepEqual(await addPartitions('txn-add', producerId, producerEpoch + 1, [{ name: 'txn-add', partitions: [1] }], version), [['txn-add-1', fenced]], `v${version}`);
  }
  assert.deepEqual(await addPartitions('txn-add', producerId, producerEpoch, [{ name: 'txn-add', partitions: [0, 1] }]),
    [['txn-add-0', ErrorCode.NONE], ['txn-add-1', ErrorCode.NONE]]);
  // A partition leader's batched verification (v4, verifyOnly): per partition, nothing added.
  const verified = await setup.client.call(AddPartitionsToTxn, 4, {
    transactions: [
      { transactionalId: 'txn-add', producerId, producerEpoch, verifyOnly: true, topics: [{ name: 'txn-add', partitions: [1] }] },
      { transactionalId: 'txn-nobody', producerId, producerEpoch, verifyOnly: true, topics: [{ name: 'txn-add', partitions: [0] }] },
    ],
  });
  assert.equal(verified.errorCode, ErrorCode.NONE);
  assert.deepEqual(verified.resultsByTransaction!.map((t) => [t.transactionalId, t.topicResults[0]!.resultsByPartition[0]!.partitionErrorCode]),
    [['txn-add', ErrorCode.NONE], ['txn-nobody', ErrorCode.INVALID_PRODUCER_ID_MAPPING]]);
});

test('EndTxn commits: the leader of each partition gets a COMMIT marker after the data, the offsets\' partition too; Describe and List show it', async () => {
  await createTopic(setup.client, 'txn-end');
  const { producerId, producerEpoch } = await init('txn-end');
  assert.deepEqual(await addPartitions('txn-end', producerId, producerEpoch, [{ name: 'txn-end', partitions: [0] }]), [['txn-end-0', ErrorCode.NONE]]);
  const offsets = await setup.client.call(AddOffsetsToTxn, 3, { transactionalId: 'txn-end', producerId, producerEpoch, groupId: 'txn-end-group' });
  assert.equal(offsets.errorCode, ErrorCode.NONE);
  const records = batchOf(['one', 'two'], Date.now(), { producerId: Number(producerId), producerEpoch, baseSequence: 0, isTransactional: true });
  const produced = await setup.client.call(Api.produce, 9, {
    transactionalId: 'txn-end', acks: -1, timeoutMs: 10_000, topicData: [{ name: 'txn-end', partitionData: [{ index: 0, records }] }],
  });
  assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);

  const ongoing = await setup.client.call(DescribeTransactions, 0, { transactionalIds: ['txn-end', 'txn-never'] });
  assert.deepEqual(ongoing.transactionStates.map((s) => [s.transactionalId, s.errorCode, s.transactionState]),
    [['txn-end', ErrorCode.NONE, 'Ongoing'], ['txn-never', ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, '']]);
  assert.deepEqual(ongoing.transactionStates[0]!.topics.map((t) => t.topic).sort(), ['__consumer_offsets', 'txn-end']);
  const listed = await setup.client.call(ListTransactions, 1, { stateFilters: ['Ongoing'], producerIdFilters: [producerId], durationFilter: -1n });
  assert.deepEqual(listed.transactionStates, [{ transactionalId: 'txn-end', producerId, transactionState: 'Ongoing' }]);

  const ended = await setup.client.call(EndTxn, 3, { transactionalId: 'txn-end', producerId, producerEpoch, committed: true });
  assert.equal(ended.errorCode, ErrorCode.NONE);
  await waitFor(async () => (await setup.client.call(DescribeTransactions, 0, { transactionalIds: ['txn-end'] })).transactionStates[0]!.transactionState === 'CompleteCommit',
    10_000, { what: 'the transaction to complete' });
  const fetched = batchesOf(onlyPartition(await setup.client.call(Api.fetch, 11, fetchBody({ topic: 'txn-end' }))));
  assert.deepEqual(fetched.map((b) => [b.isControl, b.isTransactional, b.producerId]), [[false, true, Number(producerId)], [true, true, Number(producerId)]]);
  assert.equal(fetched[1]!.records[0]!.key!.readInt16BE(2), ControlRecordType.COMMIT);
  // Aborting what is committed is refused; committing again is answered NONE (a retry).
  assert.equal((await setup.client.call(EndTxn, 3, { transactionalId: 'txn-end', producerId, producerEpoch, committed: false })).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.equal((await setup.client.call(EndTxn, 1, { transactionalId: 'txn-end', producerId, producerEpoch, committed: true })).errorCode, ErrorCode.NONE);
  const unknown = await setup.client.call(ListTransactions, 0, { stateFilters: ['NotAState'], producerIdFilters: [] });
  assert.deepEqual(unknown.unknownStateFilters, ['NotAState']);
});

test('EndTxn v5 (transaction version 2) answers the bumped epoch to go on with; earlier versions answer -1', async () => {
  await createTopic(setup.client, 'txn-v5');
  const { producerId } = await init('txn-v5');
  // A leader adds the partition for a version 2 producer (AddPartitionsToTxn v5, verifyOnly false).
  const added = await setup.client.call(AddPartitionsToTxn, 5, {
    transactions: [{ transactionalId: 'txn-v5', producerId, producerEpoch: 0, verifyOnly: false, topics: [{ name: 'txn-v5', partitions: [0] }] }],
  });
  assert.equal(added.resultsByTransaction![0]!.topicResults[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.NONE);
  const ended = await setup.client.call(EndTxn, 5, { transactionalId: 'txn-v5', producerId, producerEpoch: 0, committed: false });
  assert.deepEqual([ended.errorCode, ended.producerId, ended.producerEpoch], [ErrorCode.NONE, producerId, 1]);
  const { producerId: other } = await init('txn-v4');
  const old = await setup.client.call(EndTxn, 4, { transactionalId: 'txn-v4', producerId: other, producerEpoch: 0, committed: false });
  assert.deepEqual([old.errorCode, old.producerId, old.producerEpoch], [ErrorCode.INVALID_TXN_STATE, -1n, -1]);
});

test('KIP-890 for TxnOffsetCommit: offsets of a transaction the group\'s partition was never added to (no AddOffsetsToTxn) are INVALID_TXN_STATE; after AddOffsetsToTxn they go in', async () => {
  const { client } = setup;
  assert.equal((await createTopic(client, 'txn-verified-offsets-in')).errorCode, ErrorCode.NONE);
  const { producerId, producerEpoch } = await init('txn-verified-offsets');
  // As a client does before TxnOffsetCommit: find the group's coordinator (which creates __consumer_offsets).
  await waitFor(async () => (await client.call(FindCoordinator, 3, { key: 'txn-verified-group', keyType: 0 })).errorCode === ErrorCode.NONE, 30_000,
    { what: 'the group coordinator' });
  const commit = async () => (await client.call(TxnOffsetCommit, 3, {
    transactionalId: 'txn-verified-offsets', groupId: 'txn-verified-group', producerId, producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: 'txn-verified-offsets-in', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  })).topics[0]!.partitions[0]!.errorCode;
  assert.equal(await commit(), ErrorCode.INVALID_TXN_STATE, 'not verified: nothing may open a transaction on the offsets partition');
  const added = await client.call(AddOffsetsToTxn, 3, { transactionalId: 'txn-verified-offsets', producerId, producerEpoch, groupId: 'txn-verified-group' });
  assert.equal(added.errorCode, ErrorCode.NONE);
  assert.equal(await commit(), ErrorCode.NONE);
});
