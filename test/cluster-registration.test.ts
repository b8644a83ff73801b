import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { after, before, test } from 'node:test';
import {
  BrokerIdInUseError, ensurePersistentPaths, getOrCreateClusterId, registerBroker, type RegisteredBroker,
} from '../src/broker/cluster/broker-registration.ts';
import { LiveBrokers, type BrokerChange } from '../src/broker/cluster/live-brokers.ts';
import { decodeBrokerRegistration } from '../src/broker/cluster/zookeeper/zk-data.ts';
import { PERSISTENT_PATHS } from '../src/broker/cluster/zookeeper/zk-paths.ts';
import { ZooKeeperClient } from '../src/broker/cluster/zookeeper/zookeeper-client.ts';
import { callBroker, startClusterBroker } from './helpers/in-process-cluster.ts';
import { Api } from './helpers/kafka-apis.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

/** Brokers registering in a real ZooKeeper (started here); each test in a chroot of its own. */
let zk: TestZooKeeper;
const closers: Array<() => Promise<unknown>> = [];
const SESSION_TIMEOUT_MS = 1_000;

before(async () => {
  zk = await startZooKeeper();
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await zk.close();
});

async function connect(chroot: string, viaProxy?: TcpProxy): Promise<ZooKeeperClient> {
  const hosts = viaProxy === undefined ? zk.connectString : `127.0.0.1:${viaProxy.port}`;
  const client = await ZooKeeperClient.connect({ connect: `${hosts}${chroot}`, sessionTimeoutMs: SESSION_TIMEOUT_MS });
  closers.push(() => client.close());
  return client;
}

async function proxy(): Promise<TcpProxy> {
  const p = await startTcpProxy(zk.port);
  closers.push(() => p.close());
  return p;
}

function broker(brokerId: number, port: number, rack: string | null = null): Parameters<typeof registerBroker>[0]['registration'] {
  return {
    brokerId,
    endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port }],
    rack,
    jmxPort: -1,
    features: {},
  };
}

async function register(client: ZooKeeperClient, registration: ReturnType<typeof broker>): Promise<RegisteredBroker> {
  await ensurePersistentPaths(client);
  const registered = await registerBroker({ client, registration, sessionTimeoutMs: SESSION_TIMEOUT_MS });
  closers.push(() => registered.close());
  return registered;
}

test('the first broker writes the cluster id in Kafka\'s form and the persistent paths; the next one reads the same id', async () => {
  const first = await connect('/cluster-id');
  const second = await connect('/cluster-id');
  await ensurePersistentPaths(first);
  for (const path of PERSISTENT_PATHS) assert.ok(await first.exists(path), `${path} exists`);
  assert.equal(await getOrCreateClusterId(first, 'AAAAAAAAAAAAAAAAAAAAAQ'), 'AAAAAAAAAAAAAAAAAAAAAQ');
  assert.equal(await getOrCreateClusterId(second, 'BBBBBBBBBBBBBBBBBBBBBQ'), 'AAAAAAAAAAAAAAAAAAAAAQ');
  assert.deepEqual(JSON.parse((await second.getData('/cluster/id')).data.toString()), { version: '1', id: 'AAAAAAAAAAAAAAAAAAAAAQ' });
});

test('a broker registers its endpoints and rack; its broker epoch is the znode\'s czxid', async () => {
  const client = await connect('/register');
  const registered = await register(client, broker(1, 9092, 'rack-a'));
  const { data, stat } = await client.getData('/brokers/ids/1');
  assert.equal(registered.brokerEpoch, stat.czxid);
  assert.equal(stat.ephemeralOwner, (await client.sessionCredentials()).sessionId);
  const decoded = decodeBrokerRegistration(1, data);
  assert.equal(decoded.rack, 'rack-a');
  assert.deepEqual(decoded.endpoints, [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }]);
});

