/**
 * A replica that comes back: a follower killed with SIGKILL and restarted rejoins the ISR holding
 * every record acknowledged while it was down; an old leader that appended records nobody else has
 * (acks=1 while its followers could not reach it) truncates that divergent tail when it returns, and holds
 * exactly what the new leader wrote. Each test proves what a replica holds the way a user could:
 * by killing every other replica so that it leads, then reading the partition with kcat.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Producer } from '../src/client/index.ts';
import type { Acks } from '../src/client/index.ts';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { kcatConsumeAll } from './helpers/kcat.ts';

let cluster: TestCluster | undefined;

beforeEach(async () => {
  cluster = await startCluster({ brokers: 3, partitionable: true });
});

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** Sends each value in turn (retries=0: every offset is the first try's), bootstrapping from running brokers. */
async function produce(c: TestCluster, topic: string, values: readonly string[], acks: Acks, bootstrapServers = c.runningBootstrapServers): Promise<number[]> {
  const producer = new Producer({ bootstrapServers, clientId: `rejoin-${acks}`, acks, retries: 0, lingerMs: 0 });
  try {
    const offsets = [];
    for (const value of values) offsets.push((await producer.send({ topic, partition: 0, value })).offset);
    return offsets;
  } finally {
    await producer.close();
  }
}

/** Kills every running broker but `id`, waits until it leads alone, and reads partition 0 with kcat. */
async function readFromOnly(c: TestCluster, topic: string, id: number): Promise<Array<{ offset: number; value: string }>> {
  for (const other of c.runningIds) if (other !== id) await c.kill(other);
  await c.waitForPartition(topic, 0, (p) => p.leaderId === id && p.isr.length === 1 && p.isr[0] === id, `broker ${id} leads alone`);
  return (await kcatConsumeAll(c.broker(id).bootstrap, topic, { partition: 0 })).map((m) => ({ offset: m.offset, value: m.payload ?? '' }));
}

const numbered = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test('a follower killed and restarted rejoins the ISR holding every record acknowledged while it was down', { timeout: 300_000 }, async () => {
  const c = cluster!;
  const topic = 'rejoin';
  // The follower killed is not the controller (cluster-fault-controller.test.ts kills that one).
  const { controllerId } = await c.waitForBrokers([1, 2, 3]);
  const [leader, follower] = [1, 2, 3].filter((id) => id !== controllerId) as [number, number];
  const replicas = [leader, follower, controllerId];
  await c.createTopic({ topic, replicaAssignment: [{ partition: 0, replicas }], configs: { 'min.insync.replicas': '2' } });
  const before = await produce(c, topic, numbered('before', 20), 'all');
  assert.equal((await c.waitForLeader(topic, 0)).leaderId, leader);
  await c.kill(follower);
  // The controller takes a dead broker out of every ISR; acks=all still has min.insync.replicas.
  await c.waitForIsr(topic, 0, [leader, controllerId]);
  const during = await produce(c, topic, numbered('during', 50), 'all');
  await c.start(follower);
  await c.waitForIsr(topic, 0, replicas);
  assert.deepEqual([...before, ...during], Array.from({ length: 70 }, (_, i) => i));
  const read = await readFromOnly(c, topic, follower);
  assert.deepEqual(read, [...numbered('before', 20), ...numbered('during', 50)].map((value, offset) => ({ offset, value })));
});

test('an old leader with a divergent tail truncates it on return and holds what the new leader wrote', { timeout: 300_000 }, async () => {
  const c = cluster!;
  const topic = 'diverge';
  await c.createTopic({ topic, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '1' } });
  await produce(c, topic, numbered('common', 10), 'all');
  const first = await c.waitForIsr(topic, 0, [1, 2, 3]);
  const oldLeader = first.leaderId;
  // The followers can no longer reach the leader (ZooKeeper still can, so it keeps its session and
  // its leadership). A fetch already parked at the leader may be answered with the probe; the tail,
  // written after the probe was acknowledged, reaches no one but the leader.
  c.isolate(oldLeader, { zookeeper: false });
  let tail: number[];
  try {
    await produce(c, topic, ['probe'], 1);
    tail = await produce(c, topic, numbered('tail', 5), 1);
    await c.kill(oldLeader);
  } finally {
    await c.heal(oldLeader);
  }
  const next = await c.waitForLeader(topic, 0, { not: oldLeader });
  assert.ok(next.leaderEpoch > first.leaderEpoch, `a new epoch: ${first.leaderEpoch} -> ${next.leaderEpoch}`);
  const newer = await produce(c, topic, numbered('newer', 8), 'all');
  assert.ok(newer[0]! <= tail.at(-1)!, `the new leader wrote over the tail's offsets (tail ${tail}, newer ${newer}): the old leader diverges`);
  const newLeaderLog = (await kcatConsumeAll(c.broker(next.leaderId).bootstrap, topic, { partition: 0 })).map((m) => ({ offset: m.offset, value: m.payload ?? '' }));
  assert.deepEqual(newLeaderLog.filter((r) => r.value.startsWith('newer-')).map((r) => r.offset), newer);
  await c.start(oldLeader);
  await c.waitForIsr(topic, 0, [1, 2, 3]);
  const read = await readFromOnly(c, topic, oldLeader);
  assert.deepEqual(read, newLeaderLog, 'the old leader dropped its tail and copied the new leader');
  assert.ok(!read.some((r) => r.value.startsWith('tail-')));
});
