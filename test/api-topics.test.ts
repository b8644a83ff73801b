/**
 * The topic admin APIs as an operator sees them: CreateTopics' checks (names, counts, configs,
 * collisions, validateOnly, the v5+ description), DeleteTopics by name and by id, CreatePartitions,
 * Metadata (all topics, auto-creation and its switches, topic ids) and DescribeCluster. KafkaJS
 * admin where it can say what the test means, the codec client where it cannot.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import kafkajs from 'kafkajs';
import { ErrorCode } from '../src/protocol/errors.ts';
import { ZERO_UUID } from '../src/protocol/primitives/uuid.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchOf, createTopic, metadata, produce } from './helpers/kafka-apis.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const { Kafka, logLevel } = kafkajs;
const NUM_PARTITIONS = 3;

let broker: TestBroker;
let client: KafkaApiClient;
let admin: ReturnType<InstanceType<typeof Kafka>['admin']>;

before(async () => {
  // Auto-creation stays at Kafka's default (on); num.partitions shows where auto-created topics get their count.
  broker = await startTestBroker({ 'num.partitions': String(NUM_PARTITIONS) });
  client = await KafkaApiClient.open(broker.host, broker.port);
  admin = new Kafka({ clientId: 'samsa-api-topics', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  await admin.connect();
});

after(async () => {
  await admin?.disconnect();
  client?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

/** Topic names the broker lists in a Metadata for all topics. */
async function listedTopics(version = 12): Promise<string[]> {
  const response = await client.call(Api.metadata, version, {
    topics: version === 0 ? [] : null,
    ...(version >= 4 ? { allowAutoTopicCreation: false } : {}),
  });
  return response.topics.map((topic) => topic.name ?? '').sort();
}

async function partitionDirectories(topic: string): Promise<string[]> {
  return (await readdir(broker.dataDir)).filter((entry) => entry.startsWith(`${topic}-`));
}

test('CreateTopics refuses invalid names with INVALID_TOPIC_EXCEPTION', { timeout: 20_000 }, async () => {
  const invalid = ['', '.', '..', 'a b', 'x'.repeat(250), 'slash/name', 'star*'];
  for (const version of [0, 4, 7]) {
    const response = await client.call(Api.createTopics, version, {
      topics: invalid.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 10_000, validateOnly: false,
    });
    assert.deepEqual(
      response.topics.map((topic) => [topic.name, topic.errorCode]),
      invalid.map((name) => [name, ErrorCode.INVALID_TOPIC_EXCEPTION]),
      `v${version}`,
    );
  }
  const longest = 'y'.repeat(249);
  assert.equal((await createTopic(client, longest)).errorCode, ErrorCode.NONE, '249 characters is still legal');
  assert.ok((await listedTopics()).includes(longest));
  assert.ok(!(await listedTopics()).some((name) => name === '' || name === '.' || name.startsWith('x')));
});

