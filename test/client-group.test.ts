import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Consumer, Producer, type ConsumerRecord, type TopicPartition } from '../src/client/index.ts';
import { startTestBroker } from './helpers/test-broker.ts';

/** Consumer groups end to end: Samsa's consumer in classic groups, alone and beside KafkaJS. */
const broker = await startTestBroker({}, undefined, { silent: true });

async function drain(consumer: Consumer, until: (all: ConsumerRecord[]) => boolean, timeoutMs = 20_000): Promise<ConsumerRecord[]> {
  const all: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!until(all) && Date.now() < deadline) all.push(...await consumer.poll(200));
  return all;
}

test('two of our consumers share a topic, commit, and a restart resumes from the commits', async () => {
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'grp', numPartitions: 4 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap] });
  await producer.sendBatch(Array.from({ length: 100 }, (_, i) => ({ topic: 'grp', key: `k${i}`, value: String(i) })));
  const options = { bootstrapServers: [broker.bootstrap], groupId: 'g1', autoOffsetReset: 'earliest' as const, heartbeatIntervalMs: 200, sessionTimeoutMs: 6000, fetchMaxWaitMs: 100 };
  const assigned: TopicPartition[][] = [[], []];
  const a = new Consumer(options);
  const b = new Consumer(options);
  a.subscribe(['grp'], { onPartitionsAssigned: (p) => { assigned[0]!.push(...p); } });
  b.subscribe(/^gr.$/, { onPartitionsAssigned: (p) => { assigned[1]!.push(...p); } });
  const seen = new Set<string>();
  const deadline = Date.now() + 30_000;
  while (seen.size < 100 && Date.now() < deadline) {
    for (const r of [...await a.poll(100), ...await b.poll(100)]) seen.add(r.value!.toString());
  }
  assert.equal(seen.size, 100);
  await a.commit();
  await b.commit();
  await a.close();
  await b.close();
  const offsets = await admin.listConsumerGroupOffsets('g1');
  assert.equal(offsets.reduce((sum, o) => sum + o.offset, 0), 100);
  await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: 'grp', key: `n${i}`, value: `new-${i}` })));
  const c = new Consumer(options);
  c.subscribe(['grp']);
  const after = await drain(c, (all) => all.length >= 10);
  assert.deepEqual(after.map((r) => r.value!.toString()).sort(), Array.from({ length: 10 }, (_, i) => `new-${i}`).sort());
  await c.close();
  const described = await admin.describeGroups(['g1']);
  assert.equal(described[0]!.groupId, 'g1');
  await admin.resetConsumerGroupOffsets('g1', 'grp', 'earliest');
  assert.ok((await admin.listConsumerGroupOffsets('g1')).every((o) => o.offset === 0));
  await producer.close();
  await admin.close();
});

interface Received { partition: number; offset: number; value: string }

/** `partition:offset` of each record, sorted: equal lists mean each arrived exactly once. */
const positions = (records: readonly Received[]): string[] => records.map((r) => `${r.partition}:${r.offset}`).sort();
const sorted = (partitions: Iterable<number>): number[] => [...partitions].sort((a, b) => a - b);

