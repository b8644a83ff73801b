/**
 * Producer ids across a cluster of three in-process brokers on a real ZooKeeper: each broker takes
 * blocks of 1000 from the controller (AllocateProducerIds), which records the latest block in
 * /latest_producer_id_block as Kafka does, so no two brokers, nor a new controller after the old one
 * stopped, ever hand out the same id.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Broker } from '../src/broker/broker.ts';
import { ensurePersistentPaths } from '../src/broker/cluster/broker-registration.ts';
import { allocateProducerIdBlock } from '../src/broker/cluster/controller/producer-id-block-allocation.ts';
import { ZooKeeperClient } from '../src/broker/cluster/zookeeper/zookeeper-client.ts';
import { allocateProducerIdsRequest, allocateProducerIdsResponse } from '../src/protocol/generated/allocate-producer-ids.ts';
import { initProducerIdRequest, initProducerIdResponse } from '../src/protocol/generated/init-producer-id.ts';
import { ErrorCode, isRetriable } from '../src/protocol/errors.ts';
import { callBroker, startClusterBrokers, type Closers } from './helpers/in-process-cluster.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

const InitProducerId = api(initProducerIdRequest, initProducerIdResponse);
const AllocateProducerIds = api(allocateProducerIdsRequest, allocateProducerIdsResponse);
const CHROOT = '/producer-ids';

let zk: TestZooKeeper;
const closers: Closers = [];
let brokers: Broker[];
let zkClient: ZooKeeperClient;
/** Every id any broker handed out in this file, checked for repeats as they come. */
const handedOut = new Set<bigint>();

before(async () => {
  zk = await startZooKeeper();
  brokers = await startClusterBrokers(zk, closers, { chroot: CHROOT });
  zkClient = await ZooKeeperClient.connect({ connect: `${zk.connectString}${CHROOT}`, sessionTimeoutMs: 2000 });
  closers.push(() => zkClient.close());
  for (const broker of brokers) {
    await waitFor(() => (broker.cluster.aliveBrokerIds().length === 3 && broker.cluster.controllerId >= 0) || undefined, 30_000, { what: `broker ${broker.nodeId} to see the cluster and its controller` });
  }
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await zk.close();
});

/** `count` InitProducerIds pipelined on one connection, each retried as a client would on a retriable error. */
async function producerIds(broker: Broker, count: number): Promise<bigint[]> {
  const client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    const pending = Array.from({ length: count }, () => client.send(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000 }));
    const ids: bigint[] = [];
    for (const request of pending) {
      let response = await request.response(30_000);
      const deadline = Date.now() + 30_000;
      while (response.errorCode !== ErrorCode.NONE && isRetriable(response.errorCode) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        response = await client.call(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000 }, 30_000);
      }
      assert.equal(response.errorCode, ErrorCode.NONE, `broker ${broker.nodeId} answered ${response.errorCode}`);
      assert.equal(response.producerEpoch, 0);
      assert.ok(!handedOut.has(response.producerId), `id ${response.producerId} from broker ${broker.nodeId} was handed out before`);
      handedOut.add(response.producerId);
      ids.push(response.producerId);
    }
    return ids;
  } finally {
    client.close();
  }
}

async function latestBlockZnode(): Promise<Record<string, unknown>> {
  return JSON.parse((await zkClient.getData('/latest_producer_id_block')).data.toString()) as Record<string, unknown>;
}

function controllerOf(): Broker {
  const controller = brokers.find((broker) => broker.isController);
  assert.ok(controller, 'a controller is elected');
  return controller;
}

