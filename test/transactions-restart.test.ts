/**
 * The transaction coordinator's state outlives a restart: __transaction_state is replayed when the
 * broker starts, so a committed transactional id keeps its producer id and epochs, and a
 * transaction left open is still open, then aborted by the coordinator once past its timeout (its
 * ABORT marker written after its data).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import { addPartitionsToTxnRequest, addPartitionsToTxnResponse } from '../src/protocol/generated/add-partitions-to-txn.ts';
import { describeTransactionsRequest, describeTransactionsResponse } from '../src/protocol/generated/describe-transactions.ts';
import { endTxnRequest, endTxnResponse } from '../src/protocol/generated/end-txn.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/generated/find-coordinator.ts';
import { initProducerIdRequest, initProducerIdResponse } from '../src/protocol/generated/init-producer-id.ts';
import { ControlRecordType } from '../src/protocol/records/record-batch.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchesOf, batchOf, createTopic, fetchBody, onlyPartition } from './helpers/kafka-apis.ts';
import { removeTempDir, tempDirSync } from './helpers/temp-dir.ts';
import { startTestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const FindCoordinator = api(findCoordinatorRequest, findCoordinatorResponse);
const InitProducerId = api(initProducerIdRequest, initProducerIdResponse);
const AddPartitionsToTxn = api(addPartitionsToTxnRequest, addPartitionsToTxnResponse);
const EndTxn = api(endTxnRequest, endTxnResponse);
const DescribeTransactions = api(describeTransactionsRequest, describeTransactionsResponse);

const CONFIG = { 'auto.create.topics.enable': 'false', 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '200' };

async function describe(client: KafkaApiClient, transactionalId: string) {
  return (await client.call(DescribeTransactions, 0, { transactionalIds: [transactionalId] })).transactionStates[0]!;
}

/** InitProducerId, AddPartitionsToTxn and one transactional batch on partition 0 of `topic`. */
async function openTransaction(client: KafkaApiClient, transactionalId: string, topic: string, transactionTimeoutMs: number) {
  assert.equal((await client.call(FindCoordinator, 3, { key: transactionalId, keyType: 1 })).errorCode, ErrorCode.NONE);
  const { producerId, producerEpoch, errorCode } = await client.call(InitProducerId, 4, { transactionalId, transactionTimeoutMs, producerId: -1n, producerEpoch: -1 });
  assert.equal(errorCode, ErrorCode.NONE);
  const added = await client.call(AddPartitionsToTxn, 3, {
    v3AndBelowTransactionalId: transactionalId, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: [{ name: topic, partitions: [0] }],
  });
  assert.equal(added.resultsByTopicV3AndBelow![0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.NONE);
  const records = batchOf([`${transactionalId}-record`], Date.now(), { producerId: Number(producerId), producerEpoch, baseSequence: 0, isTransactional: true });
  const produced = await client.call(Api.produce, 9, { transactionalId, acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  return { producerId, producerEpoch };
}

test('after a restart a committed id keeps its producer and a transaction left open is aborted at its timeout', { timeout: 60_000 }, async () => {
  const dataDir = tempDirSync('samsa-txn-restart-');
  let broker = await startTestBroker(CONFIG, dataDir, { silent: true });
  let client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    await createTopic(client, 'kept');
    await createTopic(client, 'left-open');
    const kept = await openTransaction(client, 'kept-producer', 'kept', 60_000);
    assert.equal((await client.call(EndTxn, 3, { transactionalId: 'kept-producer', ...kept, committed: true })).errorCode, ErrorCode.NONE);
    await waitFor(async () => (await describe(client, 'kept-producer')).transactionState === 'CompleteCommit', 10_000, { what: 'the commit to complete' });
    const open = await openTransaction(client, 'open-producer', 'left-open', 6_000);
    client.close();
    await broker.close();

    broker = await startTestBroker(CONFIG, dataDir, { silent: true });
    client = await KafkaApiClient.open(broker.host, broker.port);
    const described = await waitFor(async () => {
      const state = await describe(client, 'kept-producer');
      if (state.errorCode !== ErrorCode.NONE) throw new Error(`DescribeTransactions answered ${state.errorCode}`);
      return state;
    }, 10_000, { what: 'the coordinator to load' });
    assert.deepEqual([described.transactionState, described.producerId, described.producerEpoch], ['CompleteCommit', kept.producerId, kept.producerEpoch]);
    const reopened = await describe(client, 'open-producer');
    assert.deepEqual([reopened.transactionState, reopened.producerId, reopened.topics], ['Ongoing', open.producerId, [{ topic: 'left-open', partitions: [0] }]]);

    // Past its 6 s timeout the coordinator aborts it, fencing its producer with the next epoch.
    const aborted = await waitFor(async () => {
      const state = await describe(client, 'open-producer');
      if (state.transactionState !== 'CompleteAbort') throw new Error(`still ${state.transactionState}`);
      return state;
    }, 20_000, { what: 'the timed out transaction to be aborted' });
    assert.equal(aborted.producerEpoch, open.producerEpoch + 1);
    const batches = batchesOf(onlyPartition(await client.call(Api.fetch, 11, fetchBody({ topic: 'left-open' }))));
    assert.deepEqual(batches.map((b) => b.isControl), [false, true]);
    assert.equal(batches[1]!.records[0]!.key!.readInt16BE(2), ControlRecordType.ABORT);
    assert.equal((await client.call(EndTxn, 3, { transactionalId: 'open-producer', ...open, committed: true })).errorCode, ErrorCode.PRODUCER_FENCED);
    // The committed id goes on with its next epoch.
    const next = await client.call(InitProducerId, 4, { transactionalId: 'kept-producer', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.deepEqual([next.errorCode, next.producerId, next.producerEpoch], [ErrorCode.NONE, kept.producerId, kept.producerEpoch + 1]);
  } finally {
    client.close();
    await broker.close();
    await removeTempDir(dataDir);
  }
});
