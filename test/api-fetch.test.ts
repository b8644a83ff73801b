/**
 * Fetch as a consumer sees it: long polling woken by a produce, minBytes/maxWaitMs, the maxBytes
 * and partitionMaxBytes limits with KIP-74's first-batch rule, mid-batch offsets, the offset range
 * errors, unknown topics by name and id (fetch sessions: api-fetch-sessions.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import { ZERO_UUID } from '../src/protocol/primitives/uuid.ts';
import { Api, batchOf, batchesOf, createTopic, fetchBody, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { apiTestBroker } from './helpers/api-test-broker.ts';
import { waitForParkedFetches } from './helpers/test-broker.ts';

const VERSIONS = [4, 11, 12, 13, 17];

const api = apiTestBroker();
const { open } = api;

/** A fresh one-partition topic; returns its name and id. */
async function freshTopic(name: string, configs: Record<string, string> = {}): Promise<{ topic: string; topicId: string }> {
  const created = await createTopic(api.client, name, { configs });
  assert.equal(created.errorCode, ErrorCode.NONE, `create ${name}: ${created.errorMessage}`);
  assert.ok(created.topicId && created.topicId !== ZERO_UUID);
  return { topic: name, topicId: created.topicId };
}

/** Names by name before v13, by id from v13 on. */
function address(version: number, topic: { topic: string; topicId: string }): { topic?: string; topicId?: string } {
  return version >= 13 ? { topicId: topic.topicId } : { topic: topic.topic };
}

for (const version of VERSIONS) {
  test(`Fetch v${version}: a long poll on an empty partition returns as soon as a produce arrives`, { timeout: 20_000 }, async () => {
    const topic = await freshTopic(`fetch-long-poll-v${version}`);
    const consumer = await open();
    const pending = consumer.send(Api.fetch, version, fetchBody({ ...address(version, topic), maxWaitMs: 60_000, minBytes: 1 }));
    // Parked with nothing to return, and not answered: what answers it can only be the produce.
    await waitForParkedFetches(api.broker);
    assert.equal(consumer.connection.pendingFrames, 0, 'the fetch returned before anything was produced');
    const produced = await produce(api.client, topic.topic, 0, batchOf(['woken']));
    assert.equal(produced.errorCode, ErrorCode.NONE);
    const response = await pending.response(10_000);
    assert.equal(response.errorCode ?? 0, ErrorCode.NONE);
    const partition = onlyPartition(response);
    assert.equal(partition.errorCode, ErrorCode.NONE);
    assert.equal(partition.highWatermark, 1n);
    const batches = batchesOf(partition);
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.records[0]!.value?.toString(), 'woken');
    if (version >= 13) assert.equal(response.responses[0]!.topicId, topic.topicId);
    else assert.equal(response.responses[0]!.topic, topic.topic);
  });

  test(`Fetch v${version}: fetching at the high watermark returns no records and no error`, { timeout: 20_000 }, async () => {
    const topic = await freshTopic(`fetch-at-hw-v${version}`);
    assert.equal((await produce(api.client, topic.topic, 0, batchOf(['a', 'b', 'c']))).errorCode, ErrorCode.NONE);
    const partition = onlyPartition(await api.client.call(Api.fetch, version, fetchBody({ ...address(version, topic), fetchOffset: 3n })));
    assert.equal(partition.errorCode, ErrorCode.NONE);
    assert.equal(partition.highWatermark, 3n);
    assert.equal(partition.records?.length ?? 0, 0);
  });
}

/**
 * Sends a fetch that only its deadline can end and returns its answer: it must have been parked in
 * the purgatory, and its answer cannot come before maxWaitMs (a lower bound, which load only adds to).
 */
async function fetchAfterWaiting(version: number, body: Parameters<typeof fetchBody>[0] & { maxWaitMs: number }) {
  const consumer = await open();
  const sentAt = performance.now();
  const pending = consumer.send(Api.fetch, version, fetchBody(body));
  await waitForParkedFetches(api.broker);
  const response = await pending.response(body.maxWaitMs + 10_000);
  // Timers round to whole milliseconds; a millisecond of slack keeps the bound honest, not loose.
  const waitedMs = performance.now() - sentAt;
  assert.ok(waitedMs >= body.maxWaitMs - 1, `v${version}: answered after ${waitedMs.toFixed(1)} ms, before maxWaitMs ${body.maxWaitMs}`);
  return onlyPartition(response);
}

