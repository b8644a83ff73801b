import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { Broker } from '../src/broker/broker.ts';
import { freePort } from '../src/broker/cluster/zookeeper/server-process.ts';
import { RACK_AWARE_REPLICA_SELECTOR } from '../src/broker/replica/replica-selector.ts';
import { Admin, Consumer, Producer, type ConsumerRecord } from '../src/client/index.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { fetchRequest, fetchResponse, type FetchResponsePartitionData } from '../src/protocol/generated/fetch.ts';
import { listOffsetsRequest, listOffsetsResponse } from '../src/protocol/generated/list-offsets.ts';
import { startClusterBroker, type Closers } from './helpers/in-process-cluster.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { kcat, type KcatMessage } from './helpers/kcat.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

/**
 * KIP-392 in a cluster: three brokers on ZooKeeper in racks a, b and c, with Kafka's
 * RackAwareReplicaSelector. A topic led by broker 1 (rack a) has followers 2 (rack b) and 3
 * (rack c). A consumer in rack b is told by the leader to read from broker 2, broker 2 serves it,
 * and it reads exactly what a consumer without a rack reads: our client, KafkaJS and librdkafka.
 *
 * Each broker's client listener is reached through a TCP proxy of the test's own (its brokers
 * replicate over another listener), so the test can cut clients off the leader and broker 3 and
 * see our consumer go on reading from broker 2 alone.
 */
const RACKS: Readonly<Record<number, string>> = { 1: 'a', 2: 'b', 3: 'c' };
const TOPIC = 'rack-aware';
const COUNT = 200;
const LEADER = 1;
const FOLLOWER_IN_B = 2;

const Fetch = api(fetchRequest, fetchResponse);
const ListOffsets = api(listOffsetsRequest, listOffsetsResponse);

let zk: TestZooKeeper;
const closers: Closers = [];
const brokers = new Map<number, Broker>();
const proxies = new Map<number, TcpProxy>();
let bootstrapServers: string[];
let leaderEpoch: number;

before(async () => {
  zk = await startZooKeeper();
  for (const id of [1, 2, 3]) {
    const clientPort = await freePort();
    const proxy = await startTcpProxy(clientPort);
    closers.push(() => proxy.close());
    proxies.set(id, proxy);
    brokers.set(id, await startClusterBroker(zk, closers, {
      chroot: '/rack-aware-reads',
      nodeId: id,
      overrides: {
        // INTERNAL first: the helper's port 0 goes to it. Clients are told of CLIENT, through the proxy.
        listeners: `INTERNAL://127.0.0.1:0,CLIENT://127.0.0.1:${clientPort}`,
        'advertised.listeners': `INTERNAL://127.0.0.1:0,CLIENT://127.0.0.1:${proxy.port}`,
        'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,CLIENT:PLAINTEXT',
        'inter.broker.listener.name': 'INTERNAL',
        'broker.rack': RACKS[id]!,
        'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR,
        'offsets.topic.replication.factor': '1',
        'group.initial.rebalance.delay.ms': '0',
      },
    }));
  }
  bootstrapServers = [...proxies.values()].map((proxy) => `127.0.0.1:${proxy.port}`);
  const admin = new Admin({ bootstrapServers, clientId: 'rack-aware-admin' });
  try {
    await waitFor(async () => (await admin.describeCluster()).brokers.length === 3, 60_000, { what: 'three brokers registered' });
    await admin.createTopics([{ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: [LEADER, FOLLOWER_IN_B, 3] }] }]);
    const partition = await waitFor(async () => {
      const p = (await admin.describeTopics([TOPIC]))[0]?.partitions[0];
      return p !== undefined && p.leaderId === LEADER && p.isr.length === 3 ? p : undefined;
    }, 60_000, { what: `${TOPIC}-0 led by broker ${LEADER} with all three in sync` });
    leaderEpoch = partition.leaderEpoch;
  } finally {
    await admin.close();
  }
  // One record per batch, so a consumer limited to one batch per fetch needs many fetches.
  const producer = new Producer({ bootstrapServers, clientId: 'rack-aware-producer', lingerMs: 0 });
  try {
    for (let i = 0; i < COUNT; i++) await producer.send({ topic: TOPIC, partition: 0, key: `k${i}`, value: `record-${i}` });
  } finally {
    await producer.close();
  }
  // Followers learn the high watermark from their next fetch's answer.
  for (const id of [1, 2, 3]) {
    await waitFor(async () => (await fetchFrom(id, { rackId: RACKS[id]! })).highWatermark === BigInt(COUNT) || undefined,
      30_000, { what: `broker ${id} to serve up to offset ${COUNT}` });
  }
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await zk.close();
});

