import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '../src/client/index.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { ZERO_UUID } from '../src/protocol/primitives/uuid.ts';
import { Api, metadata } from './helpers/kafka-apis.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { runCliOk } from './helpers/run-cli.ts';

/**
 * controller_mutation_rate (KIP-599) as a client sees it. Each mutating client id has a quota of 2
 * partitions a second for User:ANONYMOUS with that client id; with quota.window.num=2 windows of 1 s
 * its token bucket holds 4, so a request may make 4 partitions' changes and a little more before
 * it is refused (new clients: THROTTLING_QUOTA_EXCEEDED for the topics past the quota) or only
 * throttled (old clients, which do not know that error).
 */
const RATE = 2;
const MESSAGE = 'The throttling quota has been exceeded.';
const CLIENTS = ['admin-client', 'create-strict', 'create-permissive', 'create-validate', 'delete-strict', 'delete-permissive', 'partitions-strict', 'partitions-permissive'];

let broker: TestBroker;
let admin: Admin;

before(async () => {
  broker = await startTestBroker({ 'quota.window.num': '2', 'quota.window.size.seconds': '1' });
  admin = new Admin({ bootstrapServers: [broker.bootstrap], clientId: 'unlimited-admin' });
  const results = await admin.alterClientQuotas(CLIENTS.map((clientId) => ({
    entity: { user: 'ANONYMOUS', 'client-id': clientId }, ops: [{ key: 'controller_mutation_rate', value: RATE }],
  })));
  assert.deepEqual(results.map((result) => result.error), CLIENTS.map(() => null));
});

after(async () => {
  await admin.close();
  await broker.close();
  await removeTempDir(broker.dataDir);
});