test('CreateTopics: an existing name is TOPIC_ALREADY_EXISTS; KafkaJS reports it as "not created"', { timeout: 20_000 }, async () => {
  assert.equal(await admin.createTopics({ topics: [{ topic: 'topics-duplicate', numPartitions: 2 }], waitForLeaders: true }), true);
  assert.equal(await admin.createTopics({ topics: [{ topic: 'topics-duplicate', numPartitions: 2 }] }), false);
  const again = await createTopic(client, 'topics-duplicate', { numPartitions: 4 });
  assert.equal(again.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
  const described = await metadata(client, ['topics-duplicate']);
  assert.equal(described.topics[0]!.partitions.length, 2, 'the second create changed nothing');
});

test('CreateTopics refuses bad partition counts, replication factors and configs', { timeout: 20_000 }, async () => {
  const cases: Array<[string, Parameters<typeof createTopic>[2], number]> = [
    ['topics-zero-partitions', { numPartitions: 0 }, ErrorCode.INVALID_PARTITIONS],
    ['topics-negative-partitions', { numPartitions: -5 }, ErrorCode.INVALID_PARTITIONS],
    ['topics-rf-3', { replicationFactor: 3 }, ErrorCode.INVALID_REPLICATION_FACTOR],
    ['topics-rf-0', { replicationFactor: 0 }, ErrorCode.INVALID_REPLICATION_FACTOR],
    ['topics-bad-retention', { configs: { 'retention.ms': 'abc' } }, ErrorCode.INVALID_CONFIG],
    ['topics-bad-cleanup', { configs: { 'cleanup.policy': 'shred' } }, ErrorCode.INVALID_CONFIG],
    ['topics-unknown-config', { configs: { 'no.such.config': '1' } }, ErrorCode.INVALID_CONFIG],
  ];
  for (const [name, options, errorCode] of cases) {
    const result = await createTopic(client, name, options);
    assert.equal(result.errorCode, errorCode, name);
    assert.equal(result.errorMessage === null || typeof result.errorMessage === 'string', true);
  }
  const listed = await listedTopics();
  for (const [name] of cases) assert.ok(!listed.includes(name), `${name} must not exist`);
});

test('CreateTopics validateOnly checks and creates nothing', { timeout: 20_000 }, async () => {
  const checked = await createTopic(client, 'topics-validate-only', { numPartitions: 4, validateOnly: true, configs: { 'retention.ms': '60000' } });
  assert.equal(checked.errorCode, ErrorCode.NONE);
  assert.equal(checked.numPartitions, 4);
  const refused = await createTopic(client, 'topics-validate-only-bad', { numPartitions: 0, validateOnly: true });
  assert.equal(refused.errorCode, ErrorCode.INVALID_PARTITIONS);
  const described = await metadata(client, ['topics-validate-only'], { allowAutoTopicCreation: false });
  assert.equal(described.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.ok(!(await listedTopics()).includes('topics-validate-only'));
  assert.deepEqual(await partitionDirectories('topics-validate-only'), []);
});

test('CreateTopics v5+ describes the new topic: partitions, replication factor, configs with sources', { timeout: 20_000 }, async () => {
  const created = await createTopic(client, 'topics-described', { numPartitions: 5, configs: { 'retention.ms': '60000' } });
  assert.equal(created.errorCode, ErrorCode.NONE);
  assert.equal(created.numPartitions, 5);
  assert.equal(created.replicationFactor, 1);
  assert.ok(created.topicId && created.topicId !== ZERO_UUID);
  const configs = new Map((created.configs ?? []).map((config) => [config.name, config]));
  assert.equal(configs.get('retention.ms')?.value, '60000');
  assert.equal(configs.get('retention.ms')?.configSource, 1, 'TOPIC_CONFIG');
  assert.equal(configs.get('cleanup.policy')?.value, 'delete');
  assert.equal(configs.get('cleanup.policy')?.configSource, 5, 'DEFAULT_CONFIG');
  assert.ok(configs.has('segment.bytes') && configs.has('max.message.bytes') && configs.has('min.insync.replicas'));
  // v4 answers with the name and error alone.
  const v4 = await createTopic(client, 'topics-described-v4', { version: 4, numPartitions: 2 });
  assert.equal(v4.errorCode, ErrorCode.NONE);
  assert.equal((await metadata(client, ['topics-described-v4'])).topics[0]!.partitions.length, 2);
});

test('a name that collides with an existing one over "." and "_" is INVALID_TOPIC_EXCEPTION', { timeout: 20_000 }, async () => {
  assert.equal((await createTopic(client, 'collide.a.b')).errorCode, ErrorCode.NONE);
  assert.equal((await createTopic(client, 'collide_a_b')).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  assert.equal((await createTopic(client, 'collide_a.b')).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  assert.ok(!(await listedTopics()).includes('collide_a_b'));
});

test('one CreateTopics request of several topics: each is checked against those before it, the rest are created', { timeout: 20_000 }, async () => {
  const topic = (name: string): { name: string; numPartitions: number; replicationFactor: number; assignments: []; configs: [] } =>
    ({ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] });
  const response = await client.call(Api.createTopics, 7, {
    topics: [topic('batch.one'), topic('batch_one'), topic('batch-two'), topic('bad name'), topic('batch-three')],
    timeoutMs: 10_000, validateOnly: false,
  });
  assert.deepEqual(response.topics.map((t) => [t.name, t.errorCode]), [
    ['batch.one', ErrorCode.NONE], ['batch_one', ErrorCode.INVALID_TOPIC_EXCEPTION], ['batch-two', ErrorCode.NONE],
    ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION], ['batch-three', ErrorCode.NONE],
  ]);
  assert.match(response.topics[1]!.errorMessage ?? '', /collides with existing topic: batch\.one/);
  const listed = await listedTopics();
  assert.deepEqual(['batch-three', 'batch-two', 'batch.one', 'batch_one'].filter((name) => listed.includes(name)), ['batch-three', 'batch-two', 'batch.one']);
  assert.deepEqual(await partitionDirectories('batch-two'), ['batch-two-0', 'batch-two-1']);
});

test('DeleteTopics by name (v1, v5) and by topic id (v6): gone from Metadata and from disk', { timeout: 30_000 }, async () => {
  const ids = new Map<string, string>();
  for (const name of ['delete-v1', 'delete-v5', 'delete-v6']) {
    const created = await createTopic(client, name, { numPartitions: 2 });
    assert.equal(created.errorCode, ErrorCode.NONE);
    ids.set(name, created.topicId!);
    assert.equal((await produce(client, name, 1, batchOf(['doomed']))).errorCode, ErrorCode.NONE);
    assert.deepEqual((await partitionDirectories(name)).sort(), [`${name}-0`, `${name}-1`]);
  }
  for (const version of [1, 5]) {
    const name = `delete-v${version}`;
    const response = await client.call(Api.deleteTopics, version, { topicNames: [name, 'delete-no-such-topic'], timeoutMs: 10_000 });
    assert.deepEqual(response.responses.map((each) => [each.name, each.errorCode]), [
      [name, ErrorCode.NONE], ['delete-no-such-topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
  }
  const byId = await client.call(Api.deleteTopics, 6, {
    topics: [{ name: null, topicId: ids.get('delete-v6')! }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }], timeoutMs: 10_000,
  });
  assert.deepEqual(byId.responses.map((each) => [each.topicId, each.errorCode]), [
    [ids.get('delete-v6'), ErrorCode.NONE], ['AAAAAAAAAAAAAAAAAAAAAQ', ErrorCode.UNKNOWN_TOPIC_ID],
  ]);
  assert.equal(byId.responses[0]!.name, 'delete-v6');
  const listed = await listedTopics();
  for (const name of ids.keys()) {
    assert.ok(!listed.includes(name), `${name} still listed`);
    const described = await metadata(client, [name], { allowAutoTopicCreation: false });
    assert.equal(described.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await waitFor(async () => (await partitionDirectories(name)).length === 0, 15_000, { what: `${name}'s directories to go` });
  }
  // KafkaJS: deleting an unknown topic is an error naming UNKNOWN_TOPIC_OR_PARTITION.
  await assert.rejects(admin.deleteTopics({ topics: ['delete-never-existed'] }), (error: Error & { type?: string }) => {
    assert.match(`${error.type ?? ''} ${error.message}`, /UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition/);
    return true;
  });
});

test('one DeleteTopics request of several topics, one named twice: each answered, all gone from disk, a re-created one empty', { timeout: 30_000 }, async () => {
  const names = ['delete-many-a', 'delete-many-b', 'delete-many-c'];
  for (const name of names) {
    assert.equal((await createTopic(client, name, { numPartitions: 3 })).errorCode, ErrorCode.NONE);
    assert.equal((await produce(client, name, 2, batchOf(['doomed']))).errorCode, ErrorCode.NONE);
  }
  const response = await client.call(Api.deleteTopics, 5, { topicNames: [...names, 'delete-many-a'], timeoutMs: 10_000 });
  assert.deepEqual(response.responses.map((each) => [each.name, each.errorCode]), [
    ...names.map((name) => [name, ErrorCode.NONE]), ['delete-many-a', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  ]);
  const listed = await listedTopics();
  assert.deepEqual(names.filter((name) => listed.includes(name)), []);
  for (const name of names) await waitFor(async () => (await partitionDirectories(name)).length === 0, 15_000, { what: `${name}'s directories to go` });
  assert.equal((await createTopic(client, 'delete-many-b', { numPartitions: 3 })).errorCode, ErrorCode.NONE);
  const offsets = await client.call(Api.listOffsets, 7, {
    replicaId: -1, isolationLevel: 0,
    topics: [{ name: 'delete-many-b', partitions: [0, 1, 2].map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp: -1n })) }],
  });
  assert.deepEqual(offsets.topics[0]!.partitions.map((p) => [p.errorCode, p.offset]), [[0, 0n], [0, 0n], [0, 0n]]);
});

test('CreatePartitions 3 -> 5 makes partition 4 writable; 5 -> 4 is INVALID_PARTITIONS', { timeout: 20_000 }, async () => {
  assert.equal(await admin.createTopics({ topics: [{ topic: 'grow', numPartitions: 3 }], waitForLeaders: true }), true);
  await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 5 }] });
  const described = await metadata(client, ['grow']);
  assert.deepEqual(described.topics[0]!.partitions.map((partition) => [partition.partitionIndex, partition.errorCode]),
    [[0, 0], [1, 0], [2, 0], [3, 0], [4, 0]]);
  const produced = await produce(client, 'grow', 4, batchOf(['in the new partition']));
  assert.equal(produced.errorCode, ErrorCode.NONE);
  assert.equal(produced.baseOffset, 0n);
  for (const count of [4, 5]) {
    const response = await client.call(Api.createPartitions, 3, {
      topics: [{ name: 'grow', count, assignments: null }], timeoutMs: 10_000, validateOnly: false,
    });
    assert.equal(response.results[0]!.errorCode, ErrorCode.INVALID_PARTITIONS, `count ${count}`);
  }
  const unknown = await client.call(Api.createPartitions, 3, {
    topics: [{ name: 'grow-no-such-topic', count: 5, assignments: null }], timeoutMs: 10_000, validateOnly: false,
  });
  assert.equal(unknown.results[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal((await metadata(client, ['grow'])).topics[0]!.partitions.length, 5);
});

test('Metadata lists every topic for v0 with an empty list and v1+ with null; v1+ empty lists none', { timeout: 20_000 }, async () => {
  assert.equal((await createTopic(client, 'listed-everywhere')).errorCode, ErrorCode.NONE);
  const v12 = await listedTopics(12);
  assert.ok(v12.includes('listed-everywhere'));
  for (const version of [0, 1, 4, 9]) assert.deepEqual(await listedTopics(version), v12, `v${version}`);
  const none = await client.call(Api.metadata, 1, { topics: [] });
  assert.deepEqual(none.topics, []);
  assert.equal(none.brokers.length, 1);
});

test('Metadata auto-creates an unknown topic with num.partitions, in every version that allows it', { timeout: 20_000 }, async () => {
  for (const version of [1, 4, 12]) {
    const name = `auto-created-v${version}`;
    const first = await client.call(Api.metadata, version, { topics: [{ name }], allowAutoTopicCreation: true });
    // Kafka answers LEADER_NOT_AVAILABLE while the new topic is set up; clients retry.
    assert.ok([ErrorCode.NONE, ErrorCode.LEADER_NOT_AVAILABLE].includes(first.topics[0]!.errorCode as 0 | 5), `v${version}`);
    const ready = await waitFor(async () => {
      const topic = (await metadata(client, [name], { allowAutoTopicCreation: false })).topics[0]!;
      return topic.errorCode === ErrorCode.NONE && topic.partitions.every((partition) => partition.errorCode === 0) ? topic : undefined;
    }, 10_000, { what: `${name} to be ready` });
    assert.equal(ready.partitions.length, NUM_PARTITIONS);
  }
});

test('Metadata does not auto-create when the request forbids it (v4+) or for an invalid name', { timeout: 20_000 }, async () => {
  for (const version of [4, 9, 12]) {
    const response = await metadata(client, ['not-auto-created'], { version, allowAutoTopicCreation: false });
    assert.equal(response.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${version}`);
  }
  const invalid = await metadata(client, ['bad name!'], { allowAutoTopicCreation: true });
  assert.equal(invalid.topics[0]!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  // Without creation too, as Kafka: a name that can never exist is not merely unknown.
  const invalidUncreated = await metadata(client, ['bad name!', 'fine-but-absent'], { allowAutoTopicCreation: false });
  assert.deepEqual(invalidUncreated.topics.map((t) => t.errorCode), [ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  const listed = await listedTopics();
  assert.ok(!listed.includes('not-auto-created') && !listed.includes('bad name!'));
});

test('Metadata does not auto-create when auto.create.topics.enable=false', { timeout: 20_000 }, async () => {
  const strict = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  const strictClient = await KafkaApiClient.open(strict.host, strict.port);
  try {
    for (const version of [0, 1, 4, 12]) {
      const response = await strictClient.call(Api.metadata, version, { topics: [{ name: 'never-auto-created' }], allowAutoTopicCreation: true });
      assert.equal(response.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${version}`);
    }
    const all = await strictClient.call(Api.metadata, 1, { topics: null });
    assert.deepEqual(all.topics, []);
  } finally {
    strictClient.close();
    await strict.close();
    await removeTempDir(strict.dataDir);
  }
});

