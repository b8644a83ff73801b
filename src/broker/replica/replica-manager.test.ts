import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../../protocol/generated/alter-partition.ts';
import { buildBatch, readRecords } from '../../storage/batch-fixture.ts';
import { LogManager } from '../../storage/log-manager.ts';
import { partitionSettings } from '../cluster/topic-settings.ts';
import { parseBrokerConfig } from '../config.ts';
import { systemTime, type Time } from '../time.ts';
import { ReplicaManager, type FollowerFetchers, type ReplicaManagerOptions } from './replica-manager.ts';
import type { LeaderAndIsrPartition } from './replica-state-changes.ts';
import { handOverLeaderships } from './leadership-handover.ts';
import { createSilentLogger } from '../logger.ts';
import { tempDirSync } from '../../../test/helpers/temp-dir.ts';

const LAG_MS = 10_000;
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

/** A clock the test moves; timers are real (the purgatories' timeouts). */
function manualTime(): Time & { advance(ms: number): void } {
  let now = 1_700_000_000_000;
  return { now: () => now, setTimeout: systemTime.setTimeout, clearTimeout: systemTime.clearTimeout, advance: (ms) => { now += ms; } };
}

interface Sent { readonly request: AlterPartitionRequest; answer(response: AlterPartitionResponse): void; fail(error: Error): void }

