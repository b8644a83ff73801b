import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Consumer, Producer, type TopicPartitionOffset } from '../src/client/index.ts';
import { CLUSTER_WAIT_MS, startCluster } from './helpers/cluster.ts';
import { waitFor } from './helpers/wait-for.ts';

/**
 * The group coordinator moves with the leadership of its __consumer_offsets partition: three
 * broker processes on one ZooKeeper, __consumer_offsets with replication factor 3; the broker
 * coordinating a group is killed with SIGKILL while the group consumes. Every offset commit the
 * coordinator acknowledged is still there on the new coordinator, and the group goes on consuming
 * from it, for KafkaJS (classic group) and our own consumer (KIP-848 consumer group).
 */
const BROKERS = 3;
const PARTITIONS = 3;
const RECORDS_PER_ROUND = 60;

const cluster = await startCluster({
  brokers: BROKERS,
  overrides: {
    'offsets.topic.replication.factor': '3',
    'offsets.topic.num.partitions': '3',
    'min.insync.replicas': '2',
    'group.initial.rebalance.delay.ms': '0',
  },
});
after(() => cluster.close());

/** Creates an RF=3 topic; returns once every partition has a leader and a full ISR. */
async function createTopic(topic: string): Promise<void> {
  await cluster.createTopic({ topic, numPartitions: PARTITIONS, replicationFactor: BROKERS });
}

/** Sends a round of records spread over the partitions (acks=all); returns their values. */
async function produceRound(producer: Producer, topic: string, round: number): Promise<string[]> {
  const values = Array.from({ length: RECORDS_PER_ROUND }, (_, i) => `${round}-${i}`);
  await producer.sendBatch(values.map((value, i) => ({ topic, partition: i % PARTITIONS, key: value, value })));
  return values;
}

/** The committed offsets of the group as a coordinator answers them now, by partition, once one answers. */
async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, number>> {
  const offsets: TopicPartitionOffset[] = await waitFor(() => admin.listConsumerGroupOffsets(groupId), CLUSTER_WAIT_MS, { what: `a coordinator for ${groupId}` });
  return new Map(offsets.filter((o) => o.topic === topic && o.offset >= 0).map((o) => [o.partition, o.offset]));
}

/**
 * The log end offset of each partition. A producer retrying through the failover may have written a
 * record twice (acks=all without idempotence), so the end offsets, not the count of values sent,
 * are what a group that read everything has committed.
 */
async function endOffsets(topic: string): Promise<Map<number, number>> {
  // A client of its own, bootstrapped from the live brokers: its metadata names the new leaders.
  const admin = new Admin({ bootstrapServers: cluster.runningBootstrapServers });
  try {
    const request = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, spec: 'latest' as const }));
    const answers = await waitFor(() => admin.listOffsets(request), CLUSTER_WAIT_MS, { what: `the end offsets of ${topic}` });
    return new Map(answers.map((a) => [a.partition, a.offset]));
  } finally {
    await admin.close();
  }
}

/** Kills the group's coordinator (SIGKILL); returns its id once another broker coordinates the group. */
async function killCoordinator(admin: Admin, groupId: string): Promise<number> {
  const [before] = await admin.describeGroups([groupId]);
  const killed = before!.coordinator!.nodeId;
  await cluster.kill(killed);
  await waitFor(async () => {
    const [now] = await admin.describeGroups([groupId]);
    return now?.coordinator !== null && now?.coordinator?.nodeId !== killed;
  }, CLUSTER_WAIT_MS, { what: `a new coordinator for ${groupId}` });
  return killed;
}

/** Starts the killed broker again over its data, and waits until it is back in every ISR of `topic`. */
async function restart(id: number, topic: string): Promise<void> {
  await cluster.start(id);
  for (let partition = 0; partition < PARTITIONS; partition++) await cluster.waitForIsr(topic, partition, cluster.ids);
}

/** A client pair and an RF=3 topic holding one round of records, for one group's test. */
async function setUp(topic: string): Promise<{ admin: Admin; producer: Producer; expected: string[] }> {
  const admin = cluster.admin();
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
  await createTopic(topic);
  return { admin, producer, expected: await produceRound(producer, topic, 1) };
}

const sortedEntries = (offsets: Map<number, number>) => [...offsets].sort(([a], [b]) => a - b);

