import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ErrorCode } from '../../protocol/errors.ts';
import {
  abandonPendingChange, canExpandIsr, checkEnoughReplicasForAppend, checkEnoughReplicasReachOffset, committedIsr, isInflight,
  maximalIsr, maybeIncrementLeaderHighWatermark, outOfSyncReplicas, prepareIsrExpand, prepareIsrShrink, proposedIsr,
  type IsrState, type LeaderReplicaView,
} from './partition-replicas.ts';
import { emptyReplicaState, updateFetchState, type ReplicaState } from './replica-state.ts';

const LAG_MS = 30_000;

/** A follower whose last fetch (at fetchTimeMs, leader then at leaderLogEndOffset) asked for logEndOffset. */
function follower(brokerId: number, logEndOffset: number, fetchTimeMs = 0, leaderLogEndOffset = logEndOffset): ReplicaState {
  return updateFetchState(emptyReplicaState(brokerId), { fetchOffset: logEndOffset, logStartOffset: 0, fetchTimeMs, leaderLogEndOffset, brokerEpoch: -1 });
}

function view(overrides: Partial<LeaderReplicaView> & { followerStates?: readonly ReplicaState[] }): LeaderReplicaView {
  const { followerStates = [], ...rest } = overrides;
  return {
    localBrokerId: 1,
    leaderLogEndOffset: 100,
    highWatermark: 0,
    leaderEpochStartOffset: 0,
    isrState: committedIsr([1, 2, 3]),
    followers: new Map(followerStates.map((state) => [state.brokerId, state])),
    isReplicaIsrEligible: () => true,
    replicaLagTimeMaxMs: LAG_MS,
    minInSyncReplicas: 1,
    ...rest,
  };
}

test('high watermark: the smallest log end offset in the ISR, the leader\'s included; a lagging replica outside it holds nothing back', () => {
  const followerStates = [follower(2, 80), follower(3, 90), follower(4, 10, 0, 50)];
  assert.equal(maybeIncrementLeaderHighWatermark(view({ followerStates }), 60_000), 80);
  assert.equal(maybeIncrementLeaderHighWatermark(view({ followerStates, leaderLogEndOffset: 70 }), 60_000), 70);
});

test('high watermark waits for a caught-up eligible follower outside the ISR, so it can join; not for a fenced one', () => {
  // Follower 4 reached the leader's end (50) at t=1000: caught up within the lag time at t=2000.
  const followerStates = [follower(2, 100), follower(3, 100), follower(4, 50, 1_000)];
  assert.equal(maybeIncrementLeaderHighWatermark(view({ followerStates }), 2_000), 50);
  assert.equal(maybeIncrementLeaderHighWatermark(view({ followerStates, isReplicaIsrEligible: (id) => id !== 4 }), 2_000), 100);
  assert.equal(maybeIncrementLeaderHighWatermark(view({ followerStates }), 1_000 + LAG_MS + 1), 100);
});

test('high watermark only moves forward', () => {
  assert.equal(maybeIncrementLeaderHighWatermark(view({ highWatermark: 95, followerStates: [follower(2, 80), follower(3, 90)] }), 0), 95);
});

test('a pending shrink still waits for the replica it removes; a pending expand already waits for the one it adds', () => {
  const followerStates = [follower(2, 100), follower(3, 40), follower(4, 60)];
  const shrinking = prepareIsrShrink(committedIsr([1, 2, 3]), [3]);
  assert.deepEqual(maximalIsr(shrinking), [1, 2, 3]);
  assert.deepEqual(proposedIsr(shrinking), [1, 2]);
  assert.equal(maybeIncrementLeaderHighWatermark(view({ isrState: shrinking, followerStates }), 60_000), 40);
  const expanding = prepareIsrExpand(committedIsr([1, 2]), 4);
  assert.deepEqual(maximalIsr(expanding), [1, 2, 4]);
  assert.equal(maybeIncrementLeaderHighWatermark(view({ isrState: expanding, followerStates }), 60_000), 60);
  assert.deepEqual(abandonPendingChange(expanding), committedIsr([1, 2]));
  assert.throws(() => prepareIsrShrink(expanding, [2]), /in flight/);
});

test('under min.insync.replicas the high watermark stays; fewer replicas than min.insync.replicas do not freeze it', () => {
  const followerStates = [follower(2, 100), follower(3, 100)];
  assert.equal(maybeIncrementLeaderHighWatermark(view({ isrState: committedIsr([1]), followerStates, minInSyncReplicas: 2, highWatermark: 7 }), 0), 7);
  assert.equal(maybeIncrementLeaderHighWatermark(view({ isrState: committedIsr([1]), minInSyncReplicas: 2, highWatermark: 7 }), 0), 100);
});

