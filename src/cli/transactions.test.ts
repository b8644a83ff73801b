import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClientError, type Admin, type ListTransactionsOptions, type PartitionProducerState, type TopicPartition } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { findHanging, prettyPrintTable } from './transactions.ts';

const NOW = 10_000_000;
const MINUTE = 60_000;

function producer(producerId: number, startOffset: number | null, minutesIdle: number) {
  return { producerId, producerEpoch: 2, lastSequence: 9, lastTimestamp: NOW - minutesIdle * MINUTE, coordinatorEpoch: 4, currentTransactionStartOffset: startOffset };
}

/** The Admin calls find-hanging makes, answered from tables: what leaders, coordinators and the coordinators' descriptions say. */
function stubAdmin(): Admin {
  const states: PartitionProducerState[] = [
    { topic: 't', partition: 0, activeProducers: [producer(1, 100, 20)] }, // no coordinator lists producer 1
    { topic: 't', partition: 1, activeProducers: [producer(2, 50, 20), producer(6, null, 30)] }, // 'a' still counts t-1; 6 has nothing open
    { topic: 't', partition: 2, activeProducers: [producer(3, 70, 20)] }, // 'b' no longer counts t-2
    { topic: 't', partition: 3, activeProducers: [producer(4, 80, 20), producer(5, 90, 1)] }, // 'c' is gone; 5 is recent
  ];
  const listings = [{ transactionalId: 'a', producerId: 2, state: 'Ongoing' }, { transactionalId: 'b', producerId: 3, state: 'Ongoing' },
    { transactionalId: 'c', producerId: 4, state: 'Ongoing' }, { transactionalId: 'z', producerId: 99, state: 'Ongoing' }];
  const description = (transactionalId: string, topicPartitions: TopicPartition[]) => ({
    coordinatorId: 1, transactionalId, state: 'Ongoing', producerId: 0, producerEpoch: 0, transactionTimeoutMs: 60_000, transactionStartTimeMs: 0, topicPartitions,
  });
  return {
    describeProducers: async (partitions: readonly TopicPartition[]) => partitions.map((tp) => states.find((s) => s.partition === tp.partition)!),
    listTransactions: async (options: ListTransactionsOptions) => {
      assert.deepEqual([...options.producerIdFilters!].sort(), [1, 2, 3, 4], 'only the candidates\' producer ids');
      return new Map([[1, listings]]);
    },
    describeTransactions: async ([id]: readonly string[]) => {
      if (id === 'a') return [description('a', [{ topic: 't', partition: 1 }])];
      if (id === 'b') return [description('b', [{ topic: 'other', partition: 2 }])];
      throw new KafkaClientError(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, `DescribeTransactions ${id}`);
    },
  } as unknown as Admin;
}

test('find-hanging: open transactions older than the timeout whose producer no coordinator lists, whose id is gone, or whose coordinator does not count the partition', async () => {
  const partitions = [0, 1, 2, 3].map((partition) => ({ topic: 't', partition }));
  const hanging = await findHanging(stubAdmin(), partitions, undefined, 15 * MINUTE, () => NOW);
  assert.deepEqual(hanging.map(({ tp, producer: p }) => [tp.partition, p.producerId, p.currentTransactionStartOffset]), [[0, 1, 100], [2, 3, 70], [3, 4, 80]]);
  assert.deepEqual(await findHanging(stubAdmin(), partitions, undefined, 25 * MINUTE, () => NOW), [], 'none idle longer than 25 minutes');
});

test('tables as Kafka\'s ToolsUtils.prettyPrintTable prints them: every cell padded to its column and followed by a tab', () => {
  assert.equal(prettyPrintTable(['A', 'Bee'], [['long-value', 'x'], ['y', 'z']]), 'A         \tBee\t\nlong-value\tx  \t\ny         \tz  \t\n');
  assert.equal(prettyPrintTable(['Only', 'Headers'], []), 'Only\tHeaders\t\n');
});
