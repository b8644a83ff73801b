import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { ZooKeeperClient, type Znode, type ZooKeeperClientOptions } from '../src/broker/cluster/zookeeper/zookeeper-client.ts';
import {
  BadVersionError, NodeExistsError, NoNodeError, ZooKeeperClientClosedError, ZooKeeperConnectTimeoutError,
} from '../src/broker/cluster/zookeeper/zookeeper-errors.ts';
import { sequenceNumberOf } from '../src/broker/cluster/zookeeper/zk-paths.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

/** The ZooKeeper client against a real ZooKeeper that this file starts (and stops). */
let zk: TestZooKeeper;
const clients: ZooKeeperClient[] = [];
const proxies: TcpProxy[] = [];

before(async () => {
  zk = await startZooKeeper();
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(proxies.map((p) => p.close()));
  await zk.close();
});

async function connect(chroot: string, options: Partial<ZooKeeperClientOptions> = {}): Promise<ZooKeeperClient> {
  const client = await ZooKeeperClient.connect({ connect: `${zk.connectString}${chroot}`, sessionTimeoutMs: 4_000, ...options });
  clients.push(client);
  return client;
}

/** A client that reaches ZooKeeper through a proxy the test can cut or black-hole; both are closed after. */
async function connectThroughProxy(chroot: string, sessionTimeoutMs: number): Promise<{ client: ZooKeeperClient; proxy: TcpProxy; events: string[] }> {
  const proxy = await startTcpProxy(zk.port);
  proxies.push(proxy);
  const client = await ZooKeeperClient.connect({ connect: `127.0.0.1:${proxy.port}${chroot}`, sessionTimeoutMs });
  clients.push(client);
  const events: string[] = [];
  for (const event of ['disconnected', 'expired', 'session'] as const) client.on(event, () => events.push(event));
  return { client, proxy, events };
}

test('the chroot in the connect string is created, and isolates one cluster from another', async () => {
  const root = await connect('');
  const a = await connect('/samsa/a');
  const b = await connect('/samsa/b');
  assert.ok(await root.exists('/samsa/a'), 'connect created the chroot');
  await a.create('/brokers', Buffer.from('of a'));
  assert.equal((await root.getData('/samsa/a/brokers')).data.toString(), 'of a');
  assert.equal(await b.exists('/brokers'), null);
  assert.deepEqual(await b.getChildren('/'), []);
  assert.deepEqual(await a.getChildren('/'), ['brokers']);
});

test('an ephemeral znode is owned by its session and vanishes when the session closes', async () => {
  const observer = await connect('/ephemeral');
  const broker = await ZooKeeperClient.connect({ connect: `${zk.connectString}/ephemeral`, sessionTimeoutMs: 4_000 });
  await broker.ensurePath('/brokers/ids');
  await broker.create('/brokers/ids/1', Buffer.from('{}'), 'ephemeral');
  const stat = await observer.exists('/brokers/ids/1');
  assert.equal(stat?.ephemeralOwner, (await broker.sessionCredentials()).sessionId);
  await broker.close();
  assert.equal(await observer.exists('/brokers/ids/1'), null);
  assert.ok(await observer.exists('/brokers/ids'), 'persistent parents stay');
});

test('a stale conditional update or delete fails with BadVersionError and changes nothing', async () => {
  const writer = await connect('/versions');
  const stale = await connect('/versions');
  await writer.create('/state', Buffer.from('v0'));
  const seen = await stale.getData('/state');
  assert.equal(seen.stat.version, 0);
  const written = await writer.setData('/state', Buffer.from('v1'), 0);
  assert.equal(written.version, 1);
  await assert.rejects(stale.setData('/state', Buffer.from('stale'), seen.stat.version), (error: unknown) =>
    error instanceof BadVersionError && error.path === '/state');
  await assert.rejects(stale.delete('/state', seen.stat.version), BadVersionError);
  assert.equal((await stale.getData('/state')).data.toString(), 'v1');
  await assert.rejects(writer.create('/state'), NodeExistsError);
  await assert.rejects(writer.getData('/missing'), NoNodeError);
  await assert.rejects(writer.setData('/missing', Buffer.from('x'), 0), NoNodeError);
  await writer.delete('/state', 1);
  assert.equal(await writer.exists('/state'), null);
});

test('multi is all or nothing; a stale check names the failing op', async () => {
  const client = await connect('/multi');
  await client.create('/state', Buffer.from('a'));
  const results = await client.multi([
    { type: 'check', path: '/state', version: 0 },
    { type: 'setData', path: '/state', data: Buffer.from('b'), version: 0 },
    { type: 'create', path: '/child', data: Buffer.from('c') },
  ]);
  assert.equal(results[1]?.type === 'setData' && results[1].stat.version, 1);
  assert.deepEqual(results[2], { type: 'create', path: '/child' });
  await assert.rejects(client.multi([
    { type: 'create', path: '/not-created' },
    { type: 'setData', path: '/state', data: Buffer.from('stale'), version: 0 },
  ]), (error: unknown) => error instanceof BadVersionError && error.failedOp === 1 && error.path === '/state');
  assert.equal(await client.exists('/not-created'), null);
  assert.equal((await client.getData('/state')).data.toString(), 'b');
});