// KafkaJS offers only its RoundRobinAssigner, which our roundrobin assignor also answers to. Both
// orders of joining are run, so either client's assignor deals the partitions (the first member
// to join leads the group and assigns), and either member leaves while the other stays.
for (const variant of [
  { first: 'ours', strategy: ['roundrobin'] as const, leaver: 'kafkajs' },
  { first: 'kafkajs', strategy: ['range', 'roundrobin'] as const, leaver: 'ours' },
] as const) {
  test(`our consumer (classic, ${variant.strategy.join('+')}) and a KafkaJS consumer in one group, ${variant.first === 'ours' ? 'ours' : 'KafkaJS'} leading: partitions shared, nothing lost, ${variant.leaver === 'ours' ? 'ours' : 'KafkaJS'} leaves and the other takes over`, async () => {
    const topic = `mixed-${variant.first}`;
    const groupId = `mixed-g-${variant.first}`;
    const partitions = [0, 1, 2, 3];
    const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
    await admin.createTopics([{ topic, numPartitions: partitions.length }]);
    const producer = new Producer({ bootstrapServers: [broker.bootstrap] });
    /** Sends 50 records to each partition; returns what a reader must see, by `partition:offset`. */
    const produce = async (from: number): Promise<Map<string, string>> => {
      const records = Array.from({ length: 200 }, (_, i) => ({ topic, partition: i % partitions.length, key: `k${from + i}`, value: `v${from + i}` }));
      const metas = await producer.sendBatch(records);
      return new Map(metas.map((m, i) => [`${m.partition}:${m.offset}`, records[i]!.value]));
    };

    const ours = new Consumer({
      bootstrapServers: [broker.bootstrap], clientId: 'samsa-member', groupId, groupProtocol: 'classic', partitionAssignmentStrategy: variant.strategy, clientRack: 'rack-ours',
      autoOffsetReset: 'earliest', enableAutoCommit: false, heartbeatIntervalMs: 200, sessionTimeoutMs: 10_000, fetchMaxWaitMs: 100,
    });
    const oursGot: Received[] = [];
    let oursRebalances = 0;
    const pollOurs = async () => {
      for (const r of await ours.poll(100)) oursGot.push({ partition: r.partition, offset: r.offset, value: r.value!.toString() });
    };
    const oursOwn = () => sorted(ours.assignment().map((tp) => tp.partition));
    let oursOpen = true;

    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'kafkajs-member', logLevel: logLevel.NOTHING });
    // KafkaJS heartbeats between fetches, so fetches wait briefly; it commits after each batch.
    const theirs = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 300, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100 });
    const theirsGot: Received[] = [];
    const theirsJoins: Array<{ isLeader: boolean; groupProtocol: string; partitions: number[] }> = [];
    theirs.on(theirs.events.GROUP_JOIN, ({ payload }) => {
      theirsJoins.push({ isLeader: payload.isLeader, groupProtocol: payload.groupProtocol, partitions: sorted(payload.memberAssignment[topic] ?? []) });
    });
    const theirsOwn = () => theirsJoins.at(-1)?.partitions ?? [];
    const startTheirs = async () => {
      await theirs.connect();
      await theirs.subscribe({ topics: [topic], fromBeginning: true });
      await theirs.run({ eachMessage: async ({ partition, message }) => { theirsGot.push({ partition, offset: Number(message.offset), value: message.value!.toString() }); } });
    };
    const startOurs = () => ours.subscribe([topic], { onPartitionsAssigned: () => { oursRebalances++; }, onPartitionsRevoked: () => { oursRebalances++; } });

    /** Polls our consumer (while it is in the group) until `done`, failing after 30 s. */
    const until = async (what: string, done: () => boolean | Promise<boolean>) => {
      const deadline = Date.now() + 30_000;
      while (!await done()) {
        assert.ok(Date.now() < deadline, `timed out waiting for ${what}: ours owns ${JSON.stringify(oursOwn())}, KafkaJS joins ${JSON.stringify(theirsJoins)}`);
        if (oursOpen) await pollOurs(); else await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const described = async () => (await admin.describeGroups([groupId]))[0]!;
    const memberOf = (d: Awaited<ReturnType<typeof described>>, clientId: string) => d.members.find((m) => m.clientId === clientId);
    const samePartitions = (member: { assignment: TopicPartition[] } | undefined, own: number[]) =>
      member !== undefined && sorted(member.assignment.map((tp) => tp.partition)).join() === own.join();

    try {
      // Both join before anything is produced: the first alone gets every partition, then shares.
      if (variant.first === 'ours') {
        startOurs();
        await until('our consumer to own every partition', () => oursOwn().join() === partitions.join());
        await startTheirs();
      } else {
        await startTheirs();
        await until('KafkaJS to own every partition', () => theirsOwn().join() === partitions.join());
        startOurs();
      }
      await until('a Stable group of both, each member holding what the coordinator gave it', async () => {
        const d = await described();
        return d.state === 'Stable' && d.members.length === 2
          && samePartitions(memberOf(d, 'samsa-member'), oursOwn()) && samePartitions(memberOf(d, 'kafkajs-member'), theirsOwn());
      });
      const d = await described();
      assert.equal(d.protocol, 'RoundRobinAssigner', 'the one assignor both offer');
      // Our subscription (v3) carries client.rack; KafkaJS's has no rack.
      assert.deepEqual([memberOf(d, 'samsa-member')!.rackId, memberOf(d, 'kafkajs-member')!.rackId], ['rack-ours', null]);
      assert.equal(theirsJoins.at(-1)!.groupProtocol, 'RoundRobinAssigner');
      assert.equal(theirsJoins.at(-1)!.isLeader, variant.first === 'kafkajs', 'the first to join leads and runs its assignor');
      const oursPart = oursOwn();
      const theirsPart = theirsOwn();
      assert.ok(oursPart.length > 0 && theirsPart.length > 0, `both members hold partitions: ours ${oursPart}, KafkaJS ${theirsPart}`);
      assert.deepEqual(sorted([...oursPart, ...theirsPart]), partitions, `disjoint and covering: ours ${oursPart}, KafkaJS ${theirsPart}`);
      assert.equal(oursGot.length + theirsGot.length, 0, 'nothing produced yet');
      const [joinsBefore, rebalancesBefore] = [theirsJoins.length, oursRebalances];

      // 1. The stable group: each record once, each member only from its own partitions.
      const first = await produce(0);
      await until('every record of the first 200', () => new Set(positions([...oursGot, ...theirsGot])).size >= first.size);
      assert.equal(theirsJoins.length, joinsBefore, 'no rebalance while both were in');
      assert.equal(oursRebalances, rebalancesBefore, 'no rebalance while both were in');
      assert.ok(oursGot.length > 0 && theirsGot.length > 0, `both received records: ours ${oursGot.length}, KafkaJS ${theirsGot.length}`);
      assert.deepEqual(positions([...oursGot, ...theirsGot]), [...first.keys()].sort(), 'every record exactly once across the two');
      for (const r of [...oursGot, ...theirsGot]) assert.equal(r.value, first.get(`${r.partition}:${r.offset}`), 'values intact');
      assert.deepEqual(sorted(new Set(oursGot.map((r) => r.partition))), oursPart, 'ours read all of its partitions and no others');
      assert.deepEqual(sorted(new Set(theirsGot.map((r) => r.partition))), theirsPart, 'KafkaJS read all of its partitions and no others');

      // 2. Both commit (ours explicitly, KafkaJS after each batch); then one leaves.
      await ours.commit();
      await until('the commits of both members', async () => {
        const offsets = await admin.listConsumerGroupOffsets(groupId);
        return partitions.every((p) => offsets.find((o) => o.topic === topic && o.partition === p)?.offset === 50);
      });
      const [oursBefore, theirsBefore] = [oursGot.length, theirsGot.length];
      if (variant.leaver === 'kafkajs') {
        await theirs.disconnect();
        await until('our consumer to take over every partition', async () => {
          const g = await described();
          return oursOwn().join() === partitions.join() && g.state === 'Stable' && g.members.length === 1 && samePartitions(memberOf(g, 'samsa-member'), partitions);
        });
      } else {
        await ours.close();
        oursOpen = false;
        await until('KafkaJS to take over every partition', async () => {
          const g = await described();
          return theirsOwn().join() === partitions.join() && g.state === 'Stable' && g.members.length === 1 && samePartitions(memberOf(g, 'kafkajs-member'), partitions);
        });
      }

      // 3. The rest arrives at the member that stayed, from the committed offsets: none lost, none read twice.
      const second = await produce(200);
      const survivorGot = variant.leaver === 'kafkajs' ? oursGot : theirsGot;
      const survivorBefore = variant.leaver === 'kafkajs' ? oursBefore : theirsBefore;
      await until('every record of the second 200', () => new Set(positions(survivorGot.slice(survivorBefore))).size >= second.size);
      assert.equal(oursGot.length + theirsGot.length - oursBefore - theirsBefore, second.size, 'the member that left received nothing more; the other nothing twice');
      assert.deepEqual(positions(survivorGot.slice(survivorBefore)), [...second.keys()].sort(), 'each new record once, on every partition, and no old one again');
      for (const r of survivorGot.slice(survivorBefore)) assert.equal(r.value, second.get(`${r.partition}:${r.offset}`));
    } finally {
      await theirs.disconnect();
      await ours.close();
      await producer.close();
      await admin.close();
    }
  });
}