test('brokers hand out ids from blocks of their own: none collide, even across blocks; the znode holds Kafka\'s JSON for the latest block', { timeout: 120_000 }, async () => {
  const byBroker = await Promise.all(brokers.map((broker) => producerIds(broker, 1100)));
  const all = byBroker.flat();
  assert.equal(new Set(all).size, 3300);
  for (const [i, ids] of byBroker.entries()) {
    // A broker's ids come in whole blocks of 1000, and no other broker's id falls in one of them.
    const blocks = new Set(ids.map((id) => id / 1000n));
    for (const [j, others] of byBroker.entries()) {
      if (i !== j) assert.ok(others.every((id) => !blocks.has(id / 1000n)), `brokers ${brokers[i]!.nodeId} and ${brokers[j]!.nodeId} share a block`);
    }
  }
  const latest = await latestBlockZnode();
  assert.deepEqual(Object.keys(latest), ['version', 'broker', 'block_start', 'block_end']);
  assert.equal(latest['version'], 1);
  assert.ok(brokers.some((broker) => broker.nodeId === latest['broker']));
  assert.equal(typeof latest['block_start'], 'string');
  assert.equal(BigInt(latest['block_end'] as string), BigInt(latest['block_start'] as string) + 999n);
  const highest = all.reduce((a, b) => (a > b ? a : b));
  assert.ok(BigInt(latest['block_end'] as string) >= highest, 'every id handed out lies in a block at or below the latest');
});

test('AllocateProducerIds: NOT_CONTROLLER from a broker that is not the controller; the controller checks the broker id and epoch and records the block it hands out', { timeout: 60_000 }, async () => {
  const controller = controllerOf();
  const other = brokers.find((broker) => broker !== controller)!;
  assert.deepEqual(await callBroker(other, AllocateProducerIds, 0, { brokerId: other.nodeId, brokerEpoch: other.brokerEpoch }),
    { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, producerIdStart: 0n, producerIdLen: 0 });
  assert.equal((await callBroker(controller, AllocateProducerIds, 0, { brokerId: other.nodeId, brokerEpoch: other.brokerEpoch + 1n })).errorCode, ErrorCode.STALE_BROKER_EPOCH);
  assert.equal((await callBroker(controller, AllocateProducerIds, 0, { brokerId: 42, brokerEpoch: 1n })).errorCode, ErrorCode.BROKER_ID_NOT_REGISTERED);

  const before = await latestBlockZnode();
  const block = await callBroker(controller, AllocateProducerIds, 0, { brokerId: other.nodeId, brokerEpoch: other.brokerEpoch });
  assert.equal(block.errorCode, ErrorCode.NONE);
  assert.equal(block.producerIdStart, BigInt(before['block_end'] as string) + 1n);
  assert.equal(block.producerIdLen, 1000);
  assert.deepEqual(await latestBlockZnode(), {
    version: 1, broker: other.nodeId, block_start: String(block.producerIdStart), block_end: String(block.producerIdStart + 999n),
  });
  // Nobody hands out the ids of that block: the brokers' next ids lie beyond it or in blocks of their own.
  const next = (await Promise.all(brokers.map((broker) => producerIds(broker, 50)))).flat();
  assert.ok(next.every((id) => id < block.producerIdStart || id > block.producerIdStart + 999n));
});

test('when the controller stops, its successor goes on after the latest block: still no id twice', { timeout: 120_000 }, async () => {
  const controller = controllerOf();
  await controller.close();
  const rest = brokers.filter((broker) => broker !== controller);
  brokers = rest;
  await waitFor(() => rest.some((broker) => broker.isController) || undefined, 30_000, { what: 'a new controller' });
  // Enough ids from each to need new blocks, which only the new controller can give.
  const ids = (await Promise.all(rest.map((broker) => producerIds(broker, 1000)))).flat();
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(handedOut.size, 3300 + 150 + 2000);
});

test('allocations racing from two ZooKeeper sessions (a deposed controller still writing) never get the same block: the write is conditional on the znode version', { timeout: 60_000 }, async () => {
  const sessions = await Promise.all([0, 1].map(() => ZooKeeperClient.connect({ connect: `${zk.connectString}/producer-id-race`, sessionTimeoutMs: 2000 })));
  try {
    await ensurePersistentPaths(sessions[0]!);
    const blocks = await Promise.all(Array.from({ length: 20 }, (_, i) => allocateProducerIdBlock(sessions[i % 2]!, i % 2)));
    const starts = blocks.map((block) => block.firstProducerId).sort((a, b) => (a < b ? -1 : 1));
    assert.deepEqual(starts, Array.from({ length: 20 }, (_, i) => BigInt(i * 1000)));
    const latest = JSON.parse((await sessions[0]!.getData('/latest_producer_id_block')).data.toString()) as Record<string, unknown>;
    assert.equal(latest['block_end'], '19999');
  } finally {
    for (const session of sessions) await session.close();
  }
});
