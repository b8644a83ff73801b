/**
 * Leader epochs kept by the log, on the wire: OffsetForLeaderEpoch (every version, raw requests and
 * @platformatic/kafka) and Fetch's diverging epoch (v12+), against a partition whose leader epoch
 * the tests move as the controller's LeaderAndIsr will (ReplicaManager.makeLeader). The partition
 * of every test holds offsets 0-1 written in epoch 0, offset 2 in epoch 3 and 3-4 in epoch 5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Connection, offsetForLeaderEpochV2, offsetForLeaderEpochV4 } from '@platformatic/kafka';
import { ErrorCode } from '../src/protocol/errors.ts';
import { Api, batchOf, batchesOf, createTopic, deleteRecordsBefore, fetchBody, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { apiTestBroker } from './helpers/api-test-broker.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { startTestBroker } from './helpers/test-broker.ts';
import { removeTempDir } from './helpers/temp-dir.ts';

const api = apiTestBroker();

/** Creates `topic` and writes offsets 0-1 in epoch 0, 2 in epoch 3, 3-4 in epoch 5; returns its id. */
async function topicWithEpochs(client: KafkaApiClient, topic: string, makeLeader: (epoch: number) => void): Promise<string> {
  const created = await createTopic(client, topic);
  assert.equal(created.errorCode, ErrorCode.NONE);
  assert.equal((await produce(client, topic, 0, batchOf(['a', 'b']))).errorCode, ErrorCode.NONE);
  makeLeader(3);
  assert.equal((await produce(client, topic, 0, batchOf(['c']))).errorCode, ErrorCode.NONE);
  makeLeader(5);
  assert.equal((await produce(client, topic, 0, batchOf(['d', 'e']))).errorCode, ErrorCode.NONE);
  return created.topicId!;
}

async function endOffsetFor(
  client: KafkaApiClient, topic: string, leaderEpoch: number,
  { version = 4, partition = 0, currentLeaderEpoch = -1, replicaId = -1 }: { version?: number; partition?: number; currentLeaderEpoch?: number; replicaId?: number } = {},
) {
  const response = await client.call(Api.offsetForLeaderEpoch, version, {
    replicaId: version >= 3 ? replicaId : undefined,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: version >= 2 ? currentLeaderEpoch : undefined, leaderEpoch }] }],
  });
  assert.equal(response.topics.length, 1);
  assert.equal(response.topics[0].topic, topic);
  const [answer] = response.topics[0].partitions;
  assert.equal(answer.partition, partition);
  return { errorCode: answer.errorCode, leaderEpoch: answer.leaderEpoch, endOffset: Number(answer.endOffset) };
}

/** [epoch asked, epoch answered, end offset answered], as Kafka's LeaderEpochFileCache.endOffsetFor. */
const EXPECTED: Array<[number, number, number]> = [
  [0, 0, 2], [1, 0, 2], [2, 0, 2], [3, 3, 3], [4, 3, 3],
  [5, 5, 5], // the current epoch ends at the log end
  [6, -1, -1], [100, -1, -1], [-1, -1, -1],
];

test('OffsetForLeaderEpoch v0-v4: the largest epoch at or below the one asked and where it ended', { timeout: 30_000 }, async () => {
  await topicWithEpochs(api.client, 'ofle-answers', (epoch) => api.broker.replicaManager.makeLeader('ofle-answers', 0, epoch));
  for (let version = 0; version <= 4; version++) {
    for (const [asked, epoch, endOffset] of EXPECTED) {
      // v0 has no leader epoch in its answer (the codec reads -1).
      const expected = { errorCode: ErrorCode.NONE, leaderEpoch: version === 0 ? -1 : epoch, endOffset };
      assert.deepEqual(await endOffsetFor(api.client, 'ofle-answers', asked, { version }), expected, `v${version}, epoch ${asked}`);
    }
  }
  // A follower (replica id >= 0, v3+) gets the leader's answer too.
  assert.deepEqual(await endOffsetFor(api.client, 'ofle-answers', 3, { replicaId: 1 }), { errorCode: ErrorCode.NONE, leaderEpoch: 3, endOffset: 3 });
});