test('minBytes larger than the log: the fetch waits out maxWaitMs, then returns what there is', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('fetch-min-bytes');
  const empty = await fetchAfterWaiting(12, { topic: topic.topic, minBytes: 1024 * 1024, maxWaitMs: 300 });
  assert.equal(empty.errorCode, ErrorCode.NONE);
  assert.equal(empty.records?.length ?? 0, 0);
  assert.equal((await produce(api.client, topic.topic, 0, batchOf(['partial']))).errorCode, ErrorCode.NONE);
  // Records are there, but fewer than minBytes: still a full wait before they are returned.
  const partial = await fetchAfterWaiting(12, { topic: topic.topic, minBytes: 1024 * 1024, maxWaitMs: 300 });
  assert.equal(partial.errorCode, ErrorCode.NONE);
  const batches = batchesOf(partial);
  assert.equal(batches.length, 1);
  assert.equal(batches[0]!.records[0]!.value?.toString(), 'partial');
});

/** Five batches of one ~1000-byte record each; returns their sizes. */
async function fiveBatches(topic: string): Promise<number[]> {
  const sizes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const batch = batchOf([`${i}`.padEnd(1000, 'x')]);
    sizes.push(batch.length);
    assert.equal((await produce(api.client, topic, 0, batch)).errorCode, ErrorCode.NONE);
  }
  return sizes;
}

for (const limit of ['maxBytes', 'partitionMaxBytes'] as const) {
  test(`a small ${limit} returns fewer whole batches`, { timeout: 20_000 }, async () => {
    const topic = await freshTopic(`fetch-limit-${limit}`);
    const sizes = await fiveBatches(topic.topic);
    const budget = sizes[0]! + sizes[1]! + Math.floor(sizes[2]! / 2);
    for (const version of [4, 12]) {
      const partition = onlyPartition(await api.client.call(Api.fetch, version, fetchBody({ topic: topic.topic, [limit]: budget })));
      assert.equal(partition.errorCode, ErrorCode.NONE);
      assert.ok((partition.records?.length ?? 0) <= budget, `v${version}: ${partition.records?.length} bytes over a ${budget}-byte limit`);
      const batches = batchesOf(partition);
      assert.deepEqual(batches.map((batch) => batch.baseOffset), [0, 1], `v${version}`);
    }
    const all = onlyPartition(await api.client.call(Api.fetch, 12, fetchBody({ topic: topic.topic })));
    assert.equal(batchesOf(all).length, 5);
  });

  test(`a ${limit} smaller than the first batch still returns that whole batch (KIP-74)`, { timeout: 20_000 }, async () => {
    const topic = await freshTopic(`fetch-kip74-${limit}`);
    const sizes = await fiveBatches(topic.topic);
    for (const version of [4, 12, 17]) {
      const body = fetchBody({ ...address(version, topic), fetchOffset: 1n, [limit]: 100 });
      const partition = onlyPartition(await api.client.call(Api.fetch, version, body));
      assert.equal(partition.errorCode, ErrorCode.NONE);
      const batches = batchesOf(partition);
      assert.equal(batches.length, 1, `v${version}: one whole batch`);
      assert.equal(batches[0]!.baseOffset, 1);
      assert.equal(batches[0]!.sizeInBytes, sizes[1]);
    }
  });
}

test('a fetch from the middle of a batch returns the whole batch', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('fetch-mid-batch');
  assert.equal((await produce(api.client, topic.topic, 0, batchOf(['zero', 'one']))).errorCode, ErrorCode.NONE);
  assert.equal((await produce(api.client, topic.topic, 0, batchOf(['two', 'three', 'four', 'five']))).errorCode, ErrorCode.NONE);
  for (const version of VERSIONS) {
    const partition = onlyPartition(await api.client.call(Api.fetch, version, fetchBody({ ...address(version, topic), fetchOffset: 4n })));
    assert.equal(partition.errorCode, ErrorCode.NONE);
    const batches = batchesOf(partition);
    assert.equal(batches.length, 1, `v${version}`);
    assert.equal(batches[0]!.baseOffset, 2);
    assert.ok(batches[0]!.baseOffset < 4);
    assert.deepEqual(batches[0]!.records.map((record) => record.offset), [2, 3, 4, 5]);
    assert.equal(partition.highWatermark, 6n);
  }
});

