/**
 * The console's JSON API as a script uses it: real HTTP calls (fetch) to the console server, which
 * talks to a real in-process broker holding topics, records with keys, headers and JSON values, and
 * a consumer group with committed offsets. Checks what a person or script reads from the answers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer } from '../src/client/index.ts';
import type {
  ApiErrorBody, BrowseResponse, GroupDetail, GroupList, Message, ProduceResponse, ResetOffsetsResponse, TopicDetail, TopicList,
} from '../src/console/api-types.ts';
import { startConsoleServer, type ConsoleServer } from '../src/console/server/console-server.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

let broker: TestBroker;
let admin: Admin;
let producer: Producer;
let server: ConsoleServer;
/** The first record's timestamp of 'orders'; record n of it has T0 + n * 1000. */
const T0 = Date.now() - 3_600_000;

before(async () => {
  broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0' }, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([
    { topic: 'orders', numPartitions: 3 },
    { topic: 'payments', numPartitions: 1, configs: { 'retention.ms': '86400000' } },
    { topic: 'raw', numPartitions: 1 },
  ]);
  producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0 });
  // orders: 4 records in each of 3 partitions, JSON values, a `source` header (web, mobile, ...).
  await producer.sendBatch([0, 1, 2].flatMap((partition) => Array.from({ length: 4 }, (_, i) => ({
    topic: 'orders', partition, key: `order-${partition}-${i}`, value: JSON.stringify({ id: i, partition }),
    headers: { source: i % 2 === 0 ? 'web' : 'mobile' }, timestamp: T0 + (partition * 4 + i) * 1000,
  }))));
  await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'payments', partition: 0, key: `p${i}`, value: `payment ${i}` })));
  await producer.send({ topic: 'raw', partition: 0, key: null, value: Buffer.from([0x00, 0x01, 0xfe, 0xff]) });
  // The group 'billing' has read payments up to offset 4; it has no members.
  await admin.alterConsumerGroupOffsets('billing', [{ topic: 'payments', partition: 0, offset: 4 }]);
  server = await startConsoleServer({ client: { bootstrapServers: [broker.bootstrap] }, port: 0 });
});

