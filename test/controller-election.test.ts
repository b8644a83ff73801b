import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkControllerAndWrite } from '../src/broker/cluster/controller/check-controller-and-write.ts';
import { ControllerElection, ControllerMovedError } from '../src/broker/cluster/controller/controller-election.ts';
import { ZooKeeperClient } from '../src/broker/cluster/zookeeper/zookeeper-client.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

/** Brokers electing a controller in a real ZooKeeper (started here); each test in a chroot of its own. */
let zk: TestZooKeeper;
const closers: Array<() => Promise<unknown>> = [];

before(async () => {
  zk = await startZooKeeper();
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await zk.close();
});

/** What the callbacks of every elector in a test did, in the order they did it. */
type LogEntry = { readonly brokerId: number; readonly event: 'become' | 'resign'; readonly epoch: number };

interface Elector {
  readonly brokerId: number;
  readonly client: ZooKeeperClient;
  readonly proxy: TcpProxy;
  readonly election: ControllerElection;
}

async function startElector(chroot: string, brokerId: number, log: LogEntry[], sessionTimeoutMs = 1_000, suspendedResignMs?: number): Promise<Elector> {
  const proxy = await startTcpProxy(zk.port);
  closers.push(() => proxy.close());
  const client = await ZooKeeperClient.connect({ connect: `127.0.0.1:${proxy.port}${chroot}`, sessionTimeoutMs });
  closers.push(() => client.close());
  let epoch = -1;
  const election = await ControllerElection.start({
    client, brokerId, sessionTimeoutMs, suspendedResignMs,
    onBecomeController: (controllerEpoch) => { epoch = controllerEpoch; log.push({ brokerId, event: 'become', epoch }); },
    onResign: () => log.push({ brokerId, event: 'resign', epoch }),
  });
  closers.push(() => election.close());
  return { brokerId, client, proxy, election };
}

/** Replays the log: never two controllers at once, and each election's epoch one above the last. */
function assertOneControllerAtATime(log: readonly LogEntry[]): void {
  let active: number | undefined;
  let lastEpoch = 0;
  for (const entry of log) {
    if (entry.event === 'become') {
      assert.equal(active, undefined, `broker ${entry.brokerId} became controller while ${active} still was: ${JSON.stringify(log)}`);
      assert.equal(entry.epoch, lastEpoch + 1, `epochs go up by one: ${JSON.stringify(log)}`);
      active = entry.brokerId;
      lastEpoch = entry.epoch;
    } else {
      assert.equal(entry.brokerId, active, `only the controller resigns: ${JSON.stringify(log)}`);
      active = undefined;
    }
  }
}

function activeOf(electors: readonly Elector[]): Elector[] {
  return electors.filter((e) => e.election.isActive);
}

/** Waits until exactly one of `electors` is the controller, and answers it. */
async function soleController(electors: readonly Elector[], timeoutMs: number, what: string): Promise<Elector> {
  const [controller] = await waitFor(() => { const active = activeOf(electors); return active.length === 1 ? active : undefined; }, timeoutMs, { what });
  return controller;
}

async function readEpoch(client: ZooKeeperClient): Promise<number> {
  return Number((await client.getData('/controller_epoch')).data.toString());
}

test('of three brokers exactly one is controller; the epoch goes up by one at each election', async () => {
  const log: LogEntry[] = [];
  const electors = await Promise.all([1, 2, 3].map((id) => startElector('/three', id, log)));
  const controller = await soleController(electors, 10_000, 'a controller');
  assert.equal(activeOf(electors).length, 1);
  assert.equal(controller.election.controllerEpoch, 1);
  assert.equal(await readEpoch(controller.client), 1);
  for (const e of electors) await waitFor(() => e.election.activeControllerId === controller.brokerId, 10_000, { what: 'all to see the controller' });

  await controller.election.close();
  const rest = electors.filter((e) => e !== controller);
  const next = await soleController(rest, 10_000, 'a new controller');
  assert.equal(next.election.controllerEpoch, 2);
  assert.equal(await readEpoch(next.client), 2);
  assert.equal(activeOf(electors).length, 1);
  assertOneControllerAtATime(log);
  assert.equal(log.filter((e) => e.event === 'become').length, 2);
});

