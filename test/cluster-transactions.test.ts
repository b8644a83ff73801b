import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { coordinatorPartitionFor } from '../src/broker/coordinator/group/group-coordinator.ts';
import { CLUSTER_WAIT_MS, startCluster } from './helpers/cluster.ts';
import { waitFor } from './helpers/wait-for.ts';

/**
 * Transactions on three broker processes: the transaction coordinator writes its markers to
 * partition leaders on other brokers (WriteTxnMarkers over the network), and an open transaction
 * survives a SIGKILL of its coordinator: the broker that takes over __transaction_state's
 * partition loads it, and KafkaJS's producer, finding the new coordinator, commits it.
 */
const { Kafka, logLevel } = kafkajs;
const BROKERS = 3;
const PARTITIONS = 3;
const TXN_PARTITIONS = 3;

const cluster = await startCluster({
  brokers: BROKERS,
  overrides: {
    'transaction.state.log.replication.factor': '3',
    'transaction.state.log.num.partitions': String(TXN_PARTITIONS),
    'transaction.state.log.min.isr': '2',
    'offsets.topic.replication.factor': '3',
    'offsets.topic.num.partitions': '3',
    'min.insync.replicas': '2',
    'group.initial.rebalance.delay.ms': '0',
  },
});
after(() => cluster.close());

function client(clientId: string) {
  return new Kafka({ clientId, brokers: cluster.runningBootstrapServers, logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2000 } });
}

/** What a new KafkaJS group reads from the start of `topic` (read_committed unless told), once it has read `count`. */
async function readValues(topic: string, count: number, readUncommitted = false): Promise<string[]> {
  const consumer = client(`reader-${Math.random()}`).consumer({ groupId: `reader-${topic}-${Math.random()}`, readUncommitted, maxWaitTimeInMs: 100 });
  const values: string[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { values.push(message.value!.toString()); } });
    await waitFor(() => values.length >= count, CLUSTER_WAIT_MS, { what: `${count} values of ${topic}; read ${values.length}` });
    await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    await consumer.disconnect();
  }
  return values.sort();
}

const messages = (prefix: string) => Array.from({ length: 12 }, (_, i) => ({ key: `${prefix}-${i}`, value: `${prefix}-${i}`, partition: i % PARTITIONS }));

test('transactions commit and abort with markers written by the partitions\' leaders on every broker', { timeout: 180_000 }, async () => {
  const topic = 'cluster-txn';
  await cluster.createTopic({ topic, numPartitions: PARTITIONS, replicationFactor: BROKERS });
  const leaders = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => cluster.waitForLeader(topic, p)));
  assert.equal(new Set(leaders.map((p) => p.leaderId)).size, BROKERS, 'the partitions are led from every broker');
  const producer = client('txn-producer').producer({ transactionalId: 'cluster-txn-producer', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const committed = await producer.transaction();
    await committed.send({ topic, messages: messages('committed') });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: messages('aborted') });
    await aborted.abort();
  } finally {
    await producer.disconnect();
  }
  assert.deepEqual(await readValues(topic, 12), messages('committed').map((m) => m.value).sort());
  assert.equal((await readValues(topic, 24, true)).length, 24);
});

test('an open transaction survives a SIGKILL of its coordinator: the new coordinator commits it', { timeout: 240_000 }, async () => {
  const topic = 'cluster-txn-failover';
  const transactionalId = 'cluster-txn-failover-producer';
  await cluster.createTopic({ topic, numPartitions: PARTITIONS, replicationFactor: BROKERS });
  const producer = client('txn-failover').producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const first = await producer.transaction();
    await first.send({ topic, messages: messages('before') });
    await first.commit();

    const open = await producer.transaction();
    await open.send({ topic, messages: messages('open') });
    const txnPartition = coordinatorPartitionFor(transactionalId, TXN_PARTITIONS);
    const { leaderId: coordinator } = await cluster.waitForIsr('__transaction_state', txnPartition, [1, 2, 3]);
    await cluster.kill(coordinator);
    await cluster.waitForLeader('__transaction_state', txnPartition, { not: coordinator });
    await open.commit();
  } finally {
    await producer.disconnect();
  }
  const values = await readValues(topic, 24);
  assert.deepEqual(values, [...messages('before'), ...messages('open')].map((m) => m.value).sort());
});