after(async () => {
  await server?.close();
  await producer?.close();
  await admin?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

async function call<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function ok<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const { status, body } = await call<T>(path, init);
  assert.ok(status >= 200 && status < 300, `${init.method ?? 'GET'} ${path}: ${status} ${JSON.stringify(body)}`);
  return body;
}

const values = (messages: readonly Message[]) => messages.map((m) => m.value?.data);

test('topics list: each topic with its partitions and its message count', async () => {
  const { topics } = await ok<TopicList>('/api/topics');
  const byName = new Map(topics.map((t) => [t.name, t]));
  assert.equal(byName.get('orders')?.messageCount, 12);
  assert.equal(byName.get('orders')?.partitions, 3);
  assert.equal(byName.get('payments')?.messageCount, 10);
  assert.equal(byName.get('raw')?.messageCount, 1);
  assert.ok((byName.get('orders')?.sizeBytes ?? 0) > 0, 'sizes come from the log dirs');
  assert.deepEqual((await ok<TopicList>('/api/topics?search=PAY')).topics.map((t) => t.name), ['payments']);
});

test('topic detail: partitions with leader, replicas, ISR and offsets; configs with their sources', async () => {
  const detail = await ok<TopicDetail>('/api/topics/orders');
  assert.deepEqual(detail.partitionDetails.map((p) => [p.partition, p.startOffset, p.endOffset, p.messageCount]), [[0, 0, 4, 4], [1, 0, 4, 4], [2, 0, 4, 4]]);
  const brokerId = (await admin.describeCluster()).brokers[0]!.nodeId;
  for (const p of detail.partitionDetails) {
    assert.equal(p.leader, brokerId);
    assert.deepEqual([p.replicas, p.isr, p.offlineReplicas, p.underReplicated], [[brokerId], [brokerId], [], false]);
  }
  const retention = (await ok<TopicDetail>('/api/topics/payments')).configs.find((c) => c.name === 'retention.ms');
  assert.deepEqual([retention?.value, retention?.source, retention?.isDefault], ['86400000', 'DYNAMIC_TOPIC_CONFIG', false]);
  const cleanup = detail.configs.find((c) => c.name === 'cleanup.policy');
  assert.deepEqual([cleanup?.value, cleanup?.isDefault], ['delete', true]);
  assert.equal((await call<ApiErrorBody>('/api/topics/no-such-topic')).status, 404);
});

test('create a topic, add partitions, edit its configs, delete it', async () => {
  const created = await call<TopicDetail>('/api/topics', { method: 'POST', body: { name: 'scratch', partitions: 2, configs: { 'cleanup.policy': 'compact' } } });
  assert.equal(created.status, 201);
  assert.equal(created.body.partitions, 2);
  assert.equal(created.body.configs.find((c) => c.name === 'cleanup.policy')?.value, 'compact');
  const again = await call<ApiErrorBody>('/api/topics', { method: 'POST', body: { name: 'scratch' } });
  assert.deepEqual([again.status, again.body.error.code, again.body.error.kafkaErrorName], [409, 'CONFLICT', 'TOPIC_ALREADY_EXISTS']);

  assert.equal((await ok<TopicDetail>('/api/topics/scratch/partitions', { method: 'POST', body: { count: 5 } })).partitions, 5);
  assert.equal((await call<ApiErrorBody>('/api/topics/scratch/partitions', { method: 'POST', body: { count: 3 } })).status, 400);

  const altered = await ok<{ configs: TopicDetail['configs'] }>('/api/topics/scratch/configs', {
    method: 'PATCH', body: { ops: [{ name: 'retention.ms', op: 'set', value: '60000' }, { name: 'cleanup.policy', op: 'delete' }] },
  });
  const retention = altered.configs.find((c) => c.name === 'retention.ms');
  assert.deepEqual([retention?.value, retention?.source], ['60000', 'DYNAMIC_TOPIC_CONFIG']);
  assert.deepEqual([altered.configs.find((c) => c.name === 'cleanup.policy')?.value], ['delete']);

  assert.deepEqual(await ok('/api/topics/scratch', { method: 'DELETE' }), { topic: 'scratch', deleted: true });
  await waitFor(async () => (await call('/api/topics/scratch')).status === 404, 10_000, { what: 'the deleted topic to be gone' });
});

test('browse from the beginning page by page: every record once, oldest first', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: BrowseResponse = await ok<BrowseResponse>(`/api/topics/orders/messages?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
    assert.ok(page.messages.length <= 5);
    seen.push(...page.messages.map((m) => `${m.partition}/${m.offset}`));
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== null && pages < 10);
  assert.equal(seen.length, 12);
  assert.equal(new Set(seen).size, 12);
  const first = (await ok<BrowseResponse>('/api/topics/orders/messages?limit=1')).messages[0]!;
  assert.equal(first.timestamp, T0);
  assert.deepEqual([first.key, first.value], [
    { encoding: 'text', data: 'order-0-0', size: 9, truncated: false },
    { encoding: 'json', data: '{"id":0,"partition":0}', size: 22, truncated: false },
  ]);
  assert.deepEqual(first.headers, [{ key: 'source', value: { encoding: 'text', data: 'web', size: 3, truncated: false } }]);
});

test('browse from an offset, a timestamp and the end', async () => {
  const fromOffset = await ok<BrowseResponse>('/api/topics/orders/messages?partition=1&from=offset&offset=2');
  assert.deepEqual(fromOffset.messages.map((m) => m.key?.data), ['order-1-2', 'order-1-3']);
  assert.equal(fromOffset.nextCursor, null);
  // Records 6.. of the topic (partition 1 from its 3rd record, all of partition 2) are at or after T0 + 6 s.
  const fromTime = await ok<BrowseResponse>(`/api/topics/orders/messages?from=timestamp&timestamp=${T0 + 6_000}`);
  assert.deepEqual(fromTime.messages.map((m) => m.key?.data), ['order-1-2', 'order-1-3', 'order-2-0', 'order-2-1', 'order-2-2', 'order-2-3']);
  const last = await ok<BrowseResponse>('/api/topics/payments/messages?from=end&limit=3');
  assert.deepEqual(values(last.messages), ['payment 7', 'payment 8', 'payment 9']);
});

test('filters by key, value and header text; values as text, JSON or hex', async () => {
  assert.deepEqual((await ok<BrowseResponse>('/api/topics/orders/messages?key=order-2-')).messages.map((m) => m.key?.data),
    ['order-2-0', 'order-2-1', 'order-2-2', 'order-2-3']);
  assert.deepEqual(values((await ok<BrowseResponse>(`/api/topics/orders/messages?value=${encodeURIComponent('"id":3')}`)).messages),
    ['{"id":3,"partition":0}', '{"id":3,"partition":1}', '{"id":3,"partition":2}']);
  const mobile = await ok<BrowseResponse>('/api/topics/orders/messages?header=source%3Dmobile');
  assert.equal(mobile.messages.length, 6);
  assert.ok(mobile.messages.every((m) => m.headers[0]?.value?.data === 'mobile'));
  assert.equal((await ok<BrowseResponse>('/api/topics/orders/messages?header=web')).messages.length, 6);
  // A filter that passes the newest only, from the end.
  assert.deepEqual(values((await ok<BrowseResponse>('/api/topics/payments/messages?from=end&limit=2&value=payment%201')).messages), ['payment 1']);

  const hex = await ok<BrowseResponse>('/api/topics/orders/messages?limit=1&valueFormat=hex');
  assert.deepEqual(hex.messages[0]!.value, { encoding: 'hex', data: Buffer.from('{"id":0,"partition":0}').toString('hex'), size: 22, truncated: false });
  assert.equal((await ok<BrowseResponse>('/api/topics/orders/messages?limit=1&valueFormat=text')).messages[0]!.value?.encoding, 'text');
  const raw = (await ok<BrowseResponse>('/api/topics/raw/messages')).messages[0]!;
  assert.deepEqual([raw.key, raw.value], [null, { encoding: 'hex', data: '0001feff', size: 4, truncated: false }]);
  const cut = (await ok<BrowseResponse>('/api/topics/payments/messages?limit=1&maxBytes=4')).messages[0]!;
  assert.deepEqual(cut.value, { encoding: 'text', data: 'paym', size: 9, truncated: true });
});

test('produce a message with key and headers, then find it', async () => {
  const produced = await ok<ProduceResponse>('/api/topics/orders/messages', {
    method: 'POST',
    body: { partition: 2, key: 'order-api', value: '{"id":99}', valueEncoding: 'json', headers: [{ key: 'trace', value: 'cafe', encoding: 'hex' }] },
  });
  assert.deepEqual([produced.topic, produced.partition], ['orders', 2]);
  const found = await ok<BrowseResponse>(`/api/topics/orders/messages?partition=2&from=offset&offset=${produced.offset}`);
  assert.equal(found.messages.length, 1);
  const message = found.messages[0]!;
  assert.deepEqual([message.offset, message.key?.data, message.value?.data, message.value?.encoding], [produced.offset, 'order-api', '{"id":99}', 'json']);
  assert.deepEqual(message.headers, [{ key: 'trace', value: { encoding: 'hex', data: 'cafe', size: 2, truncated: false } }]);
  const tombstone = await ok<ProduceResponse>('/api/topics/payments/messages', { method: 'POST', body: { key: 'gone', value: null } });
  const read = await ok<BrowseResponse>(`/api/topics/payments/messages?from=offset&offset=${tombstone.offset}`);
  assert.deepEqual(read.messages.map((m) => [m.key?.data, m.value]), [['gone', null]]);
});

test('consumer group lag: end offset minus committed offset, per partition and in total', async () => {
  await admin.alterConsumerGroupOffsets('lagging', [{ topic: 'orders', partition: 0, offset: 1 }, { topic: 'orders', partition: 1, offset: 4 }]);
  const detail = await ok<GroupDetail>('/api/groups/lagging');
  assert.equal(detail.state, 'Empty');
  assert.deepEqual(detail.offsets.map((o) => [o.topic, o.partition, o.committedOffset, o.endOffset, o.lag]), [['orders', 0, 1, 4, 3], ['orders', 1, 4, 4, 0]]);
  assert.equal(detail.totalLag, 3);
  const { groups } = await ok<GroupList>('/api/groups');
  assert.deepEqual(groups.filter((g) => g.groupId === 'lagging').map((g) => [g.totalLag, g.topics, g.members]), [[3, ['orders'], 0]]);
  const history = await ok<{ samples: Array<{ totalLag: number }> }>('/api/groups/lagging/lag-history');
  assert.equal(history.samples.at(-1)?.totalLag, 3);
  assert.equal((await call('/api/groups/no-such-group')).status, 404);
});

test('a group lags by what was produced after its commit', async () => {
  const committed = await ok<GroupDetail>('/api/groups/billing');
  const end = (await ok<TopicDetail>('/api/topics/payments')).partitionDetails[0]!.endOffset;
  assert.deepEqual(committed.offsets.map((o) => [o.topic, o.partition, o.committedOffset, o.lag]), [['payments', 0, 4, end - 4]]);
  await producer.sendBatch(Array.from({ length: 3 }, (_, i) => ({ topic: 'payments', partition: 0, key: `more${i}`, value: `more ${i}` })));
  assert.equal((await ok<GroupDetail>('/api/groups/billing')).totalLag, end - 4 + 3);
});

test('reset offsets to earliest: a dry run shows the plan, an execution commits it', async () => {
  await admin.alterConsumerGroupOffsets('resettable', [{ topic: 'orders', partition: 0, offset: 3 }, { topic: 'orders', partition: 1, offset: 2 }]);
  const body = { topics: [{ topic: 'orders', partitions: [0, 1] }], strategy: { type: 'to-earliest' }, dryRun: true };
  const plan = await ok<ResetOffsetsResponse>('/api/groups/resettable/reset-offsets', { method: 'POST', body });
  assert.deepEqual(plan.offsets.map((o) => [o.partition, o.previousOffset, o.newOffset]), [[0, 3, 0], [1, 2, 0]]);
  assert.deepEqual((await admin.listConsumerGroupOffsets('resettable')).map((o) => o.offset).sort(), [2, 3], 'a dry run commits nothing');
  const done = await ok<ResetOffsetsResponse>('/api/groups/resettable/reset-offsets', { method: 'POST', body: { ...body, dryRun: false } });
  assert.equal(done.dryRun, false);
  assert.deepEqual((await admin.listConsumerGroupOffsets('resettable')).map((o) => o.offset), [0, 0]);
  assert.equal((await ok<GroupDetail>('/api/groups/resettable')).totalLag, 8);
  const shifted = await ok<ResetOffsetsResponse>('/api/groups/resettable/reset-offsets', {
    method: 'POST', body: { allTopics: true, strategy: { type: 'shift-by', shift: 3 }, dryRun: false },
  });
  assert.deepEqual(shifted.offsets.map((o) => o.newOffset), [3, 3]);
  const byTime = await ok<ResetOffsetsResponse>('/api/groups/resettable/reset-offsets', {
    method: 'POST', body: { topics: [{ topic: 'orders' }], strategy: { type: 'to-datetime', datetime: new Date(T0 + 5_000).toISOString() }, dryRun: true },
  });
  assert.deepEqual(byTime.offsets.map((o) => [o.partition, o.newOffset]), [[0, 4], [1, 1], [2, 0]]);
});

test('a group with active members: reset and delete are refused; once it is empty it can be deleted', async () => {
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], groupId: 'active', autoOffsetReset: 'earliest', enableAutoCommit: false });
  try {
    consumer.subscribe(['payments']);
    await waitFor(async () => (await consumer.poll(200)).length > 0 || consumer.assignment().length > 0, 20_000, { what: 'the consumer to join' });
    await consumer.commit();
    const detail = await ok<GroupDetail>('/api/groups/active');
    assert.equal(detail.state, 'Stable');
    assert.deepEqual(detail.members.map((m) => m.assignment), [[{ topic: 'payments', partition: 0 }]]);
    const reset = await call<ApiErrorBody>('/api/groups/active/reset-offsets', { method: 'POST', body: { allTopics: true, strategy: { type: 'to-earliest' }, dryRun: false } });
    assert.equal(reset.status, 409);
    assert.match(reset.body.error.message, /inactive, but the current state is Stable/);
    const removed = await call<ApiErrorBody>('/api/groups/active', { method: 'DELETE' });
    assert.deepEqual([removed.status, removed.body.error.kafkaErrorName], [409, 'NON_EMPTY_GROUP']);
  } finally {
    await consumer.close();
  }
  await waitFor(async () => (await ok<GroupDetail>('/api/groups/active')).state === 'Empty', 20_000, { what: 'the group to be empty' });
  assert.deepEqual(await ok('/api/groups/active', { method: 'DELETE' }), { groupId: 'active', deleted: true });
  assert.equal((await call('/api/groups/active')).status, 404);
  assert.ok(!(await ok<GroupList>('/api/groups')).groups.some((g) => g.groupId === 'active'));
});

test('the live tail delivers a message produced after it opened, and only those its filter passes', async () => {
  const abort = new AbortController();
  const response = await fetch(`${server.url}/api/topics/orders/tail?value=tail-me`, { signal: abort.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  const nextEvent = async (): Promise<{ event: string; data: unknown }> => {
    for (;;) {
      const end = buffered.indexOf('\n\n');
      if (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (block.startsWith(':')) continue;
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        return { event, data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') };
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffered += value;
    }
  };
  try {
    assert.equal((await nextEvent()).event, 'ready');
    await producer.send({ topic: 'orders', partition: 1, key: 'skip', value: 'not this one' });
    await producer.send({ topic: 'orders', partition: 0, key: 'live', value: 'tail-me please' });
    const event = await nextEvent();
    assert.equal(event.event, 'message');
    const message = event.data as Message;
    assert.deepEqual([message.partition, message.key?.data, message.value?.data], [0, 'live', 'tail-me please']);
  } finally {
    abort.abort();
    await reader.cancel().catch(() => {});
  }
});

test('brokers: configs with sources, log dirs with sizes', async () => {
  const { brokers } = await ok<{ brokers: Array<{ id: number; isController: boolean; leaderCount: number }> }>('/api/brokers');
  assert.equal(brokers.length, 1);
  assert.equal(brokers[0]!.isController, true);
  const detail = await ok<{ configs: TopicDetail['configs']; logDirs: Array<{ path: string; sizeBytes: number; partitions: Array<{ topic: string; sizeBytes: number }> }> }>(`/api/brokers/${brokers[0]!.id}`);
  assert.ok(detail.configs.some((c) => c.name === 'num.partitions' && c.source !== 'UNKNOWN'));
  assert.equal(detail.logDirs.length, 1);
  assert.ok(detail.logDirs[0]!.partitions.some((p) => p.topic === 'orders' && p.sizeBytes > 0));
  assert.equal((await call('/api/brokers/99')).status, 404);
});

test('SCRAM users: upsert, list, delete', async () => {
  assert.deepEqual(await ok('/api/users/alice', { method: 'PUT', body: { mechanism: 'SCRAM-SHA-256', password: 'alice-secret', iterations: 8192 } }), { user: 'alice' });
  const { users } = await ok<{ users: Array<{ user: string; credentials: Array<{ mechanism: string; iterations: number }> }> }>('/api/users');
  assert.deepEqual(users.find((u) => u.user === 'alice')?.credentials, [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }]);
  assert.deepEqual(await ok('/api/users/alice', { method: 'DELETE' }), { user: 'alice' });
  assert.ok(!(await ok<{ users: Array<{ user: string }> }>('/api/users')).users.some((u) => u.user === 'alice'));
  assert.equal((await call('/api/users/alice', { method: 'DELETE' })).status, 404);
});
