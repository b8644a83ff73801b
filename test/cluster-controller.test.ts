import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registerBroker, ensurePersistentPaths, type RegisteredBroker } from '../src/broker/cluster/broker-registration.ts';
import { BrokerToControllerChannel } from '../src/broker/cluster/broker-to-controller-channel.ts';
import { KafkaController } from '../src/broker/cluster/controller/kafka-controller.ts';
import { InterBrokerApis } from '../src/broker/cluster/inter-broker-apis.ts';
import { decodePartitionState, encodeEntityConfig, encodeTopicAssignment, type PartitionState } from '../src/broker/cluster/zookeeper/zk-data.ts';
import { ZkPaths } from '../src/broker/cluster/zookeeper/zk-paths.ts';
import { ZooKeeperClient } from '../src/broker/cluster/zookeeper/zookeeper-client.ts';
import { NodeExistsError, NoNodeError } from '../src/broker/cluster/zookeeper/zookeeper-errors.ts';
import { parseBrokerConfig } from '../src/broker/config.ts';
import { createSilentLogger } from '../src/broker/logger.ts';
import { systemTime } from '../src/broker/time.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { randomUuid } from '../src/protocol/primitives/uuid.ts';
import { startRecordingBroker, type RecordingBroker } from './helpers/recording-broker.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

/**
 * The controller against a real ZooKeeper, with brokers that are small real TCP servers recording
 * the controller's requests: each "broker" registers in ZooKeeper and runs a KafkaController, as a
 * broker does; every test has a chroot of its own.
 */
let zk: TestZooKeeper;
const SESSION_TIMEOUT_MS = 4_000;
const WAIT_MS = 20_000;

before(async () => {
  zk = await startZooKeeper();
});

after(async () => {
  await zk.close();
});

interface FakeBroker {
  readonly id: number;
  readonly recording: RecordingBroker;
  readonly client: ZooKeeperClient;
  readonly registered: RegisteredBroker;
  readonly controller: KafkaController;
  /** Leaves the cluster: its controller, its registration and its session go. */
  stop(): Promise<void>;
}

class Cluster {
  readonly chroot: string;
  readonly brokers = new Map<number, FakeBroker>();
  admin!: ZooKeeperClient;

  constructor(name: string) {
    this.chroot = `/${name}`;
  }

  async start(ids: readonly number[]): Promise<this> {
    this.admin = await ZooKeeperClient.connect({ connect: `${zk.connectString}${this.chroot}`, sessionTimeoutMs: SESSION_TIMEOUT_MS });
    await ensurePersistentPaths(this.admin);
    for (const id of ids) await this.startBroker(id);
    // The controller knows every broker once each has been told of all of them.
    for (const broker of this.brokers.values()) {
      await waitFor(() => lastUpdateMetadata(broker)?.liveBrokers.length === ids.length, WAIT_MS, { what: `broker ${broker.id} told of ${ids.length} brokers` });
    }
    return this;
  }

