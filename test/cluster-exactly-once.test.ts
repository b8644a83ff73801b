/**
 * Exactly once under faults: 3 broker processes on a real ZooKeeper, and a consume-transform-produce
 * loop (our read_committed consumer and transactional producer) copying every record of an input
 * topic to an output topic, committing the consumed offsets in the same transaction, while the
 * transaction coordinator's broker and the output partitions' leaders are SIGKILLed and restarted,
 * round after round (SAMSA_EOS_ROUNDS, 4 by default, the CI size; set it higher for a long run by
 * hand), while an idempotent producer keeps writing the input. The loop does what an application
 * must: on an abortable error it aborts and rewinds to the committed offsets, on a fatal one
 * (fenced) it starts a new producer. At the end the output read with read_committed must be the
 * input, record for record, in input order per partition: nothing lost, nothing twice.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Consumer, Producer, type TopicPartition } from '../src/client/index.ts';
import { coordinatorPartitionFor } from '../src/broker/coordinator/group/group-coordinator.ts';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { waitFor } from './helpers/wait-for.ts';

const ROUNDS = Number(process.env['SAMSA_EOS_ROUNDS'] ?? 4);
/** Records per transaction: small, so that every fault lands on transactions in flight. */
const MAX_POLL_RECORDS = 50;
const INPUT = 'eos-in';
const OUTPUT = 'eos-out';
const GROUP = 'eos-copier';
const TRANSACTIONAL_ID = 'eos-copier-1';
const PARTITIONS = 2;
const TXN_PARTITIONS = 8;

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster({
    brokers: 3,
    overrides: { 'transaction.state.log.num.partitions': String(TXN_PARTITIONS), 'offsets.topic.num.partitions': '8', 'transaction.state.log.min.isr': '2' },
  });
});

after(async () => {
  await cluster?.close();
});

/** The __transaction_state partition of a transactional id (Kafka's partitionFor). */
function coordinatorPartition(transactionalId: string): number {
  return coordinatorPartitionFor(transactionalId, TXN_PARTITIONS);
}

const inputPartitions: TopicPartition[] = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: INPUT, partition }));

interface CopierStats { transactions: number; aborted: number; producersFenced: number; errors: string[] }

/** The application: poll, copy into a transaction with the consumed offsets, commit; abort and rewind on failure. */
async function copyExactlyOnce(bootstrapServers: string[], stop: { done: boolean }): Promise<CopierStats> {
  const stats: CopierStats = { transactions: 0, aborted: 0, producersFenced: 0, errors: [] };
  const consumer = new Consumer({
    bootstrapServers, groupId: GROUP, isolationLevel: 'read_committed', autoOffsetReset: 'earliest', enableAutoCommit: false, maxPollRecords: MAX_POLL_RECORDS,
  });
  const newProducer = async (): Promise<Producer> => {
    const created = new Producer({ bootstrapServers, transactionalId: TRANSACTIONAL_ID, lingerMs: 2, transactionTimeoutMs: 30_000 });
    await created.initTransactions();
    return created;
  };
  consumer.assign(inputPartitions);
  let producer = await newProducer();
  const rewind = async (): Promise<void> => {
    for (const committed of await consumer.committed(inputPartitions)) {
      consumer.seek({ topic: committed.topic, partition: committed.partition }, committed.offset >= 0 ? committed.offset : 0);
    }
  };
  try {
    await rewind();
    while (!stop.done) {
      const records = await consumer.poll(300);
      if (records.length === 0) continue;
      try {
        producer.beginTransaction();
        await Promise.all(records.map((record) => producer.send({ topic: OUTPUT, partition: record.partition, key: record.key, value: record.value })));
        const offsets = inputPartitions.map((tp) => ({ ...tp, offset: consumer.position(tp)! }));
        await producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        await producer.commitTransaction();
        stats.transactions += 1;
      } catch (error) {
        stats.errors.push(`${(error as Error).name}: ${(error as Error).message}`.slice(0, 200));
        try {
          await producer.abortTransaction();
          stats.aborted += 1;
        } catch {
          // Fatal (fenced, or the abort itself failed): a new producer with the same id fences the old one and aborts its transaction.
          stats.producersFenced += 1;
          await producer.close().catch(() => undefined);
          producer = await retry(newProducer);
        }
        await retry(rewind);
      }
    }
  } finally {
    await producer.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
  }
  return stats;
}

async function retry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 30) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** The input: an idempotent producer writing small batches until told to stop. */
async function writeInput(bootstrapServers: string[], stop: { done: boolean }): Promise<number> {
  const producer = new Producer({ bootstrapServers, lingerMs: 5 });
  let written = 0;
  try {
    while (!stop.done) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic: INPUT, partition: i % PARTITIONS, value: `in-${written + i}` })));
      written += 20;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await producer.close();
  }
  return written;
}