/** One consumer Fetch of TOPIC-0 sent to broker `id`'s client listener; returns its partition's answer. */
async function fetchFrom(id: number, { version = 12, rackId = '', fetchOffset = 0n, currentLeaderEpoch = leaderEpoch }: {
  version?: number; rackId?: string; fetchOffset?: bigint; currentLeaderEpoch?: number;
} = {}): Promise<FetchResponsePartitionData> {
  const client = await KafkaApiClient.open('127.0.0.1', brokers.get(id)!.listeners.get('CLIENT')!.port);
  try {
    const response = await client.call(Fetch, version, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 0x7fffffff, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch, fetchOffset, logStartOffset: -1n, partitionMaxBytes: 1024 * 1024 }] }],
      forgottenTopicsData: [], rackId,
    });
    return response.responses[0]!.partitions[0]!;
  } finally {
    client.close();
  }
}

function expected(): Array<{ offset: number; key: string; value: string }> {
  return Array.from({ length: COUNT }, (_, i) => ({ offset: i, key: `k${i}`, value: `record-${i}` }));
}

function summary(records: readonly ConsumerRecord[]): Array<{ offset: number; key: string; value: string }> {
  return records.map((r) => ({ offset: r.offset, key: r.key!.toString(), value: r.value!.toString() }));
}

test('the leader sends a consumer to the replica in its rack, with no records; in its own rack, with no rack or in an unknown one it serves it', { timeout: 60_000 }, async () => {
  const toB = await fetchFrom(LEADER, { rackId: 'b' });
  assert.equal(toB.errorCode, ErrorCode.NONE);
  assert.equal(toB.preferredReadReplica, FOLLOWER_IN_B);
  assert.equal(toB.records?.length ?? 0, 0);
  assert.equal(toB.highWatermark, BigInt(COUNT));
  assert.equal((await fetchFrom(LEADER, { rackId: 'c' })).preferredReadReplica, 3);
  for (const rackId of ['a', '', 'z']) {
    const served = await fetchFrom(LEADER, { rackId });
    assert.equal(served.preferredReadReplica, -1, `rack "${rackId}"`);
    assert.ok((served.records?.length ?? 0) > 0, `rack "${rackId}" gets records`);
  }
  // Before v11 a fetch carries no rack: it is served where it is sent.
  const old = await fetchFrom(LEADER, { version: 10 });
  assert.equal(old.errorCode, ErrorCode.NONE);
  assert.ok((old.records?.length ?? 0) > 0);
});

test('a follower serves consumer fetches (v11+) with the leader\'s very bytes, below its high watermark; epochs, older versions and ListOffsets as Kafka', { timeout: 60_000 }, async () => {
  const fromLeader = await fetchFrom(LEADER, { rackId: 'a' });
  const fromFollower = await fetchFrom(FOLLOWER_IN_B, { rackId: 'b' });
  assert.equal(fromFollower.errorCode, ErrorCode.NONE);
  assert.equal(fromFollower.preferredReadReplica, -1, 'only a leader names another replica');
  assert.equal(fromFollower.highWatermark, BigInt(COUNT));
  assert.ok(fromFollower.records!.length > 0);
  assert.deepEqual(fromFollower.records, fromLeader.records, 'the follower copied the producer\'s batches byte for byte');

  assert.equal((await fetchFrom(FOLLOWER_IN_B, { rackId: 'b', currentLeaderEpoch: -1 })).errorCode, ErrorCode.NONE, 'no epoch named: not checked');
  assert.equal((await fetchFrom(FOLLOWER_IN_B, { rackId: 'b', currentLeaderEpoch: leaderEpoch + 1 })).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
  assert.equal((await fetchFrom(FOLLOWER_IN_B, { rackId: 'b', fetchOffset: BigInt(COUNT + 1) })).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal((await fetchFrom(FOLLOWER_IN_B, { version: 10 })).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER, 'before v11 only the leader serves');

  // Offsets are the leader's to answer (Kafka lets only its debugging replica id read them elsewhere).
  const client = await KafkaApiClient.open('127.0.0.1', brokers.get(FOLLOWER_IN_B)!.listeners.get('CLIENT')!.port);
  try {
    const listed = await client.call(ListOffsets, 7, {
      replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: leaderEpoch, timestamp: -1n }] }],
    });
    assert.equal(listed.topics[0]!.partitions[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  } finally {
    client.close();
  }
});

