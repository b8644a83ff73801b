import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Producer, KafkaClientError } from '../src/client/index.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

let broker: TestBroker;
let admin: Admin;
before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
});
after(async () => {
  await admin.close();
  await broker.close();
});

test('topics: create, list, describe, add partitions, delete; errors are typed', async () => {
  await admin.createTopics([{ topic: 'a1', numPartitions: 2, configs: { 'cleanup.policy': 'compact' } }, { topic: 'a2' }]);
  assert.ok((await admin.listTopics()).includes('a1'));
  const [a1] = await admin.describeTopics(['a1']);
  assert.equal(a1!.partitions.length, 2);
  await assert.rejects(admin.createTopics([{ topic: 'a1', numPartitions: 1 }]),
    (e: unknown) => e instanceof KafkaClientError && e.errorName === 'TOPIC_ALREADY_EXISTS' && /CreateTopics a1/.test(e.message));
  await admin.createPartitions([{ topic: 'a1', count: 5 }]);
  assert.equal((await admin.describeTopics(['a1']))[0]!.partitions.length, 5);
  await admin.deleteTopics(['a2']);
  assert.ok(!(await admin.listTopics()).includes('a2'));
  await assert.rejects(admin.describeTopics(['a2']), (e: unknown) => e instanceof KafkaClientError && e.errorName === 'UNKNOWN_TOPIC_OR_PARTITION');
});

test('configs: describe, incremental alter, alter', async () => {
  await admin.createTopics([{ topic: 'cfg', numPartitions: 1 }]);
  const [described] = await admin.describeConfigs([{ type: 'topic', name: 'cfg', keys: ['retention.ms'] }]);
  assert.equal(described!.configs[0]!.name, 'retention.ms');
  await admin.incrementalAlterConfigs([{ type: 'topic', name: 'cfg', ops: [{ name: 'retention.ms', op: 'set', value: '12345' }] }]);
  const [after] = await admin.describeConfigs([{ type: 'topic', name: 'cfg', keys: ['retention.ms'] }]);
  assert.equal(after!.configs[0]!.value, '12345');
  assert.equal(after!.configs[0]!.isDefault, false);
  await admin.alterConfigs([{ type: 'topic', name: 'cfg', configs: { 'segment.bytes': '1048576' } }]);
  const [reset] = await admin.describeConfigs([{ type: 'topic', name: 'cfg', keys: ['retention.ms', 'segment.bytes'] }]);
  const byName = new Map(reset!.configs.map((c) => [c.name, c]));
  assert.equal(byName.get('segment.bytes')!.value, '1048576');
  assert.notEqual(byName.get('retention.ms')!.value, '12345', 'AlterConfigs replaces the whole set');
  const [brokerConfigs] = await admin.describeConfigs([{ type: 'broker', name: '1' }]);
  assert.ok(brokerConfigs!.configs.length > 10);
});

test('cluster, log dirs, list offsets, delete records', async () => {
  const cluster = await admin.describeCluster();
  assert.equal(cluster.brokers.length, 1);
  assert.ok(cluster.clusterId.length > 0);
  await admin.createTopics([{ topic: 'recs', numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap] });
  const base = Date.now() - 10_000;
  await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'recs', value: `v${i}`, timestamp: base + i * 1000 })));
  await producer.close();
  const [earliest, latest, atTime] = await admin.listOffsets([
    { topic: 'recs', partition: 0, spec: 'earliest' }, { topic: 'recs', partition: 0, spec: 'latest' }, { topic: 'recs', partition: 0, spec: { timestamp: base + 4500 } },
  ]);
  assert.deepEqual([earliest!.offset, latest!.offset, atTime!.offset], [0, 10, 5]);
  const [deleted] = await admin.deleteRecords([{ topic: 'recs', partition: 0, offset: 4 }]);
  assert.equal(deleted!.lowWatermark, 4);
  assert.equal((await admin.listOffsets([{ topic: 'recs', partition: 0, spec: 'earliest' }]))[0]!.offset, 4);
  const dirs = await admin.describeLogDirs();
  assert.ok(dirs.length >= 1);
  assert.ok(dirs.some((d) => d.partitions.some((p) => p.topic === 'recs' && p.size > 0)));
});

test('group operations are served: offsets committed for a group are listed back, and ListGroups shows the group', async () => {
  const connection = await admin.cluster.anyConnection('admin');
  for (const apiKey of [8, 9, 10, 16]) assert.ok(connection.brokerVersions(apiKey) !== undefined, `ApiVersions lists API ${apiKey}`);
  await admin.createTopics([{ topic: 'grp-offsets', numPartitions: 2 }]);
  await admin.alterConsumerGroupOffsets('admin-group', [
    { topic: 'grp-offsets', partition: 0, offset: 1 }, { topic: 'grp-offsets', partition: 1, offset: 5, metadata: 'm' },
  ]);
  const committed = await admin.listConsumerGroupOffsets('admin-group');
  assert.deepEqual(committed.map((o) => [o.topic, o.partition, o.offset, o.metadata]).sort(), [['grp-offsets', 0, 1, ''], ['grp-offsets', 1, 5, 'm']]);
  const listed = (await admin.listGroups()).find((group) => group.groupId === 'admin-group');
  assert.ok(listed, 'ListGroups shows a group that has only committed offsets');
  assert.equal(listed.state, 'Empty');
});
