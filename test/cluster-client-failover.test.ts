/**
 * Our own clients through a broker's death, as Kafka's Java clients go through it: three broker
 * processes on one ZooKeeper, a topic with replication factor 3, and the leader of its partition
 * SIGKILLed while a producer, a consumer and an Admin that all know it as the leader are running.
 * Each must find the new leader itself (a refused connection makes it refresh its metadata), and
 * new clients whose first bootstrap server is the dead broker must start all the same.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer, type ConnectionAttempt, type ConsumerRecord } from '../src/client/index.ts';
import { CLUSTER_WAIT_MS, startCluster } from './helpers/cluster.ts';
import { waitFor } from './helpers/wait-for.ts';

const TOPIC = 'client-failover';
const cluster = await startCluster({ brokers: 3 });
after(() => cluster.close());

/** Short enough that a test sees several retries; the budgets themselves are Kafka's defaults. */
const CLIENT_OPTIONS = { requestTimeoutMs: 10_000, retryBackoffMs: 100, reconnectBackoffMs: 50 } as const;

async function latest(admin: Admin): Promise<number> {
  const [answer] = await admin.listOffsets([{ topic: TOPIC, partition: 0, spec: 'latest' }]);
  return answer!.offset;
}

async function produce(producer: Producer, values: readonly string[]): Promise<number[]> {
  const sent = await producer.sendBatch(values.map((value) => ({ topic: TOPIC, partition: 0, value })));
  return sent.map((m) => m.offset);
}

/** Polls until `count` records have been read; returns their values in offset order. */
async function readUntil(consumer: Consumer, read: ConsumerRecord[], count: number, what: string): Promise<string[]> {
  await waitFor(async () => {
    read.push(...await consumer.poll(200));
    return read.length >= count;
  }, CLUSTER_WAIT_MS, { intervalMs: 0, what });
  return read.map((r) => r.value!.toString());
}

test('the leader is SIGKILLed: our producer, consumer and Admin move to the new leader; clients whose first bootstrap server is the dead broker start', { timeout: 120_000 }, async () => {
  await cluster.createTopic({ topic: TOPIC, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
  const bootstrapServers = cluster.bootstrapServers;
  const admin = new Admin({ bootstrapServers, clientId: 'failover-admin', ...CLIENT_OPTIONS });
  const producer = new Producer({ bootstrapServers, clientId: 'failover-producer', acks: 'all', lingerMs: 1, ...CLIENT_OPTIONS });
  const consumer = new Consumer({ bootstrapServers, clientId: 'failover-consumer', autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, ...CLIENT_OPTIONS });
  const fresh: Array<{ close(): Promise<void> }> = [];
  try {
    const before = Array.from({ length: 10 }, (_, i) => `before-${i}`);
    assert.deepEqual(await produce(producer, before), before.map((_, i) => i));
    consumer.assign([{ topic: TOPIC, partition: 0 }]);
    const read: ConsumerRecord[] = [];
    assert.deepEqual(await readUntil(consumer, read, before.length, 'the first records read'), before);
    assert.equal(await latest(admin), before.length);

    // All three clients have the leader in their metadata and connections open to it.
    const { leaderId: killed, leaderEpoch } = await cluster.waitForLeader(TOPIC, 0);
    await cluster.kill(killed);

    // No waiting for the election here: each client must notice on its own.
    const during = Array.from({ length: 10 }, (_, i) => `during-${i}`);
    const offsets = await produce(producer, during);
    assert.deepEqual(offsets, offsets.toSorted((a, b) => a - b), 'in order');
    assert.ok(offsets[0]! >= before.length, `appended after the first records, at ${offsets[0]}`);
    const end = offsets.at(-1)! + 1;
    // Only the new leader can answer this: the records are not on the killed broker.
    assert.equal(await latest(admin), end);
    const values = await readUntil(consumer, read, end, 'the records written through the new leader');
    assert.deepEqual([...new Set(values)], [...before, ...during]);
    const now = await cluster.waitForLeader(TOPIC, 0, { not: killed });
    assert.ok(now.leaderEpoch > leaderEpoch, `a new leader epoch (${leaderEpoch} -> ${now.leaderEpoch})`);

    // New clients whose bootstrap list starts with the dead broker. A bootstrap server is chosen at
    // random, as Java does, so several clients are made; each must work, and some must have been refused.
    const deadFirst = [cluster.broker(killed).bootstrap, ...cluster.runningBootstrapServers];
    const attempts: ConnectionAttempt[] = [];
    const onConnectionAttempt = (attempt: ConnectionAttempt): void => { attempts.push(attempt); };
    for (let i = 0; i < 8; i++) {
      const newAdmin = new Admin({ bootstrapServers: deadFirst, clientId: `dead-first-admin-${i}`, onConnectionAttempt, ...CLIENT_OPTIONS });
      fresh.push(newAdmin);
      assert.equal(await latest(newAdmin), end + i);
      const described = await newAdmin.describeCluster();
      assert.ok(described.brokers.some((b) => b.nodeId === now.leaderId));
      const newProducer = new Producer({ bootstrapServers: deadFirst, clientId: `dead-first-producer-${i}`, onConnectionAttempt, ...CLIENT_OPTIONS });
      fresh.push(newProducer);
      assert.deepEqual(await produce(newProducer, [`fresh-${i}`]), [end + i]);
    }
    const refused = attempts.filter((a) => a.nodeId === -1 && a.error !== null);
    assert.ok(refused.length > 0, 'some client tried the dead bootstrap server first and moved on');
    assert.ok(refused.every((a) => a.port === cluster.broker(killed).port));

    const newConsumer = new Consumer({ bootstrapServers: deadFirst, clientId: 'dead-first-consumer', autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, ...CLIENT_OPTIONS });
    fresh.push(newConsumer);
    newConsumer.assign([{ topic: TOPIC, partition: 0 }]);
    const all = await readUntil(newConsumer, [], end + 8, 'every record read by a consumer bootstrapped from the dead broker first');
    assert.deepEqual([...new Set(all)], [...before, ...during, ...Array.from({ length: 8 }, (_, i) => `fresh-${i}`)]);
  } finally {
    for (const client of [admin, producer, consumer, ...fresh]) await client.close();
  }
});
