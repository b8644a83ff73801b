import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Broker } from '../src/broker/broker.ts';
import { ZooKeeperClient } from '../src/broker/cluster/zookeeper/zookeeper-client.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { callBroker, startClusterBroker, type Closers } from './helpers/in-process-cluster.ts';
import { Api, ResourceType } from './helpers/kafka-apis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

/**
 * Topic admin in cluster mode writes ZooKeeper as Kafka's AdminZkClient does, and answers once the
 * controller's outcome reaches the metadata cache. No controller runs here: the test reads what
 * was written and plays the controller's UpdateMetadata itself.
 */
let zk: TestZooKeeper;
const closers: Closers = [];
let brokers: Broker[];
let zkClient: ZooKeeperClient;

before(async () => {
  zk = await startZooKeeper();
  brokers = [];
  for (const nodeId of [1, 2, 3]) brokers.push(await startClusterBroker(zk, closers, { chroot: '/admin-test', nodeId, overrides: { 'broker.rack': `rack-${nodeId}` } }));
  zkClient = await ZooKeeperClient.connect({ connect: `${zk.connectString}/admin-test`, sessionTimeoutMs: 2000 });
  closers.push(() => zkClient.close());
  // Every broker alive, in racks rack-1..3, once the controller has told them all.
  for (const broker of brokers) await waitFor(() => broker.cluster.aliveBrokerIds().length === 3 || undefined, 30_000, { what: `broker ${broker.nodeId} to see the cluster` });
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await zk.close();
});

function createTopicsBody(name: string, { partitions = 3, replicationFactor = 3, timeoutMs = 30_000, configs = {} as Record<string, string> } = {}) {
  return {
    topics: [{ name, numPartitions: partitions, replicationFactor, assignments: [], configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })) }],
    timeoutMs,
    validateOnly: false,
  };
}

async function zkJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse((await zkClient.getData(path)).data.toString()) as Record<string, unknown>;
}

test('CreateTopics writes the rack-aware assignment, topic id and configs to ZooKeeper, and answers once leaders are known', { timeout: 60_000 }, async () => {
  const answer = callBroker(brokers[0]!, Api.createTopics, 7, createTopicsBody('orders', { configs: { 'retention.ms': '3600000' } }));
  const assignment = await waitFor(() => zkClient.exists('/brokers/topics/orders').then((stat) => stat && zkJson('/brokers/topics/orders')), 20_000, { what: 'the assignment in ZooKeeper' });
  const partitions = assignment['partitions'] as Record<string, number[]>;
  assert.deepEqual(Object.keys(partitions).sort(), ['0', '1', '2']);
  for (const replicas of Object.values(partitions)) assert.deepEqual([...replicas].sort(), [1, 2, 3]);
  // Evenly: each broker is the preferred leader of one partition.
  assert.deepEqual(Object.values(partitions).map((replicas) => replicas[0]).sort(), [1, 2, 3]);
  assert.equal(assignment['version'], 3);
  assert.deepEqual(await zkJson('/config/topics/orders'), { version: 1, config: { 'retention.ms': '3600000' } });

  const [created] = (await answer).topics;
  assert.equal(created!.errorCode, ErrorCode.NONE);
  assert.equal(created!.topicId, assignment['topic_id']);
  assert.equal(created!.replicationFactor, 3);
});

