/**
 * The replica fetcher against a real leader: an in-process single-node Samsa broker leads the
 * partitions, and the follower's logs are real PartitionLogs in temp dirs behind the
 * FollowerPartitionAccess the replica manager gives in a cluster. The tests play the controller:
 * LeaderAndIsr makes the broker lead each partition, with the follower (broker 2) among its replicas
 * but not in its ISR (so the leader's high watermark is its log end), and moves its leader epochs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBrokerConfig, ConfigError } from '../src/broker/config.ts';
import { createCapturingLogger, createSilentLogger, type Logger } from '../src/broker/logger.ts';
import type { FetchSession } from '../src/broker/replica/fetch-session-cache.ts';
import { ReplicaFetcherManager } from '../src/broker/replica/replica-fetcher-manager.ts';
import type { FrameMemory } from '../src/broker/replica/replica-fetcher.ts';
import { ReadBufferPool } from '../src/storage/read-buffer-pool.ts';
import { systemTime } from '../src/broker/time.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { leaderAndIsrRequest, leaderAndIsrResponse } from '../src/protocol/generated/leader-and-isr.ts';
import { FollowerLog } from './helpers/follower-log.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { batchOf, createTopic, deleteRecordsBefore, produce } from './helpers/kafka-apis.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { startTestBroker, waitForParkedFetches, type TestBroker } from './helpers/test-broker.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { waitFor } from './helpers/wait-for.ts';

const LEADER_ID = 1;
const FOLLOWER_ID = 2;
const LeaderAndIsr = api(leaderAndIsrRequest, leaderAndIsrResponse);

let leader: TestBroker;
let client: KafkaApiClient;
const cleanups: Array<() => Promise<void> | void> = [];

before(async () => {
  leader = await startTestBroker({ 'auto.create.topics.enable': 'false', 'node.id': String(LEADER_ID) });
  client = await KafkaApiClient.open(leader.host, leader.port);
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  client.close();
  await leader.close();
  await removeTempDir(leader.dataDir);
});

/** A topic the broker leads in leader epoch 1, with the follower among its replicas. */
async function topicOnLeader(name: string, numPartitions = 1): Promise<string> {
  const created = await createTopic(client, name, { numPartitions });
  assert.equal(created.errorCode, ErrorCode.NONE);
  await leadIn(name, created.topicId!, 1, numPartitions);
  return created.topicId!;
}

/** The controller's LeaderAndIsr: the broker leads `topic` in `leaderEpoch`; replicas [leader, follower], ISR [leader]. */
async function leadIn(topic: string, topicId: string, leaderEpoch: number, numPartitions = 1): Promise<void> {
  const response = await client.call(LeaderAndIsr, 7, {
    controllerId: LEADER_ID, controllerEpoch: 1, brokerEpoch: -1n, type: 0,
    topicStates: [{
      topicName: topic, topicId,
      partitionStates: Array.from({ length: numPartitions }, (_, partitionIndex) => ({
        partitionIndex, controllerEpoch: 1, leader: LEADER_ID, leaderEpoch, isr: [LEADER_ID], partitionEpoch: leaderEpoch,
        replicas: [LEADER_ID, FOLLOWER_ID], isNew: false,
      })),
    }],
    liveLeaders: [{ brokerId: LEADER_ID, hostName: leader.host, port: leader.port }],
  });
  assert.deepEqual(response.topics?.[0]?.partitionErrors.map((p) => p.errorCode), Array(numPartitions).fill(ErrorCode.NONE));
}

async function produceValues(topic: string, values: string[], partition = 0): Promise<void> {
  assert.equal((await produce(client, topic, partition, batchOf(values), { acks: 1 })).errorCode, ErrorCode.NONE);
}

async function followerLog(topic: string, topicId: string, partition = 0): Promise<FollowerLog> {
  const log = await FollowerLog.open(topic, partition, { topicId, leaderEpoch: 1 });
  cleanups.push(() => log.remove());
  return log;
}

