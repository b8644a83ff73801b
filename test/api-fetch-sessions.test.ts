/**
 * Incremental fetch sessions (KIP-227) on the wire, as a Java consumer or a follower uses them: a
 * full fetch (epoch 0) opens a session, incremental fetches name only what changed and are answered
 * only partitions with news; a waiting incremental fetch is woken by an append to any partition of
 * its session; the session errors, closing a session, and a full cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import type { FetchRequest, FetchResponse } from '../src/protocol/generated/fetch.ts';
import { apiTestBroker } from './helpers/api-test-broker.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchOf, batchesOf, createTopic, produce } from './helpers/kafka-apis.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, waitForParkedFetches } from './helpers/test-broker.ts';

const api = apiTestBroker();

interface Topic { readonly topic: string; readonly topicId: string }

async function freshTopic(name: string, numPartitions: number, client = api.client): Promise<Topic> {
  const created = await createTopic(client, name, { numPartitions });
  assert.equal(created.errorCode, ErrorCode.NONE);
  return { topic: name, topicId: created.topicId! };
}

/** A Fetch in session `sessionId` at `epoch`, naming `partitions` (index -> fetch offset) and forgetting `forgotten`. */
function sessionFetch(version: number, topic: Topic, { sessionId = 0, epoch, partitions = {}, forgotten = [], maxWaitMs = 0 }: {
  sessionId?: number; epoch: number; partitions?: Record<number, bigint>; forgotten?: number[]; maxWaitMs?: number;
}): FetchRequest {
  const named = version >= 13 ? { topicId: topic.topicId } : { topic: topic.topic };
  const fetchPartitions = Object.entries(partitions).map(([partition, fetchOffset]) => ({
    partition: Number(partition), currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1n, partitionMaxBytes: 1 << 20,
  }));
  return {
    replicaId: -1, maxWaitMs, minBytes: 1, maxBytes: 1 << 24, isolationLevel: 0, sessionId, sessionEpoch: epoch,
    topics: fetchPartitions.length > 0 ? [{ ...named, partitions: fetchPartitions }] : [],
    forgottenTopicsData: forgotten.length > 0 ? [{ ...named, partitions: forgotten }] : [], rackId: '',
  };
}

/** Each answered partition index, with the values of its records. */
function answered(response: FetchResponse): Array<[number, string[]]> {
  return response.responses.flatMap((t) => t.partitions.map((p): [number, string[]] =>
    [p.partitionIndex, batchesOf(p).flatMap((b) => b.records.map((r) => r.value?.toString() ?? ''))]));
}

async function produceTo(topic: Topic, partition: number, value: string): Promise<void> {
  assert.equal((await produce(api.client, topic.topic, partition, batchOf([value]))).errorCode, ErrorCode.NONE);
}

for (const version of [12, 17]) {
  test(`Fetch v${version}: a full fetch opens a session; incremental fetches are answered only partitions with news`, async () => {
    const topic = await freshTopic(`sessions-news-v${version}`, 3);
    await produceTo(topic, 0, 'x');
    const full = await api.client.call(Api.fetch, version, sessionFetch(version, topic, { epoch: 0, partitions: { 0: 0n, 1: 0n, 2: 0n } }));
    assert.equal(full.errorCode, ErrorCode.NONE);
    assert.notEqual(full.sessionId, 0, 'a session was opened');
    assert.deepEqual(answered(full), [[0, ['x']], [1, []], [2, []]]);
    if (version >= 13) assert.equal(full.responses[0]!.topicId, topic.topicId);
    else assert.equal(full.responses[0]!.topic, topic.topic);
    const { sessionId } = full;

    // The consumer moved past 'x' on partition 0: it names that partition only, and nothing is new.
    const quiet = await api.client.call(Api.fetch, version, sessionFetch(version, topic, { sessionId, epoch: 1, partitions: { 0: 1n } }));
    assert.deepEqual([quiet.errorCode, quiet.sessionId, answered(quiet)], [ErrorCode.NONE, sessionId, []]);

    await produceTo(topic, 2, 'y');
    const news = await api.client.call(Api.fetch, version, sessionFetch(version, topic, { sessionId, epoch: 2 }));
    assert.deepEqual(answered(news), [[2, ['y']]], 'only partition 2, read from the offset the session holds');
    assert.equal(news.responses[0]!.partitions[0]!.highWatermark, 1n);
  });
}

