import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type Broker } from '../src/broker/broker.ts';
import { createSilentLogger } from '../src/broker/logger.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/generated/find-coordinator.ts';
import { startClusterBroker, startClusterBrokers, type Closers } from './helpers/in-process-cluster.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchOf, fetchBody, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

/**
 * Brokers with two listeners, as Kafka deployments separate client and replication traffic:
 * CLIENT for clients, INTERNAL for the controller and the followers (inter.broker.listener.name).
 * Every answer that names brokers (Metadata, DescribeCluster, FindCoordinator, the leader
 * endpoints of Produce and Fetch) carries the endpoints of the listener the request came in on,
 * so a client bootstrapped on CLIENT never learns an INTERNAL address.
 */
// INTERNAL first: a broker that answered with its first listener would hand clients inter-broker ports.
const TWO_LISTENERS = {
  listeners: 'INTERNAL://127.0.0.1:0,CLIENT://127.0.0.1:0',
  'listener.security.protocol.map': 'CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT',
  'inter.broker.listener.name': 'INTERNAL',
};
const findCoordinator = api(findCoordinatorRequest, findCoordinatorResponse);

let zk: TestZooKeeper;
const closers: Closers = [];
let brokers: Broker[];

before(async () => {
  zk = await startZooKeeper();
  brokers = await startClusterBrokers(zk, closers, { chroot: '/listeners', overrides: TWO_LISTENERS });
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await zk.close();
});

function endpointOf(broker: Broker, listenerName: string): { host: string; port: number } {
  const endpoint = broker.listeners.get(listenerName);
  assert.ok(endpoint !== undefined, `broker ${broker.nodeId} has a ${listenerName} listener`);
  return endpoint;
}

function portsOf(listenerName: string): Map<number, number> {
  return new Map(brokers.map((b) => [b.nodeId, endpointOf(b, listenerName).port]));
}