test('sequential znodes get increasing sequence numbers', async () => {
  const client = await connect('/sequential');
  await client.ensurePath('/config/changes');
  const first = await client.create('/config/changes/config_change_', Buffer.from('1'), 'persistent-sequential');
  const second = await client.create('/config/changes/config_change_', Buffer.from('2'), 'ephemeral-sequential');
  assert.match(first, /^\/config\/changes\/config_change_\d{10}$/);
  assert.ok(sequenceNumberOf(second) > sequenceNumberOf(first));
});

test('watchData keeps watching: every change, deletion and re-creation reaches the listener', async () => {
  const client = await connect('/watch-data');
  const writer = await connect('/watch-data');
  const seen: Array<string | null> = [];
  const watch = await client.watchData('/controller', (node: Znode | null) => seen.push(node === null ? null : node.data.toString()));
  const step = async (change: () => Promise<unknown>, expected: string | null) => {
    const count = seen.length;
    await change();
    await waitFor(() => seen.length > count, 10_000, { what: `the watch to report ${expected}` });
  };
  await step(() => writer.create('/controller', Buffer.from('1')), '1');
  await step(() => writer.setData('/controller', Buffer.from('2')), '2');
  await step(() => writer.setData('/controller', Buffer.from('3')), '3');
  await step(() => writer.delete('/controller'), null);
  await step(() => writer.create('/controller', Buffer.from('4')), '4');
  assert.deepEqual(seen, [null, '1', '2', '3', null, '4']);
  watch.cancel();
  await writer.setData('/controller', Buffer.from('5'));
  await writer.setData('/controller', Buffer.from('6'));
  assert.equal((await client.getData('/controller')).data.toString(), '6');
  assert.deepEqual(seen, [null, '1', '2', '3', null, '4'], 'a cancelled watch reports nothing');
});

test('watchChildren keeps watching the children of a znode', async () => {
  const client = await connect('/watch-children');
  const seen: Array<string[] | null> = [];
  await client.watchChildren('/brokers/ids', (children) => seen.push(children === null ? null : [...children].sort()));
  await client.ensurePath('/brokers/ids');
  await waitFor(() => seen.length === 2, 10_000);
  await client.create('/brokers/ids/1', Buffer.alloc(0), 'ephemeral');
  await waitFor(() => seen.length === 3, 10_000);
  await client.create('/brokers/ids/2', Buffer.alloc(0), 'ephemeral');
  await waitFor(() => seen.length === 4, 10_000);
  await client.delete('/brokers/ids/1');
  await waitFor(() => seen.length === 5, 10_000);
  assert.deepEqual(seen, [null, [], ['1'], ['1', '2'], ['2']]);
});

test('a closed client refuses every request; close is idempotent', async () => {
  const client = await ZooKeeperClient.connect({ connect: zk.connectString, sessionTimeoutMs: 4_000 });
  await client.close();
  await client.close();
  assert.ok(client.closed);
  await assert.rejects(client.getChildren('/'), ZooKeeperClientClosedError);
  await assert.rejects(client.create('/x'), ZooKeeperClientClosedError);
});

test('no ZooKeeper within zookeeper.connection.timeout.ms: ZooKeeperConnectTimeoutError', async () => {
  const proxy = await startTcpProxy(zk.port);
  await proxy.cut();
  try {
    await assert.rejects(ZooKeeperClient.connect({ connect: `127.0.0.1:${proxy.port}`, sessionTimeoutMs: 1_000, connectionTimeoutMs: 300 }),
      ZooKeeperConnectTimeoutError);
  } finally {
    await proxy.close();
  }
});