test('shrink candidates: ISR followers not caught up within replica.lag.time.max.ms; none while a change is in flight', () => {
  const followerStates = [
    follower(2, 100, 10_000), // at the leader's end: in sync however long ago it fetched
    follower(3, 90, 50_000, 90), // reached the leader's end 10 s ago
    follower(4, 90, 10_000, 90), // silent for 50 s
  ];
  const isrState = committedIsr([1, 2, 3, 4]);
  assert.deepEqual(outOfSyncReplicas(view({ isrState, followerStates }), 60_000), [4]);
  assert.deepEqual(outOfSyncReplicas(view({ isrState: committedIsr([1, 2, 3, 5]), followerStates }), 60_000), [5]);
  assert.deepEqual(outOfSyncReplicas(view({ isrState: prepareIsrExpand(isrState, 5), followerStates }), 60_000), []);
});

test('expand candidates: at or past the high watermark and into the current leader epoch, eligible, nothing in flight', () => {
  const followerStates = [follower(4, 60)];
  const isrState = committedIsr([1, 2, 3]);
  assert.equal(canExpandIsr(view({ isrState, followerStates, highWatermark: 60, leaderEpochStartOffset: 50 }), 4), true);
  assert.equal(canExpandIsr(view({ isrState, followerStates, highWatermark: 61 }), 4), false);
  assert.equal(canExpandIsr(view({ isrState, followerStates, highWatermark: 60, leaderEpochStartOffset: 61 }), 4), false);
  assert.equal(canExpandIsr(view({ isrState, followerStates, highWatermark: 60, isReplicaIsrEligible: () => false }), 4), false);
  assert.equal(canExpandIsr(view({ isrState: prepareIsrShrink(isrState, [3]), followerStates, highWatermark: 60 }), 4), false);
  assert.equal(canExpandIsr(view({ isrState: committedIsr([1, 4]), followerStates, highWatermark: 60 }), 4), false);
  assert.equal(canExpandIsr(view({ isrState, followerStates, highWatermark: 60 }), 5), false);
});

test('acks=all: NOT_ENOUGH_REPLICAS before the append, done at the high watermark, NOT_ENOUGH_REPLICAS_AFTER_APPEND after a shrink', () => {
  assert.equal(checkEnoughReplicasForAppend(committedIsr([1]), 2), ErrorCode.NOT_ENOUGH_REPLICAS);
  assert.equal(checkEnoughReplicasForAppend(committedIsr([1, 2]), 2), ErrorCode.NONE);
  // A pending shrink has not happened yet: the append is still allowed and the ISR still counted.
  assert.equal(checkEnoughReplicasForAppend(prepareIsrShrink(committedIsr([1, 2]), [2]), 2), ErrorCode.NONE);
  assert.deepEqual(checkEnoughReplicasReachOffset(view({ highWatermark: 9, minInSyncReplicas: 2 }), 10), { done: false });
  assert.deepEqual(checkEnoughReplicasReachOffset(view({ highWatermark: 10, minInSyncReplicas: 2 }), 10), { done: true, errorCode: ErrorCode.NONE });
  assert.deepEqual(
    checkEnoughReplicasReachOffset(view({ highWatermark: 10, minInSyncReplicas: 2, isrState: committedIsr([1]) }), 10),
    { done: true, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND },
  );
});

/** One step of a leader's life with followers 2, 3 and 4. */
const step = fc.oneof(
  fc.record({ op: fc.constant('append' as const), count: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ op: fc.constant('fetch' as const), id: fc.integer({ min: 2, max: 4 }), progress: fc.nat(), propose: fc.boolean() }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 2 * LAG_MS }) }),
  fc.record({ op: fc.constant('shrink' as const) }),
  fc.record({ op: fc.constant('answer' as const), accept: fc.boolean() }),
  fc.record({ op: fc.constant('fence' as const), id: fc.integer({ min: 2, max: 4 }) }),
);