  async startBroker(id: number): Promise<FakeBroker> {
    const recording = await startRecordingBroker();
    const client = await ZooKeeperClient.connect({ connect: `${zk.connectString}${this.chroot}`, sessionTimeoutMs: SESSION_TIMEOUT_MS });
    const registered = await registerBroker({
      client,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      registration: {
        brokerId: id, rack: null, jmxPort: -1, features: {},
        endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: recording.host, port: recording.port }],
      },
    });
    const config = parseBrokerConfig({ 'broker.id': String(id), 'controller.socket.timeout.ms': '5000' });
    const controller = await KafkaController.start({ client, brokerId: id, config, logger: createSilentLogger(), time: systemTime });
    recording.controller = controller;
    let stopped = false;
    const broker: FakeBroker = {
      id, recording, client, registered, controller,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        this.brokers.delete(id);
        await controller.close();
        await registered.close();
        await client.close();
        await recording.close();
      },
    };
    this.brokers.set(id, broker);
    return broker;
  }

  async activeController(): Promise<FakeBroker> {
    return waitFor(() => {
      const active = [...this.brokers.values()].filter((b) => b.controller.isActive);
      return active.length === 1 ? active[0] : undefined;
    }, WAIT_MS, { what: 'one active controller' });
  }

  async createTopic(topic: string, assignment: Record<number, number[]>, config?: Record<string, string>): Promise<string> {
    const topicId = randomUuid();
    if (config !== undefined) await this.#createAcrossExpiry(ZkPaths.configEntity('topics', topic), encodeEntityConfig(config));
    const partitions = new Map(Object.entries(assignment).map(([p, replicas]) => [Number(p), replicas]));
    await this.#createAcrossExpiry(ZkPaths.topic(topic), encodeTopicAssignment({ topicId, partitions }));
    return topicId;
  }

  /**
   * A create as an admin tool would retry it: a ZooKeeper restart may expire this client's session
   * (it opens a new one) or lose the connection after the create was applied (then it exists).
   */
  async #createAcrossExpiry(path: string, data: Buffer): Promise<void> {
    await waitFor(async () => {
      try {
        await this.admin.create(path, data);
      } catch (error) {
        if (!(error instanceof NodeExistsError)) throw error;
      }
      return true;
    }, WAIT_MS, { what: `${path} created` });
  }

  async state(topic: string, partition: number): Promise<PartitionState | undefined> {
    try {
      const { data, stat } = await this.admin.getData(ZkPaths.partitionState(topic, partition));
      return decodePartitionState(data, stat.version);
    } catch (error) {
      if (error instanceof NoNodeError) return undefined;
      throw error;
    }
  }

  async waitForState(topic: string, partition: number, what: string, condition: (state: PartitionState) => boolean): Promise<PartitionState> {
    return waitFor(async () => {
      const state = await this.state(topic, partition);
      return state !== undefined && condition(state) ? state : undefined;
    }, WAIT_MS, { what });
  }

  async close(): Promise<void> {
    for (const broker of [...this.brokers.values()]) await broker.stop();
    await this.admin?.close();
  }
}

/** The newest state a broker was told of a partition by LeaderAndIsr. */
function lastLeaderAndIsr(broker: FakeBroker, topic: string, partition: number) {
  const states = broker.recording.requests.flatMap((r) => (r.api === 'LeaderAndIsr'
    ? (r.body.topicStates ?? []).filter((t) => t.topicName === topic).flatMap((t) => t.partitionStates.filter((p) => p.partitionIndex === partition).map((p) => ({ ...p, controllerEpoch: r.body.controllerEpoch })))
    : []));
  return states.at(-1);
}

/** The newest UpdateMetadata a broker got, if any. */
function lastUpdateMetadata(broker: FakeBroker) {
  return broker.recording.requests.filter((r) => r.api === 'UpdateMetadata').at(-1)?.body as import('../src/protocol/generated/update-metadata.ts').UpdateMetadataRequest | undefined;
}

function metadataLeader(broker: FakeBroker, topic: string, partition: number): number | undefined {
  for (const request of broker.recording.requests.toReversed()) {
    if (request.api !== 'UpdateMetadata') continue;
    const state = request.body.topicStates?.find((t) => t.topicName === topic)?.partitionStates.find((p) => p.partitionIndex === partition);
    if (state !== undefined) return state.leader;
  }
  return undefined;
}

test('a new topic gets its first leaders in ZooKeeper, and every replica and broker is told', async (t) => {
  const cluster = await new Cluster('new-topic').start([1, 2, 3]);
  t.after(() => cluster.close());
  const controller = await cluster.activeController();
  await cluster.createTopic('orders', { 0: [1, 2, 3], 1: [2, 3, 1], 2: [3, 1, 2] });

  for (const [partition, leader] of [[0, 1], [1, 2], [2, 3]] as const) {
    const state = await cluster.waitForState('orders', partition, `orders-${partition} state`, () => true);
    assert.equal(state.leader, leader, 'the first replica leads');
    assert.deepEqual([...state.isr].sort(), [1, 2, 3], 'every live replica is in sync');
    assert.equal(state.leaderEpoch, 0);
    assert.equal(state.controllerEpoch, controller.controller.epoch);
  }
  for (const broker of cluster.brokers.values()) {
    const told = await waitFor(() => lastLeaderAndIsr(broker, 'orders', 0), WAIT_MS, { what: `LeaderAndIsr for orders-0 at broker ${broker.id}` });
    assert.equal(told.leader, 1);
    assert.equal(told.isNew, true);
    assert.equal(told.controllerEpoch, controller.controller.epoch);
    await waitFor(() => metadataLeader(broker, 'orders', 2) === 3, WAIT_MS, { what: `UpdateMetadata for orders-2 at broker ${broker.id}` });
    assert.deepEqual(lastUpdateMetadata(broker)!.liveBrokers.map((b) => b.id), [1, 2, 3]);
  }
});