test('CreateTopics with timeoutMs 0 answers at once, as Kafka, and the topic exists; creating it again is TOPIC_ALREADY_EXISTS', { timeout: 30_000 }, async () => {
  const [created] = (await callBroker(brokers[1]!, Api.createTopics, 7, createTopicsBody('quick', { timeoutMs: 0 }))).topics;
  assert.equal(created!.errorCode, ErrorCode.NONE);
  assert.ok(await zkClient.exists('/brokers/topics/quick'));
  const [again] = (await callBroker(brokers[2]!, Api.createTopics, 7, createTopicsBody('quick', { timeoutMs: 0 }))).topics;
  assert.equal(again!.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
});

test('a replication factor above the live brokers is INVALID_REPLICATION_FACTOR and writes nothing', { timeout: 30_000 }, async () => {
  const [refused] = (await callBroker(brokers[0]!, Api.createTopics, 7, createTopicsBody('too-wide', { replicationFactor: 4 }))).topics;
  assert.equal(refused!.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
  assert.equal(await zkClient.exists('/brokers/topics/too-wide'), null);
  assert.equal(await zkClient.exists('/config/topics/too-wide'), null);
});

test('a config changed on one broker reaches the others through /config/changes', { timeout: 60_000 }, async () => {
  const created = await callBroker(brokers[0]!, Api.createTopics, 7, createTopicsBody('tuned', { partitions: 1 }));
  assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);

  const altered = await callBroker(brokers[0]!, Api.incrementalAlterConfigs, 1, {
    resources: [{ resourceType: ResourceType.TOPIC, resourceName: 'tuned', configs: [{ name: 'retention.ms', configOperation: 0, value: '123456' }] }],
    validateOnly: false,
  });
  assert.equal(altered.responses[0]!.errorCode, ErrorCode.NONE);
  assert.deepEqual(await zkJson('/config/topics/tuned'), { version: 1, config: { 'retention.ms': '123456' } });
  const notifications = await zkClient.getChildren('/config/changes');
  assert.ok(notifications.some((name) => name.startsWith('config_change_')));

  for (const broker of brokers) {
    await waitFor(async () => {
      const described = await callBroker(broker, Api.describeConfigs, 4, {
        resources: [{ resourceType: ResourceType.TOPIC, resourceName: 'tuned', configurationKeys: ['retention.ms'] }],
        includeSynonyms: false, includeDocumentation: false,
      });
      return described.results[0]!.configs.find((c) => c.name === 'retention.ms')?.value === '123456';
    }, 20_000, { what: `broker ${broker.nodeId} to see retention.ms=123456` });
  }
});

test('DescribeConfigs reads its writes on every broker at once, as Kafka reads /config/topics, before the change notification arrives', { timeout: 60_000 }, async () => {
  for (const value of ['222', '333', '444']) {
    const altered = await callBroker(brokers[0]!, Api.incrementalAlterConfigs, 1, {
      resources: [{ resourceType: ResourceType.TOPIC, resourceName: 'tuned', configs: [{ name: 'retention.ms', configOperation: 0, value }] }],
      validateOnly: false,
    });
    assert.equal(altered.responses[0]!.errorCode, ErrorCode.NONE);
    for (const broker of brokers) {
      const described = await callBroker(broker, Api.describeConfigs, 4, {
        resources: [{ resourceType: ResourceType.TOPIC, resourceName: 'tuned', configurationKeys: ['retention.ms'] }],
        includeSynonyms: false, includeDocumentation: false,
      });
      assert.equal(described.results[0]!.configs.find((c) => c.name === 'retention.ms')?.value, value, `broker ${broker.nodeId} right after the change`);
    }
  }
});

test('DeleteTopics marks the topic in /admin/delete_topics and answers once the controller has removed it', { timeout: 60_000 }, async () => {
  const created = callBroker(brokers[0]!, Api.createTopics, 7, createTopicsBody('doomed', { partitions: 2 }));
  const assignment = await waitFor(() => zkClient.exists('/brokers/topics/doomed').then((stat) => stat && zkJson('/brokers/topics/doomed')), 20_000);
  const topicId = assignment['topic_id'] as string;
  assert.equal((await created).topics[0]!.errorCode, ErrorCode.NONE);

  const deleted = await callBroker(brokers[1]!, Api.deleteTopics, 6, { topics: [{ name: 'doomed', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], timeoutMs: 30_000 });
  const [answer] = deleted.responses;
  assert.equal(answer!.errorCode, ErrorCode.NONE);
  assert.equal(answer!.topicId, topicId);
  // The controller finished the deletion: its znodes are gone, and no broker hosts its partitions.
  await waitFor(async () => (await zkClient.exists('/admin/delete_topics/doomed')) === null || undefined, 20_000, { what: 'the deletion mark to go' });
  assert.equal(await zkClient.exists('/brokers/topics/doomed'), null);
  assert.equal(await zkClient.exists('/config/topics/doomed'), null);
  for (const broker of brokers) {
    await waitFor(() => broker.replicaManager.partition('doomed', 0) === undefined || undefined, 20_000, { what: `broker ${broker.nodeId} to drop the partitions` });
  }
});

test('CreatePartitions extends the assignment in ZooKeeper with new replicas over the live brokers', { timeout: 60_000 }, async () => {
  const created = callBroker(brokers[0]!, Api.createTopics, 7, createTopicsBody('growing', { partitions: 1, replicationFactor: 2 }));
  const assignment = await waitFor(() => zkClient.exists('/brokers/topics/growing').then((stat) => stat && zkJson('/brokers/topics/growing')), 20_000);
  assert.equal((await created).topics[0]!.errorCode, ErrorCode.NONE);

  const grown = await callBroker(brokers[2]!, Api.createPartitions, 3, { topics: [{ name: 'growing', count: 3, assignments: null }], timeoutMs: 0, validateOnly: false });
  assert.equal(grown.results[0]!.errorCode, ErrorCode.NONE);
  const after = await zkJson('/brokers/topics/growing');
  const partitions = after['partitions'] as Record<string, number[]>;
  assert.deepEqual(Object.keys(partitions).sort(), ['0', '1', '2']);
  assert.deepEqual(partitions['0'], (assignment['partitions'] as Record<string, number[]>)['0']);
  for (const replicas of Object.values(partitions)) assert.equal(new Set(replicas).size, 2);
  assert.equal(after['topic_id'], assignment['topic_id']);
});