test('OffsetForLeaderEpoch errors: unknown partitions, and currentLeaderEpoch checked as Fetch does', { timeout: 30_000 }, async () => {
  await topicWithEpochs(api.client, 'ofle-errors', (epoch) => api.broker.replicaManager.makeLeader('ofle-errors', 0, epoch));
  const none = { leaderEpoch: -1, endOffset: -1 };
  assert.deepEqual(await endOffsetFor(api.client, 'ofle-no-such-topic', 0), { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ...none });
  assert.deepEqual(await endOffsetFor(api.client, 'ofle-errors', 0, { partition: 7 }), { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ...none });
  for (const version of [2, 3, 4]) {
    assert.deepEqual(await endOffsetFor(api.client, 'ofle-errors', 3, { version, currentLeaderEpoch: 5 }), { errorCode: ErrorCode.NONE, leaderEpoch: 3, endOffset: 3 });
    assert.deepEqual(await endOffsetFor(api.client, 'ofle-errors', 3, { version, currentLeaderEpoch: 4 }), { errorCode: ErrorCode.FENCED_LEADER_EPOCH, ...none });
    assert.deepEqual(await endOffsetFor(api.client, 'ofle-errors', 3, { version, currentLeaderEpoch: 6 }), { errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH, ...none });
  }
  // Records deleted below epoch 3's start: an older epoch now ends where the log starts.
  assert.equal((await deleteRecordsBefore(api.client, 'ofle-errors', 3n)).errorCode, ErrorCode.NONE);
  assert.deepEqual(await endOffsetFor(api.client, 'ofle-errors', 0), { errorCode: ErrorCode.NONE, leaderEpoch: 0, endOffset: 3 });
  assert.deepEqual(await endOffsetFor(api.client, 'ofle-errors', 5), { errorCode: ErrorCode.NONE, leaderEpoch: 5, endOffset: 5 });
});

test('@platformatic/kafka\'s OffsetForLeaderEpoch v2 (librdkafka\'s version) and v4 get the same answers', { timeout: 30_000 }, async () => {
  await topicWithEpochs(api.client, 'ofle-platformatic', (epoch) => api.broker.replicaManager.makeLeader('ofle-platformatic', 0, epoch));
  const connection = new Connection('samsa-ofle-test');
  try {
    await connection.connect(api.broker.host, api.broker.port);
    for (const [asked, epoch, endOffset] of EXPECTED) {
      const topics = [{ name: 'ofle-platformatic', partitions: [{ partitionIndex: 0, currentLeaderEpoch: 5, leaderEpoch: asked }] }];
      for (const response of [await offsetForLeaderEpochV2.api.async(connection, -1, topics), await offsetForLeaderEpochV4.api.async(connection, -1, topics)]) {
        const [answer] = response.topics[0].partitions;
        assert.deepEqual({ errorCode: answer.errorCode, leaderEpoch: answer.leaderEpoch, endOffset: Number(answer.endOffset) }, { errorCode: 0, leaderEpoch: epoch, endOffset }, `epoch ${asked}`);
      }
    }
  } finally {
    await connection.close();
  }
});

test('the epochs survive a broker restart, in Kafka\'s leader-epoch-checkpoint file', { timeout: 60_000 }, async () => {
  let broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  const { dataDir } = broker;
  try {
    let client = await KafkaApiClient.open(broker.host, broker.port);
    await topicWithEpochs(client, 'ofle-restart', (epoch) => broker.replicaManager.makeLeader('ofle-restart', 0, epoch));
    client.close();
    await broker.close();
    assert.equal(fs.readFileSync(path.join(dataDir, 'ofle-restart-0', 'leader-epoch-checkpoint'), 'utf8'), '0\n3\n0 0\n3 2\n5 3\n');
    broker = await startTestBroker({ 'auto.create.topics.enable': 'false' }, dataDir);
    client = await KafkaApiClient.open(broker.host, broker.port);
    assert.deepEqual(await endOffsetFor(client, 'ofle-restart', 3), { errorCode: ErrorCode.NONE, leaderEpoch: 3, endOffset: 3 });
    assert.deepEqual(await endOffsetFor(client, 'ofle-restart', 4), { errorCode: ErrorCode.NONE, leaderEpoch: 3, endOffset: 3 });
    client.close();
  } finally {
    await broker.close();
    await removeTempDir(dataDir);
  }
});

