/**
 * Samsa's own consumer in KIP-848 consumer groups (groupProtocol 'consumer'), against the real
 * broker over real sockets: sharing partitions across joins and leaves with nothing lost or read
 * twice, commits surviving a restart, fencing of a member that went silent, pattern subscriptions,
 * static members, fatal errors, and the group as our Admin shows it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, KafkaClientError, Producer, type ConsumerOptions, type TopicPartition } from '../src/client/index.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

let broker: TestBroker;
let admin: Admin;
let producer: Producer;

before(async () => {
  broker = await startTestBroker({
    'group.consumer.session.timeout.ms': '3000',
    'group.consumer.min.session.timeout.ms': '1000',
    'group.consumer.heartbeat.interval.ms': '200',
    'group.consumer.min.heartbeat.interval.ms': '100',
    'offsets.topic.num.partitions': '3',
  }, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  producer = new Producer({ bootstrapServers: [broker.bootstrap] });
});

after(async () => {
  await producer?.close();
  await admin?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

function consumer(groupId: string, extra: Partial<ConsumerOptions> = {}): Consumer {
  return new Consumer({
    bootstrapServers: [broker.bootstrap], groupId, groupProtocol: 'consumer', autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, ...extra,
  });
}

async function produce(topic: string, prefix: string, count: number): Promise<string[]> {
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await producer.sendBatch(values.map((value, i) => ({ topic, key: `k${i}`, value })));
  return values;
}

/** Every delivery, duplicates included: what each consumer's poll() handed out. */
class Deliveries {
  readonly counts = new Map<string, number>();

  async pollUntil(consumers: readonly Consumer[], expected: readonly string[], what: string): Promise<void> {
    await waitFor(async () => {
      for (const c of consumers) {
        for (const record of await c.poll(50)) {
          const value = record.value!.toString();
          this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
        }
      }
      return expected.every((value) => this.counts.has(value));
    }, 60_000, { intervalMs: 0, what });
  }

  duplicates(): string[] {
    return [...this.counts].filter(([, n]) => n > 1).map(([value]) => value);
  }
}

/** Polls until poll() throws, and returns what it threw. */
async function pollForError(c: Consumer, what: string): Promise<unknown> {
  return waitFor(async () => {
    try {
      await c.poll(100);
      return null;
    } catch (error) {
      return error;
    }
  }, 30_000, { what });
}

const sorted = (partitions: readonly TopicPartition[]): string[] => partitions.map((p) => `${p.topic}-${p.partition}`).sort();

/** Waits until the consumers own disjoint sets that together cover `partitions`, `each` apiece. */
async function waitForSplit(consumers: readonly Consumer[], topic: string, partitions: number, each: number): Promise<void> {
  const all = Array.from({ length: partitions }, (_, partition) => `${topic}-${partition}`);
  await waitFor(() => {
    const owned = consumers.map((c) => sorted(c.assignment()));
    return owned.every((o) => o.length === each) && owned.flat().sort().join() === all.sort().join();
  }, 30_000, { what: `${consumers.length} consumers owning ${each} partitions of ${topic} each` });
}

test('two, then three of our consumers share six partitions: nothing lost or read twice across a join and a leave', { timeout: 120_000 }, async () => {
  await admin.createTopics([{ topic: 'share', numPartitions: 6 }]);
  const deliveries = new Deliveries();
  const first = await produce('share', 'first', 300);
  const a = consumer('share-g');
  const b = consumer('share-g');
  a.subscribe(['share']);
  b.subscribe(['share']);
  await deliveries.pollUntil([a, b], first, 'the first 300 records');
  await waitForSplit([a, b], 'share', 6, 3);

  const c = consumer('share-g');
  c.subscribe(['share']);
  const second = await produce('share', 'second', 300);
  await deliveries.pollUntil([a, b, c], second, 'the next 300 records, with a third member');
  await waitForSplit([a, b, c], 'share', 6, 2);

  await a.close();
  const third = await produce('share', 'third', 300);
  await deliveries.pollUntil([b, c], third, 'the last 300 records, after the first member left');
  await waitForSplit([b, c], 'share', 6, 3);
  await b.close();
  await c.close();

  assert.equal(deliveries.counts.size, 900);
  assert.deepEqual(deliveries.duplicates(), []);
});

