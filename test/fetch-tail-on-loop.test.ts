/**
 * Where a Fetch reads: the tail this broker just appended (a consumer that keeps up) is read on the
 * event loop, from the page cache, with no trip to libuv's thread pool; data from before a restart
 * (a consumer catching up on what the page cache may have dropped) is read in the pool. The test
 * counts each partition's trips to the pool with a spy on the in-process broker's Partition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import type { FetchRequest, FetchResponsePartitionData } from '../src/protocol/generated/fetch.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchesOf, batchOf, createTopic, fetchBody, produce } from './helpers/kafka-apis.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const TOPIC = 'tail';

/** Counts the trips to the thread pool of each of the topic's partitions. */
function poolTrips(broker: TestBroker, partitions: number): number[] {
  const trips = Array.from({ length: partitions }, () => 0);
  for (let index = 0; index < partitions; index++) {
    const partition = broker.replicaManager.leaderPartition(TOPIC, index);
    const readAsync = partition.readAsync.bind(partition);
    partition.readAsync = (...args) => {
      trips[index] += 1;
      return readAsync(...args);
    };
  }
  return trips;
}

function valuesOf(partition: FetchResponsePartitionData): string[] {
  assert.equal(partition.errorCode, ErrorCode.NONE);
  return batchesOf(partition).flatMap((batch) => batch.records.map((record) => record.value?.toString() ?? ''));
}

/** One Fetch of both partitions from offset 0: each partition's record values. */
async function fetchBoth(client: KafkaApiClient, partitionMaxBytes = 1024 * 1024): Promise<string[][]> {
  const body = fetchBody({ topic: TOPIC, partitionMaxBytes });
  const request: FetchRequest = { ...body, topics: [{ ...body.topics[0]!, partitions: [0, 1].map((partition) => ({ ...body.topics[0]!.partitions[0]!, partition })) }] };
  return (await client.call(Api.fetch, 12, request)).responses[0]!.partitions.map(valuesOf);
}

/** One partition's record values from `fetchOffset`. */
async function fetchAt(client: KafkaApiClient, partition: number, fetchOffset: bigint): Promise<string[]> {
  return valuesOf((await client.call(Api.fetch, 12, fetchBody({ topic: TOPIC, partition, fetchOffset }))).responses[0]!.partitions[0]!);
}

test('a fetch of what the broker just appended makes no trip to the thread pool; after a restart it reads in the pool, except what was appended since', { timeout: 60_000 }, async () => {
  let broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  const dataDir = broker.dataDir;
  let client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    assert.equal((await createTopic(client, TOPIC, { numPartitions: 2 })).errorCode, ErrorCode.NONE);
    assert.equal((await produce(client, TOPIC, 0, batchOf(['a0', 'a1']))).errorCode, ErrorCode.NONE);
    assert.equal((await produce(client, TOPIC, 1, batchOf(['b0']))).errorCode, ErrorCode.NONE);
    const live = poolTrips(broker, 2);
    assert.deepEqual(await fetchBoth(client), [['a0', 'a1'], ['b0']]);
    assert.deepEqual(live, [0, 0], 'the tail is read on the event loop');

    client.close();
    await broker.close();
    broker = await startTestBroker({ 'auto.create.topics.enable': 'false' }, dataDir);
    client = await KafkaApiClient.open(broker.host, broker.port);
    assert.equal((await produce(client, TOPIC, 1, batchOf(['b1']))).errorCode, ErrorCode.NONE);
    const restarted = poolTrips(broker, 2);
    assert.deepEqual(await fetchBoth(client), [['a0', 'a1'], ['b0', 'b1']]);
    assert.deepEqual(restarted, [1, 1], 'data from before the restart is read in the pool (partition 1 from b0, appended before it)');
    assert.deepEqual(await fetchAt(client, 1, 1n), ['b1']);
    assert.deepEqual(restarted, [1, 1], 'b1, appended since the restart, is read on the loop');
  } finally {
    client.close();
    await broker.close();
    await removeTempDir(dataDir);
  }
});


test('a fetch reads at most 4 MiB on the event loop: the partitions after that go to the pool even at their tails', { timeout: 60_000 }, async () => {
  const broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  const client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    assert.equal((await createTopic(client, TOPIC, { numPartitions: 2 })).errorCode, ErrorCode.NONE);
    const big = 'x'.repeat(1_000_000);
    for (let i = 0; i < 5; i++) assert.equal((await produce(client, TOPIC, 0, batchOf([big]))).errorCode, ErrorCode.NONE);
    assert.equal((await produce(client, TOPIC, 1, batchOf(['small']))).errorCode, ErrorCode.NONE);
    const trips = poolTrips(broker, 2);
    const [first, second] = await fetchBoth(client, 8 * 1024 * 1024);
    assert.equal(first!.length, 5);
    assert.deepEqual(second, ['small']);
    assert.deepEqual(trips, [0, 1], '5 MB read on the loop from partition 0, so partition 1 is read in the pool');
  } finally {
    client.close();
    await broker.close();
    await removeTempDir(broker.dataDir);
  }
});