test('sticky (eager): members revoke everything before a rebalance, yet keep their partitions through the StickyAssignorUserData', async () => {
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'sticky-eager', numPartitions: 6 }]);
  const options = { bootstrapServers: [broker.bootstrap], groupId: 'sticky-g', partitionAssignmentStrategy: ['sticky' as const], heartbeatIntervalMs: 200, sessionTimeoutMs: 6000, fetchMaxWaitMs: 100 };
  const consumers = [new Consumer(options), new Consumer(options)];
  const owned = () => consumers.map((c) => c.assignment().map((tp) => tp.partition).sort((x, y) => x - y));
  const settle = async (counts: number[]) => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && owned().map((o) => o.length).join() !== counts.join()) await Promise.all(consumers.map((c) => c.poll(100)));
    assert.deepEqual(owned().map((o) => o.length), counts, `assignments ${JSON.stringify(owned())}`);
  };
  for (const c of consumers) c.subscribe(['sticky-eager']);
  await settle([3, 3]);
  const before = owned();
  consumers.push(new Consumer(options));
  consumers[2]!.subscribe(['sticky-eager']);
  await settle([2, 2, 2]);
  // Nothing moved between the first two: each kept two of its three, the newcomer got the rest.
  for (const i of [0, 1]) for (const p of owned()[i]!) assert.ok(before[i]!.includes(p), `partition ${p} moved to member ${i}: ${JSON.stringify({ before, after: owned() })}`);
  await Promise.all(consumers.map((c) => c.close()));
  await admin.close();
});

test('close the broker', async () => {
  await broker.close();
});