/** The leader's stored bytes of a partition: what a follower must hold, byte for byte. */
function leaderBytes(topic: string, partition = 0): Buffer {
  const log = leader.replicaManager.leaderPartition(topic, partition).log;
  return log.read(log.logStartOffset, 64 * 1024 * 1024).records;
}

/** A topic holding one record on the leader and its empty follower log, with a proxy to the leader that the test can cut. */
async function followerBehindProxy(topic: string, value: string): Promise<{ log: FollowerLog; proxy: TcpProxy }> {
  const topicId = await topicOnLeader(topic);
  await produceValues(topic, [value]);
  const proxy = await startTcpProxy(leader.port, leader.host);
  cleanups.push(() => proxy.close());
  return { log: await followerLog(topic, topicId), proxy };
}

/** A follower's fetchers for `logs`, all led by the test's broker, reached where `endpoint` says now. */
function startManager(logs: FollowerLog[], { endpoint = () => ({ host: leader.host, port: leader.port }), logger = createSilentLogger(), config = {}, frameMemory }: {
  endpoint?: () => { host: string; port: number }; logger?: Logger; config?: Record<string, string>; frameMemory?: FrameMemory;
} = {}): ReplicaFetcherManager {
  const byKey = new Map(logs.map((log) => [`${log.topic}-${log.partition}`, log]));
  const manager = new ReplicaFetcherManager({
    brokerId: FOLLOWER_ID, brokerEpoch: () => 42n, logger, time: systemTime,
    config: parseBrokerConfig({ 'node.id': String(FOLLOWER_ID), 'replica.fetch.backoff.ms': '50', ...config }),
    partitions: (topic, partition) => byKey.get(`${topic}-${partition}`),
    endpoint: (brokerId) => (brokerId === LEADER_ID ? endpoint() : undefined),
    frameMemory,
  });
  cleanups.push(() => manager.shutdown());
  manager.addFetcherForPartitions(logs.map((log) => ({ topic: log.topic, partition: log.partition, leaderId: LEADER_ID, leaderEpoch: log.leaderEpoch })));
  return manager;
}

async function caughtUp(log: FollowerLog, what = `${log.topic}-${log.partition} caught up`): Promise<void> {
  await waitFor(() => log.storedBytes().equals(leaderBytes(log.topic, log.partition)) && log.highWatermark === log.logEndOffset, 10_000, { what });
}

test('a follower holds the leader\'s batches byte for byte, its high watermark follows, and it long-polls once caught up', async () => {
  const topicId = await topicOnLeader('copy', 3);
  await produceValues('copy', ['a', 'b'], 0);
  await produceValues('copy', ['c'], 0);
  await produceValues('copy', ['d', 'e', 'f'], 2);
  const logs = [await followerLog('copy', topicId, 0), await followerLog('copy', topicId, 1), await followerLog('copy', topicId, 2)];
  const manager = startManager(logs);
  assert.equal(manager.fetcherCount, 1, 'one fetcher per source broker copies every partition');
  for (const log of logs) await caughtUp(log);
  assert.deepEqual(logs[0]!.records().map((r) => r.value), ['a', 'b', 'c']);
  assert.equal(logs[1]!.logEndOffset, 0);
  assert.deepEqual(logs[2]!.epochs(), [{ epoch: 1, startOffset: 0 }], 'the leader\'s epochs come with its batches');

  // Caught up, the follower's fetch waits at the leader, and an append answers it.
  await waitForParkedFetches(leader);
  await produceValues('copy', ['g'], 1);
  await caughtUp(logs[1]!);
  assert.deepEqual(logs[1]!.records(), [{ offset: 0, value: 'g' }]);
});