test('commits, and a restarted consumer resumes from the committed offsets', { timeout: 60_000 }, async () => {
  await admin.createTopics([{ topic: 'resume', numPartitions: 3 }]);
  const deliveries = new Deliveries();
  const before = await produce('resume', 'before', 60);
  const first = consumer('resume-g', { enableAutoCommit: false });
  first.subscribe(['resume']);
  await deliveries.pollUntil([first], before, 'the first 60 records');
  await first.commit();
  await first.close();
  const committed = await admin.listConsumerGroupOffsets('resume-g');
  assert.equal(committed.reduce((sum, o) => sum + o.offset, 0), 60);

  const afterRestart = await produce('resume', 'after', 15);
  const restarted = consumer('resume-g', { enableAutoCommit: false });
  restarted.subscribe(['resume']);
  const fresh = new Deliveries();
  await fresh.pollUntil([restarted], afterRestart, 'the 15 records produced after the commit');
  await restarted.close();
  assert.deepEqual([...fresh.counts.keys()].sort(), [...afterRestart].sort());
});

test('a member that stops heartbeating is fenced and the others take its partitions', { timeout: 90_000 }, async () => {
  await admin.createTopics([{ topic: 'fence', numPartitions: 6 }]);
  const members = [consumer('fence-g'), consumer('fence-g'), consumer('fence-g')];
  for (const m of members) m.subscribe(['fence']);
  const deliveries = new Deliveries();
  await deliveries.pollUntil(members, await produce('fence', 'warm', 60), 'the first records');
  await waitForSplit(members, 'fence', 6, 2);

  // The third goes silent as if its process died: its connections are gone and it cannot make new ones.
  const silent = members[2]!;
  silent.cluster.close();
  const survivors = members.slice(0, 2);
  await waitForSplit(survivors, 'fence', 6, 3);
  const later = await produce('fence', 'later', 60);
  await deliveries.pollUntil(survivors, later, 'the records produced after the silent member was fenced');
  for (const m of survivors) await m.close();
  await silent.close();
});

/** Holds back `c`'s heartbeats (a network stall, a long pause) until the returned function is called. */
function holdHeartbeats(c: Consumer): () => void {
  const cluster = c.cluster;
  const send = cluster.send.bind(cluster);
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  cluster.send = (async (nodeId, kind, api, body, options) => {
    if (api.name === 'ConsumerGroupHeartbeat') await released;
    return send(nodeId, kind, api, body, options);
  }) as typeof cluster.send;
  return release;
}

test('a member whose heartbeats stall past the session timeout loses its partitions and rejoins when they flow again', { timeout: 90_000 }, async () => {
  await admin.createTopics([{ topic: 'stall', numPartitions: 6 }]);
  const lost: TopicPartition[] = [];
  const members = [consumer('stall-g'), consumer('stall-g'), consumer('stall-g')];
  for (const m of members) m.subscribe(['stall'], { onPartitionsLost: (p) => { lost.push(...p); } });
  await waitForSplit(members, 'stall', 6, 2);
  const stalled = members[2]!;
  const owned = sorted(stalled.assignment());
  const release = holdHeartbeats(stalled);
  await waitForSplit(members.slice(0, 2), 'stall', 6, 3);
  release();
  await waitForSplit(members, 'stall', 6, 2);
  assert.deepEqual(sorted(lost), owned);
  const deliveries = new Deliveries();
  await deliveries.pollUntil(members, await produce('stall', 'after', 60), 'every record, the rejoined member taking part');
  assert.deepEqual(deliveries.duplicates(), []);
  for (const m of members) await m.close();
});

test('a pattern subscription takes the matching topics, including one created after the join', { timeout: 60_000 }, async () => {
  await admin.createTopics([{ topic: 'pat-a', numPartitions: 2 }, { topic: 'pat-b', numPartitions: 1 }, { topic: 'other', numPartitions: 1 }]);
  const matching = [...await produce('pat-a', 'a', 20), ...await produce('pat-b', 'b', 20)];
  await produce('other', 'other', 20);
  const c = consumer('pat-g');
  c.subscribe(/^pat-/);
  const deliveries = new Deliveries();
  await deliveries.pollUntil([c], matching, 'the records of pat-a and pat-b');
  await admin.createTopics([{ topic: 'pat-c', numPartitions: 2 }]);
  const created = await produce('pat-c', 'c', 20);
  await deliveries.pollUntil([c], created, 'the records of pat-c, created after the join');
  assert.deepEqual(sorted(c.assignment()), ['pat-a-0', 'pat-a-1', 'pat-b-0', 'pat-c-0', 'pat-c-1']);
  await c.close();
  assert.deepEqual([...deliveries.counts.keys()].filter((v) => v.startsWith('other')), []);
});

