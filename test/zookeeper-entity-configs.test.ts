import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ensurePersistentPaths } from '../src/broker/cluster/broker-registration.ts';
import { TopicConfigs } from '../src/broker/cluster/config-change-listener.ts';
import { openEntityConfigStore, type EntityConfigs, type EntityConfigStore, type EntityName } from '../src/broker/cluster/entity-configs.ts';
import { encodeConfigChangeNotification, encodeEntityConfig } from '../src/broker/cluster/zookeeper/zk-data.ts';
import { ZooKeeperClient } from '../src/broker/cluster/zookeeper/zookeeper-client.ts';
import { createSilentLogger } from '../src/broker/logger.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

/**
 * User and client entity configs in a real ZooKeeper, as two brokers of a cluster keep them: each
 * its own session, TopicConfigs following /config/changes, and a store over both; one writes, the
 * other sees it. Kafka's own writes (AdminZkClient's znode + notification) are made by hand.
 */
let zk: TestZooKeeper;
const closers: Array<() => Promise<unknown> | void> = [];
const logger = createSilentLogger();

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

/** A broker's view: its own session, change listener and entity store. */
async function brokerStore(chroot: string): Promise<{ client: ZooKeeperClient; store: EntityConfigStore }> {
  const client = await connect(chroot);
  const configChanges = await TopicConfigs.start(client, logger, Date.now);
  closers.push(() => configChanges.close());
  const store = await openEntityConfigStore({ zooKeeper: { client, configChanges }, logDir: '/nonexistent', logger });
  closers.push(() => store.close());
  return { client, store };
}

async function znodeJson(client: ZooKeeperClient, path: string): Promise<unknown> {
  return JSON.parse((await client.getData(path)).data.toString('utf8'));
}

test('a change through one broker is in ZooKeeper in Kafka\'s layout and reaches the other broker within a second', { timeout: 60_000 }, async () => {
  const one = await brokerStore('/follow');
  const two = await brokerStore('/follow');
  const heard: Array<[EntityName, EntityConfigs]> = [];
  two.store.onChange((entity, configs) => heard.push([entity, configs]));

  await one.store.alter({ user: 'alice' }, { 'SCRAM-SHA-256': 'salt=c2FsdA==,stored_key=a2V5,server_key=a2V5,iterations=4096' }, []);
  assert.deepEqual(await znodeJson(one.client, '/config/users/alice'), { version: 1, config: { 'SCRAM-SHA-256': 'salt=c2FsdA==,stored_key=a2V5,server_key=a2V5,iterations=4096' } });
  const notifications = await one.client.getChildren('/config/changes');
  assert.deepEqual(await znodeJson(one.client, `/config/changes/${notifications.sort().at(-1)!}`), { version: 2, entity_path: 'users/alice' });
  await waitFor(() => two.store.get({ user: 'alice' })['SCRAM-SHA-256'] !== undefined, 1_000, { intervalMs: 10, what: 'broker two to see alice\'s credential' });
  assert.deepEqual(heard, [[{ user: 'alice' }, { 'SCRAM-SHA-256': 'salt=c2FsdA==,stored_key=a2V5,server_key=a2V5,iterations=4096' }]]);

  // A user's client id and the defaults, with a name Kafka's Sanitizer escapes.
  await one.store.alter({ user: 'CN=bob,O=acme', clientId: 'app 1' }, { producer_byte_rate: '1024' }, []);
  await one.store.alter({ clientId: '<default>' }, { consumer_byte_rate: '2048' }, []);
  assert.deepEqual(await znodeJson(one.client, '/config/users/CN%3Dbob%2CO%3Dacme/clients/app%201'), { version: 1, config: { producer_byte_rate: '1024' } });
  assert.deepEqual(await znodeJson(one.client, '/config/clients/<default>'), { version: 1, config: { consumer_byte_rate: '2048' } });
  await waitFor(() => two.store.get({ clientId: '<default>' }).consumer_byte_rate === '2048', 1_000, { intervalMs: 10, what: 'the client default on broker two' });
  assert.deepEqual(two.store.get({ user: 'CN=bob,O=acme', clientId: 'app 1' }), { producer_byte_rate: '1024' });

  // Another broker's change to another key is kept: alter reads the znode, not its cache.
  await two.store.alter({ user: 'alice' }, { producer_byte_rate: '10' }, []);
  await one.store.alter({ user: 'alice' }, {}, ['SCRAM-SHA-256']);
  assert.deepEqual(await znodeJson(one.client, '/config/users/alice'), { version: 1, config: { producer_byte_rate: '10' } });
  await waitFor(() => two.store.get({ user: 'alice' })['SCRAM-SHA-256'] === undefined, 1_000, { intervalMs: 10, what: 'the deletion on broker two' });
  assert.deepEqual(two.store.get({ user: 'alice' }), { producer_byte_rate: '10' });
});

test('a broker starting later loads every user and client entity, and follows changes Kafka\'s tools write', { timeout: 60_000 }, async () => {
  const writer = await connect('/kafka-written');
  await writer.ensurePath('/config/users/carol/clients');
  await writer.setData('/config/users/carol', encodeEntityConfig({ 'SCRAM-SHA-512': 'salt=YQ==,stored_key=Yg==,server_key=Yw==,iterations=8192' }));
  await writer.create('/config/users/carol/clients/etl', encodeEntityConfig({ request_percentage: '25' }));
  await writer.create('/config/users/<default>', encodeEntityConfig({ producer_byte_rate: '1000' }));
  await writer.create('/config/clients/reporting', encodeEntityConfig({ consumer_byte_rate: '500' }));
  // A user with only client-id entities has an empty znode, as ZooKeeper's recursive create leaves it.
  await writer.ensurePath('/config/users/dan/clients');
  await writer.create('/config/users/dan/clients/x', encodeEntityConfig({ producer_byte_rate: '1' }));

  const { store } = await brokerStore('/kafka-written');
  const all = [...store.all()].map(([entity, configs]) => JSON.stringify([entity, configs])).sort();
  assert.deepEqual(all, [
    [{ clientId: 'reporting' }, { consumer_byte_rate: '500' }],
    [{ user: '<default>' }, { producer_byte_rate: '1000' }],
    [{ user: 'carol' }, { 'SCRAM-SHA-512': 'salt=YQ==,stored_key=Yg==,server_key=Yw==,iterations=8192' }],
    [{ user: 'carol', clientId: 'etl' }, { request_percentage: '25' }],
    [{ user: 'dan', clientId: 'x' }, { producer_byte_rate: '1' }],
  ].map((entry) => JSON.stringify(entry)).sort());

  // kafka-configs --zookeeper for a user's client id: the znode, then a notification with the whole path.
  await writer.setData('/config/users/carol/clients/etl', encodeEntityConfig({ request_percentage: '50' }));
  await writer.create('/config/changes/config_change_', encodeConfigChangeNotification('users/carol/clients/etl'), 'persistent-sequential');
  await waitFor(() => store.get({ user: 'carol', clientId: 'etl' }).request_percentage === '50', 1_000, { intervalMs: 10, what: 'the client-id change' });
});