test('a follower reads the leader\'s large answers into pooled memory and gives it back once appended: every byte arrives, the memory is reused', async () => {
  const topicId = await topicOnLeader('pooled', 2);
  const pool = new ReadBufferPool();
  const lent = new Set<ArrayBufferLike>();
  let acquired = 0;
  let released = 0;
  const frameMemory: FrameMemory = {
    acquire: (size) => { const frame = pool.acquire(size); if (size >= 64 * 1024) { acquired++; lent.add(frame.buffer); } return frame; },
    release: (view) => { released++; pool.release(view); },
  };
  const logs = [await followerLog('pooled', topicId, 0), await followerLog('pooled', topicId, 1)];
  startManager(logs, { frameMemory });
  // One at a time, so each answer carries one large batch: pooled memory serves one answer after another.
  for (let i = 0; i < 12; i++) {
    await produceValues('pooled', [`${i}:`.padEnd(200 * 1024, String(i % 10))], i % 2);
    await caughtUp(logs[i % 2]!);
  }
  for (const log of logs) assert.equal(log.records().length, 6);
  assert.ok(acquired >= 12, `every large answer came in pooled memory (${acquired})`);
  assert.equal(released, acquired, 'each answer\'s memory went back once its records were in the log');
  assert.ok(lent.size < acquired, `the memory was reused: ${lent.size} buffers for ${acquired} answers`);
});

test('a follower whose tail diverges truncates it at the leader\'s epoch boundary and copies the leader\'s records', async () => {
  const topicId = await topicOnLeader('diverge');
  await produceValues('diverge', ['one', 'two']);
  // The follower had led epoch 1 and written past offset 1 what only the leader-to-be had copied before it died.
  const log = await followerLog('diverge', topicId);
  log.appendAsFollower(leaderBytes('diverge'));
  log.appendAsLeader(['lost-1', 'lost-2', 'lost-3', 'lost-4'], 1);
  await leadIn('diverge', topicId, 2);
  await produceValues('diverge', ['three', 'four', 'five']);
  log.leaderEpoch = 2;
  startManager([log]);
  await caughtUp(log);
  assert.deepEqual(log.records().map((r) => r.value), ['one', 'two', 'three', 'four', 'five']);
  assert.deepEqual(log.epochs(), [{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 2 }]);
});

test('a follower with an epoch the leader never had truncates in steps until both agree on an epoch', async () => {
  const topicId = await topicOnLeader('diverge-steps');
  await produceValues('diverge-steps', ['e1']);
  const log = await followerLog('diverge-steps', topicId);
  log.appendAsFollower(leaderBytes('diverge-steps'));
  await leadIn('diverge-steps', topicId, 2);
  await produceValues('diverge-steps', ['e2-a', 'e2-b']);
  await leadIn('diverge-steps', topicId, 4);
  await produceValues('diverge-steps', ['e4']);

  // Leader: epoch 1 at 0, 2 at 1, 4 at 3. Follower: the leader's epoch 1 at 0, then epoch 3 (a
  // leadership the leader never saw) from 1: the leader first names epoch 2, which the follower
  // lacks, so it cuts back to its own end of epoch 1, and the next fetch agrees there.
  // One batch each: a truncation cuts whole batches, and these must be cut at the right one.
  for (const value of ['e3-a', 'e3-b', 'e3-c', 'e3-d']) log.appendAsLeader([value], 3);
  log.leaderEpoch = 4;
  startManager([log]);
  await caughtUp(log);
  assert.deepEqual(log.records().map((r) => r.value), ['e1', 'e2-a', 'e2-b', 'e4']);
  assert.deepEqual(log.epochs(), [{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 1 }, { epoch: 4, startOffset: 3 }]);
});

test('a follower whose log ends before the leader\'s log start starts again at the leader\'s start (OFFSET_OUT_OF_RANGE)', async () => {
  const topicId = await topicOnLeader('behind-start');
  for (const value of ['r0', 'r1', 'r2', 'r3', 'r4']) await produceValues('behind-start', [value]);
  assert.equal((await deleteRecordsBefore(client, 'behind-start', 3n)).errorCode, ErrorCode.NONE);
  const log = await followerLog('behind-start', topicId);
  startManager([log]);
  await caughtUp(log);
  assert.equal(log.logStartOffset, 3);
  assert.deepEqual(log.records(), [{ offset: 3, value: 'r3' }, { offset: 4, value: 'r4' }]);
});