async function withClient<T>(broker: Broker, listenerName: string, use: (client: KafkaApiClient) => Promise<T>): Promise<T> {
  const { host, port } = endpointOf(broker, listenerName);
  const client = await KafkaApiClient.open(host, port);
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

/** Metadata v12 of `topics` (every topic when null) through `listenerName` of `broker`. */
function metadataVia(broker: Broker, listenerName: string, topics: string[] | null, version = 12) {
  return withClient(broker, listenerName, (client) => client.call(Api.metadata, version, {
    topics: topics === null ? null : topics.map((name) => ({ name })),
    ...(version >= 4 ? { allowAutoTopicCreation: false } : {}),
    ...(version >= 8 ? { includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false } : {}),
  }));
}

test('KafkaJS bootstrapped on the client listener creates, produces and consumes in a group without ever connecting to an inter-broker port', { timeout: 120_000 }, async () => {
  const clientPorts = new Set(portsOf('CLIENT').values());
  const internalPorts = new Set(portsOf('INTERNAL').values());
  const connected: number[] = [];
  const kafka = new Kafka({
    clientId: 'listeners',
    brokers: [`127.0.0.1:${endpointOf(brokers[0]!, 'CLIENT').port}`],
    logLevel: logLevel.NOTHING,
    socketFactory: ({ host, port, onConnect }) => {
      connected.push(port);
      return connect({ host, port }, onConnect);
    },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await waitFor(async () => {
      const cluster = await admin.describeCluster();
      return cluster.brokers.length === 3 ? cluster : undefined;
    }, 30_000, { what: 'the cluster to know three brokers' });
    assert.deepEqual(
      described.brokers.map((b) => [b.nodeId, b.port]).sort((a, b) => a[0]! - b[0]!),
      [...portsOf('CLIENT')].sort((a, b) => a[0] - b[0]),
    );
    await admin.createTopics({ topics: [{ topic: 'split', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const values = Array.from({ length: 60 }, (_, i) => `record-${i}`);
  await producer.send({ topic: 'split', acks: -1, messages: values.map((value, i) => ({ key: String(i), value })) });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'split-readers' });
  await consumer.connect();
  const seen = new Set<string>();
  try {
    await consumer.subscribe({ topic: 'split', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { seen.add(message.value!.toString()); } });
    await waitFor(() => seen.size === values.length, 60_000, { what: 'the group to read every record' });
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual([...seen].sort(), [...values].sort());

  assert.ok(connected.length > 0);
  assert.deepEqual(connected.filter((port) => internalPorts.has(port)), [], 'no connection to an inter-broker port');
  assert.deepEqual(connected.filter((port) => !clientPorts.has(port)), [], 'every connection went to a client port');
  // The followers did replicate over INTERNAL: every replica holds every record.
  for (let partition = 0; partition < 3; partition++) {
    await waitFor(() => new Set(brokers.map((b) => b.replicaManager.partition('split', partition)?.log.logEndOffset)).size === 1,
      30_000, { what: `the replicas of split-${partition} to agree` });
  }
});

test('Metadata, DescribeCluster and FindCoordinator answer with the endpoints of the listener asked', { timeout: 60_000 }, async () => {
  for (const listenerName of ['CLIENT', 'INTERNAL']) {
    const ports = portsOf(listenerName);
    for (const via of brokers) {
      const metadata = await metadataVia(via, listenerName, null);
      assert.deepEqual(metadata.brokers.map((b) => [b.nodeId, b.port]), [...ports], `Metadata from broker ${via.nodeId} on ${listenerName}`);
      const cluster = await withClient(via, listenerName, (client) => client.call(Api.describeCluster, 1, {
        includeClusterAuthorizedOperations: false, endpointType: 1,
      }));
      assert.deepEqual(cluster.brokers.map((b) => [b.brokerId, b.port]), [...ports], `DescribeCluster from broker ${via.nodeId} on ${listenerName}`);
      const found = await withClient(via, listenerName, (client) => client.call(findCoordinator, 4, { keyType: 0, coordinatorKeys: ['split-readers'] }));
      const coordinator = found.coordinators?.[0];
      assert.equal(coordinator?.errorCode, ErrorCode.NONE);
      assert.equal(coordinator.port, ports.get(coordinator.nodeId), `FindCoordinator from broker ${via.nodeId} on ${listenerName}`);
    }
  }
});

test('Produce and Fetch sent to a follower name the leader at the endpoint of the listener they came in on', { timeout: 60_000 }, async () => {
  const [topic] = (await metadataVia(brokers[0]!, 'CLIENT', ['split'])).topics;
  const leaderId = topic!.partitions.find((p) => p.partitionIndex === 0)!.leaderId;
  const follower = brokers.find((b) => b.nodeId !== leaderId)!;
  for (const listenerName of ['CLIENT', 'INTERNAL']) {
    const leaderPort = portsOf(listenerName).get(leaderId);
    const produced = await withClient(follower, listenerName, (client) => client.call(Api.produce, 10, {
      transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: 'split', partitionData: [{ index: 0, records: batchOf(['misdirected']) }] }],
    }));
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(produced.responses[0]!.partitionResponses[0]!.currentLeader?.leaderId, leaderId);
    assert.deepEqual(produced.nodeEndpoints?.map((n) => [n.nodeId, n.port]), [[leaderId, leaderPort]], `Produce on ${listenerName}`);
    // A replica's fetch (a consumer's may read from a follower, KIP-392).
    const fetched = await withClient(follower, listenerName, (client) => client.call(Api.fetch, 16, {
      ...fetchBody({ topicId: topic!.topicId, partition: 0 }), replicaState: { replicaId: 99, replicaEpoch: -1n },
    }));
    assert.equal(onlyPartition(fetched).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.deepEqual(fetched.nodeEndpoints?.map((n) => [n.nodeId, n.port]), [[leaderId, leaderPort]], `Fetch on ${listenerName}`);
  }
});

test('a broker without the client listener is left out of client answers, and a partition it leads is LISTENER_NOT_FOUND (LEADER_NOT_AVAILABLE before v6)', { timeout: 60_000 }, async () => {
  const internalOnly = await startClusterBroker(zk, closers, {
    chroot: '/listeners', nodeId: 4,
    overrides: { ...TWO_LISTENERS, listeners: 'INTERNAL://127.0.0.1:0', 'listener.security.protocol.map': 'INTERNAL:PLAINTEXT' },
  });
  const internalPort = endpointOf(internalOnly, 'INTERNAL').port;
  await waitFor(async () => (await metadataVia(brokers[0]!, 'INTERNAL', [])).brokers.length === 4, 30_000, { what: 'broker 1 to learn of broker 4' });
  await withClient(brokers[0]!, 'INTERNAL', async (client) => {
    const created = await client.call(Api.createTopics, 7, {
      topics: [{ name: 'led-inside', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [4] }], configs: [] }],
      timeoutMs: 30_000, validateOnly: false,
    });
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
  });
  const inside = await waitFor(async () => {
    const metadata = await metadataVia(brokers[0]!, 'INTERNAL', ['led-inside']);
    return metadata.topics[0]?.partitions[0]?.leaderId === 4 ? metadata : undefined;
  }, 30_000, { what: 'broker 4 to lead led-inside' });
  assert.deepEqual(inside.brokers.map((b) => [b.nodeId, b.port]), [...portsOf('INTERNAL'), [4, internalPort]]);

  const outside = await metadataVia(brokers[0]!, 'CLIENT', ['led-inside']);
  assert.deepEqual(outside.brokers.map((b) => b.nodeId), [1, 2, 3]);
  const partition = outside.topics[0]!.partitions[0]!;
  assert.equal(partition.errorCode, ErrorCode.LISTENER_NOT_FOUND);
  assert.equal(partition.leaderId, -1);
  assert.deepEqual(partition.replicaNodes, [4]);
  const older = await metadataVia(brokers[0]!, 'CLIENT', ['led-inside'], 5);
  assert.equal(older.topics[0]!.partitions[0]!.errorCode, ErrorCode.LEADER_NOT_AVAILABLE);
  // v0 lists only the replicas a client of this listener can reach.
  const v0 = await metadataVia(brokers[0]!, 'CLIENT', ['led-inside'], 0);
  assert.deepEqual(v0.topics[0]!.partitions[0]!.replicaNodes, []);
  // The leader itself, asked on its only listener, answers like the rest.
  assert.equal((await produceVia(internalOnly, 'led-inside')).errorCode, ErrorCode.NONE);
});

test('a single node answers each listener with its own endpoint too', { timeout: 30_000 }, async () => {
  const dataDir = await makeTempDir('samsa-listeners-');
  const single = await startBroker({ dataDir, ...TWO_LISTENERS }, { logger: createSilentLogger() });
  try {
    for (const listenerName of ['CLIENT', 'INTERNAL']) {
      const metadata = await metadataVia(single, listenerName, null);
      assert.deepEqual(metadata.brokers.map((b) => [b.nodeId, b.port]), [[single.nodeId, endpointOf(single, listenerName).port]]);
    }
  } finally {
    await single.close();
    await removeTempDir(dataDir);
  }
});

async function produceVia(broker: Broker, topic: string) {
  return withClient(broker, 'INTERNAL', (client) => produce(client, topic, 0, batchOf(['inside'])));
}