/** Every value of `topic`'s partitions up to their ends (the last stable offset with read_committed). */
async function readAll(bootstrapServers: string[], topic: string, isolationLevel: 'read_committed' | 'read_uncommitted', ends: number[]): Promise<string[][]> {
  const reader = new Consumer({ bootstrapServers, isolationLevel, autoOffsetReset: 'earliest' });
  const partitions = ends.map((_, partition) => ({ topic, partition }));
  reader.assign(partitions);
  const values: string[][] = ends.map(() => []);
  try {
    await waitFor(async () => {
      for (const record of await reader.poll(300)) values[record.partition]!.push(record.value!.toString());
      return partitions.every((tp) => (reader.position(tp) ?? 0) >= ends[tp.partition]!);
    }, 120_000, { what: `${topic} read to ${ends.join(', ')}` });
  } finally {
    await reader.close();
  }
  return values;
}

test(`consume-transform-produce copies every record exactly once while the coordinator and partition leaders are killed, ${ROUNDS} rounds`,
  { timeout: 300_000 + ROUNDS * 60_000 }, async (t) => {
    const configs = { 'min.insync.replicas': '2' };
    await cluster.createTopic({ topic: INPUT, numPartitions: PARTITIONS, replicationFactor: 3, configs });
    await cluster.createTopic({ topic: OUTPUT, numPartitions: PARTITIONS, replicationFactor: 3, configs });
    const inputStop = { done: false };
    const copyStop = { done: false };
    const input = writeInput(cluster.bootstrapServers, inputStop);
    const copier = copyExactlyOnce(cluster.bootstrapServers, copyStop);
    const admin = cluster.admin('eos-progress');
    const committed = async (): Promise<number[]> => {
      const offsets = await admin.listConsumerGroupOffsets(GROUP).catch(() => []);
      return inputPartitions.map((tp) => offsets.find((o) => o.topic === INPUT && o.partition === tp.partition)?.offset ?? 0);
    };
    const copied = async (): Promise<number> => (await committed()).reduce((sum, offset) => sum + Math.max(0, offset), 0);
    const faults: string[] = [];
    let inputEnds: number[] = [];
    try {
      const txnPartition = coordinatorPartition(TRANSACTIONAL_ID);
      for (let round = 1; round <= ROUNDS; round++) {
        // The copier commits between faults, so every round hits a pipeline in motion.
        const before = await copied();
        await waitFor(async () => (await copied()) > before + MAX_POLL_RECORDS, 120_000, { what: `progress before round ${round}` });
        const outputPartition = Math.floor(round / 2) % PARTITIONS;
        const victim = round % 2 === 1
          ? (await cluster.waitForLeader('__transaction_state', txnPartition)).leaderId
          : (await cluster.waitForLeader(OUTPUT, outputPartition)).leaderId;
        await cluster.kill(victim);
        await cluster.waitForLeader('__transaction_state', txnPartition, { not: victim });
        for (let partition = 0; partition < PARTITIONS; partition++) await cluster.waitForLeader(OUTPUT, partition, { not: victim });
        await cluster.start(victim);
        for (let partition = 0; partition < PARTITIONS; partition++) await cluster.waitForIsr(OUTPUT, partition, [1, 2, 3]);
        faults.push(`round ${round}: killed broker ${victim} (${round % 2 === 1 ? 'the transaction coordinator' : `the leader of ${OUTPUT}-${outputPartition}`}) at ${await copied()} copied`);
      }
      inputStop.done = true;
      await input;
      inputEnds = (await admin.listOffsets(inputPartitions.map((tp) => ({ ...tp, spec: 'latest' as const })))).map((answer) => answer.offset);
      await waitFor(async () => (await committed()).every((offset, partition) => offset >= inputEnds[partition]!), 180_000,
        { intervalMs: 500, what: `every input record copied (input ends ${inputEnds.join(', ')})` });
    } finally {
      inputStop.done = true;
      copyStop.done = true;
      await admin.close();
    }
    const stats = await copier;
    t.diagnostic(faults.join('\n'));
    t.diagnostic(`input ${inputEnds.join(' + ')} records; transactions committed ${stats.transactions}, aborted ${stats.aborted}, producers replaced ${stats.producersFenced}`);
    if (stats.errors.length > 0) t.diagnostic(`errors the application saw (first 10):\n${stats.errors.slice(0, 10).join('\n')}`);
    assert.ok(stats.transactions >= ROUNDS * 2, `${stats.transactions} transactions committed`);

    const expected = await readAll(cluster.bootstrapServers, INPUT, 'read_uncommitted', inputEnds);
    const endsAdmin = cluster.admin('eos-ends');
    const outputEnds = (await endsAdmin.listOffsets(inputPartitions.map((tp) => ({ topic: OUTPUT, partition: tp.partition, spec: 'latest' as const })), 'read_committed')
      .finally(() => endsAdmin.close())).map((answer) => answer.offset);
    const output = await readAll(cluster.bootstrapServers, OUTPUT, 'read_committed', outputEnds);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      assert.equal(expected[partition]!.length, inputEnds[partition], `the input's partition ${partition} read whole`);
      assert.deepEqual(output[partition], expected[partition], `${OUTPUT}-${partition} holds each input record of partition ${partition} once, in order`);
    }
  });