test('a dead leader is replaced from the ISR in the next leader epoch; the dead broker leaves every ISR', async (t) => {
  const cluster = await new Cluster('broker-failure').start([1, 2, 3]);
  t.after(() => cluster.close());
  const controller = await cluster.activeController();
  const victim = [1, 2, 3].find((id) => id !== controller.id)!;
  const survivor = [1, 2, 3].find((id) => id !== controller.id && id !== victim)!;
  await cluster.createTopic('events', { 0: [victim, survivor, controller.id], 1: [survivor, victim, controller.id] });
  await cluster.waitForState('events', 1, 'events-1 created', () => true);
  await cluster.waitForState('events', 0, 'events-0 created', () => true);

  await cluster.brokers.get(victim)!.stop();

  const led = await cluster.waitForState('events', 0, 'a new leader for events-0', (s) => s.leader !== victim);
  assert.equal(led.leader, survivor, 'the next replica in assignment order that is in sync');
  assert.equal(led.leaderEpoch, 1);
  assert.deepEqual([...led.isr].sort(), [survivor, controller.id].sort());
  const followed = await cluster.waitForState('events', 1, 'the dead follower out of the ISR', (s) => !s.isr.includes(victim));
  assert.equal(followed.leader, survivor, 'a live leader keeps leading');
  assert.equal(followed.leaderEpoch, 1);
  const told = await waitFor(() => (lastLeaderAndIsr(cluster.brokers.get(survivor)!, 'events', 0)?.leader === survivor ? true : undefined), WAIT_MS, { what: 'the new leader told' });
  assert.ok(told);
  await waitFor(() => metadataLeader(controller, 'events', 0) === survivor, WAIT_MS, { what: 'UpdateMetadata with the new leader' });
});

test('the last in-sync replica dying leaves the partition offline until it returns; it leads again in a new epoch', async (t) => {
  const cluster = await new Cluster('offline').start([1, 2, 3]);
  t.after(() => cluster.close());
  const controller = await cluster.activeController();
  const [a, b] = [1, 2, 3].filter((id) => id !== controller.id) as [number, number];
  await cluster.createTopic('solo', { 0: [a] });
  await cluster.waitForState('solo', 0, 'solo-0 created', () => true);

  await cluster.brokers.get(a)!.stop();
  const offline = await cluster.waitForState('solo', 0, 'solo-0 offline', (s) => s.leader === -1);
  assert.deepEqual(offline.isr, [a], 'the ISR keeps the replica that holds every acknowledged record');

  const back = await cluster.startBroker(a);
  const online = await cluster.waitForState('solo', 0, 'solo-0 back', (s) => s.leader === a);
  assert.equal(online.leaderEpoch, offline.leaderEpoch + 1);
  await waitFor(() => lastLeaderAndIsr(back, 'solo', 0)?.leader === a, WAIT_MS, { what: 'the returning broker told it leads' });
  await waitFor(() => metadataLeader(cluster.brokers.get(b)!, 'solo', 0) === a, WAIT_MS, { what: 'the other brokers told' });
});