test('property: across fetches, appends, time and ISR changes the high watermark never decreases, never passes a maximal-ISR member, and acks=all completes only when every member holds the offset', () => {
  fc.assert(fc.property(fc.array(step, { maxLength: 80 }), fc.integer({ min: 1, max: 3 }), (steps, minInSyncReplicas) => {
    let nowMs = 0;
    let leaderLogEndOffset = 0;
    let highWatermark = 0;
    let isrState: IsrState = committedIsr([1, 2, 3, 4]);
    const followers = new Map([2, 3, 4].map((id) => [id, follower(id, 0)]));
    const fenced = new Set<number>();
    const current = (): LeaderReplicaView => view({
      leaderLogEndOffset, highWatermark, isrState, followers, minInSyncReplicas, isReplicaIsrEligible: (id) => !fenced.has(id),
    });
    const logEndOffsetOf = (id: number) => (id === 1 ? leaderLogEndOffset : followers.get(id)!.logEndOffset);
    for (const s of steps) {
      if (s.op === 'append') leaderLogEndOffset += s.count;
      if (s.op === 'tick') nowMs += s.ms;
      if (s.op === 'fence') fenced.has(s.id) ? fenced.delete(s.id) : fenced.add(s.id);
      if (s.op === 'fetch') {
        const before = followers.get(s.id)!;
        const fetchOffset = before.logEndOffset + (s.progress % (leaderLogEndOffset - before.logEndOffset + 1));
        followers.set(s.id, updateFetchState(before, { fetchOffset, logStartOffset: 0, fetchTimeMs: nowMs, leaderLogEndOffset, brokerEpoch: -1 }));
        if (s.propose && canExpandIsr(current(), s.id)) {
          assert.ok(fetchOffset >= highWatermark, 'an expand candidate holds everything below the high watermark');
          isrState = prepareIsrExpand(isrState, s.id);
        }
      }
      if (s.op === 'shrink') {
        const outOfSync = outOfSyncReplicas(current(), nowMs);
        if (outOfSync.length > 0) isrState = prepareIsrShrink(isrState, outOfSync);
      }
      if (s.op === 'answer' && isInflight(isrState)) isrState = s.accept ? committedIsr(proposedIsr(isrState)) : abandonPendingChange(isrState);

      const next = maybeIncrementLeaderHighWatermark(current(), nowMs);
      assert.ok(next >= highWatermark, 'the high watermark never decreases');
      if (isrState.kind === 'pendingShrink') {
        const asIfCommitted = maybeIncrementLeaderHighWatermark({ ...current(), isrState: committedIsr(isrState.isr) }, nowMs);
        assert.equal(next, asIfCommitted, 'a pending shrink waits for the same replicas as the committed ISR');
      }
      highWatermark = next;
      for (const id of maximalIsr(isrState)) assert.ok(highWatermark <= logEndOffsetOf(id), `high watermark ${highWatermark} within replica ${id}`);
      for (let requiredOffset = 0; requiredOffset <= leaderLogEndOffset + 1; requiredOffset++) {
        if (checkEnoughReplicasReachOffset(current(), requiredOffset).done) {
          for (const id of maximalIsr(isrState)) assert.ok(logEndOffsetOf(id) >= requiredOffset);
        }
      }
    }
  }), { numRuns: 300 });
});

test('property: acks=all completes iff every ISR member holds the offset', () => {
  fc.assert(fc.property(fc.array(fc.nat({ max: 50 }), { minLength: 0, maxLength: 4 }), fc.nat({ max: 60 }), (logEndOffsets, requiredOffset) => {
    const leaderLogEndOffset = 50;
    const followerStates = logEndOffsets.map((offset, i) => follower(i + 2, offset));
    const isrState = committedIsr([1, ...followerStates.map((state) => state.brokerId)]);
    const before = view({ leaderLogEndOffset, isrState, followerStates });
    const highWatermark = maybeIncrementLeaderHighWatermark(before, 0);
    const progress = checkEnoughReplicasReachOffset({ ...before, highWatermark }, requiredOffset);
    assert.equal(progress.done, [leaderLogEndOffset, ...logEndOffsets].every((offset) => offset >= requiredOffset));
  }));
});

test('property: a follower silent for longer than the lag time is a shrink candidate; one that fetched to the leader end within it is not', () => {
  fc.assert(fc.property(fc.nat({ max: 100 }), fc.nat({ max: 100 }), fc.integer({ min: 0, max: 10 * LAG_MS }), fc.integer({ min: 0, max: 10 * LAG_MS }),
    (followerEnd, gap, fetchTimeMs, elapsedMs) => {
      // The follower fetched up to the leader's end as of that fetch; the leader has since appended `gap` more.
      const state = follower(2, followerEnd, fetchTimeMs, followerEnd);
      const leaderLogEndOffset = followerEnd + gap;
      const nowMs = fetchTimeMs + elapsedMs;
      const candidates = outOfSyncReplicas(view({ isrState: committedIsr([1, 2]), leaderLogEndOffset, followerStates: [state] }), nowMs);
      assert.deepEqual(candidates, gap > 0 && elapsedMs > LAG_MS ? [2] : []);
    }));
});

test('property: a follower outside the ISR becomes an expand candidate exactly when it reaches the high watermark', () => {
  fc.assert(fc.property(fc.nat({ max: 100 }), fc.nat({ max: 100 }), (followerEnd, highWatermark) => {
    const candidate = canExpandIsr(view({ isrState: committedIsr([1, 2]), highWatermark, followerStates: [follower(3, followerEnd)] }), 3);
    assert.equal(candidate, followerEnd >= highWatermark);
  }));
});