test('a broker id held by another live broker is refused with a clear error, and accepted once that broker closes', async () => {
  const firstClient = await connect('/duplicate');
  const first = await register(firstClient, broker(1, 9092));
  const secondClient = await connect('/duplicate');
  await assert.rejects(register(secondClient, broker(1, 9093)), (error: unknown) =>
    error instanceof BrokerIdInUseError && /^Broker id 1 is already registered by another live broker \(PLAINTEXT:\/\/127\.0\.0\.1:9092/.test(error.message));
  assert.equal((await secondClient.exists('/brokers/ids/1'))?.czxid, first.brokerEpoch, 'the first registration is untouched');

  await first.close();
  assert.equal(await secondClient.exists('/brokers/ids/1'), null, 'close() deregisters at once');
  const second = await register(secondClient, broker(1, 9093));
  assert.notEqual(second.brokerEpoch, first.brokerEpoch);
  assert.equal(decodeBrokerRegistration(1, (await secondClient.getData('/brokers/ids/1')).data).endpoints[0]?.port, 9093);
});

test('a broker restarted before ZooKeeper expired its earlier session waits for the old registration to go', async () => {
  const link = await proxy();
  const crashed = await connect('/restart', link);
  const before = await register(crashed, broker(2, 9094));
  await link.cut(); // the old process is gone; its session lives until ZooKeeper expires it
  const restarted = await connect('/restart');
  const after = await register(restarted, broker(2, 9094));
  assert.notEqual(after.brokerEpoch, before.brokerEpoch);
  assert.equal((await restarted.exists('/brokers/ids/2'))?.ephemeralOwner, (await restarted.sessionCredentials()).sessionId);
});

test('after a session expiry the broker registers again, with a new broker epoch', async () => {
  const link = await proxy();
  const client = await connect('/expiry', link);
  const observer = await connect('/expiry');
  const registered = await register(client, broker(3, 9095));
  const firstEpoch = registered.brokerEpoch;
  await link.cut();
  await waitFor(async () => (await observer.exists('/brokers/ids/3')) === null, 30_000, { what: 'ZooKeeper to expire the session' });
  const reregistered = once(registered, 'registered');
  await link.restore();
  const [brokerEpoch] = await reregistered as [bigint];
  assert.equal(registered.brokerEpoch, brokerEpoch);
  assert.notEqual(brokerEpoch, firstEpoch);
  const stat = await observer.exists('/brokers/ids/3');
  assert.equal(stat?.czxid, brokerEpoch);
  assert.equal(stat?.ephemeralOwner, (await client.sessionCredentials()).sessionId);
});

test('a session that expires under the first registration (a start that held the event loop past the session timeout, as a long log recovery does): the broker registers with the new session', async () => {
  const link = await proxy();
  const client = await connect('/expiry-first', link);
  const observer = await connect('/expiry-first');
  await ensurePersistentPaths(client);
  await client.create('/marker', Buffer.alloc(0), 'ephemeral');
  const firstSession = (await client.sessionCredentials()).sessionId;
  await link.cut();
  await waitFor(async () => (await observer.exists('/marker')) === null, 30_000, { what: 'ZooKeeper to expire the session' });
  // The registration is sent while the client does not know yet: it learns of the expiry only when it reconnects.
  const registering = registerBroker({ client, registration: broker(4, 9096), sessionTimeoutMs: SESSION_TIMEOUT_MS });
  await link.restore();
  const registered = await registering;
  closers.push(() => registered.close());
  const stat = await observer.exists('/brokers/ids/4');
  assert.equal(stat?.czxid, registered.brokerEpoch);
  const { sessionId } = await client.sessionCredentials();
  assert.notEqual(sessionId, firstSession);
  assert.equal(stat?.ephemeralOwner, sessionId);
});

test('the live brokers view sees brokers join, leave and come back with a new epoch', async () => {
  const controllerClient = await connect('/live');
  await ensurePersistentPaths(controllerClient);
  const view = await LiveBrokers.watch(controllerClient);
  closers.push(async () => view.close());
  const changes: BrokerChange[] = [];
  view.on('change', (change) => changes.push(change));
  assert.deepEqual(view.brokerIds, []);

  const one = await register(await connect('/live'), broker(1, 9101, 'r1'));
  const twoLink = await proxy();
  const two = await register(await connect('/live', twoLink), broker(2, 9102, 'r2'));
  await waitFor(() => view.brokerIds.length === 2, 10_000, { what: 'both brokers to be seen' });
  assert.equal(view.brokers.get(1)?.brokerEpoch, one.brokerEpoch);
  assert.equal(view.brokers.get(2)?.registration.rack, 'r2');
  assert.deepEqual(changes.flatMap((c) => c.added.map((b) => b.registration.brokerId)).sort(), [1, 2]);

  await one.close();
  await waitFor(() => view.brokerIds.join() === '2', 10_000, { what: 'broker 1 to leave' });
  assert.deepEqual(changes.at(-1)?.removed, [1]);

  const twoEpoch = two.brokerEpoch;
  await twoLink.cut();
  await waitFor(() => view.brokerIds.length === 0, 30_000, { what: 'broker 2\'s session to expire' });
  await twoLink.restore();
  await waitFor(() => view.brokers.get(2)?.brokerEpoch === two.brokerEpoch && two.brokerEpoch !== twoEpoch, 30_000,
    { what: 'broker 2 to register again' });
  assert.deepEqual(changes.at(-1)?.added.map((b) => b.registration.brokerId), [2]);
});

/** Whether nothing accepts connections on `port` any more. */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(true));
  });
}

test('a broker whose id another live broker registered while its session was gone stops serving, as Kafka exits', { timeout: 90_000 }, async () => {
  const link = await proxy();
  const observer = await connect('/taken');
  const first = await startClusterBroker(zk, closers, { chroot: '/taken', nodeId: 7, overrides: { 'zookeeper.connect': `127.0.0.1:${link.port}/taken` } });
  // Cut from ZooKeeper for longer than its session timeout: ZooKeeper expires the session and its registration.
  await link.cut();
  await waitFor(async () => (await observer.exists('/brokers/ids/7')) === null, 30_000, { what: 'ZooKeeper to expire the first broker\'s session' });
  const second = await startClusterBroker(zk, closers, { chroot: '/taken', nodeId: 7 });
  // Back in touch, the first broker finds its id taken by a live broker: it stops serving.
  await link.restore();
  await waitFor(() => refusesConnections(first.port), 30_000, { what: 'the first broker to stop serving' });
  assert.equal((await observer.exists('/brokers/ids/7'))?.czxid, second.brokerEpoch, 'the second broker\'s registration stays');
  const metadata = await callBroker(second, Api.metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  assert.deepEqual(metadata.brokers.map((b) => [b.nodeId, b.port]), [[7, second.port]]);
});