test('unclean.leader.election.enable on the topic lets an out-of-sync replica lead, marked as recovering', async (t) => {
  const cluster = await new Cluster('unclean').start([1, 2, 3]);
  t.after(() => cluster.close());
  const controller = await cluster.activeController();
  const [a, b] = [1, 2, 3].filter((id) => id !== controller.id) as [number, number];
  await cluster.createTopic('clean', { 0: [a, b] });
  await cluster.createTopic('dirty', { 0: [a, b] }, { 'unclean.leader.election.enable': 'true' });
  for (const topic of ['clean', 'dirty']) {
    const state = await cluster.waitForState(topic, 0, `${topic} created`, () => true);
    // b falls out of sync, as a leader's AlterPartition would say.
    await controller.controller.alterPartition({
      brokerId: a, brokerEpoch: cluster.brokers.get(a)!.registered.brokerEpoch,
      topics: [{ topicName: topic, partitions: [{ partitionIndex: 0, leaderEpoch: state.leaderEpoch, newIsr: [a], partitionEpoch: state.partitionEpoch }] }],
    }, 1);
  }
  await cluster.brokers.get(a)!.stop();
  const dirty = await cluster.waitForState('dirty', 0, 'dirty led by the out-of-sync replica', (s) => s.leader === b);
  assert.deepEqual(dirty.isr, [b]);
  assert.equal(dirty.leaderRecoveryState, 1, 'RECOVERING');
  const clean = await cluster.waitForState('clean', 0, 'clean offline', (s) => s.leader === -1);
  assert.deepEqual(clean.isr, [a], 'no unclean election without the topic allowing it');
});

test('a new controller takes over when the controller dies, loads the state and fences with a higher epoch', async (t) => {
  const cluster = await new Cluster('controller-failover').start([1, 2, 3]);
  t.after(() => cluster.close());
  const first = await cluster.activeController();
  const firstEpoch = first.controller.epoch;
  await cluster.createTopic('logs', { 0: [first.id, ...[1, 2, 3].filter((id) => id !== first.id)] });
  await cluster.waitForState('logs', 0, 'logs-0 created', (s) => s.leader === first.id);
  await cluster.createTopic('alone', { 0: [first.id] });
  await cluster.waitForState('alone', 0, 'alone-0 created', (s) => s.leader === first.id);

  await first.stop();
  const second = await cluster.activeController();
  assert.ok(second.controller.epoch > firstEpoch);
  const moved = await cluster.waitForState('logs', 0, 'logs-0 led by a survivor', (s) => s.leader !== first.id && s.leader !== -1);
  assert.equal(moved.controllerEpoch, second.controller.epoch);
  // Whether the new controller saw the old one's broker go or found it gone, no dead leader stays advertised.
  const alone = await cluster.waitForState('alone', 0, 'alone-0 offline', (s) => s.leader === -1);
  assert.deepEqual(alone.isr, [first.id]);
  for (const broker of cluster.brokers.values()) {
    await waitFor(() => lastUpdateMetadata(broker)?.controllerEpoch === second.controller.epoch, WAIT_MS, { what: `broker ${broker.id} hears from the new controller` });
    assert.equal(lastUpdateMetadata(broker)!.controllerId, second.id);
  }
  // A topic created afterwards works.
  await cluster.createTopic('later', { 0: [...cluster.brokers.keys()] });
  await cluster.waitForState('later', 0, 'later-0 created by the new controller', (s) => s.controllerEpoch === second.controller.epoch);
});