/** One fetch of partition 0 at `fetchOffset` with a lastFetchedEpoch, as a follower sends it. */
async function fetchAfterEpoch(topic: string, topicId: string, version: number, fetchOffset: number, lastFetchedEpoch: number, maxWaitMs = 0) {
  const body = fetchBody({ ...(version >= 13 ? { topicId } : { topic }), fetchOffset: BigInt(fetchOffset), maxWaitMs });
  body.topics[0].partitions[0].lastFetchedEpoch = lastFetchedEpoch;
  return onlyPartition(await api.client.call(Api.fetch, version, body));
}

test('Fetch v12+ with lastFetchedEpoch: a diverging log is told where to truncate and gets no records', { timeout: 60_000 }, async () => {
  const topicId = await topicWithEpochs(api.client, 'fetch-diverging', (epoch) => api.broker.replicaManager.makeLeader('fetch-diverging', 0, epoch));
  /** [fetch offset, last fetched epoch, diverging epoch expected (or the first offset read)]. */
  const cases: Array<[number, number, { epoch: number; endOffset: number } | number]> = [
    [2, 0, 2], // epoch 0 ended at 2: in step
    [3, 0, { epoch: 0, endOffset: 2 }], // wrote past the end of epoch 0
    [3, 4, { epoch: 3, endOffset: 3 }], // an epoch the leader never had: truncate to where epoch 3 ended
    [3, 3, 3],
    [5, 5, 5], // at the log end in the current epoch: nothing to read, no divergence
    [7, 5, { epoch: 5, endOffset: 5 }], // a tail past the leader's end: diverging, not OFFSET_OUT_OF_RANGE
    [0, -1, 0], // no last fetched epoch: a plain fetch
  ];
  for (const version of [12, 13, 17]) {
    for (const [fetchOffset, lastFetchedEpoch, expected] of cases) {
      const where = `v${version}, offset ${fetchOffset} after epoch ${lastFetchedEpoch}`;
      const partition = await fetchAfterEpoch('fetch-diverging', topicId, version, fetchOffset, lastFetchedEpoch);
      assert.equal(partition.errorCode, ErrorCode.NONE, where);
      assert.equal(partition.highWatermark, 5n, where);
      if (typeof expected === 'number') {
        assert.deepEqual(partition.divergingEpoch, { epoch: -1, endOffset: -1n }, where); // the field's default: not diverging
        assert.equal(Number(batchesOf(partition)[0]?.baseOffset ?? 5), expected, where);
      } else {
        assert.deepEqual(partition.divergingEpoch, { epoch: expected.epoch, endOffset: BigInt(expected.endOffset) }, where);
        assert.equal(partition.records?.length ?? 0, 0, where);
      }
    }
  }
  // A diverging fetch is answered at once, however long it may wait for data.
  const waiting = await fetchAfterEpoch('fetch-diverging', topicId, 13, 3, 0, 120_000);
  assert.deepEqual(waiting.divergingEpoch, { epoch: 0, endOffset: 2n });
});

test('Fetch with lastFetchedEpoch: an epoch the log cannot place, or an offset below the log start, is OFFSET_OUT_OF_RANGE', { timeout: 30_000 }, async () => {
  const created = await createTopic(api.client, 'fetch-diverging-empty');
  assert.equal((await fetchAfterEpoch('fetch-diverging-empty', created.topicId!, 13, 0, 0)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  const topicId = await topicWithEpochs(api.client, 'fetch-diverging-deleted', (epoch) => api.broker.replicaManager.makeLeader('fetch-diverging-deleted', 0, epoch));
  assert.equal((await fetchAfterEpoch('fetch-diverging-deleted', topicId, 13, 1, 6)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'epoch 6 is unknown');
  assert.equal((await deleteRecordsBefore(api.client, 'fetch-diverging-deleted', 3n)).errorCode, ErrorCode.NONE);
  assert.equal((await fetchAfterEpoch('fetch-diverging-deleted', topicId, 13, 1, 0)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.deepEqual((await fetchAfterEpoch('fetch-diverging-deleted', topicId, 13, 4, 0)).divergingEpoch, { epoch: 0, endOffset: 3n });
});