async function harness(t: TestContext, options: Partial<ReplicaManagerOptions> & { configs?: Record<string, string> } = {}) {
  const dir = tempDirSync('samsa-replica-manager-');
  const time = manualTime();
  const logManager = await LogManager.open({ logDirs: [dir], nodeId: 1, clusterId: 'test-cluster' });
  const sent: Sent[] = [];
  const fetcherCalls: string[] = [];
  const fetchers: FollowerFetchers = {
    addFetcherForPartitions: (partitions) => { for (const p of partitions) fetcherCalls.push(`add ${p.topic}-${p.partition} from ${p.leaderId}@${p.leaderEpoch}`); },
    removeFetcherForPartitions: (partitions) => { for (const p of partitions) fetcherCalls.push(`remove ${p.topic}-${p.partition}`); },
  };
  const settings = partitionSettings(parseBrokerConfig({}), { 'min.insync.replicas': '2', ...options.configs });
  const manager = new ReplicaManager(logManager, time, {
    brokerId: 1,
    replicaLagTimeMaxMs: LAG_MS,
    settingsFor: () => settings,
    sendAlterPartition: (request) => new Promise((resolve, reject) => { sent.push({ request, answer: resolve, fail: reject }); }),
    fetchers,
    ...options,
  });
  t.after(async () => {
    await manager.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { manager, time, sent, fetcherCalls, dir };
}

function state(overrides: Partial<LeaderAndIsrPartition> = {}): LeaderAndIsrPartition {
  return { topic: 'orders', partition: 0, topicId: TOPIC_ID, leader: 1, leaderEpoch: 0, isr: [1, 2, 3], partitionEpoch: 0, replicas: [1, 2, 3], isNew: true, ...overrides };
}

function leaderAndIsr(manager: ReplicaManager, partitionStates: LeaderAndIsrPartition[], controllerEpoch = 1) {
  return manager.becomeLeaderOrFollower({ controllerId: 1, controllerEpoch, partitionStates, liveLeaders: [] });
}

const batch = (...values: string[]) => buildBatch({ records: values.map((value) => ({ value })) });

/** The answer the controller gives when it accepts a proposed ISR. */
function accept(sent: Sent, partitionEpoch: number): void {
  const topic = sent.request.topics[0]!;
  const proposed = topic.partitions[0]!;
  sent.answer({
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    topics: [{ topicId: topic.topicId, partitions: [{
      partitionIndex: proposed.partitionIndex, errorCode: ErrorCode.NONE, leaderId: 1, leaderEpoch: proposed.leaderEpoch,
      isr: (proposed.newIsrWithEpochs ?? []).map((member) => member.brokerId), partitionEpoch,
    }] }],
  });
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('acks=all is answered once every ISR member fetched past the append; consumers see only what all of them hold, followers read to the log end', async (t) => {
  const { manager } = await harness(t);
  assert.equal(leaderAndIsr(manager, [state()]).get('orders-0'), ErrorCode.NONE);
  const partition = manager.leaderPartition('orders', 0);
  const append = manager.appendRecords('orders', 0, batch('a', 'b'), -1);
  let acknowledged = false;
  void append.completion.then(() => { acknowledged = true; });
  assert.equal(partition.highWatermark, 0);
  assert.equal(partition.read(0, 10_000, true).records.length, 0, 'a consumer sees nothing yet');
  assert.deepEqual(readRecords(partition.read(0, 10_000, true, 'logEnd').records).map((r) => r.value), ['a', 'b'], 'a follower reads the tail');

  manager.updateFollowerFetchState(partition, 2, { fetchOffset: 2, logStartOffset: 0, brokerEpoch: -1 });
  await settle();
  assert.equal(acknowledged, false, 'broker 3 has not fetched the records');
  assert.equal(partition.highWatermark, 0);
  manager.updateFollowerFetchState(partition, 3, { fetchOffset: 1, logStartOffset: 0, brokerEpoch: -1 });
  assert.equal(partition.highWatermark, 1);
  manager.updateFollowerFetchState(partition, 3, { fetchOffset: 2, logStartOffset: 0, brokerEpoch: -1 });
  await append.completion;
  assert.equal(partition.highWatermark, 2);
  assert.equal(readRecords(partition.read(0, 10_000, true).records).length, 2);
});

test('acks=all with fewer in-sync replicas than min.insync.replicas writes nothing (NOT_ENOUGH_REPLICAS); acks=1 still appends', async (t) => {
  const { manager } = await harness(t);
  leaderAndIsr(manager, [state({ isr: [1] })]);
  assert.throws(() => manager.appendRecords('orders', 0, batch('a'), -1), (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.NOT_ENOUGH_REPLICAS);
  assert.equal(manager.leaderPartition('orders', 0).log.logEndOffset, 0);
  assert.equal(manager.appendRecords('orders', 0, batch('a'), 1).baseOffset, 0);
});

test('a follower out of step for longer than replica.lag.time.max.ms is proposed out of the ISR; acks=all waits until the controller confirms, then completes', async (t) => {
  const { manager, time, sent } = await harness(t);
  leaderAndIsr(manager, [state()]);
  const partition = manager.leaderPartition('orders', 0);
  const append = manager.appendRecords('orders', 0, batch('a'), -1);
  manager.updateFollowerFetchState(partition, 2, { fetchOffset: 1, logStartOffset: 0, brokerEpoch: -1 });
  manager.maybeShrinkIsr();
  await settle();
  assert.equal(sent.length, 0, 'broker 3 is within the lag time');

  time.advance(LAG_MS + 1);
  manager.updateFollowerFetchState(partition, 2, { fetchOffset: 1, logStartOffset: 0, brokerEpoch: -1 });
  manager.maybeShrinkIsr();
  await settle();
  assert.equal(sent.length, 1);
  const proposed = sent[0]!.request.topics[0]!;
  assert.equal(proposed.topicId, TOPIC_ID);
  assert.deepEqual(proposed.partitions[0]!.newIsrWithEpochs!.map((m) => m.brokerId), [1, 2]);
  assert.equal(partition.highWatermark, 0, 'until the controller agrees, broker 3 still counts');
  manager.maybeShrinkIsr();
  await settle();
  assert.equal(sent.length, 1, 'one change in flight per partition');

  accept(sent[0]!, 1);
  await append.completion;
  assert.deepEqual(partition.isr, [1, 2]);
  assert.equal(partition.partitionEpoch, 1);
  assert.equal(partition.highWatermark, 1);
});

test('a leader that cannot reach the controller keeps its ISR: acks=all writes time out instead of being acknowledged', async (t) => {
  const { manager, time, sent } = await harness(t);
  leaderAndIsr(manager, [state()]);
  const partition = manager.leaderPartition('orders', 0);
  time.advance(LAG_MS + 1);
  const append = manager.appendRecords('orders', 0, batch('a'), -1, 50);
  manager.updateFollowerFetchState(partition, 2, { fetchOffset: 1, logStartOffset: 0, brokerEpoch: -1 });
  manager.maybeShrinkIsr();
  await settle();
  sent[0]!.fail(new Error('controller unreachable'));
  await assert.rejects(append.completion, (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.REQUEST_TIMED_OUT);
  assert.deepEqual(partition.isr, [1, 2, 3]);
  assert.equal(partition.highWatermark, 0);
});

test('a follower that catches up is proposed into the ISR; the high watermark waits for it from the proposal on', async (t) => {
  const { manager, sent } = await harness(t);
  leaderAndIsr(manager, [state({ isr: [1, 2] })]);
  const partition = manager.leaderPartition('orders', 0);
  manager.appendRecords('orders', 0, batch('a', 'b'), 1);
  manager.updateFollowerFetchState(partition, 2, { fetchOffset: 2, logStartOffset: 0, brokerEpoch: -1 });
  assert.equal(partition.highWatermark, 2);
  manager.appendRecords('orders', 0, batch('c'), 1);
  manager.updateFollowerFetchState(partition, 3, { fetchOffset: 2, logStartOffset: 0, brokerEpoch: -1 });
  await settle();
  assert.deepEqual(sent[0]!.request.topics[0]!.partitions[0]!.newIsrWithEpochs!.map((m) => m.brokerId), [1, 2, 3]);
  manager.updateFollowerFetchState(partition, 2, { fetchOffset: 3, logStartOffset: 0, brokerEpoch: -1 });
  assert.equal(partition.highWatermark, 2, 'broker 3, being added, holds the high watermark back');
  accept(sent[0]!, 1);
  await settle();
  assert.deepEqual(partition.isr, [1, 2, 3]);
});

test('LeaderAndIsr: an older controller is refused whole; a partition epoch not newer is STALE_CONTROLLER_EPOCH; a replica list without this broker is UNKNOWN_TOPIC_OR_PARTITION', async (t) => {
  const { manager } = await harness(t);
  leaderAndIsr(manager, [state({ leaderEpoch: 3 })], 5);
  assert.throws(() => leaderAndIsr(manager, [state({ leaderEpoch: 4 })], 4), (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.STALE_CONTROLLER_EPOCH);
  const errors = leaderAndIsr(manager, [
    state({ leaderEpoch: 3 }),
    state({ partition: 1, replicas: [2, 3], isr: [2, 3], leader: 2 }),
    state({ topic: 'other', topicId: 'AAAAAAAAAAAAAAAAAAAAAg' }),
  ], 5);
  assert.equal(errors.get('orders-0'), ErrorCode.STALE_CONTROLLER_EPOCH);
  assert.equal(errors.get('orders-1'), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(errors.get('other-0'), ErrorCode.NONE);
  assert.equal(leaderAndIsr(manager, [state({ leaderEpoch: 4, topicId: 'AAAAAAAAAAAAAAAAAAAAAw' })], 5).get('orders-0'), ErrorCode.INCONSISTENT_TOPIC_ID);
});

test('becoming follower: fetchers pointed at the new leader, waiting produces answer NOT_LEADER_OR_FOLLOWER, listeners told; the fetcher writes the leader\'s batches', async (t) => {
  const { manager, fetcherCalls } = await harness(t);
  const changes: unknown[] = [];
  manager.onLeadershipChange((change) => changes.push(change));
  leaderAndIsr(manager, [state()]);
  const append = manager.appendRecords('orders', 0, batch('a'), -1);
  assert.equal(manager.followerPartition('orders', 0), undefined, 'a partition led here is not the fetcher\'s');

  leaderAndIsr(manager, [state({ leader: 2, leaderEpoch: 1, isr: [2, 3] })]);
  await assert.rejects(append.completion, (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.deepEqual(fetcherCalls, ['remove orders-0', 'remove orders-0', 'add orders-0 from 2@1']);
  assert.deepEqual(changes, [
    { becameLeader: [{ topic: 'orders', partition: 0, leaderEpoch: 0 }], becameFollower: [], stopped: [] },
    { becameLeader: [], becameFollower: [{ topic: 'orders', partition: 0 }], stopped: [] },
  ]);
  assert.throws(() => manager.leaderPartition('orders', 0), (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.equal(manager.currentLeader('orders', 0)?.leaderId, 2);

  const follower = manager.followerPartition('orders', 0)!;
  assert.equal(follower.leaderEpoch, 1);
  assert.equal(follower.topicId, TOPIC_ID);
  follower.truncateTo(0);
  const leaderBatch = batch('x', 'y');
  leaderBatch.writeBigInt64BE(0n, 0); // baseOffset 0, as the leader assigned it
  follower.appendAsFollower(leaderBatch);
  assert.equal(follower.logEndOffset, 2);
  follower.updateHighWatermark(5);
  assert.equal(manager.partition('orders', 0)!.highWatermark, 2, 'never past this log\'s end');
});

test('StopReplica: an older controller is refused, an older leader epoch FENCED_LEADER_EPOCH; delete removes the partition and its log', async (t) => {
  const { manager, dir, fetcherCalls } = await harness(t);
  leaderAndIsr(manager, [state({ leader: 2, leaderEpoch: 4 }), state({ partition: 1, leaderEpoch: 4 })], 3);
  await assert.rejects(manager.stopReplicas(2, [{ topic: 'orders', partition: 0, leaderEpoch: 4, deletePartition: true }]),
    (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.STALE_CONTROLLER_EPOCH);
  const errors = await manager.stopReplicas(3, [
    { topic: 'orders', partition: 0, leaderEpoch: 3, deletePartition: true },
    { topic: 'orders', partition: 1, leaderEpoch: -2, deletePartition: true },
  ]);
  assert.equal(errors.get('orders-0'), ErrorCode.FENCED_LEADER_EPOCH);
  assert.equal(errors.get('orders-1'), ErrorCode.NONE);
  assert.ok(manager.partition('orders', 0) !== undefined);
  assert.equal(manager.partition('orders', 1), undefined);
  assert.ok(!fs.readdirSync(dir).includes('orders-1'));
  assert.ok(fetcherCalls.includes('remove orders-1'));
});

test('clean shutdown handover: appends to movable partitions are refused, the followers get everything before the controller is asked, then the broker waits to be made a follower', async (t) => {
  const { manager, time } = await harness(t);
  leaderAndIsr(manager, [state(), state({ partition: 1, isr: [1] })]);
  const moving = manager.leaderPartition('orders', 0);
  const waiting = manager.appendRecords('orders', 0, batch('a'), -1);
  let askedAt: { highWatermark: number; logEndOffset: number } | undefined;
  const handover = handOverLeaderships(manager, {
    controlledShutdown: async () => {
      askedAt = { highWatermark: moving.highWatermark, logEndOffset: moving.logEndOffset };
      setTimeout(() => leaderAndIsr(manager, [state({ leader: 2, leaderEpoch: 1, isr: [2, 3], partitionEpoch: 1, isNew: false })], 2), 20);
      return true;
    },
    drainTimeoutMs: 60_000, moveTimeoutMs: 60_000, time, logger: createSilentLogger(),
  });
  assert.throws(() => manager.appendRecords('orders', 0, batch('b'), -1), (e: KafkaError) => e.code === ErrorCode.NOT_LEADER_OR_FOLLOWER, 'nothing new is written where another replica takes over');
  assert.equal(manager.appendRecords('orders', 1, batch('c'), 1).baseOffset, 0, 'a partition only this broker holds in sync keeps taking acks=1 writes');
  await settle();
  assert.equal(askedAt, undefined, 'the controller is not asked while a follower lacks a record');
  for (const follower of [2, 3]) manager.updateFollowerFetchState(moving, follower, { fetchOffset: 1, logStartOffset: 0, brokerEpoch: -1 });
  await waiting.completion;
  assert.deepEqual(await handover, [], 'nothing movable is still led here');
  assert.deepEqual(askedAt, { highWatermark: 1, logEndOffset: 1 });
  assert.equal(manager.partition('orders', 0)!.isLeader, false);
});
