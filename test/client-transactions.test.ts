import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, IllegalStateError, KafkaClientError, Producer, type ConsumerRecord, type IsolationLevel } from '../src/client/index.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

let broker: TestBroker;
let admin: Admin;
before(async () => {
  broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0' }, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
});
after(async () => {
  await admin.close();
  await broker.close();
});

function producer(transactionalId: string, options: Partial<ConstructorParameters<typeof Producer>[0]> = {}): Producer {
  return new Producer({ bootstrapServers: [broker.bootstrap], transactionalId, lingerMs: 0, ...options });
}

/** Everything a consumer at `isolationLevel` reads from the start until its positions reach the partitions' ends (by that level). */
async function readAll(topic: string, partitions: number, isolationLevel: IsolationLevel): Promise<{ records: ConsumerRecord[]; positions: number[] }> {
  const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
  const ends = await admin.listOffsets(tps.map((tp) => ({ ...tp, spec: 'latest' as const })), isolationLevel);
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, isolationLevel });
  consumer.assign(tps);
  const records: ConsumerRecord[] = [];
  const reached = (): boolean => tps.every((tp, i) => (consumer.position(tp) ?? -1) >= ends[i]!.offset);
  for (const deadline = Date.now() + 10_000; !reached() && Date.now() < deadline;) records.push(...await consumer.poll(200));
  const positions = tps.map((tp) => consumer.position(tp) ?? -1);
  await consumer.close();
  return { records, positions };
}

const values = (records: readonly ConsumerRecord[]): string[] => records.map((r) => r.value!.toString());

test('a committed transaction is read at both isolation levels, an aborted one only read_uncommitted; markers never reach the app and positions pass them', async () => {
  const topic = 'txn-commit-abort';
  await admin.createTopics([{ topic, numPartitions: 2 }]);
  const p = producer('commit-abort');
  await p.initTransactions();
  p.beginTransaction();
  await Promise.all(['c0', 'c1', 'c2', 'c3'].map((value, i) => p.send({ topic, partition: i % 2, value })));
  await p.commitTransaction();
  p.beginTransaction();
  await Promise.all(['a0', 'a1'].map((value, i) => p.send({ topic, partition: i % 2, value })));
  await p.abortTransaction();
  // A transaction after an aborted one, and one with no records at all.
  p.beginTransaction();
  await p.send({ topic, partition: 0, value: 'after-abort' });
  await p.commitTransaction();
  p.beginTransaction();
  await p.commitTransaction();
  await p.close();

  const committed = await readAll(topic, 2, 'read_committed');
  assert.deepEqual(values(committed.records).sort(), ['after-abort', 'c0', 'c1', 'c2', 'c3']);
  const uncommitted = await readAll(topic, 2, 'read_uncommitted');
  assert.deepEqual(values(uncommitted.records).sort(), ['a0', 'a1', 'after-abort', 'c0', 'c1', 'c2', 'c3']);
  // Partition 0: c0 c2 COMMIT a0 ABORT after-abort COMMIT = offsets 0-6, so the end is 7; partition 1: c1 c3 COMMIT a1 ABORT.
  assert.deepEqual(committed.positions, [7, 5], 'read_committed positions pass the markers and the aborted records');
  assert.deepEqual(uncommitted.positions, [7, 5]);
  assert.deepEqual(committed.records.filter((r) => r.partition === 0).map((r) => r.offset), [0, 1, 5]);
});

test('an open transaction holds read_committed at the last stable offset; its records show once it commits', async () => {
  const topic = 'txn-open';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const plain = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0 });
  await plain.send({ topic, value: 'before' });
  const p = producer('open-txn');
  await p.initTransactions();
  p.beginTransaction();
  await p.send({ topic, value: 'in-flight-1' });
  await plain.send({ topic, value: 'plain-during' });
  const tp = { topic, partition: 0 };
  const [lastStable] = await admin.listOffsets([{ ...tp, spec: 'latest' }], 'read_committed');
  const [highWatermark] = await admin.listOffsets([{ ...tp, spec: 'latest' }]);
  assert.deepEqual([lastStable!.offset, highWatermark!.offset], [1, 3], 'ListOffsets latest read_committed: the open transaction\'s first offset');
  assert.deepEqual(values((await readAll(topic, 1, 'read_committed')).records), ['before']);
  await p.commitTransaction();
  await Promise.all([p.close(), plain.close()]);
  assert.deepEqual(values((await readAll(topic, 1, 'read_committed')).records), ['before', 'in-flight-1', 'plain-during']);
});

