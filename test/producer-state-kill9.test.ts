/**
 * Producer state survives a SIGKILL of the broker process: an idempotent producer's retry of its
 * last batch, sent after the restart, is answered with the original offset and not written again
 * (the state came back from the snapshot of the last roll and the batches after it); a gap is
 * still refused; and a transaction left open stays open (read_committed's end stays at its first
 * offset) until its COMMIT marker arrives, written then by WriteTxnMarkers.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../src/protocol/errors.ts';
import { writeTxnMarkersRequest, writeTxnMarkersResponse } from '../src/protocol/generated/write-txn-markers.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchOf, createTopic, produce } from './helpers/kafka-apis.ts';
import { startBrokerProcess, withTempDataDir } from './helpers/test-broker.ts';

const WriteTxnMarkers = api(writeTxnMarkersRequest, writeTxnMarkersResponse);
const TOPIC = 'kill9-producers';
const IDEMPOTENT = 9_000;
const TRANSACTIONAL = 9_001;

async function endOffset(client: KafkaApiClient, isolationLevel: 0 | 1): Promise<number> {
  const response = await client.call(Api.listOffsets, 7, {
    replicaId: -1, isolationLevel, timeoutMs: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
  });
  return Number(response.topics[0]!.partitions[0]!.offset);
}

const idempotentBatch = (sequence: number) => batchOf([`a-${sequence}`, `b-${sequence}`, `c-${sequence}`], Date.now(), { producerId: IDEMPOTENT, producerEpoch: 0, baseSequence: sequence * 3 });

test('after kill -9 a retried batch is deduplicated and an open transaction is still open', { timeout: 120_000 }, async () => {
  await withTempDataDir(async (dataDir) => {
    // Small segments: the producer state comes back from a roll's snapshot plus the batches after it.
    // No coordinator is involved: the transaction is opened and ended by hand (no KIP-890 verification).
    const configs = { 'log.segment.bytes': '1024', 'transaction.partition.verification.enable': 'false' };
    let broker = await startBrokerProcess(dataDir, configs);
    let client = await KafkaApiClient.open(broker.host, broker.port);
    let lastOffset = -1;
    let transactionStart = -1;
    try {
      assert.equal((await createTopic(client, TOPIC)).errorCode, ErrorCode.NONE);
      for (let sequence = 0; sequence < 20; sequence++) {
        const answer = await produce(client, TOPIC, 0, idempotentBatch(sequence));
        assert.equal(answer.errorCode, ErrorCode.NONE);
        lastOffset = Number(answer.baseOffset);
      }
      const records = batchOf(['open-0', 'open-1'], Date.now(), { producerId: TRANSACTIONAL, producerEpoch: 0, baseSequence: 0, isTransactional: true });
      const opened = (await client.call(Api.produce, 9, {
        transactionalId: 'kill9-txn', acks: -1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
      })).responses[0]!.partitionResponses[0]!;
      assert.equal(opened.errorCode, ErrorCode.NONE);
      transactionStart = Number(opened.baseOffset);
      assert.equal(await endOffset(client, 1), transactionStart, 'read_committed stops at the open transaction');
    } finally {
      client.connection.close();
      await broker.kill9();
    }
    const files = readdirSync(join(dataDir, `${TOPIC}-0`));
    assert.ok(files.some((name) => name.endsWith('.snapshot')), `a producer snapshot was written at a roll: ${files.join(' ')}`);

    broker = await startBrokerProcess(dataDir, configs);
    client = await KafkaApiClient.open(broker.host, broker.port);
    try {
      const end = await endOffset(client, 0);
      const retry = await produce(client, TOPIC, 0, idempotentBatch(19));
      assert.deepEqual([retry.errorCode, Number(retry.baseOffset)], [ErrorCode.NONE, lastOffset], 'the retry is answered with the original offset');
      assert.equal(await endOffset(client, 0), end, 'and nothing was written');
      assert.equal((await produce(client, TOPIC, 0, idempotentBatch(21))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'a gap is refused');
      assert.equal((await produce(client, TOPIC, 0, idempotentBatch(20))).errorCode, ErrorCode.NONE, 'the next batch goes on');
      assert.equal(await endOffset(client, 1), transactionStart, 'the transaction is still open after the restart');
      const marked = await client.call(WriteTxnMarkers, 1, {
        markers: [{ producerId: BigInt(TRANSACTIONAL), producerEpoch: 0, transactionResult: true, coordinatorEpoch: 0, topics: [{ name: TOPIC, partitionIndexes: [0] }] }],
      });
      assert.equal(marked.markers[0]!.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
      assert.equal(await endOffset(client, 1), await endOffset(client, 0), 'committed: read_committed reads to the end');
    } finally {
      client.connection.close();
      await broker.stop();
    }
  });
});