test('Metadata carries topic ids from v10 and finds a topic by id in v12', { timeout: 20_000 }, async () => {
  const created = await createTopic(client, 'by-id', { numPartitions: 2 });
  assert.equal(created.errorCode, ErrorCode.NONE);
  const topicId = created.topicId!;
  for (const version of [10, 11, 12]) {
    const described = await metadata(client, ['by-id'], { version });
    assert.equal(described.topics[0]!.topicId, topicId, `v${version}`);
  }
  const found = await client.call(Api.metadata, 12, { topics: [{ topicId, name: null }], allowAutoTopicCreation: false });
  assert.equal(found.topics[0]!.errorCode, ErrorCode.NONE);
  assert.equal(found.topics[0]!.name, 'by-id');
  assert.equal(found.topics[0]!.partitions.length, 2);
  const missing = await client.call(Api.metadata, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', name: null }], allowAutoTopicCreation: true });
  assert.equal(missing.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
});

test('DescribeCluster v0 and v1 list this broker and the cluster id', { timeout: 20_000 }, async () => {
  const described = await metadata(client, []);
  const self = described.brokers[0]!;
  for (const version of [0, 1]) {
    const response = await client.call(Api.describeCluster, version, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    assert.equal(response.errorCode, ErrorCode.NONE, `v${version}`);
    assert.equal(response.clusterId, described.clusterId);
    assert.ok(response.clusterId.length > 0);
    assert.equal(response.controllerId, described.controllerId);
    assert.deepEqual(response.brokers.map((each) => [each.brokerId, each.host, each.port]), [[self.nodeId, broker.host, broker.port]]);
  }
  const cluster = await admin.describeCluster();
  assert.equal(cluster.clusterId, described.clusterId);
  assert.deepEqual(cluster.brokers.map((each) => each.port), [broker.port]);
});

test('a deleted and re-created topic is a new, empty topic with a new id', { timeout: 30_000 }, async () => {
  const first = await createTopic(client, 'reborn', { numPartitions: 1 });
  assert.equal(first.errorCode, ErrorCode.NONE);
  for (let i = 0; i < 3; i++) assert.equal((await produce(client, 'reborn', 0, batchOf([`old-${i}`]))).errorCode, ErrorCode.NONE);
  await admin.deleteTopics({ topics: ['reborn'] });
  const gone = await client.call(Api.fetch, 12, {
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: 'reborn', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  assert.equal(gone.responses[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const second = await createTopic(client, 'reborn', { numPartitions: 2 });
  assert.equal(second.errorCode, ErrorCode.NONE);
  assert.notEqual(second.topicId, first.topicId);
  const described = await metadata(client, ['reborn']);
  assert.equal(described.topics[0]!.topicId, second.topicId);
  assert.equal(described.topics[0]!.partitions.length, 2);
  const produced = await produce(client, 'reborn', 0, batchOf(['new']));
  assert.equal(produced.errorCode, ErrorCode.NONE);
  assert.equal(produced.baseOffset, 0n, 'nothing of the old log survives');
});

test('CreatePartitions validateOnly checks and changes nothing', { timeout: 20_000 }, async () => {
  assert.equal((await createTopic(client, 'grow-validate', { numPartitions: 2 })).errorCode, ErrorCode.NONE);
  const checked = await client.call(Api.createPartitions, 3, {
    topics: [{ name: 'grow-validate', count: 4, assignments: null }], timeoutMs: 10_000, validateOnly: true,
  });
  assert.equal(checked.results[0]!.errorCode, ErrorCode.NONE);
  assert.equal((await metadata(client, ['grow-validate'])).topics[0]!.partitions.length, 2);
  assert.deepEqual((await partitionDirectories('grow-validate')).sort(), ['grow-validate-0', 'grow-validate-1']);
});