test('fetching above the high watermark or below the log start offset is OFFSET_OUT_OF_RANGE', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('fetch-out-of-range');
  assert.equal((await produce(api.client, topic.topic, 0, batchOf(['a', 'b']))).errorCode, ErrorCode.NONE);
  for (const version of VERSIONS) {
    for (const fetchOffset of [3n, 1000n, -1n]) {
      const partition = onlyPartition(await api.client.call(Api.fetch, version, fetchBody({ ...address(version, topic), fetchOffset })));
      assert.equal(partition.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, `v${version} fetchOffset ${fetchOffset}`);
      assert.equal(partition.records?.length ?? 0, 0);
    }
  }
});

test('an unknown topic is UNKNOWN_TOPIC_OR_PARTITION by name and UNKNOWN_TOPIC_ID by id (v13+)', { timeout: 20_000 }, async () => {
  for (const version of [4, 11, 12]) {
    const partition = onlyPartition(await api.client.call(Api.fetch, version, fetchBody({ topic: 'fetch-no-such-topic' })));
    assert.equal(partition.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${version}`);
  }
  for (const version of [13, 17]) {
    const response = await api.client.call(Api.fetch, version, fetchBody({ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }));
    assert.equal(onlyPartition(response).errorCode, ErrorCode.UNKNOWN_TOPIC_ID, `v${version}`);
    assert.equal(response.responses[0]!.topicId, 'AAAAAAAAAAAAAAAAAAAAAQ');
  }
  const topic = await freshTopic('fetch-unknown-partition');
  const partition = onlyPartition(await api.client.call(Api.fetch, 12, fetchBody({ topic: topic.topic, partition: 7 })));
  assert.equal(partition.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('a long poll that nothing wakes returns empty, without error, once maxWaitMs has passed', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('fetch-expires');
  for (const version of [4, 12, 17]) {
    const partition = await fetchAfterWaiting(version, { ...address(version, topic), maxWaitMs: 300, minBytes: 1 });
    assert.equal(partition.errorCode, ErrorCode.NONE, `v${version}`);
    assert.equal(partition.highWatermark, 0n);
    assert.equal(partition.records?.length ?? 0, 0);
  }
});

test('across partitions: a produce to any requested partition wakes the fetch; maxBytes spent on the first leaves the next empty', { timeout: 20_000 }, async () => {
  const created = await createTopic(api.client, 'fetch-two-partitions', { numPartitions: 2 });
  assert.equal(created.errorCode, ErrorCode.NONE);
  const twoPartitions = (fetchOffset: bigint, maxBytes: number, maxWaitMs: number) => ({
    ...fetchBody({ topic: 'fetch-two-partitions', maxBytes, maxWaitMs }),
    topics: [{ topic: 'fetch-two-partitions', partitions: [0, 1].map((partition) => ({
      partition, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1n, partitionMaxBytes: 1024 * 1024,
    })) }],
  });
  const consumer = await open();
  const pending = consumer.send(Api.fetch, 12, twoPartitions(0n, 0x7fffffff, 60_000));
  await waitForParkedFetches(api.broker, 2);
  assert.equal(consumer.connection.pendingFrames, 0, 'the fetch returned before anything was produced');
  assert.equal((await produce(api.client, 'fetch-two-partitions', 1, batchOf(['second partition']))).errorCode, ErrorCode.NONE);
  const woken = await pending.response(10_000);
  const [first, second] = woken.responses[0]!.partitions;
  assert.equal(first!.records?.length ?? 0, 0);
  assert.equal(batchesOf(second!)[0]!.records[0]!.value?.toString(), 'second partition');
  // Partition 0 now holds a batch bigger than maxBytes: it is returned whole (KIP-74) and partition 1 gets nothing.
  assert.equal((await produce(api.client, 'fetch-two-partitions', 0, batchOf(['z'.repeat(500)]))).errorCode, ErrorCode.NONE);
  const limited = await api.client.call(Api.fetch, 12, twoPartitions(0n, 100, 0));
  const [full, starved] = limited.responses[0]!.partitions;
  assert.equal(full!.errorCode, ErrorCode.NONE);
  assert.equal(batchesOf(full!).length, 1);
  assert.equal(starved!.errorCode, ErrorCode.NONE);
  assert.equal(batchesOf(starved!).length, 0, 'the response limit is spent on the first partition');
  assert.equal(starved!.highWatermark, 1n);
});