test('a longer follower whose last epoch the leader cannot place truncates to the leader\'s end (OFFSET_OUT_OF_RANGE)', async () => {
  const topicId = await topicOnLeader('longer');
  // As after an unclean election: the follower led a later epoch than any the new leader has seen.
  const log = await followerLog('longer', topicId);
  log.appendAsLeader(['unreplicated-1', 'unreplicated-2'], 5);
  const { logger, lines } = createCapturingLogger();
  startManager([log], { logger });
  await waitFor(() => log.logEndOffset === 0, 10_000, { what: 'the follower cut to the empty leader\'s end' });
  assert.ok(lines.some((line) => line.topic === 'longer' && line.leaderEndOffset === 0 && /longer than the leader/.test(line.msg)));
  await produceValues('longer', ['first']);
  await caughtUp(log);
  assert.deepEqual(log.records(), [{ offset: 0, value: 'first' }]);
});

test('a follower the leader fences waits for the next LeaderAndIsr, then resumes', async () => {
  const topicId = await topicOnLeader('fenced');
  await produceValues('fenced', ['before']);
  await leadIn('fenced', topicId, 2);
  await produceValues('fenced', ['after']);
  const log = await followerLog('fenced', topicId);
  const { logger, lines } = createCapturingLogger();
  const manager = startManager([log], { logger });
  await waitFor(() => manager.isFailed('fenced', 0), 10_000, { what: 'the partition paused' });
  assert.equal(log.logEndOffset, 0);
  assert.ok(lines.some((line) => line.topic === 'fenced' && /waiting for the LeaderAndIsr/.test(line.msg)), 'the log says why it stopped');

  manager.addFetcherForPartitions([{ topic: 'fenced', partition: 0, leaderId: LEADER_ID, leaderEpoch: 2 }]);
  await caughtUp(log);
  assert.equal(manager.isFailed('fenced', 0), false);
});

test('a follower ahead of its leader\'s epoch (UNKNOWN_LEADER_EPOCH) retries until the leader learns it', async () => {
  const topicId = await topicOnLeader('leader-behind');
  await produceValues('leader-behind', ['x']);
  const log = await followerLog('leader-behind', topicId);
  log.leaderEpoch = 2;
  const { logger, lines } = createCapturingLogger();
  const manager = startManager([log], { logger });
  await waitFor(() => lines.some((line) => line.topic === 'leader-behind' && line.error === 'UNKNOWN_LEADER_EPOCH'), 10_000, { what: 'a refused fetch' });
  assert.equal(manager.isFailed('leader-behind', 0), false, 'not paused: no other LeaderAndIsr would come');
  await leadIn('leader-behind', topicId, 2);
  await caughtUp(log);
});

test('a partition whose follower log fails stops until the next LeaderAndIsr; the others go on', async () => {
  const topicId = await topicOnLeader('log-fails', 2);
  const logs = [await followerLog('log-fails', topicId, 0), await followerLog('log-fails', topicId, 1)];
  const { logger, lines } = createCapturingLogger();
  const manager = startManager(logs, { logger });
  logs[0]!.log.markOffline();
  await produceValues('log-fails', ['lost'], 0);
  await produceValues('log-fails', ['kept'], 1);
  await waitFor(() => manager.isFailed('log-fails', 0), 10_000, { what: 'the failed partition stopped' });
  await caughtUp(logs[1]!);
  assert.ok(lines.some((line) => line.topic === 'log-fails' && line.partition === 0 && line.level >= 50), 'an error says why it stopped');
  await produceValues('log-fails', ['more'], 1);
  await caughtUp(logs[1]!);
  assert.deepEqual(logs[1]!.records().map((r) => r.value), ['kept', 'more']);
});

test('a follower cut off from its leader reconnects after the backoff and copies what it missed', async () => {
  const { log, proxy } = await followerBehindProxy('reconnect', 'before');
  startManager([log], { endpoint: () => ({ host: '127.0.0.1', port: proxy.port }) });
  await caughtUp(log);
  await proxy.cut();
  await produceValues('reconnect', ['during']);
  await proxy.restore();
  await caughtUp(log);
  assert.deepEqual(log.records().map((r) => r.value), ['before', 'during']);
});