test('consume-transform-produce: sendOffsetsToTransaction commits the group\'s offsets with the transaction, and an abort leaves them as they were', async () => {
  const [input, output, groupId] = ['ctp-in', 'ctp-out', 'ctp-group'];
  await admin.createTopics([{ topic: input, numPartitions: 1 }, { topic: output, numPartitions: 1 }]);
  const seed = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0 });
  await Promise.all(Array.from({ length: 6 }, (_, i) => seed.send({ topic: input, value: `in-${i}` })));
  await seed.close();
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], groupId, autoOffsetReset: 'earliest', enableAutoCommit: false, isolationLevel: 'read_committed', fetchMaxWaitMs: 100 });
  consumer.subscribe([input]);
  const p = producer('ctp');
  await p.initTransactions();
  const step = async (count: number, commit: boolean): Promise<void> => {
    const records: ConsumerRecord[] = [];
    await waitFor(async () => (records.push(...await consumer.poll(200)), records.length >= count), 15_000, { what: `${count} input records` });
    p.beginTransaction();
    for (const r of records) await p.send({ topic: output, value: r.value!.toString().toUpperCase() });
    const last = records.at(-1)!;
    const metadata = consumer.groupMetadata();
    assert.equal(metadata.groupId, groupId);
    assert.ok(metadata.generationId > 0 && metadata.memberId !== '', 'a member of the group, with its generation');
    await p.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: last.offset + 1 }], metadata);
    if (commit) await p.commitTransaction();
    else await p.abortTransaction();
  };
  await step(6, false);
  const committedAfterAbort = await consumer.committed([{ topic: input, partition: 0 }]);
  assert.equal(committedAfterAbort[0]!.offset, -1, 'the aborted transaction\'s offsets never counted');
  consumer.seek({ topic: input, partition: 0 }, 0);
  await step(6, true);
  assert.equal((await consumer.committed([{ topic: input, partition: 0 }]))[0]!.offset, 6);
  await Promise.all([p.close(), consumer.close()]);
  assert.deepEqual(values((await readAll(output, 1, 'read_committed')).records), ['IN-0', 'IN-1', 'IN-2', 'IN-3', 'IN-4', 'IN-5']);
  assert.equal((await readAll(output, 1, 'read_uncommitted')).records.length, 12);
});

test('a batch the broker refuses makes the transaction abortable: commit fails with the cause, abort succeeds, and the next transaction goes', async () => {
  const topic = 'txn-abortable';
  await admin.createTopics([{ topic, numPartitions: 1, configs: { 'max.message.bytes': '200' } }]);
  const p = producer('abortable');
  await p.initTransactions();
  p.beginTransaction();
  await p.send({ topic, value: 'small' });
  await assert.rejects(p.send({ topic, value: 'x'.repeat(1_000) }), (e: unknown) => e instanceof KafkaClientError && e.code === ErrorCode.MESSAGE_TOO_LARGE);
  await assert.rejects(p.send({ topic, value: 'refused' }), (e: unknown) => e instanceof KafkaClientError && /must be aborted/.test(e.message));
  await assert.rejects(p.commitTransaction(), (e: unknown) => e instanceof KafkaClientError && /must be aborted.*MESSAGE_TOO_LARGE/.test(e.message));
  await p.abortTransaction();
  p.beginTransaction();
  await p.send({ topic, value: 'next' });
  await p.commitTransaction();
  await p.close();
  assert.deepEqual(values((await readAll(topic, 1, 'read_committed')).records), ['next']);
});

test('a fenced producer (a newer one took its transactional id) is done: every call fails with PRODUCER_FENCED; calls out of order are refused', async () => {
  const topic = 'txn-fenced';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const old = producer('fenced-id');
  await assert.rejects(old.send({ topic, value: 'too-early' }), (e: unknown) => e instanceof IllegalStateError && /before completing a call to initTransactions/.test(e.message));
  assert.throws(() => old.beginTransaction(), IllegalStateError);
  await old.initTransactions();
  old.beginTransaction();
  await old.send({ topic, value: 'old-open' });
  const successor = producer('fenced-id');
  await successor.initTransactions();
  const fenced = (e: unknown): boolean => e instanceof KafkaClientError && e.code === ErrorCode.PRODUCER_FENCED && !e.retriable;
  await assert.rejects(old.commitTransaction(), fenced);
  await assert.rejects(old.send({ topic, value: 'old-late' }), fenced);
  await assert.rejects(old.abortTransaction(), fenced);
  await old.close();
  successor.beginTransaction();
  await successor.send({ topic, value: 'successor' });
  await successor.commitTransaction();
  await successor.close();
  assert.deepEqual(values((await readAll(topic, 1, 'read_committed')).records), ['successor'], 'the fenced producer\'s open transaction was aborted');
  assert.throws(() => new Producer({ bootstrapServers: [broker.bootstrap] }).beginTransaction(), /non-transactional producer/);
});

test('sends still waiting for a new topic\'s metadata when commitTransaction is called belong to the transaction, as Java\'s blocking send makes them', async () => {
  const topic = 'txn-commit-while-sends-wait';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const p = producer('commit-while-waiting');
  try {
    await p.initTransactions();
    p.beginTransaction();
    // Not awaited: the first send to a topic waits for its metadata, and commitTransaction comes first.
    const deliveries = ['w-0', 'w-1', 'w-2'].map((value) => p.send({ topic, value }));
    await p.commitTransaction();
    assert.deepEqual((await Promise.all(deliveries)).map((d) => d.offset), [0, 1, 2]);
  } finally {
    await p.close();
  }
  assert.deepEqual(values((await readAll(topic, 1, 'read_committed')).records), ['w-0', 'w-1', 'w-2']);
});
