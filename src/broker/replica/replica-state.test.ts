import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { emptyReplicaState, isCaughtUp, resetReplicaState, UNKNOWN_OFFSET, updateFetchState, type FollowerFetch } from './replica-state.ts';

const fetch = (fetchOffset: number, fetchTimeMs: number, leaderLogEndOffset: number, brokerEpoch = -1): FollowerFetch =>
  ({ fetchOffset, logStartOffset: 0, fetchTimeMs, leaderLogEndOffset, brokerEpoch });

test('a fetch up to the leader log end offset makes the follower caught up at that fetch', () => {
  const state = updateFetchState(emptyReplicaState(2), fetch(10, 1_000, 10, 7));
  assert.deepEqual(state, {
    brokerId: 2, logStartOffset: 0, logEndOffset: 10, lastFetchLeaderLogEndOffset: 10, lastFetchTimeMs: 1_000, lastCaughtUpTimeMs: 1_000, brokerEpoch: 7,
  });
});

test('a fetch behind the leader but up to the previous fetch\'s leader end offset is caught up at the previous fetch', () => {
  // The leader had 10 at t=1000 and the follower asked for 5; at t=1500 the leader has 20 and
  // the follower asks for 10: it had all of the leader's log as of t=1000.
  let state = updateFetchState(emptyReplicaState(2), fetch(5, 1_000, 10));
  assert.equal(state.lastCaughtUpTimeMs, 0);
  state = updateFetchState(state, fetch(10, 1_500, 20));
  assert.equal(state.lastCaughtUpTimeMs, 1_000);
  assert.equal(state.lastFetchLeaderLogEndOffset, 20);
  // Still trailing the leader as of the previous fetch: caught-up time stays where it was.
  state = updateFetchState(state, fetch(15, 2_000, 30));
  assert.equal(state.lastCaughtUpTimeMs, 1_000);
  assert.equal(state.logEndOffset, 15);
});

test('lastCaughtUpTimeMs never goes back, even for a fetch with an older time', () => {
  const state = updateFetchState(updateFetchState(emptyReplicaState(2), fetch(10, 2_000, 10)), fetch(10, 1_000, 10));
  assert.equal(state.lastCaughtUpTimeMs, 2_000);
});

test('a fetch from an older incarnation of the broker (stale broker epoch) is refused with NOT_LEADER_OR_FOLLOWER', () => {
  const state = emptyReplicaState(2);
  assert.throws(() => updateFetchState(state, fetch(10, 1_000, 10, 4), 5), (error: unknown) => error instanceof KafkaError && error.code === ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.equal(updateFetchState(state, fetch(10, 1_000, 10, -1), 5).logEndOffset, 10);
  assert.equal(updateFetchState(state, fetch(10, 1_000, 10, 5), 5).brokerEpoch, 5);
});

test('isCaughtUp: at the leader log end offset, or caught up within the lag time', () => {
  const state = updateFetchState(emptyReplicaState(2), fetch(10, 1_000, 10));
  assert.equal(isCaughtUp(state, 10, 1_000_000, 30_000), true);
  assert.equal(isCaughtUp(state, 11, 31_000, 30_000), true);
  assert.equal(isCaughtUp(state, 11, 31_001, 30_000), false);
});

test('reset on becoming leader: ISR members start caught up now, others at 0; a new leader forgets offsets', () => {
  const known = updateFetchState(emptyReplicaState(2), fetch(10, 1_000, 10, 3));
  const newLeaderInSync = resetReplicaState(known, { nowMs: 5_000, leaderLogEndOffset: 12, isNewLeader: true, isFollowerInSync: true });
  assert.equal(newLeaderInSync.logEndOffset, UNKNOWN_OFFSET);
  assert.equal(newLeaderInSync.brokerEpoch, undefined);
  assert.equal(newLeaderInSync.lastCaughtUpTimeMs, 5_000);
  const reElectedOutOfSync = resetReplicaState(known, { nowMs: 5_000, leaderLogEndOffset: 12, isNewLeader: false, isFollowerInSync: false });
  assert.equal(reElectedOutOfSync.logEndOffset, 10);
  assert.equal(reElectedOutOfSync.lastCaughtUpTimeMs, 0);
  assert.equal(reElectedOutOfSync.lastFetchTimeMs, 0);
  assert.equal(reElectedOutOfSync.lastFetchLeaderLogEndOffset, 12);
});