test('a new leader endpoint moves the partitions to a new fetcher; removing the last partition stops it', async () => {
  const { log, proxy } = await followerBehindProxy('moves', 'one');
  let endpoint = { host: '127.0.0.1', port: proxy.port };
  const manager = startManager([log], { endpoint: () => endpoint });
  await caughtUp(log);

  // The leader is now reached at another address (it restarted there); the old one goes dark.
  endpoint = { host: leader.host, port: leader.port };
  manager.addFetcherForPartitions([{ topic: 'moves', partition: 0, leaderId: LEADER_ID, leaderEpoch: 1 }]);
  await proxy.cut();
  assert.equal(manager.fetcherCount, 1);
  await produceValues('moves', ['two']);
  await caughtUp(log);
  assert.deepEqual(log.records().map((r) => r.value), ['one', 'two']);

  manager.removeFetcherForPartitions([{ topic: 'moves', partition: 0 }]);
  await waitFor(() => manager.fetcherCount === 0, 10_000, { what: 'the idle fetcher shut down' });
  assert.equal(manager.sourceBrokerOf('moves', 0), undefined);
});

/** The leader's fetch session holding partitions of `topicId`, if any. */
function sessionOf(topicId: string): FetchSession | undefined {
  return [...leader.fetchSessions.sessions()].find((session) => [...session.partitions.values()].some((p) => p.topicId === topicId));
}

test('a follower fetches in one incremental session while idle; when the leader drops it, a full fetch opens another', async () => {
  const topicId = await topicOnLeader('in-session', 3);
  const logs = [await followerLog('in-session', topicId, 0), await followerLog('in-session', topicId, 1), await followerLog('in-session', topicId, 2)];
  const { logger, lines } = createCapturingLogger();
  startManager(logs, { logger });
  await produceValues('in-session', ['a'], 1);
  for (const log of logs) await caughtUp(log);
  await waitFor(() => sessionOf(topicId) !== undefined, 10_000, { what: 'the follower\'s session' });
  const session = sessionOf(topicId)!;
  assert.deepEqual([session.privileged, session.partitions.size], [true, 3], 'a follower\'s session of every partition it copies');
  const epoch = session.epoch;
  await produceValues('in-session', ['b'], 2);
  await caughtUp(logs[2]!);
  assert.equal(sessionOf(topicId), session, 'copied within the same session');
  assert.ok(session.epoch > epoch, 'by incremental fetches');

  // Evicted, as a full cache or a restarted leader would: FETCH_SESSION_ID_NOT_FOUND, then a full fetch.
  leader.fetchSessions.remove(session.id);
  await produceValues('in-session', ['c'], 0);
  await caughtUp(logs[0]!);
  await waitFor(() => sessionOf(topicId) !== undefined, 10_000, { what: 'a new session' });
  assert.notEqual(sessionOf(topicId)!.id, session.id);
  assert.equal(sessionOf(topicId)!.partitions.size, 3);
  assert.ok(lines.some((line) => line.error === 'FETCH_SESSION_ID_NOT_FOUND' && line.sessionId === session.id));
  await produceValues('in-session', ['d'], 1);
  await caughtUp(logs[1]!);
  assert.deepEqual(logs.map((log) => log.records().map((r) => r.value)), [['c'], ['a', 'd'], ['b']]);
});

test('a follower\'s long poll must end before its request times out and before it would count as lagging', () => {
  assert.throws(() => parseBrokerConfig({ 'replica.fetch.wait.max.ms': '40000' }), ConfigError);
  assert.throws(() => parseBrokerConfig({ 'replica.fetch.wait.max.ms': '5000', 'replica.lag.time.max.ms': '1000' }), ConfigError);
  assert.equal(parseBrokerConfig({ 'replica.fetch.wait.max.ms': '5000' }).replicaFetchWaitMaxMs, 5000);
});
