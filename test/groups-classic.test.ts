/**
 * Classic consumer groups with real clients: KafkaJS members spreading a topic's partitions and
 * taking over a killed member's, two groups reading one topic, librdkafka (kcat) static members
 * and cooperative-sticky rebalancing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { startKafkaJsMember, startKcatMember, type GroupMemberProcess } from './helpers/classic-group-clients.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const { Kafka, logLevel } = kafkajs;
const SESSION_TIMEOUT_MS = 3000;

let broker: TestBroker;
const members: GroupMemberProcess[] = [];

before(async () => {
  broker = await startTestBroker({
    'group.initial.rebalance.delay.ms': '0',
    'group.min.session.timeout.ms': '1000',
    'offsets.topic.num.partitions': '3',
  }, undefined, { silent: true });
  // __consumer_offsets is created on the first FindCoordinator; make it exist before members race for it.
  const admin = kafka().admin();
  await admin.connect();
  await admin.describeGroups(['warm-up']);
  await admin.disconnect();
});

after(async () => {
  await Promise.all(members.map((m) => m.kill9()));
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

function kafka(): InstanceType<typeof Kafka> {
  return new Kafka({ clientId: 'groups-classic-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
}

/** Creates `topic` with `partitions` partitions and `perPartition` records in each. */
async function createTopicWithRecords(topic: string, partitions: number, perPartition: number): Promise<void> {
  const client = kafka();
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
  await produce(topic, partitions, perPartition, 'a');
}

async function produce(topic: string, partitions: number, perPartition: number, tag: string): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  for (let p = 0; p < partitions; p++) {
    await producer.send({ topic, messages: Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })) });
  }
  await producer.disconnect();
}

/** Waits until the live members' latest assignments split [0, partitions) with these sizes. */
async function waitForSpread(live: readonly GroupMemberProcess[], partitions: number, sizes: number[], what: string): Promise<void> {
  await waitFor(() => {
    const assigned = live.map((m) => m.assigned());
    const all = assigned.flat().sort((a, b) => a - b);
    const sorted = assigned.map((a) => a.length).sort((a, b) => a - b);
    return all.length === partitions && all.every((p, i) => p === i) && sorted.join() === [...sizes].sort((a, b) => a - b).join();
  }, 30_000, { what: `${what}: ${live.map((m) => `${m.name}=[${m.assigned()}]`).join(' ')}` });
}

function everyOffset(partitions: number, perPartition: number): string[] {
  const expected: string[] = [];
  for (let p = 0; p < partitions; p++) for (let o = 0; o < perPartition; o++) expected.push(`${p}:${o}`);
  return expected;
}

test('KafkaJS: three members take two partitions each, a fourth spreads them again, a killed one\'s go to the others; nothing is skipped', async () => {
  const topic = 'spread';
  await createTopicWithRecords(topic, 6, 50);
  const start = (name: string) => {
    const member = startKafkaJsMember(name, broker.bootstrap, 'spread-group', topic, SESSION_TIMEOUT_MS);
    members.push(member);
    return member;
  };
  const [a, b, c] = [start('a'), start('b'), start('c')];
  await waitForSpread([a, b, c], 6, [2, 2, 2], 'three members with two partitions each');
  const d = start('d');
  await waitForSpread([a, b, c, d], 6, [1, 1, 2, 2], 'four members');

  // Killed without a LeaveGroup: the coordinator notices when its session times out, and the
  // survivors share its partitions (how soon is measured by bench/groups.ts, not asserted here).
  const victim = [a, b, c, d].find((m) => m.assigned().length === 2)!;
  const survivors = [a, b, c, d].filter((m) => m !== victim);
  await victim.kill9();
  await waitForSpread(survivors, 6, [2, 2, 2], 'the survivors after a kill');

  await produce(topic, 6, 50, 'b');
  const expected = everyOffset(6, 100);
  await waitFor(() => {
    const read = new Set([a, b, c, d].flatMap((m) => m.records));
    return expected.every((r) => read.has(r));
  }, 30_000, { what: 'every record read by some member' });
});

test('KafkaJS: two groups on one topic each read all of it', async () => {
  const topic = 'two-groups';
  await createTopicWithRecords(topic, 3, 40);
  const client = kafka();
  const read = async (groupId: string): Promise<Set<string>> => {
    const consumer = client.consumer({ groupId, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => { seen.add(`${partition}:${message.offset}`); } });
    await waitFor(() => seen.size === 120, 30_000, { what: `group ${groupId} reading everything (${seen.size})` });
    await consumer.disconnect();
    return seen;
  };
  const [first, second] = await Promise.all([read('reader-1'), read('reader-2')]);
  assert.deepEqual([...first].sort(), everyOffset(3, 40).sort());
  assert.deepEqual([...second].sort(), everyOffset(3, 40).sort());
});

test('kcat (librdkafka) static members: a member restarted within the session timeout gets its partitions back without rebalancing the other', async () => {
  const topic = 'static';
  await createTopicWithRecords(topic, 4, 10);
  const props = (instance: string) => ({ 'group.instance.id': instance, 'session.timeout.ms': '6000', 'heartbeat.interval.ms': '300' });
  const start = (name: string) => {
    const member = startKcatMember(name, broker.bootstrap, 'static-group', topic, props(name));
    members.push(member);
    return member;
  };
  const first = start('static-1');
  const second = start('static-2');
  await waitForSpread([first, second], 4, [2, 2], 'two static members');
  const before = first.assigned();
  const secondEvents = second.events.length;

  await first.kill9();
  const restarted = start('static-1');
  await waitFor(() => restarted.assigned().length === 2, 20_000, { what: `restarted static member assigned (${restarted.events.join(' | ')})` });
  assert.deepEqual(restarted.assigned(), before);
  // Give a rebalance, had there been one, the time to reach the other member.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(second.events.length, secondEvents, `the other member rebalanced: ${second.events.slice(secondEvents).join(' | ')}`);
  await Promise.all([restarted.kill9(), second.kill9()]);
});

test('kcat (librdkafka) cooperative-sticky: a joining member gets partitions without the first one losing those it keeps', async () => {
  const topic = 'cooperative';
  await createTopicWithRecords(topic, 6, 10);
  const props = { 'partition.assignment.strategy': 'cooperative-sticky', 'session.timeout.ms': '6000', 'heartbeat.interval.ms': '300' };
  const first = startKcatMember('coop-1', broker.bootstrap, 'coop-group', topic, props);
  members.push(first);
  await waitForSpread([first], 6, [6], 'the first member owning everything');
  const second = startKcatMember('coop-2', broker.bootstrap, 'coop-group', topic, props);
  members.push(second);
  await waitForSpread([first, second], 6, [3, 3], 'two cooperative members');
  const revoked = first.events.filter((e) => e.includes('incremental revoke'))
    .flatMap((e) => [...e.slice(e.lastIndexOf(':') + 1).matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
  assert.ok(first.events.every((e) => e.includes('COOPERATIVE')), first.events.join('\n'));
  for (const kept of first.assigned()) assert.ok(!revoked.includes(kept), `partition ${kept} was revoked and given back: ${first.events.join('\n')}`);
  await Promise.all([first.kill9(), second.kill9()]);
});