test('session expiry is reported, a new session follows, and watches work again', async () => {
  // Through a proxy the test cuts: ZooKeeper keeps running (and its clock) and expires the session.
  const observer = await connect('/expiry');
  const { client, proxy, events } = await connectThroughProxy('/expiry', 1_000);
  const { sessionId: oldSession } = await client.sessionCredentials();
  await client.ensurePath('/brokers/ids');
  await client.create('/brokers/ids/1', Buffer.from('old'), 'ephemeral');
  const seen: Array<string | null> = [];
  await client.watchData('/watched', (node) => seen.push(node === null ? null : node.data.toString()));

  await proxy.cut();
  await waitFor(async () => (await observer.exists('/brokers/ids/1')) === null, 30_000, { what: 'ZooKeeper to expire the session' });
  await observer.create('/watched', Buffer.from('while cut off'));
  const newSession = once(client, 'session');
  await proxy.restore();
  const [sessionId] = await newSession as [bigint];

  assert.deepEqual(events, ['disconnected', 'expired', 'session']);
  assert.notEqual(sessionId, oldSession);
  assert.equal((await client.sessionCredentials()).sessionId, sessionId);
  assert.equal(await client.exists('/brokers/ids/1'), null, 'the old session\'s ephemeral znode is gone');
  await client.create('/brokers/ids/1', Buffer.from('new'), 'ephemeral');
  assert.equal((await observer.exists('/brokers/ids/1'))?.ephemeralOwner, sessionId);
  await waitFor(() => seen.at(-1) === 'while cut off', 10_000, { what: 'the re-armed watch to read the change it missed' });
  await observer.setData('/watched', Buffer.from('after'));
  await waitFor(() => seen.at(-1) === 'after', 10_000, { what: 'the re-armed watch to fire' });
});

test('cut off without a word (a partition): the client notices the silence and, its session expired, opens a new one', async () => {
  const observer = await connect('/partition');
  const { client, proxy, events } = await connectThroughProxy('/partition', 1_000);
  await client.create('/controller', Buffer.from('1'), 'ephemeral');
  proxy.blackhole();
  // No reset, no FIN: only a read timeout tells the client (TCP alone would take minutes).
  await waitFor(() => events.includes('disconnected'), 10_000, { what: 'the client to give up on the silent connection' });
  await waitFor(async () => (await observer.exists('/controller')) === null, 30_000, { what: 'ZooKeeper to expire the session' });
  const session = once(client, 'session');
  await proxy.restore();
  await session;
  assert.deepEqual(events, ['disconnected', 'expired', 'session']);
  await client.create('/controller', Buffer.from('2'), 'ephemeral');
});

test('a reconnection accepted but never answered (a ZooKeeper that is starting) is given up: the client learns its session expired', async () => {
  const observer = await connect('/stalled');
  const { client, proxy, events } = await connectThroughProxy('/stalled', 1_000);
  await client.create('/registration', Buffer.from('1'), 'ephemeral');
  // The connection drops; the next one is accepted and then never answered, as by a ZooKeeper 3.8
  // that is loading its database and fails to close a connection it refuses.
  proxy.stall();
  await waitFor(async () => (await observer.exists('/registration')) === null, 30_000, { what: 'ZooKeeper to expire the session' });
  await proxy.restore();
  await waitFor(() => events.includes('session'), 30_000, { what: 'a new session: the client gave up on the connection that never answered' });
  assert.deepEqual(events, ['disconnected', 'expired', 'session']);
  await client.create('/registration', Buffer.from('2'), 'ephemeral');
});

test('connect to a server that accepts and never answers (a ZooKeeper that is starting): the client tries again within zookeeper.connection.timeout.ms', async () => {
  const proxy = await startTcpProxy(zk.port);
  proxies.push(proxy);
  proxy.stall();
  const connecting = ZooKeeperClient.connect({ connect: `127.0.0.1:${proxy.port}`, sessionTimeoutMs: 1_000, connectionTimeoutMs: 30_000 });
  await waitFor(() => proxy.stalledConnections > 0, 10_000, { what: 'the client to connect to the server that never answers' });
  await proxy.restore();
  // Only a new connection can be answered: the client gave up on the one that never was.
  const client = await connecting;
  clients.push(client);
  await client.ensurePath('/stalled-connect');
});

test('ZooKeeper stopped and restarted: the client reconnects within its session', async () => {
  const client = await connect('/restart', { sessionTimeoutMs: 20_000 });
  const events: string[] = [];
  for (const event of ['connected', 'disconnected', 'expired', 'session'] as const) client.on(event, () => events.push(event));
  const { sessionId } = await client.sessionCredentials();
  await client.create('/controller', Buffer.from('1'), 'ephemeral');
  const seen: Array<string | null> = [];
  await client.watchData('/controller', (node) => seen.push(node === null ? null : node.data.toString()));

  const disconnected = once(client, 'disconnected');
  await zk.stop();
  await disconnected;
  const reconnected = once(client, 'connected');
  await zk.start();
  await reconnected;

  assert.deepEqual(events, ['disconnected', 'connected']);
  assert.equal((await client.sessionCredentials()).sessionId, sessionId);
  assert.equal((await client.exists('/controller'))?.ephemeralOwner, sessionId, 'the ephemeral znode survived');
  await client.setData('/controller', Buffer.from('2'));
  await waitFor(() => seen.at(-1) === '2', 10_000, { what: 'the watch to fire after the restart' });
  assert.deepEqual(seen, ['1', '2']);
});