test('AlterPartition over the network: ISR changes are checked against epochs and live brokers, written, and answered', async (t) => {
  const cluster = await new Cluster('alter-partition').start([1, 2, 3]);
  t.after(() => cluster.close());
  const controller = await cluster.activeController();
  const leader = [1, 2, 3].find((id) => id !== controller.id)!;
  const others = [1, 2, 3].filter((id) => id !== leader);
  const topicId = await cluster.createTopic('isr', { 0: [leader, ...others] });
  const initial = await cluster.waitForState('isr', 0, 'isr-0 created', () => true);
  const leaderBroker = cluster.brokers.get(leader)!;
  // The leader's channel is first pointed at a broker that is not the controller: it must find the real one.
  let asked = 0;
  const channel = new BrokerToControllerChannel({
    brokerId: leader, requestTimeoutMs: 10_000, logger: createSilentLogger(),
    controllerNode: () => {
      const target = asked++ === 0 ? leaderBroker : controller;
      return { id: target.id, host: target.recording.host, port: target.recording.port };
    },
  });
  t.after(() => channel.close());
  const propose = (isr: number[], leaderEpoch: number, partitionEpoch: number) => channel.send(InterBrokerApis.AlterPartition, (version) => {
    assert.equal(version, 3, 'the newest version, with broker epochs');
    return {
      brokerId: leader, brokerEpoch: leaderBroker.registered.brokerEpoch,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, leaderEpoch, partitionEpoch, newIsrWithEpochs: isr.map((id) => ({ brokerId: id, brokerEpoch: cluster.brokers.get(id)?.registered.brokerEpoch ?? -1n })) }] }],
    };
  });

  const shrunk = await propose([leader, others[0]!], initial.leaderEpoch, initial.partitionEpoch);
  assert.equal(shrunk.errorCode, ErrorCode.NONE);
  const answer = shrunk.topics[0]!.partitions[0]!;
  assert.equal(answer.errorCode, ErrorCode.NONE);
  assert.deepEqual(answer.isr, [leader, others[0]]);
  assert.equal(answer.leaderEpoch, initial.leaderEpoch, 'an ISR change keeps the leader epoch');
  assert.equal(answer.partitionEpoch, initial.partitionEpoch + 1);
  const stored = await cluster.state('isr', 0);
  assert.deepEqual(stored?.isr, [leader, others[0]]);
  assert.equal(stored?.partitionEpoch, answer.partitionEpoch);
  assert.ok(asked >= 2, 'NOT_CONTROLLER from the first broker was retried at the controller');

  const stale = await propose([leader], initial.leaderEpoch, initial.partitionEpoch);
  assert.equal(stale.topics[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_UPDATE_VERSION);
  const fenced = await propose([leader], initial.leaderEpoch - 1, answer.partitionEpoch);
  assert.equal(fenced.topics[0]!.partitions[0]!.errorCode, ErrorCode.FENCED_LEADER_EPOCH);

  const dead = others[1]!;
  await cluster.brokers.get(dead)!.stop();
  await waitFor(() => lastUpdateMetadata(controller)?.liveBrokers.every((b) => b.id !== dead), WAIT_MS, { what: 'the controller has seen the broker die' });
  const afterDeath = (await cluster.state('isr', 0))!;
  const ineligible = await propose([leader, others[0]!, dead], afterDeath.leaderEpoch, afterDeath.partitionEpoch);
  assert.equal(ineligible.topics[0]!.partitions[0]!.errorCode, ErrorCode.INELIGIBLE_REPLICA, 'a dead broker is not put back in the ISR');
});

test('ControlledShutdown moves leaderships to other in-sync replicas and names what it cannot move', async (t) => {
  const cluster = await new Cluster('controlled-shutdown').start([1, 2, 3]);
  t.after(() => cluster.close());
  const controller = await cluster.activeController();
  const [leaving, staying] = [1, 2, 3].filter((id) => id !== controller.id) as [number, number];
  await cluster.createTopic('moves', { 0: [leaving, staying, controller.id], 1: [staying, leaving, controller.id] });
  await cluster.createTopic('single', { 0: [leaving] });
  await cluster.createTopic('stuck', { 0: [leaving, staying] });
  const stuck = await cluster.waitForState('stuck', 0, 'stuck created', () => true);
  await cluster.waitForState('moves', 1, 'moves-1 created', () => true);
  await cluster.waitForState('single', 0, 'single created', () => true);
  await controller.controller.alterPartition({
    brokerId: leaving, brokerEpoch: -1n,
    topics: [{ topicName: 'stuck', partitions: [{ partitionIndex: 0, leaderEpoch: stuck.leaderEpoch, newIsr: [leaving], partitionEpoch: stuck.partitionEpoch }] }],
  }, 1);
  const leavingBroker = cluster.brokers.get(leaving)!;

  const channel = new BrokerToControllerChannel({
    brokerId: leaving, requestTimeoutMs: 10_000, logger: createSilentLogger(),
    controllerNode: () => ({ id: controller.id, host: controller.recording.host, port: controller.recording.port }),
  });
  t.after(() => channel.close());
  const response = await channel.send(InterBrokerApis.ControlledShutdown, { brokerId: leaving, brokerEpoch: leavingBroker.registered.brokerEpoch });
  assert.equal(response.errorCode, ErrorCode.NONE);
  assert.deepEqual(response.remainingPartitions, [{ topicName: 'stuck', partitionIndex: 0 }], 'only the partition with no other in-sync replica remains');

  const moved = await cluster.state('moves', 0);
  assert.equal(moved?.leader, staying);
  assert.ok(!moved?.isr.includes(leaving));
  const followed = await cluster.state('moves', 1);
  assert.ok(!followed?.isr.includes(leaving), 'a shutting-down follower leaves the ISR');
  await waitFor(() => leavingBroker.recording.requests.some((r) => r.api === 'StopReplica'
    && r.body.topicStates?.some((s) => s.topicName === 'moves' && s.partitionStates.some((p) => p.partitionIndex === 1 && !p.deletePartition))), WAIT_MS, { what: 'StopReplica without delete for the followed partition' });

  const stale = await channel.send(InterBrokerApis.ControlledShutdown, { brokerId: leaving, brokerEpoch: leavingBroker.registered.brokerEpoch - 1n });
  assert.equal(stale.errorCode, ErrorCode.STALE_BROKER_EPOCH);
});

