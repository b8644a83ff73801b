/**
 * AlterReplicaLogDirs across a cluster (KIP-113): two brokers with two log dirs each, a replicated
 * partition under acks=all load, its leader's and its follower's replicas each moved to their
 * broker's other disk at once, throttled (replica.alter.log.dirs.io.max.bytes.per.second, a dynamic
 * broker config) so that DescribeLogDirs shows the future replicas on the way. Checked as users
 * check it: DescribeLogDirs of every broker, every acknowledged record read back, the ISR full.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { Producer } from '../src/client/index.ts';
import { CLUSTER_WAIT_MS, startCluster } from './helpers/cluster.ts';
import { waitFor } from './helpers/wait-for.ts';

const { Kafka, logLevel } = kafkajs;
const TOPIC = 'disks';

const cluster = await startCluster({ brokers: 2, logDirsPerBroker: 2 });
after(() => cluster.close());

test('a leader\'s and a follower\'s replica move to their broker\'s other log dir under acks=all load, losing nothing', { timeout: 180_000 }, async (t) => {
  await cluster.createTopic({ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: [1, 2] }] });
  const admin = cluster.admin('log-dirs');
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, acks: -1, lingerMs: 5 });
  const acknowledged: string[] = [];
  const value = 'v'.repeat(10_000);
  const send = async (i: number, big = true) => {
    await producer.send({ topic: TOPIC, partition: 0, key: `k${i}`, value: big ? `${i}:${value}` : String(i) });
    acknowledged.push(`k${i}`);
  };
  try {
    for (let i = 0; i < 1_000; i++) await send(i);
    const whereNow = async (brokerId: number) => {
      const dirs = await admin.describeLogDirs({ brokerIds: [brokerId], topics: [{ topic: TOPIC, partitions: [0] }] });
      return dirs.filter((d) => d.partitions.some((p) => p.topic === TOPIC && !p.isFuture)).map((d) => d.logDir);
    };
    const targets = new Map<number, string>();
    for (const id of [1, 2]) {
      const [current] = await whereNow(id);
      targets.set(id, cluster.broker(id).logDirs.find((dir) => dir !== current)!);
    }
    // 2 MB/s against ~10 MB: the moves take seconds, long enough to be seen; the load meanwhile is light, so they catch up.
    await admin.incrementalAlterConfigs([1, 2].map((id) => ({
      type: 'broker' as const, name: String(id), ops: [{ name: 'replica.alter.log.dirs.io.max.bytes.per.second', op: 'set' as const, value: String(2_000_000) }],
    })));
    let producing = true;
    let next = 1_000;
    const load = (async () => { while (producing) await send(next++, false); })();
    const results = await admin.alterReplicaLogDirs([1, 2].map((brokerId) => ({ brokerId, topic: TOPIC, partition: 0, logDir: targets.get(brokerId)! })));
    assert.deepEqual(results.map((r) => r.error), [null, null]);
    const sawFuture = new Set<number>();
    await waitFor(async () => {
      for (const id of [1, 2]) {
        const dirs = await admin.describeLogDirs({ brokerIds: [id], topics: [{ topic: TOPIC, partitions: [0] }] });
        if (dirs.some((d) => d.logDir === targets.get(id) && d.partitions.some((p) => p.topic === TOPIC && p.isFuture))) sawFuture.add(id);
      }
      const now = await Promise.all([1, 2].map(whereNow));
      return now.every((dirs, i) => dirs.length === 1 && dirs[0] === targets.get(i + 1)) || undefined;
    }, CLUSTER_WAIT_MS, { intervalMs: 100, what: 'both replicas in their new log dirs' });
    producing = false;
    await load;
    t.diagnostic(`${acknowledged.length} records acknowledged; future replicas seen on brokers ${[...sawFuture].join(', ')}`);
    assert.deepEqual([...sawFuture].sort(), [1, 2], 'DescribeLogDirs showed each future replica while it was copied');
    for (const id of [1, 2]) {
      const old = cluster.broker(id).logDirs.find((dir) => dir !== targets.get(id))!;
      await waitFor(() => !existsSync(join(old, `${TOPIC}-0`)) || undefined, CLUSTER_WAIT_MS, { what: `broker ${id}'s old replica directory removed` });
    }
  } finally {
    await producer.close();
    await admin.close();
  }
  await cluster.waitForIsr(TOPIC, 0, [1, 2]);
  const consumer = new Kafka({ clientId: 'log-dirs-reader', brokers: cluster.bootstrapServers, logLevel: logLevel.NOTHING }).consumer({ groupId: 'log-dirs-reader', maxWaitTimeInMs: 100 });
  const read = new Set<string>();
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { read.add(message.key!.toString()); } });
  try {
    await waitFor(() => acknowledged.every((key) => read.has(key)) || undefined, CLUSTER_WAIT_MS, { what: 'every acknowledged record read back' });
  } finally {
    await consumer.disconnect();
  }
});