test('our Admin lists and describes the group as a consumer-protocol group', { timeout: 60_000 }, async () => {
  await admin.createTopics([{ topic: 'described', numPartitions: 4 }]);
  const members = [consumer('described-g', { clientId: 'one', groupRemoteAssignor: 'range', clientRack: 'rack-1' }), consumer('described-g', { clientId: 'two', groupRemoteAssignor: 'range' })];
  for (const m of members) m.subscribe(['described']);
  await waitForSplit(members, 'described', 4, 2);
  const [description] = await admin.describeGroups(['described-g']);
  assert.equal(description!.type, 'consumer');
  assert.equal(description!.state, 'Stable');
  assert.equal(description!.protocol, 'range');
  assert.deepEqual(description!.members.map((m) => [m.clientId, m.rackId]).sort(), [['one', 'rack-1'], ['two', null]], 'client.rack as the join sent it');
  for (const m of description!.members) assert.deepEqual(m.subscribedTopics, ['described']);
  assert.deepEqual(sorted(description!.members.flatMap((m) => m.assignment)), ['described-0', 'described-1', 'described-2', 'described-3']);
  const listed = (await admin.listGroups()).find((g) => g.groupId === 'described-g');
  assert.equal(listed?.type, 'consumer');
  for (const m of members) await m.close();
  assert.equal((await admin.describeGroups(['described-g']))[0]!.state, 'Empty');
});

test('a static member that restarts gets its partitions back; a second one with its instance id is refused', { timeout: 60_000 }, async () => {
  await admin.createTopics([{ topic: 'static', numPartitions: 4 }]);
  const a = consumer('static-g', { groupInstanceId: 'a' });
  const b = consumer('static-g', { groupInstanceId: 'b' });
  a.subscribe(['static']);
  b.subscribe(['static']);
  await waitForSplit([a, b], 'static', 4, 2);
  const before = sorted(a.assignment());

  const impostor = consumer('static-g', { groupInstanceId: 'a' });
  impostor.subscribe(['static']);
  const error = await pollForError(impostor, 'the second member with instance id a to fail');
  assert.ok(error instanceof KafkaClientError);
  assert.equal(error.errorName, 'UNRELEASED_INSTANCE_ID');
  await impostor.close();

  await a.close();
  const restarted = consumer('static-g', { groupInstanceId: 'a' });
  restarted.subscribe(['static']);
  await waitForSplit([restarted, b], 'static', 4, 2);
  assert.deepEqual(sorted(restarted.assignment()), before);
  await restarted.close();
  await b.close();
});

test('an assignor the coordinator does not have is a fatal, typed error', { timeout: 30_000 }, async () => {
  const c = consumer('bad-assignor-g', { groupRemoteAssignor: 'no-such-assignor' });
  c.subscribe(['share']);
  const error = await pollForError(c, 'the consumer to fail');
  assert.ok(error instanceof KafkaClientError);
  assert.equal(error.errorName, 'UNSUPPORTED_ASSIGNOR');
  assert.equal(error.retriable, false);
  await c.close();
});

test('a rebalance listener that throws is reported by poll(), and the member stays in the group', { timeout: 30_000 }, async () => {
  await admin.createTopics([{ topic: 'listener', numPartitions: 2 }]);
  const values = await produce('listener', 'v', 20);
  const c = consumer('listener-g');
  let failures = 0;
  c.subscribe(['listener'], { onPartitionsAssigned: () => { if (failures++ === 0) throw new Error('listener failed'); } });
  assert.equal((await pollForError(c, 'the listener error') as Error).message, 'listener failed');
  await new Deliveries().pollUntil([c], values, 'every record after the listener error');
  assert.deepEqual(sorted(c.assignment()), ['listener-0', 'listener-1']);
  await c.close();
});

test('options the chosen group protocol ignores are refused, as Java does', () => {
  assert.throws(() => consumer('x', { heartbeatIntervalMs: 100 }), /heartbeat\.interval\.ms/);
  assert.throws(() => consumer('x', { partitionAssignmentStrategy: ['range'] }), /partition\.assignment\.strategy/);
  assert.throws(() => new Consumer({ bootstrapServers: [broker.bootstrap], groupRemoteAssignor: 'uniform' }), /group\.remote\.assignor/);
});