test('deleting a topic stops and deletes its replicas, then removes its znodes; new partitions get leaders', async (t) => {
  const cluster = await new Cluster('deletion').start([1, 2]);
  t.after(() => cluster.close());
  await cluster.activeController();
  const topicId = await cluster.createTopic('doomed', { 0: [1, 2] });
  await cluster.waitForState('doomed', 0, 'doomed created', () => true);
  await cluster.admin.setData(ZkPaths.topic('doomed'), encodeTopicAssignment({ topicId, partitions: new Map([[0, [1, 2]], [1, [2, 1]]]) }));
  const added = await cluster.waitForState('doomed', 1, 'the added partition', () => true);
  assert.equal(added.leader, 2);

  await cluster.admin.create(ZkPaths.deleteTopic('doomed'));
  await waitFor(async () => (await cluster.admin.exists(ZkPaths.topic('doomed'))) === null, WAIT_MS, { what: '/brokers/topics/doomed removed' });
  assert.equal(await cluster.admin.exists(ZkPaths.deleteTopic('doomed')), null, 'the deletion request is removed');
  for (const broker of cluster.brokers.values()) {
    const deleted = broker.recording.requests.filter((r) => r.api === 'StopReplica').flatMap((r) => r.body.topicStates ?? [])
      .filter((s) => s.topicName === 'doomed').flatMap((s) => s.partitionStates.filter((p) => p.deletePartition).map((p) => p.partitionIndex));
    assert.deepEqual([...new Set(deleted)].sort(), [0, 1], `broker ${broker.id} deleted both replicas`);
    assert.equal(metadataLeader(broker, 'doomed', 0), -2, 'UpdateMetadata marked the topic as being deleted');
  }
});

test('ZooKeeper restarted: the controller carries on (or is re-elected) and a topic created afterwards gets its leaders', async (t) => {
  const cluster = await new Cluster('zookeeper-restart').start([1, 2, 3]);
  t.after(() => cluster.close());
  const before = await cluster.activeController();
  await cluster.createTopic('kept', { 0: [1, 2, 3] });
  const kept = await cluster.waitForState('kept', 0, 'kept created', () => true);

  await zk.restart();

  const after = await cluster.activeController();
  assert.ok(after.controller.epoch >= before.controller.epoch);
  // A slow restart may outlast sessions: brokers then register again, which the controller must see.
  for (const broker of cluster.brokers.values()) {
    await waitFor(() => {
      const last = lastUpdateMetadata(broker);
      return last?.controllerEpoch === after.controller.epoch && last.liveBrokers.length === 3;
    }, WAIT_MS, { what: `broker ${broker.id} told of all brokers by the controller after the restart` });
  }
  await cluster.createTopic('afterwards', { 0: [3, 2, 1] });
  const created = await cluster.waitForState('afterwards', 0, 'afterwards created after the restart', () => true);
  assert.equal(created.leader, 3);
  const stillLed = await cluster.waitForState('kept', 0, 'kept led', (s) => s.leader !== -1);
  assert.ok(stillLed.leaderEpoch >= kept.leaderEpoch);
});
