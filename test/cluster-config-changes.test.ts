import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ensurePersistentPaths } from '../src/broker/cluster/broker-registration.ts';
import { TopicConfigs } from '../src/broker/cluster/config-change-listener.ts';
import { createSilentLogger } from '../src/broker/logger.ts';
import { encodeConfigChangeNotification, encodeEntityConfig } from '../src/broker/cluster/zookeeper/zk-data.ts';
import { ZooKeeperClient } from '../src/broker/cluster/zookeeper/zookeeper-client.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

/** Topic configs followed in a real ZooKeeper, written here as Kafka's AdminZkClient writes them. */
let zk: TestZooKeeper;
const closers: Array<() => Promise<unknown> | void> = [];

before(async () => {
  zk = await startZooKeeper();
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await zk.close();
});

async function connect(chroot: string): Promise<ZooKeeperClient> {
  const client = await ZooKeeperClient.connect({ connect: `${zk.connectString}${chroot}`, sessionTimeoutMs: 2000 });
  closers.push(() => client.close());
  await ensurePersistentPaths(client);
  return client;
}

async function changeTopicConfig(client: ZooKeeperClient, topic: string, config: Record<string, string>): Promise<void> {
  await client.setData(`/config/topics/${topic}`, encodeEntityConfig(config));
  await client.create('/config/changes/config_change_', encodeConfigChangeNotification(`topics/${topic}`), 'persistent-sequential');
}

test('existing configs are read at start; a change notification updates them and tells the listeners; a new topic is read as it appears', { timeout: 30_000 }, async () => {
  const client = await connect('/follow');
  await client.create('/config/topics/a', encodeEntityConfig({ 'retention.ms': '1000' }));
  const configs = await TopicConfigs.start(client, createSilentLogger(), Date.now);
  closers.push(() => configs.close());
  assert.deepEqual(configs.get('a'), { 'retention.ms': '1000' });

  const heard: Array<[string, Record<string, string>]> = [];
  configs.onChange((topic, changed) => heard.push([topic, { ...changed }]));
  await changeTopicConfig(client, 'a', { 'retention.ms': '2000', 'cleanup.policy': 'compact' });
  await waitFor(() => heard.length === 1, 10_000, { what: 'the change to be heard' });
  assert.deepEqual(heard, [['a', { 'retention.ms': '2000', 'cleanup.policy': 'compact' }]]);
  assert.deepEqual(configs.get('a'), { 'retention.ms': '2000', 'cleanup.policy': 'compact' });

  await client.create('/config/topics/b', encodeEntityConfig({ 'segment.bytes': '1048576' }));
  await waitFor(() => configs.get('b')['segment.bytes'] === '1048576', 10_000, { what: 'topic b\'s configs' });
  assert.deepEqual(await configs.load('b'), { 'segment.bytes': '1048576' });
  // A topic not known yet is read on demand; one with no znode has no overrides.
  assert.deepEqual(await configs.load('missing'), {});
});

test('notifications older than 15 minutes are deleted by the broker that sees them; younger ones stay', { timeout: 30_000 }, async () => {
  const client = await connect('/purge');
  await client.create('/config/topics/a', encodeEntityConfig({}));
  const young = await TopicConfigs.start(client, createSilentLogger(), Date.now);
  closers.push(() => young.close());
  await changeTopicConfig(client, 'a', { 'retention.ms': '1' });
  await waitFor(() => young.get('a')['retention.ms'] === '1', 10_000);
  assert.equal((await client.getChildren('/config/changes')).length, 1);

  // A broker whose clock is 16 minutes later sees every notification as expired.
  const later = await TopicConfigs.start(client, createSilentLogger(), () => Date.now() + 16 * 60_000);
  closers.push(() => later.close());
  await changeTopicConfig(client, 'a', { 'retention.ms': '2' });
  await waitFor(async () => (await client.getChildren('/config/changes')).length === 0, 10_000, { what: 'the notifications to be purged' });
  assert.equal(later.get('a')['retention.ms'], '2');
});
