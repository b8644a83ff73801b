import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../protocol/errors.ts';
import type { FetchRequest, FetchRequestFetchTopic, FetchResponse } from '../../protocol/generated/fetch.ts';
import { FetchManager, type FetchContext } from './fetch-manager.ts';
import { FetchSessionCache } from './fetch-session-cache.ts';

/** What the broker's logs hold, per `topic:partition`: a read answers it (records when the fetch offset is below the end). */
interface LogState { highWatermark: bigint; logStartOffset: bigint; errorCode?: number }

function setup(maxEntries = 10) {
  let nowMs = 0;
  const cache = new FetchSessionCache({ maxEntries, evictionMs: 120_000, randomInt: () => 77 });
  const manager = new FetchManager(cache, () => nowMs);
  const logs = new Map<string, LogState>();
  /** A read of the context's partitions, as the Fetch handler's pass makes it, answered through the context. */
  const read = (context: FetchContext): FetchResponse => context.respond({
    throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0,
    responses: context.topics.map((topic) => ({
      topic: topic.topic ?? '', topicId: topic.topicId ?? '',
      partitions: topic.partitions.map((p) => {
        const log = logs.get(`${topic.topic}:${p.partition}`) ?? { highWatermark: -1n, logStartOffset: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        const behind = log.errorCode === undefined && p.fetchOffset < log.highWatermark;
        return {
          partitionIndex: p.partition, errorCode: log.errorCode ?? ErrorCode.NONE, highWatermark: log.highWatermark, logStartOffset: log.logStartOffset,
          records: behind ? Buffer.from(`from ${p.fetchOffset}`) : Buffer.alloc(0),
        };
      }),
    })),
  });
  return { cache, manager, logs, read, advance: (ms: number) => { nowMs += ms; } };
}

function fetchOf(sessionId: number, sessionEpoch: number, topics: Record<string, Record<number, bigint>>, forgotten: Record<string, number[]> = {}): FetchRequest {
  const requested: FetchRequestFetchTopic[] = Object.entries(topics).map(([topic, partitions]) => ({
    topic, partitions: Object.entries(partitions).map(([partition, fetchOffset]) => ({ partition: Number(partition), fetchOffset, partitionMaxBytes: 1024 })),
  }));
  return {
    maxWaitMs: 0, minBytes: 1, sessionId, sessionEpoch, topics: requested,
    forgottenTopicsData: Object.entries(forgotten).map(([topic, partitions]) => ({ topic, partitions })),
  };
}

/** `topic:partition` of each answered partition, in answer order. */
function answered(response: FetchResponse): string[] {
  return response.responses.flatMap((t) => t.partitions.map((p) => `${t.topic}:${p.partitionIndex}`));
}

test('a full fetch opens a session; incremental fetches answer only partitions with news and take new fetch offsets', () => {
  const { manager, logs, read } = setup();
  for (const key of ['a:0', 'a:1', 'b:0']) logs.set(key, { highWatermark: 5n, logStartOffset: 0n });
  const full = read(manager.newContext(fetchOf(0, 0, { a: { 0: 5n, 1: 5n }, b: { 0: 5n } }), 12, true));
  assert.equal(full.sessionId, 77);
  assert.deepEqual(answered(full), ['a:0', 'a:1', 'b:0'], 'a full fetch answers every partition');

  const nothing = read(manager.newContext(fetchOf(77, 1, {}), 12, true));
  assert.equal(nothing.sessionId, 77);
  assert.deepEqual(answered(nothing), [], 'nothing changed, nothing answered');

  logs.set('a:1', { highWatermark: 7n, logStartOffset: 0n });
  const appended = read(manager.newContext(fetchOf(77, 2, {}), 12, true));
  assert.deepEqual(answered(appended), ['a:1'], 'records and a new high watermark on a:1 only');
  assert.equal(appended.responses[0]!.partitions[0]!.records?.toString(), 'from 5', 'read from the session\'s fetch offset');

  // The follower appended them: its next fetch names a:1 at 7. Nothing is new there any more.
  assert.deepEqual(answered(read(manager.newContext(fetchOf(77, 3, { a: { 1: 7n } }), 12, true))), []);
  logs.set('b:0', { highWatermark: 5n, logStartOffset: 2n });
  assert.deepEqual(answered(read(manager.newContext(fetchOf(77, 4, {}), 12, true))), ['b:0'], 'a log start offset that moved is news');
});

test('incremental fetches add partitions (answered at once) and forget others', () => {
  const { manager, logs, read, cache } = setup();
  logs.set('a:0', { highWatermark: 1n, logStartOffset: 0n });
  logs.set('a:1', { highWatermark: 3n, logStartOffset: 0n });
  read(manager.newContext(fetchOf(0, 0, { a: { 0: 1n } }), 12, false));
  const added = read(manager.newContext(fetchOf(77, 1, { a: { 1: 3n } }), 12, false));
  assert.deepEqual(answered(added), ['a:1'], 'a new partition is answered once, though nothing is new');
  const forgot = manager.newContext(fetchOf(77, 2, {}, { a: [0] }), 12, false);
  assert.deepEqual(forgot.topics.flatMap((t) => t.partitions.map((p) => p.partition)), [1], 'a:0 is no longer read');
  logs.set('a:0', { highWatermark: 9n, logStartOffset: 0n });
  assert.deepEqual(answered(read(forgot)), []);
  // Forgetting the last partition ends the session.
  const last = read(manager.newContext(fetchOf(77, 3, {}, { a: [1] }), 12, false));
  assert.equal(last.sessionId, 0);
  assert.equal(cache.size, 0);
});

test('an error is always answered, and the partition is answered again once it clears', () => {
  const { manager, logs, read } = setup();
  logs.set('a:0', { highWatermark: 4n, logStartOffset: 0n });
  read(manager.newContext(fetchOf(0, 0, { a: { 0: 4n } }), 12, true));
  logs.set('a:0', { highWatermark: -1n, logStartOffset: -1n, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
  assert.deepEqual(answered(read(manager.newContext(fetchOf(77, 1, {}), 12, true))), ['a:0']);
  assert.deepEqual(answered(read(manager.newContext(fetchOf(77, 2, {}), 12, true))), ['a:0'], 'still failing: answered again');
  logs.set('a:0', { highWatermark: 4n, logStartOffset: 0n });
  assert.deepEqual(answered(read(manager.newContext(fetchOf(77, 3, {}), 12, true))), ['a:0'], 'recovered: the client hears of it');
  assert.deepEqual(answered(read(manager.newContext(fetchOf(77, 4, {}), 12, true))), []);
});

test('session errors: unknown id, wrong epoch, the other kind of topic naming; epoch -1 closes; a full fetch naming a session replaces it', () => {
  const { manager, logs, read, cache } = setup();
  logs.set('a:0', { highWatermark: 0n, logStartOffset: 0n });
  assert.equal(manager.newContext(fetchOf(5, 1, {}), 12, false).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  read(manager.newContext(fetchOf(0, 0, { a: { 0: 0n } }), 12, false));
  assert.equal(manager.newContext(fetchOf(77, 2, {}), 12, false).errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  assert.equal(manager.newContext(fetchOf(77, 1, {}), 13, false).errorCode, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
  const failed = read(manager.newContext(fetchOf(77, 2, {}), 12, false));
  assert.deepEqual([failed.errorCode, failed.sessionId, failed.responses.length], [ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0, 0]);

  const closing = read(manager.newContext(fetchOf(77, -1, { a: { 0: 0n } }), 12, false));
  assert.deepEqual([closing.sessionId, answered(closing)], [0, ['a:0']], 'epoch -1: a sessionless full fetch');
  assert.equal(cache.size, 0, 'and the named session is gone');
  assert.equal(manager.newContext(fetchOf(77, 1, {}), 12, false).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);

  read(manager.newContext(fetchOf(0, 0, { a: { 0: 0n } }), 12, false));
  read(manager.newContext(fetchOf(77, 1, {}), 12, false));
  const replaced = read(manager.newContext(fetchOf(77, 0, { a: { 0: 0n } }), 12, false));
  assert.deepEqual([replaced.sessionId, cache.size, cache.get(77)?.epoch], [77, 1, 1], 'the old session closed, a new one opened at epoch 1');
});

test('a duplicate of an incremental fetch makes the first one\'s answer stale (INVALID_FETCH_SESSION_EPOCH)', () => {
  const { manager, logs, read } = setup();
  logs.set('a:0', { highWatermark: 0n, logStartOffset: 0n });
  read(manager.newContext(fetchOf(0, 0, { a: { 0: 0n } }), 12, true));
  const waiting = manager.newContext(fetchOf(77, 1, {}), 12, true);
  read(manager.newContext(fetchOf(77, 2, {}), 12, true));
  assert.equal(read(waiting).errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
});

test('answered partitions move to the end of the session, so the others are read first next time', () => {
  const { manager, logs, read } = setup();
  for (const key of ['a:0', 'a:1', 'a:2']) logs.set(key, { highWatermark: 0n, logStartOffset: 0n });
  read(manager.newContext(fetchOf(0, 0, { a: { 0: 0n, 1: 0n, 2: 0n } }), 12, true));
  logs.set('a:0', { highWatermark: 1n, logStartOffset: 0n });
  read(manager.newContext(fetchOf(77, 1, {}), 12, true));
  const next = manager.newContext(fetchOf(77, 2, {}), 12, true);
  assert.deepEqual(next.topics.flatMap((t) => t.partitions.map((p) => p.partition)), [1, 2, 0]);
});

test('no free slot: the full fetch is answered sessionless', () => {
  const { manager, logs, read } = setup(0);
  logs.set('a:0', { highWatermark: 0n, logStartOffset: 0n });
  const response = read(manager.newContext(fetchOf(0, 0, { a: { 0: 0n } }), 12, true));
  assert.deepEqual([response.sessionId, answered(response)], [0, ['a:0']]);
});