test('a controller cut off from ZooKeeper resigns, another is elected, and the old one\'s writes are fenced', async () => {
  const log: LogEntry[] = [];
  const electors = await Promise.all([1, 2, 3].map((id) => startElector('/cut', id, log)));
  const old = await soleController(electors, 10_000, 'a controller');
  const staleEpochZkVersion = old.election.epochZkVersion;
  await old.election.fencedWrite([{ type: 'create', path: '/written-by-1st', data: Buffer.from('ok') }]);

  await old.proxy.cut();
  const rest = electors.filter((e) => e !== old);
  const next = await soleController(rest, 30_000, 'another controller');
  assert.equal(old.election.isActive, false, 'the old controller resigned');
  await assert.rejects(old.election.fencedWrite([{ type: 'create', path: '/stale', data: Buffer.from('x') }]), ControllerMovedError);

  await old.proxy.restore();
  await waitFor(() => old.election.activeControllerId === next.brokerId, 30_000, { what: 'the old controller to see the new one' });
  // Even a write that bypasses the election object fails at ZooKeeper with the old epoch's version.
  await assert.rejects(checkControllerAndWrite(old.client, staleEpochZkVersion, [{ type: 'create', path: '/stale', data: Buffer.from('x') }]),
    ControllerMovedError);
  assert.equal(await next.client.exists('/stale'), null);
  await next.election.fencedWrite([{ type: 'create', path: '/written-by-2nd', data: Buffer.from('ok') }]);
  assert.equal(next.election.controllerEpoch, 2);
  assert.equal(activeOf(electors).length, 1);
  assertOneControllerAtATime(log);
  assert.deepEqual(log.map((e) => `${e.brokerId}:${e.event}`), [`${old.brokerId}:become`, `${old.brokerId}:resign`, `${next.brokerId}:become`]);
});

test('a controller whose session expires resigns at once, then runs the election again with its new session', async () => {
  const log: LogEntry[] = [];
  // Resigning on a lost connection is put off beyond the expiry, so the expiry is what deposes it.
  const elector = await soleController([await startElector('/expiry', 1, log, 1_000, 60_000)], 10_000, 'a controller');
  const observer = await ZooKeeperClient.connect({ connect: `${zk.connectString}/expiry`, sessionTimeoutMs: 4_000 });
  closers.push(() => observer.close());
  await elector.proxy.cut();
  await waitFor(async () => (await observer.exists('/controller')) === null, 30_000, { what: 'ZooKeeper to expire the session' });
  assert.equal(elector.election.isActive, true, 'cut off, it cannot know yet');
  await elector.proxy.restore();
  await waitFor(() => log.length === 3, 30_000, { what: 'the resignation and the new election' });
  assert.deepEqual(log, [{ brokerId: 1, event: 'become', epoch: 1 }, { brokerId: 1, event: 'resign', epoch: 1 }, { brokerId: 1, event: 'become', epoch: 2 }]);
  assert.equal((await observer.exists('/controller'))?.ephemeralOwner, (await elector.client.sessionCredentials()).sessionId);
});

test('a controller that resigned while cut off, back within its session, takes the next epoch with its own /controller', async () => {
  const log: LogEntry[] = [];
  const elector = await soleController([await startElector('/suspended', 1, log, 20_000, 200)], 10_000, 'a controller');
  const { czxid } = (await elector.client.exists('/controller'))!;
  await elector.proxy.cut();
  await waitFor(() => !elector.election.isActive, 10_000, { what: 'the cut-off controller to resign' });
  await elector.proxy.restore();
  await waitFor(() => elector.election.isActive, 30_000, { what: 'it to be the controller again' });
  assert.deepEqual(log, [{ brokerId: 1, event: 'become', epoch: 1 }, { brokerId: 1, event: 'resign', epoch: 1 }, { brokerId: 1, event: 'become', epoch: 2 }]);
  assert.equal((await elector.client.exists('/controller'))?.czxid, czxid, 'the same /controller znode, the same session');
  await assert.rejects(checkControllerAndWrite(elector.client, 1, [{ type: 'create', path: '/stale' }]), ControllerMovedError);
  await elector.election.fencedWrite([{ type: 'create', path: '/fresh' }]);
});

test('a write that fails for another reason keeps its own typed error and op index', async () => {
  const log: LogEntry[] = [];
  const elector = await soleController([await startElector('/typed', 1, log)], 10_000, 'a controller');
  await assert.rejects(elector.election.fencedWrite([
    { type: 'create', path: '/a' },
    { type: 'setData', path: '/missing', data: Buffer.from('x') },
  ]), (error: unknown) => error instanceof Error && error.name === 'NoNodeError' && (error as { failedOp?: number }).failedOp === 1);
  assert.equal(await elector.client.exists('/a'), null, 'nothing of the multi was applied');
});

test('ZooKeeper restarted within the session: the same controller stays, with the same epoch', async () => {
  const log: LogEntry[] = [];
  const electors = await Promise.all([1, 2].map((id) => startElector('/zk-restart', id, log, 20_000)));
  const controller = await soleController(electors, 10_000, 'a controller');
  await zk.restart();
  await controller.election.fencedWrite([{ type: 'create', path: '/after-restart', data: Buffer.from('ok') }]);
  assert.equal(controller.election.isActive, true);
  assert.equal(controller.election.controllerEpoch, 1);
  assert.deepEqual(activeOf(electors), [controller]);
  assert.deepEqual(log, [{ brokerId: controller.brokerId, event: 'become', epoch: 1 }]);
});