test('our consumer in rack b reads what a consumer without a rack reads, and goes on reading from broker 2 while clients cannot reach brokers 1 and 3', { timeout: 120_000 }, async () => {
  const plain = new Consumer({ bootstrapServers, clientId: 'no-rack', autoOffsetReset: 'earliest' });
  const plainRecords: ConsumerRecord[] = [];
  try {
    plain.assign([{ topic: TOPIC, partition: 0 }]);
    await waitFor(async () => {
      plainRecords.push(...await plain.poll(500));
      return plainRecords.length >= COUNT;
    }, 60_000, { what: 'the consumer without a rack to read every record' });
  } finally {
    await plain.close();
  }
  assert.deepEqual(summary(plainRecords), expected());

  // One batch (one record) per fetch: most of the partition is still to fetch when the cut comes.
  const inB = new Consumer({ bootstrapServers, clientId: 'rack-b', clientRack: 'b', autoOffsetReset: 'earliest', maxPartitionFetchBytes: 1, fetchMaxWaitMs: 100 });
  const records: ConsumerRecord[] = [];
  try {
    inB.assign([{ topic: TOPIC, partition: 0 }]);
    await waitFor(async () => {
      records.push(...await inB.poll(500));
      return records.length >= 20;
    }, 60_000, { what: 'the consumer in rack b to read its first records' });
    await proxies.get(LEADER)!.cut();
    await proxies.get(3)!.cut();
    const before = records.length;
    await waitFor(async () => {
      records.push(...await inB.poll(500));
      return records.length >= COUNT;
    }, 60_000, { what: 'the consumer in rack b to read the rest from broker 2' });
    assert.ok(COUNT - before > 100, `${COUNT - before} records were read after the cut`);
  } finally {
    await inB.close();
    await proxies.get(LEADER)!.restore();
    await proxies.get(3)!.restore();
  }
  assert.deepEqual(summary(records), summary(plainRecords));
});

test('KafkaJS (rackId) and librdkafka (kcat -X client.rack) in rack b read the same records', { timeout: 120_000 }, async () => {
  // KafkaJS logs each preferred read replica it is told of.
  const told: string[] = [];
  const kafka = new Kafka({
    clientId: 'kafkajs-rack-b', brokers: bootstrapServers, logLevel: logLevel.INFO,
    logCreator: () => ({ log }) => { if (log.message.startsWith('Preferred read replica')) told.push(log.message); },
  });
  const consumer = kafka.consumer({ groupId: 'rack-aware-kafkajs', rackId: 'b' });
  const seen: Array<{ offset: number; key: string; value: string }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => {
      seen.push({ offset: Number(message.offset), key: message.key!.toString(), value: message.value!.toString() });
    } });
    await waitFor(() => seen.length >= COUNT || undefined, 60_000, { what: 'KafkaJS to read every record' });
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual(seen, expected());
  assert.ok(told.includes(`Preferred read replica is now ${FOLLOWER_IN_B}`), told.join('; '));

  // librdkafka says where it fetches from in its topic debug log.
  const { stdout, stderr } = await kcat(['-C', '-b', bootstrapServers.join(','), '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-J', '-q', '-X', 'client.rack=b', '-d', 'topic']);
  assert.match(stderr, new RegExp(`migrating from broker ${LEADER} to ${FOLLOWER_IN_B} \\(leader is ${LEADER}\\): preferred replica updated`));
  const messages = stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as KcatMessage);
  assert.deepEqual(messages.map((m) => ({ offset: m.offset, key: m.key, value: m.payload })), expected());
});

test('a consumer fetch waiting on a follower is answered once the follower learns the new high watermark, not at its max wait', { timeout: 60_000 }, async () => {
  const client = await KafkaApiClient.open('127.0.0.1', brokers.get(FOLLOWER_IN_B)!.listeners.get('CLIENT')!.port);
  try {
    const waiting = client.send(Fetch, 12, {
      replicaId: -1, maxWaitMs: 50_000, minBytes: 1, maxBytes: 0x7fffffff, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: leaderEpoch, fetchOffset: BigInt(COUNT), logStartOffset: -1n, partitionMaxBytes: 1024 * 1024 }] }],
      forgottenTopicsData: [], rackId: 'b',
    });
    const producer = new Producer({ bootstrapServers, clientId: 'rack-aware-late-producer' });
    try {
      await producer.send({ topic: TOPIC, partition: 0, key: 'late', value: 'after-the-wait-began' });
    } finally {
      await producer.close();
    }
    // Well within the fetch's own 50 s: woken when the follower applies its leader's answer.
    const answered = (await waiting.response(30_000)).responses[0]!.partitions[0]!;
    assert.equal(answered.errorCode, ErrorCode.NONE);
    assert.equal(answered.highWatermark, BigInt(COUNT + 1));
    assert.ok(answered.records!.length > 0);
  } finally {
    client.close();
  }
});
