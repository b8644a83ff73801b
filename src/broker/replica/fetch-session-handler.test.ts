import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../protocol/errors.ts';
import type { FetchResponse } from '../../protocol/generated/fetch.ts';
import { FetchSessionHandler, type SessionFetch, type WantedPartition } from './fetch-session-handler.ts';

function wanted(topic: string, partition: number, fetchOffset: bigint, { topicId = `${topic}-id`, leaderEpoch = 1 } = {}): WantedPartition {
  return {
    key: `${topic}-${partition}`, topic, topicId,
    data: { partition, currentLeaderEpoch: leaderEpoch, fetchOffset, lastFetchedEpoch: 1, logStartOffset: 0n, partitionMaxBytes: 1024 },
  };
}

/** The leader's answer: session `sessionId`, one answered partition per `topic-partition` given. */
function answer(sessionId: number, partitions: string[] = [], errorCode: number = ErrorCode.NONE): FetchResponse {
  const byTopic = new Map<string, number[]>();
  for (const key of partitions) {
    const [topic, index] = [key.slice(0, key.lastIndexOf('-')), Number(key.slice(key.lastIndexOf('-') + 1))];
    byTopic.set(topic, [...byTopic.get(topic) ?? [], index]);
  }
  return {
    errorCode, sessionId,
    responses: [...byTopic].map(([topic, indexes]) => ({
      topic, partitions: indexes.map((partitionIndex) => ({ partitionIndex, errorCode: 0, highWatermark: 0n, records: null })),
    })),
  };
}

const topicOf = (topic: { topic?: string }): string | undefined => topic.topic;

/** `topic-partition@offset` of each partition the fetch names. */
function named(fetch: SessionFetch): string[] {
  return fetch.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p.partition}@${p.fetchOffset}`));
}

test('the first fetch is full; once the leader opens a session, fetches name only changed, added and forgotten partitions', () => {
  const handler = new FetchSessionHandler();
  const first = handler.build([wanted('a', 0, 5n), wanted('a', 1, 5n), wanted('b', 0, 0n)], false);
  assert.deepEqual([first.sessionId, first.sessionEpoch, first.full], [0, 0, true]);
  assert.deepEqual(named(first), ['a-0@5', 'a-1@5', 'b-0@0']);
  assert.equal(handler.handleResponse(answer(9, ['a-0', 'a-1', 'b-0']), topicOf), true);

  const idle = handler.build([wanted('a', 0, 5n), wanted('a', 1, 5n), wanted('b', 0, 0n)], false);
  assert.deepEqual([idle.sessionId, idle.sessionEpoch, idle.full, named(idle), idle.forgottenTopicsData], [9, 1, false, [], []]);
  assert.equal(handler.handleResponse(answer(9), topicOf), true);

  const moved = handler.build([wanted('a', 0, 5n), wanted('a', 1, 8n), wanted('c', 0, 0n)], false);
  assert.equal(moved.sessionEpoch, 2);
  assert.deepEqual(named(moved), ['a-1@8', 'c-0@0'], 'a-1 moved on, c-0 is new');
  assert.deepEqual(moved.forgottenTopicsData, [{ topic: 'b', partitions: [0] }], 'b-0 is no longer wanted (by name before v13)');
  assert.equal(handler.handleResponse(answer(9, ['c-0']), topicOf), true);

  const epochChange = handler.build([wanted('a', 0, 5n, { leaderEpoch: 2 }), wanted('a', 1, 8n), wanted('c', 0, 0n)], false);
  assert.deepEqual(named(epochChange), ['a-0@5'], 'a new leader epoch is a change');
});

test('topics by id (v13+): forgotten partitions are named by topic id, and a recreated topic is forgotten and added', () => {
  const handler = new FetchSessionHandler();
  handler.build([wanted('a', 0, 0n), wanted('b', 0, 0n)], true);
  handler.handleResponse(answer(4), topicOf);
  const next = handler.build([wanted('a', 0, 0n, { topicId: 'a-new-id' })], true);
  assert.deepEqual(named(next), ['a-0@0']);
  assert.deepEqual(next.forgottenTopicsData, [{ topicId: 'a-id', partitions: [0] }, { topicId: 'b-id', partitions: [0] }]);
});

test('session errors and failures make the next fetch full: FETCH_SESSION_ID_NOT_FOUND starts afresh, others close the session', () => {
  const handler = new FetchSessionHandler();
  const all = [wanted('a', 0, 0n)];
  handler.build(all, false);
  handler.handleResponse(answer(9), topicOf);

  handler.build(all, false);
  assert.equal(handler.handleResponse(answer(0, [], ErrorCode.INVALID_FETCH_SESSION_EPOCH), topicOf), false);
  const closing = handler.build(all, false);
  assert.deepEqual([closing.sessionId, closing.sessionEpoch, named(closing)], [9, 0, ['a-0@0']], 'full, naming the session to close it');
  handler.handleResponse(answer(10, ['a-0']), topicOf);

  handler.build(all, false);
  assert.equal(handler.handleResponse(answer(0, [], ErrorCode.FETCH_SESSION_ID_NOT_FOUND), topicOf), false);
  assert.deepEqual([handler.build(all, false).sessionId, handler.epoch], [0, 0], 'a new session asked for');
  handler.handleResponse(answer(11, ['a-0']), topicOf);

  handler.build(all, false);
  handler.handleError();
  assert.deepEqual([handler.build(all, false).sessionEpoch, handler.sessionId], [0, 11], 'a failed request: full next, closing the session');
});

test('an answer naming a partition outside the session is not used; a sessionless answer keeps fetches full', () => {
  const handler = new FetchSessionHandler();
  handler.build([wanted('a', 0, 0n)], false);
  assert.equal(handler.handleResponse(answer(0, ['a-0']), topicOf), true, 'sessionless (no room at the leader)');
  assert.equal(handler.build([wanted('a', 0, 0n)], false).full, true);
  handler.handleResponse(answer(3, ['a-0']), topicOf);
  handler.build([wanted('a', 0, 0n)], false);
  assert.equal(handler.handleResponse(answer(3, ['z-0']), topicOf), false);
  assert.deepEqual([handler.sessionId, handler.epoch], [3, 0]);
});

test('switching between topic names and ids (v12 and v13+) replaces the session with a full fetch', () => {
  const handler = new FetchSessionHandler();
  handler.build([wanted('a', 0, 0n)], false);
  handler.handleResponse(answer(5, ['a-0']), topicOf);
  const byId = handler.build([wanted('a', 0, 0n)], true);
  assert.deepEqual([byId.full, byId.sessionId, byId.sessionEpoch], [true, 5, 0]);
});
