/**
 * A fetch parked in the purgatory sees every change to its partition, as Kafka's DelayedFetch does:
 * the topic deleted, its records deleted below the fetch offset, retention removing them, each
 * wakes the fetch, which answers the error at once instead of waiting out maxWaitMs; and a fetch
 * whose wait runs out reads again, so it answers the log as it is then (here: compacted meanwhile,
 * which wakes nobody), not what it read when it last woke.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import { Api, ResourceType, batchOf, batchesOf, createTopic, fetchBody, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { apiTestBroker } from './helpers/api-test-broker.ts';
import type { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { waitForParkedFetches } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

/** Longer than any test here may take: an answer that arrives came from a wake, not the deadline. */
const NEVER_MS = 120_000;
/** minBytes no partition here reaches: the fetch parks although records are there. */
const MORE_THAN_THERE_IS = 64 * 1024 * 1024;

const api = apiTestBroker({ 'log.retention.check.interval.ms': '100', 'log.cleaner.backoff.ms': '20' });
const { open } = api;

async function freshTopic(name: string, configs: Record<string, string> = {}): Promise<string> {
  const created = await createTopic(api.client, name, { configs });
  assert.equal(created.errorCode, ErrorCode.NONE, `create ${name}: ${created.errorMessage}`);
  return created.topicId!;
}

async function alterTopic(topic: string, configs: Record<string, string>): Promise<void> {
  const response = await api.client.call(Api.incrementalAlterConfigs, 1, {
    resources: [{
      resourceType: ResourceType.TOPIC, resourceName: topic,
      configs: Object.entries(configs).map(([name, value]) => ({ name, configOperation: 0, value })),
    }],
    validateOnly: false,
  });
  assert.equal(response.responses[0]!.errorCode, ErrorCode.NONE);
}

/** Sends a fetch that can only end by a wake and waits until the broker has parked it. */
async function parkedFetch(version: number, body: Parameters<typeof fetchBody>[0], consumer?: KafkaApiClient) {
  consumer ??= await open();
  const waiting = api.broker.replicaManager.fetchPurgatory.watchedCount;
  const pending = consumer.send(Api.fetch, version, fetchBody({ maxWaitMs: NEVER_MS, ...body }));
  await waitForParkedFetches(api.broker, waiting + 1);
  assert.equal(consumer.connection.pendingFrames, 0, 'the fetch was answered before anything changed');
  return pending;
}

for (const version of [12, 13, 17]) {
  test(`Fetch v${version}: deleting the topic wakes a waiting fetch, which answers UNKNOWN_TOPIC_OR_PARTITION`, { timeout: 30_000 }, async () => {
    const topic = `delayed-deleted-v${version}`;
    const topicId = await freshTopic(topic);
    const pending = await parkedFetch(version, version >= 13 ? { topicId } : { topic });
    const deleted = await api.client.call(Api.deleteTopics, 5, { topicNames: [topic], timeoutMs: 10_000 });
    assert.equal(deleted.responses[0]!.errorCode, ErrorCode.NONE);
    const response = await pending.response(20_000);
    // Kafka resolves a topic id once, when the fetch arrives; the partition gone is then unknown by name.
    assert.equal(onlyPartition(response).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(api.broker.replicaManager.fetchPurgatory.watchedCount, 0);
  });
}

test('DeleteRecords past a waiting fetch\'s offset wakes it with OFFSET_OUT_OF_RANGE; one below the offset does not', { timeout: 30_000 }, async () => {
  const topic = 'delayed-delete-records';
  await freshTopic(topic);
  assert.equal((await produce(api.client, topic, 0, batchOf(['a', 'b', 'c', 'd']))).errorCode, ErrorCode.NONE);
  const consumer = await open();
  const pending = await parkedFetch(12, { topic, fetchOffset: 2n, minBytes: MORE_THAN_THERE_IS }, consumer);
  const deleteBefore = async (offset: bigint) => {
    const response = await api.client.call(Api.deleteRecords, 2, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset }] }], timeoutMs: 10_000 });
    assert.equal(response.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  };
  await deleteBefore(2n);
  // The fetch offset is still the log start: the woken fetch reads again and keeps waiting.
  assert.equal(api.broker.replicaManager.fetchPurgatory.watchedCount, 1);
  assert.equal(consumer.connection.pendingFrames, 0, 'a fetch still in range was answered');
  await deleteBefore(3n);
  const partition = onlyPartition(await pending.response(20_000));
  assert.equal(partition.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(partition.records?.length ?? 0, 0);
});

test('retention removing the records a fetch waits on wakes it with OFFSET_OUT_OF_RANGE', { timeout: 30_000 }, async () => {
  const topic = 'delayed-retention';
  await freshTopic(topic, { 'retention.ms': '-1' });
  // An hour old: expired as soon as the topic keeps records for less than that.
  assert.equal((await produce(api.client, topic, 0, batchOf(['old'], Date.now() - 3_600_000))).errorCode, ErrorCode.NONE);
  const pending = await parkedFetch(12, { topic, fetchOffset: 0n, minBytes: MORE_THAN_THERE_IS });
  await alterTopic(topic, { 'retention.ms': '60000' });
  const partition = onlyPartition(await pending.response(20_000));
  assert.equal(partition.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(api.broker.replicaManager.partition(topic, 0)!.logStartOffset, 1, 'retention moved the log start past the fetch offset');
});

test('a fetch whose wait runs out reads again: records compacted meanwhile, which wakes nobody, are answered compacted', { timeout: 60_000 }, async () => {
  const topic = 'delayed-reread';
  await freshTopic(topic, { 'cleanup.policy': 'delete', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01' });
  // Ten rounds of the same two keys in ~100-byte records: several segments of duplicates.
  for (let round = 0; round < 10; round++) {
    assert.equal((await produce(api.client, topic, 0, batchOf([`a@${round}`.padEnd(100, '.'), `b@${round}`.padEnd(100, '.')]))).errorCode, ErrorCode.NONE);
  }
  const readNow = async () => batchesOf(onlyPartition(await api.client.call(Api.fetch, 12, fetchBody({ topic }))));
  const before = (await readNow()).flatMap((batch) => batch.records.map((record) => record.offset));
  const consumer = await open();
  // The wait is long enough for the cleaner to run first, and short enough to end this test.
  const pending = consumer.send(Api.fetch, 12, fetchBody({ topic, minBytes: MORE_THAN_THERE_IS, maxWaitMs: 10_000 }));
  await waitForParkedFetches(api.broker);
  await alterTopic(topic, { 'cleanup.policy': 'compact' });
  const compacted = await waitFor(async () => {
    const offsets = (await readNow()).flatMap((batch) => batch.records.map((record) => record.offset));
    return offsets.length < before.length ? offsets : undefined;
  }, 9_000, { what: 'the cleaner to compact the topic while the fetch waits' });
  assert.equal(consumer.connection.pendingFrames, 0, 'the fetch must still be waiting when the cleaner is done');
  const answered = batchesOf(onlyPartition(await pending.response(20_000))).flatMap((batch) => batch.records.map((record) => record.offset));
  assert.deepEqual(answered, compacted, 'the answer is the compacted log, read when the wait ran out');
  assert.notDeepEqual(answered, before);
});