test('a waiting incremental fetch is woken by an append to a partition of its session that it does not name', async () => {
  const topic = await freshTopic('sessions-wake', 2);
  const consumer = await api.open();
  const { sessionId } = await consumer.call(Api.fetch, 17, sessionFetch(17, topic, { epoch: 0, partitions: { 0: 0n, 1: 0n } }));
  const pending = consumer.send(Api.fetch, 17, sessionFetch(17, topic, { sessionId, epoch: 1, maxWaitMs: 60_000 }));
  await waitForParkedFetches(api.broker);
  assert.equal(consumer.connection.pendingFrames, 0, 'answered before anything was produced');
  await produceTo(topic, 1, 'wake');
  const response = await pending.response(10_000);
  assert.deepEqual([response.errorCode, answered(response)], [ErrorCode.NONE, [[1, ['wake']]]]);
});

test('an incremental fetch forgets partitions (no longer answered) and adds them back (answered at once)', async () => {
  const topic = await freshTopic('sessions-forget', 2);
  const { sessionId } = await api.client.call(Api.fetch, 17, sessionFetch(17, topic, { epoch: 0, partitions: { 0: 0n, 1: 0n } }));
  assert.deepEqual(answered(await api.client.call(Api.fetch, 17, sessionFetch(17, topic, { sessionId, epoch: 1, forgotten: [1] }))), []);
  await produceTo(topic, 1, 'unseen');
  assert.deepEqual(answered(await api.client.call(Api.fetch, 17, sessionFetch(17, topic, { sessionId, epoch: 2 }))), [], 'partition 1 left the session');
  const added = await api.client.call(Api.fetch, 17, sessionFetch(17, topic, { sessionId, epoch: 3, partitions: { 1: 0n } }));
  assert.deepEqual(answered(added), [[1, ['unseen']]]);
});

test('session errors: unknown session, wrong epoch, names in a session of ids; epoch -1 closes a session and answers sessionless', async () => {
  const topic = await freshTopic('sessions-errors', 1);
  const unknown = await api.client.call(Api.fetch, 17, sessionFetch(17, topic, { sessionId: 12345, epoch: 1 }));
  assert.deepEqual([unknown.errorCode, unknown.sessionId, unknown.responses], [ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 0, []]);

  const { sessionId } = await api.client.call(Api.fetch, 17, sessionFetch(17, topic, { epoch: 0, partitions: { 0: 0n } }));
  assert.equal((await api.client.call(Api.fetch, 17, sessionFetch(17, topic, { sessionId, epoch: 5 }))).errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  assert.equal((await api.client.call(Api.fetch, 12, sessionFetch(12, topic, { sessionId, epoch: 1 }))).errorCode, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
  assert.equal((await api.client.call(Api.fetch, 17, sessionFetch(17, topic, { sessionId, epoch: 1 }))).errorCode, ErrorCode.NONE, 'the errors left the session as it was');

  const closing = await api.client.call(Api.fetch, 17, sessionFetch(17, topic, { sessionId, epoch: -1, partitions: { 0: 0n } }));
  assert.deepEqual([closing.errorCode, closing.sessionId, answered(closing)], [ErrorCode.NONE, 0, [[0, []]]]);
  assert.equal((await api.client.call(Api.fetch, 17, sessionFetch(17, topic, { sessionId, epoch: 2 }))).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
});

test('max.incremental.fetch.session.cache.slots: with every slot taken by a young session, a consumer\'s full fetch is answered sessionless', async () => {
  const broker = await startTestBroker({ 'auto.create.topics.enable': 'false', 'max.incremental.fetch.session.cache.slots': '1' }, undefined, { silent: true });
  const client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    const topic = await freshTopic('sessions-slots', 1, client);
    const first = await client.call(Api.fetch, 17, sessionFetch(17, topic, { epoch: 0, partitions: { 0: 0n } }));
    assert.notEqual(first.sessionId, 0);
    const second = await client.call(Api.fetch, 17, sessionFetch(17, topic, { epoch: 0, partitions: { 0: 0n } }));
    assert.deepEqual([second.errorCode, second.sessionId, answered(second)], [ErrorCode.NONE, 0, [[0, []]]]);
    const stillThere = await client.call(Api.fetch, 17, sessionFetch(17, topic, { sessionId: first.sessionId, epoch: 1 }));
    assert.equal(stillThere.errorCode, ErrorCode.NONE, 'the first session kept its slot');
  } finally {
    client.close();
    await broker.close();
    await removeTempDir(broker.dataDir);
  }
});