test('KafkaJS: a classic group keeps consuming through a SIGKILL of its coordinator, and no acknowledged commit is lost', async () => {
  const topic = 'failover-kafkajs';
  const groupId = 'failover-kafkajs-group';
  const { admin, producer, expected } = await setUp(topic);
  let killed: number | undefined;

  const kafka = new Kafka({ brokers: cluster.bootstrapServers, clientId: 'failover-kafkajs', logLevel: logLevel.NOTHING, retry: { retries: 20, maxRetryTime: 2000 } });
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
  const seen = new Set<string>();
  // The offset each partition's last acknowledged commit set; a commit in flight is not counted.
  const acknowledged = new Map<number, number>();
  let commitsInFlight = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      seen.add(message.value!.toString());
      const next = Number(message.offset) + 1;
      commitsInFlight++;
      try {
        await consumer.commitOffsets([{ topic, partition, offset: String(next) }]);
        acknowledged.set(partition, Math.max(acknowledged.get(partition) ?? 0, next));
      } finally {
        commitsInFlight--;
      }
    },
  });
  try {
    await waitFor(() => expected.every((value) => seen.has(value)), CLUSTER_WAIT_MS, { what: 'the first round consumed' });
    // Created on the first FindCoordinator with offsets.topic.replication.factor, not capped as on a single node.
    const [offsetsTopic] = await admin.describeTopics(['__consumer_offsets']);
    assert.deepEqual(offsetsTopic!.partitions.map((p) => p.replicas.length), [3, 3, 3]);
    consumer.pause([{ topic }]);
    await waitFor(() => commitsInFlight === 0, 30_000, { what: 'the commits in flight answered' });

    killed = await killCoordinator(admin, groupId);
    assert.deepEqual(sortedEntries(await committedOffsets(admin, groupId, topic)), sortedEntries(acknowledged),
      'the new coordinator holds every commit the old one acknowledged');

    consumer.resume([{ topic }]);
    expected.push(...await produceRound(producer, topic, 2));
    await waitFor(() => expected.every((value) => seen.has(value)), CLUSTER_WAIT_MS, { what: 'the second round consumed after the failover' });
    const end = sortedEntries(await endOffsets(topic));
    let committed = new Map<number, number>();
    await waitFor(async () => {
      committed = await committedOffsets(admin, groupId, topic);
      return JSON.stringify(sortedEntries(committed)) === JSON.stringify(end);
    }, 30_000, { what: 'every record committed on the new coordinator' }).catch((error: Error) => {
      throw new Error(`${error.message}: committed ${JSON.stringify(sortedEntries(committed))}, end offsets ${JSON.stringify(end)}`);
    });
  } finally {
    await consumer.disconnect();
    // The next test needs three brokers again.
    if (killed !== undefined) await restart(killed, topic);
    await producer.close();
    await admin.close();
  }
});

test('our consumer: a KIP-848 consumer group keeps consuming through a SIGKILL of its coordinator, and no acknowledged commit is lost', async () => {
  const topic = 'failover-ours';
  const groupId = 'failover-ours-group';
  const { admin, producer, expected } = await setUp(topic);
  let killed: number | undefined;

  const consumer = new Consumer({
    bootstrapServers: cluster.bootstrapServers, groupId, groupProtocol: 'consumer', autoOffsetReset: 'earliest', enableAutoCommit: false,
    fetchMaxWaitMs: 100,
  });
  consumer.subscribe([topic]);
  const seen = new Set<string>();
  const positions = new Map<number, number>();
  let lastCommitError: unknown;
  /** Polls and commits what was read, until `done`; a commit refused during the failover is tried again at the next poll. */
  const consumeUntil = async (what: string, done: () => boolean): Promise<Map<number, number>> => {
    const acknowledged = new Map<number, number>();
    await waitFor(async () => {
      for (const record of await consumer.poll(100)) {
        seen.add(record.value!.toString());
        positions.set(record.partition, Math.max(positions.get(record.partition) ?? 0, record.offset + 1));
      }
      const committing = new Map(positions);
      try {
        await consumer.commit([...committing].map(([partition, offset]) => ({ topic, partition, offset })));
        for (const [partition, offset] of committing) acknowledged.set(partition, offset);
      } catch (error) {
        lastCommitError = error;
        return false;
      }
      return done();
    }, CLUSTER_WAIT_MS, { intervalMs: 0, what }).catch((error: Error) => {
      throw new Error(`${error.message}: seen ${seen.size}, positions ${JSON.stringify([...positions])}, assigned ${JSON.stringify(consumer.assignment())}, last commit error ${String(lastCommitError)}`);
    });
    return acknowledged;
  };
  try {
    const acknowledged = await consumeUntil('the first round consumed and committed', () => expected.every((value) => seen.has(value)));

    killed = await killCoordinator(admin, groupId);
    assert.deepEqual(sortedEntries(await committedOffsets(admin, groupId, topic)), sortedEntries(acknowledged),
      'the new coordinator holds every commit the old one acknowledged');

    expected.push(...await produceRound(producer, topic, 2));
    const end = await endOffsets(topic);
    const after = await consumeUntil('the second round consumed and committed after the failover',
      () => expected.every((value) => seen.has(value)) && [...end].every(([partition, offset]) => positions.get(partition) === offset));
    assert.deepEqual(sortedEntries(after), sortedEntries(end));
    assert.deepEqual(sortedEntries(await committedOffsets(admin, groupId, topic)), sortedEntries(end));
  } finally {
    await consumer.close().catch(() => undefined);
    if (killed !== undefined) await restart(killed, topic);
    await producer.close();
    await admin.close();
  }
});
