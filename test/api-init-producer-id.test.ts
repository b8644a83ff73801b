/**
 * InitProducerId without a transactional id on a single node: every answer a fresh producer id at
 * epoch 0, never one handed out before, across restarts too (the node keeps the latest block of
 * ids in its metadata file); and KafkaJS's idempotent producer gets an id and its records through.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { allocateProducerIdsRequest, allocateProducerIdsResponse } from '../src/protocol/generated/allocate-producer-ids.ts';
import { initProducerIdRequest, initProducerIdResponse, type InitProducerIdRequest } from '../src/protocol/generated/init-producer-id.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { apiTestBroker } from './helpers/api-test-broker.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchesOf, fetchBody, onlyPartition } from './helpers/kafka-apis.ts';
import { removeTempDir, tempDirSync } from './helpers/temp-dir.ts';
import { startTestBroker } from './helpers/test-broker.ts';

const { Kafka, logLevel } = kafkajs;
const InitProducerId = api(initProducerIdRequest, initProducerIdResponse);
const AllocateProducerIds = api(allocateProducerIdsRequest, allocateProducerIdsResponse);
const setup = apiTestBroker();

const idempotent = (fields: Partial<InitProducerIdRequest> = {}): InitProducerIdRequest => ({ transactionalId: null, transactionTimeoutMs: 60_000, ...fields });

async function producerIds(client: KafkaApiClient, count: number, version = 4): Promise<bigint[]> {
  const pending = Array.from({ length: count }, () => client.send(InitProducerId, version, idempotent()));
  const ids: bigint[] = [];
  for (const request of pending) {
    const response = await request.response();
    assert.equal(response.errorCode, ErrorCode.NONE);
    assert.equal(response.producerEpoch, 0);
    ids.push(response.producerId);
  }
  return ids;
}

const max = (ids: readonly bigint[]): bigint => ids.reduce((a, b) => (a > b ? a : b));

test('every version without a transactional id answers a fresh producer id at epoch 0, the transaction timeout ignored', async () => {
  const ids: bigint[] = [];
  for (let version = 0; version <= 5; version++) {
    for (const transactionTimeoutMs of [0, -1, 60_000]) {
      const response = await setup.client.call(InitProducerId, version, idempotent({ transactionTimeoutMs }));
      assert.deepEqual({ ...response, producerId: 0n }, { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: 0n, producerEpoch: 0 }, `v${version}`);
      assert.ok(response.producerId >= 0n);
      ids.push(response.producerId);
    }
  }
  assert.equal(new Set(ids).size, ids.length, 'no id twice');
});

test('KIP-360 (v3+): an idempotent producer naming its id and epoch gets a new id at epoch 0; naming only one of them is INVALID_REQUEST', async () => {
  const [first] = await producerIds(setup.client, 1, 3);
  for (const version of [3, 4, 5]) {
    const again = await setup.client.call(InitProducerId, version, idempotent({ producerId: first!, producerEpoch: 0 }));
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.notEqual(again.producerId, first);
    assert.equal(again.producerEpoch, 0);
    for (const half of [{ producerId: first!, producerEpoch: -1 }, { producerId: -1n, producerEpoch: 3 }]) {
      assert.deepEqual(await setup.client.call(InitProducerId, version, idempotent(half)),
        { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1n, producerEpoch: -1 });
    }
  }
});

test('thousands of producers at once, over several connections, all get distinct ids (across blocks of 1000)', async () => {
  const clients = await Promise.all(Array.from({ length: 4 }, () => setup.open()));
  const ids = (await Promise.all(clients.map((client) => producerIds(client, 600)))).flat();
  assert.equal(ids.length, 2400);
  assert.equal(new Set(ids).size, 2400);
});

test('AllocateProducerIds: the single node, its own controller, hands itself a block above every id handed out, and none to another broker', async () => {
  const handedOut = await producerIds(setup.client, 10);
  const block = await setup.client.call(AllocateProducerIds, 0, { brokerId: 1, brokerEpoch: -1n });
  assert.equal(block.errorCode, ErrorCode.NONE);
  assert.equal(block.producerIdLen, 1000);
  assert.ok(block.producerIdStart > max(handedOut));
  const stranger = await setup.client.call(AllocateProducerIds, 0, { brokerId: 7, brokerEpoch: -1n });
  assert.deepEqual(stranger, { throttleTimeMs: 0, errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED, producerIdStart: 0n, producerIdLen: 0 });
  const stale = await setup.client.call(AllocateProducerIds, 0, { brokerId: 1, brokerEpoch: 12n });
  assert.equal(stale.errorCode, ErrorCode.STALE_BROKER_EPOCH);
  // The ids go on after the block the request took.
  const [next] = await producerIds(setup.client, 1);
  assert.ok(next! < block.producerIdStart || next! >= block.producerIdStart + 1000n, 'not an id of the block handed to the request');
});

test('after a restart on the same data directory, every new id is above every id handed out before', async () => {
  const dataDir = tempDirSync('samsa-producer-ids-');
  const earlier: bigint[] = [];
  try {
    for (let run = 0; run < 3; run++) {
      const broker = await startTestBroker({}, dataDir);
      const client = await KafkaApiClient.open(broker.host, broker.port);
      try {
        const ids = await producerIds(client, 5);
        if (earlier.length > 0) for (const id of ids) assert.ok(id > max(earlier), `run ${run}: id ${id} above ${max(earlier)}`);
        earlier.push(...ids);
      } finally {
        client.close();
        await broker.close();
      }
    }
  } finally {
    await removeTempDir(dataDir);
  }
  assert.equal(new Set(earlier).size, 15);
});

test('KafkaJS with idempotent: true gets a producer id; its sends are acknowledged and read back, stamped with that id', { timeout: 60_000 }, async () => {
  const topic = 'kafkajs-idempotent';
  const kafka = new Kafka({ clientId: 'samsa-idempotent-test', brokers: [setup.broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const acknowledged = [];
  try {
    for (let i = 0; i < 5; i++) {
      acknowledged.push(...await producer.send({ topic, acks: -1, messages: [{ key: `k${i}`, value: `v${i}` }, { key: `k${i}b`, value: `v${i}b` }] }));
    }
  } finally {
    await producer.disconnect();
  }
  assert.deepEqual(acknowledged.map((a) => [a.errorCode, a.baseOffset]), Array.from({ length: 5 }, (_, i) => [0, String(2 * i)]));

  const fetched = onlyPartition(await setup.client.call(Api.fetch, 12, fetchBody({ topic })));
  const batches = batchesOf(fetched);
  assert.deepEqual(batches.flatMap((b) => b.records.map((r) => r.value?.toString())), ['v0', 'v0b', 'v1', 'v1b', 'v2', 'v2b', 'v3', 'v3b', 'v4', 'v4b']);
  const producerIdsSeen = new Set(batches.map((b) => b.producerId));
  assert.equal(producerIdsSeen.size, 1);
  assert.ok([...producerIdsSeen][0]! >= 0, 'the batches carry the producer id the broker handed out');
  assert.deepEqual(batches.map((b) => [b.producerEpoch, b.baseSequence]), [[0, 0], [0, 2], [0, 4], [0, 6], [0, 8]]);
});
