import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import { buildRecordBatch } from '../../../protocol/records/record-batch-builder.ts';
import { createSilentLogger } from '../../logger.ts';
import { groupConfigWith } from '../group/group-config.ts';
import { CoordinatorRuntime, type CoordinatorRecord, type CoordinatorShard, type ShardContext } from './coordinator-runtime.ts';
import { InMemoryCoordinatorLog } from './in-memory-coordinator-log.ts';
import { ManualTime } from './manual-time.ts';
import { createTestRuntime } from './test-runtime.ts';

/** A shard whose state is the list of values replayed: enough to see order, atomicity and loading. */
class ListShard implements CoordinatorShard {
  private readonly entries: [string, string][] = [];
  readonly context: ShardContext;
  constructor(context: ShardContext) {
    this.context = context;
  }
  get values(): string[] {
    return this.entries.map(([, value]) => value);
  }
  replay(record: CoordinatorRecord): void {
    const key = record.key.toString();
    if (record.value === null) this.entries.splice(0, this.entries.length, ...this.entries.filter(([k]) => k !== key));
    else this.entries.push([key, record.value.toString()]);
  }
}

function record(value: string, key = 'k'): CoordinatorRecord {
  return { key: Buffer.from(key), value: Buffer.from(value) };
}

test('write operations run one at a time in order, each seeing the state its predecessors left', async () => {
  const { runtime, shard } = await createTestRuntime({ shardFactory: (context) => new ListShard(context) });
  const seen = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    runtime.scheduleWriteOperation(`op-${i}`, 0, (s) => ({ records: [record(`v${i}`)], response: s.values.length }))));
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(shard().values, Array.from({ length: 20 }, (_, i) => `v${i}`));
  assert.equal(await runtime.scheduleReadOperation('read', 0, (s) => s.values.length), 20);
});

test('a failed append fails the operation with its error and replays nothing; a throwing operation appends nothing', async () => {
  const { runtime, log, shard } = await createTestRuntime({ shardFactory: (context) => new ListShard(context) });
  await runtime.scheduleWriteOperation('first', 0, () => ({ records: [record('a')], response: undefined }));
  const failure = new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, 'disk said no');
  log.failNextAppends(failure);
  await assert.rejects(runtime.scheduleWriteOperation('second', 0, () => ({ records: [record('b'), record('c')], response: 'x' })), (error) => error === failure);
  assert.deepEqual(shard().values, ['a']);
  assert.equal(log.logEndOffset(0), 1);
  await assert.rejects(runtime.scheduleWriteOperation('bad', 0, () => { throw new KafkaError(ErrorCode.ILLEGAL_GENERATION); }),
    (error: KafkaError) => error.code === ErrorCode.ILLEGAL_GENERATION);
  // The queue goes on after failures.
  assert.equal(await runtime.scheduleWriteOperation('third', 0, () => ({ records: [record('d')], response: 'ok' })), 'ok');
  assert.deepEqual(shard().values, ['a', 'd']);
});

test('with flush.messages an operation is answered once its records are on disk, and a failed fsync fails it; the partition goes on meanwhile', async () => {
  const { runtime, log, shard } = await createTestRuntime({ shardFactory: (context) => new ListShard(context) });
  let fsynced!: () => void;
  log.durableWhen(new Promise<void>((resolve) => { fsynced = resolve; }));
  let answered = false;
  const first = runtime.scheduleWriteOperation('commit', 0, () => ({ records: [record('a')], response: 'committed' }))
    .then((response) => { answered = true; return response; });
  await runtime.idle(0); // its records are appended and replayed
  log.durableWhen(undefined);
  assert.equal(await runtime.scheduleWriteOperation('next', 0, () => ({ records: [record('b')], response: 'done' })), 'done');
  assert.equal(answered, false, 'not answered before its fsync');
  assert.deepEqual(shard().values, ['a', 'b']);
  fsynced();
  assert.equal(await first, 'committed');

  const failure = new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'fsync failed');
  const failed = Promise.reject(failure);
  failed.catch(() => undefined);
  log.durableWhen(failed);
  await assert.rejects(runtime.scheduleWriteOperation('lost', 0, () => ({ records: [record('c')], response: 'x' })), (error) => error === failure);
});

test('a response that is a promise does not hold up the partition', async () => {
  const { runtime } = await createTestRuntime({ shardFactory: (context) => new ListShard(context) });
  let release!: (value: string) => void;
  const waiting = runtime.scheduleWriteOperation('join', 0, () => ({ records: [], response: new Promise<string>((resolve) => { release = resolve; }) }));
  assert.equal(await runtime.scheduleWriteOperation('next', 0, () => ({ records: [record('x')], response: 'done' })), 'done');
  release('joined');
  assert.equal(await waiting, 'joined');
});

test('loading replays the log (skipping null keys) into the same state; LOAD_IN_PROGRESS meanwhile, NOT_COORDINATOR elsewhere', async () => {
  const time = new ManualTime();
  const logger = createSilentLogger();
  const config = groupConfigWith();
  const metadata = { partitionCount: () => undefined, topicId: () => undefined, topicName: () => undefined, topicNames: () => [] };
  const log = new InMemoryCoordinatorLog([0, 1]);
  const build = () => new CoordinatorRuntime({ log, shardFactory: (context) => new ListShard(context), time, logger, config, metadata, loadBufferSize: 64 });
  const first = build();
  await first.loadPartition(0);
  for (let i = 0; i < 30; i++) {
    await first.scheduleWriteOperation('w', 0, () => ({ records: [record(`v${i}`, `k${i}`)], response: undefined }));
  }
  log.append(0, buildRecordBatch([{ key: null, value: Buffer.from('not coordinator state'), timestamp: 0 }]));
  await first.scheduleWriteOperation('delete', 0, () => ({ records: [{ key: Buffer.from('k3'), value: null }], response: undefined }));
  await assert.rejects(first.scheduleWriteOperation('w', 1, () => ({ records: [], response: 1 })),
    (error: KafkaError) => error.code === ErrorCode.NOT_COORDINATOR);

  const second = build();
  const loading = second.loadPartition(0);
  assert.equal(second.isLoading(0), true);
  await assert.rejects(second.scheduleReadOperation('r', 0, () => 1), (error: KafkaError) => error.code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  await loading;
  assert.equal(second.isActive(0), true);
  assert.deepEqual(second.shard(0)!.values, first.shard(0)!.values);
  assert.equal(second.shard(0)!.values.length, 29);
  assert.equal(second.shard(0)!.values.includes('v3'), false);

  second.unloadPartition(0);
  await assert.rejects(second.scheduleReadOperation('r', 0, () => 1), (error: KafkaError) => error.code === ErrorCode.NOT_COORDINATOR);
});

test('timers run as write operations; rescheduling replaces, cancel wins even after expiry', async () => {
  const { runtime, time, shard } = await createTestRuntime({ shardFactory: (context) => new ListShard(context) });
  const { timer } = shard().context;
  timer.schedule('a', 100, () => ({ records: [record('first')], response: undefined }));
  timer.schedule('a', 200, () => ({ records: [record('replaced')], response: undefined }));
  timer.schedule('b', 50, () => ({ records: [record('b')], response: undefined }));
  time.advance(100);
  await runtime.idle(0);
  assert.deepEqual(shard().values, ['b']);
  assert.equal(timer.isScheduled('a'), true);
  time.advance(100);
  // Expired but not yet run: a cancel now still wins.
  timer.cancel('a');
  await runtime.idle(0);
  assert.deepEqual(shard().values, ['b']);
  assert.equal(timer.isScheduled('a'), false);
});