async function withClient<T>(clientId: string, body: (client: KafkaApiClient) => Promise<T>): Promise<T> {
  const client = await KafkaApiClient.open(broker.host, broker.port, { clientId });
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

async function existingTopics(names: readonly string[]): Promise<string[]> {
  return withClient('unlimited-metadata', async (client) => {
    const answer = await metadata(client, [...names], { allowAutoTopicCreation: false });
    return answer.topics.filter((topic) => topic.errorCode === ErrorCode.NONE).map((topic) => topic.name!).sort();
  });
}

function assertThrottle(throttleTimeMs: number | undefined, above: number, atMost: number): void {
  assert.ok(throttleTimeMs !== undefined && throttleTimeMs > above && throttleTimeMs <= atMost, `throttleTimeMs ${throttleTimeMs}, expected (${above}, ${atMost}]`);
}

function createTopicsBody(names: readonly string[], numPartitions: number, validateOnly = false) {
  return { topics: names.map((name) => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 10_000, validateOnly };
}

test('CreateTopics v7 past controller_mutation_rate refuses the topics over the quota with THROTTLING_QUOTA_EXCEEDED and throttles', async () => {
  const names = ['strict-a', 'strict-b', 'strict-c', 'strict-d'];
  await withClient('create-strict', async (client) => {
    // 4 credits: a (3 partitions) leaves 1, b goes below zero (-2), c and d find the quota exceeded.
    const answer = await client.call(Api.createTopics, 7, createTopicsBody(names, 3));
    assert.deepEqual(answer.topics.map((topic) => [topic.name, topic.errorCode, topic.errorMessage]), [
      ['strict-a', ErrorCode.NONE, null], ['strict-b', ErrorCode.NONE, null],
      ['strict-c', ErrorCode.THROTTLING_QUOTA_EXCEEDED, MESSAGE], ['strict-d', ErrorCode.THROTTLING_QUOTA_EXCEEDED, MESSAGE],
    ]);
    // -2 credits refill at 2/s: 1 s.
    assertThrottle(answer.throttleTimeMs, 800, 1000);
    assert.deepEqual(await existingTopics(names), ['strict-a', 'strict-b']);

    // The connection is muted for the throttle; then the quota allows the refused topic.
    const started = Date.now();
    const retried = await client.call(Api.createTopics, 7, createTopicsBody(['strict-c'], 3));
    assert.ok(Date.now() - started >= answer.throttleTimeMs! - 100, `answered after ${Date.now() - started} ms of a ${answer.throttleTimeMs} ms throttle`);
    assert.equal(retried.topics[0]!.errorCode, ErrorCode.NONE);
    assert.equal(retried.throttleTimeMs, 0, 'a strict quota throttles only what it refuses');
  });
  assert.deepEqual(await existingTopics(names), ['strict-a', 'strict-b', 'strict-c']);
});

test('CreateTopics v5 (before THROTTLING_QUOTA_EXCEEDED) creates every topic and is throttled for the partitions past the quota', async () => {
  const names = ['permissive-a', 'permissive-b', 'permissive-c', 'permissive-d'];
  await withClient('create-permissive', async (client) => {
    const answer = await client.call(Api.createTopics, 5, createTopicsBody(names, 3));
    assert.deepEqual(answer.topics.map((topic) => topic.errorCode), [0, 0, 0, 0]);
    // 12 partitions from 4 credits: -8 refill at 2/s, 4 s.
    assertThrottle(answer.throttleTimeMs, 3500, 4000);
  });
  assert.deepEqual(await existingTopics(names), names);
});

test('a validate-only CreateTopics takes nothing from the quota', async () => {
  const names = Array.from({ length: 10 }, (_, i) => `validated-${i}`);
  await withClient('create-validate', async (client) => {
    const validated = await client.call(Api.createTopics, 7, createTopicsBody(names, 3, true));
    assert.deepEqual(validated.topics.map((topic) => topic.errorCode), names.map(() => ErrorCode.NONE));
    assert.equal(validated.throttleTimeMs, 0);
    const created = await client.call(Api.createTopics, 7, createTopicsBody(names.slice(0, 2), 2));
    assert.deepEqual(created.topics.map((topic) => topic.errorCode), [0, 0], 'the whole bucket was still there');
  });
  assert.deepEqual(await existingTopics(names), names.slice(0, 2));
});

test('DeleteTopics v6 past the quota refuses the rest with THROTTLING_QUOTA_EXCEEDED; v4 deletes all and is throttled', async () => {
  const strict = ['delete-strict-a', 'delete-strict-b', 'delete-strict-c', 'delete-strict-d'];
  const permissive = ['delete-permissive-a', 'delete-permissive-b', 'delete-permissive-c'];
  await admin.createTopics([...strict, ...permissive].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })));

  await withClient('delete-strict', async (client) => {
    const answer = await client.call(Api.deleteTopics, 6, { topics: strict.map((name) => ({ name, topicId: ZERO_UUID })), timeoutMs: 10_000 });
    assert.deepEqual(answer.responses.map((topic) => [topic.name, topic.errorCode, topic.errorMessage]), [
      ['delete-strict-a', ErrorCode.NONE, null], ['delete-strict-b', ErrorCode.NONE, null],
      ['delete-strict-c', ErrorCode.THROTTLING_QUOTA_EXCEEDED, MESSAGE], ['delete-strict-d', ErrorCode.THROTTLING_QUOTA_EXCEEDED, MESSAGE],
    ]);
    assertThrottle(answer.throttleTimeMs, 800, 1000);
  });
  assert.deepEqual(await existingTopics(strict), ['delete-strict-c', 'delete-strict-d']);

  await withClient('delete-permissive', async (client) => {
    const answer = await client.call(Api.deleteTopics, 4, { topicNames: permissive, timeoutMs: 10_000 });
    assert.deepEqual(answer.responses.map((topic) => topic.errorCode), [0, 0, 0]);
    // 9 partitions from 4 credits: -5 refill at 2/s, 2.5 s.
    assertThrottle(answer.throttleTimeMs, 2000, 2500);
  });
  assert.deepEqual(await existingTopics(permissive), []);
});

test('CreatePartitions v3 past the quota refuses the rest with THROTTLING_QUOTA_EXCEEDED; v2 grows all and is throttled', async () => {
  const strict = ['grow-strict-a', 'grow-strict-b', 'grow-strict-c'];
  const permissive = ['grow-permissive-a', 'grow-permissive-b', 'grow-permissive-c'];
  await admin.createTopics([...strict, ...permissive].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })));
  const growTo4 = (names: readonly string[]) => ({ topics: names.map((name) => ({ name, count: 4, assignments: null })), timeoutMs: 10_000, validateOnly: false });

  await withClient('partitions-strict', async (client) => {
    const answer = await client.call(Api.createPartitions, 3, growTo4(strict));
    assert.deepEqual(answer.results.map((topic) => [topic.name, topic.errorCode, topic.errorMessage]), [
      ['grow-strict-a', ErrorCode.NONE, null], ['grow-strict-b', ErrorCode.NONE, null],
      ['grow-strict-c', ErrorCode.THROTTLING_QUOTA_EXCEEDED, MESSAGE],
    ]);
    assertThrottle(answer.throttleTimeMs, 800, 1000);
  });
  await withClient('partitions-permissive', async (client) => {
    const answer = await client.call(Api.createPartitions, 2, growTo4(permissive));
    assert.deepEqual(answer.results.map((topic) => topic.errorCode), [0, 0, 0]);
    // 9 partitions added from 4 credits: 2.5 s.
    assertThrottle(answer.throttleTimeMs, 2000, 2500);
  });
  await withClient('unlimited-metadata', async (client) => {
    const answer = await metadata(client, [...strict, ...permissive], { allowAutoTopicCreation: false });
    assert.deepEqual(answer.topics.map((topic) => [topic.name, topic.partitions.length]),
      [['grow-strict-a', 4], ['grow-strict-b', 4], ['grow-strict-c', 1], ['grow-permissive-a', 4], ['grow-permissive-b', 4], ['grow-permissive-c', 4]]);
  });
});

test('controller_mutation_rate set with samsa configs applies to the next request', async () => {
  const bootstrap = ['--bootstrap-server', broker.bootstrap];
  await runCliOk(['configs', ...bootstrap, '--entity-type', 'clients', '--entity-name', 'cli-mutator', '--alter', '--add-config', 'controller_mutation_rate=1']);
  const described = await runCliOk(['configs', ...bootstrap, '--entity-type', 'clients', '--entity-name', 'cli-mutator', '--describe']);
  assert.equal(described.stdout, "Quota configs for client-id 'cli-mutator' are controller_mutation_rate=1.0\n");
  await withClient('cli-mutator', async (client) => {
    // A bucket of 2: the first topic's 3 partitions take it below zero, the second is refused.
    const answer = await client.call(Api.createTopics, 7, createTopicsBody(['cli-a', 'cli-b'], 3));
    assert.deepEqual(answer.topics.map((topic) => topic.errorCode), [ErrorCode.NONE, ErrorCode.THROTTLING_QUOTA_EXCEEDED]);
    assertThrottle(answer.throttleTimeMs, 800, 1000);
  });
});

test("our Admin client waits out a refusal and sends again only the topics not created", async () => {
  const limited = new Admin({ bootstrapServers: [broker.bootstrap], clientId: 'admin-client' });
  try {
    const names = ['admin-q-1', 'admin-q-2', 'admin-q-3', 'admin-q-4'];
    // 4 topics of 2 partitions against a bucket of 4: the broker refuses some, then the retry makes them.
    await limited.createTopics(names.map((topic) => ({ topic, numPartitions: 2 })));
    const created = await admin.describeTopics(names);
    assert.deepEqual(created.map((t) => t.partitions.length), [2, 2, 2, 2]);
    // Deleting them takes 8 partitions from the same bucket: refused in part, then done.
    await limited.deleteTopics(names);
    await waitForTopicsGone(names);
  } finally {
    await limited.close();
  }
});

async function waitForTopicsGone(names: readonly string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await admin.listTopics()).some((name) => names.includes(name))) {
    if (Date.now() > deadline) assert.fail(`topics still there: ${names.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
