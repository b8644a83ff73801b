import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  initialLeaderAndIsr, LeaderRecoveryState, NO_LEADER, removeReplicaFromIsr, type LeaderAndIsr,
} from './leader-and-isr.ts';
import {
  controlledShutdownPartitionLeaderElection, electLeaderForControlledShutdown, electLeaderForOfflinePartition,
  electLeaderForReassignment, electPreferredLeader, offlinePartitionLeaderElection, preferredReplicaPartitionLeaderElection,
  reassignPartitionLeaderElection, type ElectionResult,
} from './partition-leader-election.ts';

const state = (overrides: Partial<LeaderAndIsr>): LeaderAndIsr => ({
  leader: 1, leaderEpoch: 5, isr: [1, 2, 3], controllerEpoch: 2, leaderRecoveryState: LeaderRecoveryState.RECOVERED, partitionEpoch: 9, ...overrides,
});
const live = (...ids: number[]) => new Set(ids);

function elected(result: ElectionResult): Extract<ElectionResult, { elected: true }> {
  assert.ok(result.elected, result.elected ? '' : result.reason);
  return result;
}

test('offline: the first replica in assignment order that is live and in sync', () => {
  assert.deepEqual(offlinePartitionLeaderElection([1, 2, 3], [2, 3], live(1, 3), false), { leader: 3, unclean: false });
  assert.equal(offlinePartitionLeaderElection([1, 2, 3], [2], live(1, 3), false), undefined);
  assert.deepEqual(offlinePartitionLeaderElection([1, 2, 3], [2], live(3, 1), true), { leader: 1, unclean: true });
  assert.equal(offlinePartitionLeaderElection([1, 2, 3], [2], live(4), true), undefined);
});

test('reassign, preferred replica and controlled shutdown algorithms', () => {
  assert.equal(reassignPartitionLeaderElection([4, 5, 6], [1, 5, 6], live(1, 4, 5, 6)), 5);
  assert.equal(reassignPartitionLeaderElection([4, 5], [1], live(1, 4, 5)), undefined);
  assert.equal(preferredReplicaPartitionLeaderElection([2, 1], [1, 2], live(1, 2)), 2);
  assert.equal(preferredReplicaPartitionLeaderElection([2, 1], [1], live(1, 2)), undefined, 'only the preferred replica, never another');
  assert.equal(preferredReplicaPartitionLeaderElection([2, 1], [1, 2], live(1)), undefined);
  assert.equal(controlledShutdownPartitionLeaderElection([1, 2, 3], [1, 2, 3], live(1, 2, 3), live(1, 2)), 3);
  assert.equal(controlledShutdownPartitionLeaderElection([1, 2], [1, 2], live(1, 2), live(1, 2)), undefined);
});

test('offline election: next leader epoch, the ISR less its dead members, LeaderAndIsr to the live replicas', () => {
  const result = elected(electLeaderForOfflinePartition(state({}), [1, 2, 3], { controllerEpoch: 3, liveBrokers: live(2, 3) }, false));
  assert.deepEqual(result, {
    elected: true, unclean: false, recipients: [2, 3],
    leaderAndIsr: state({ leader: 2, leaderEpoch: 6, isr: [2, 3], controllerEpoch: 3 }),
  });
});

test('offline election with no live in-sync replica: offline unless unclean election is enabled, then the leader alone, RECOVERING', () => {
  const offline = state({ leader: NO_LEADER, isr: [1] });
  const context = { controllerEpoch: 3, liveBrokers: live(3, 2) };
  const refused = electLeaderForOfflinePartition(offline, [1, 2, 3], context, false);
  assert.equal(refused.elected, false);
  assert.match(refused.elected ? '' : refused.reason, /no eligible leader under the offline strategy: replicas \[1, 2, 3\], ISR \[1\], online replicas \[2, 3\]/);
  const result = elected(electLeaderForOfflinePartition(offline, [1, 2, 3], context, true));
  assert.equal(result.unclean, true);
  assert.deepEqual(result.leaderAndIsr, state({ leader: 2, leaderEpoch: 6, isr: [2], controllerEpoch: 3, leaderRecoveryState: LeaderRecoveryState.RECOVERING }));
});

test('a broker shutting down is not online for an offline election', () => {
  const result = elected(electLeaderForOfflinePartition(state({ leader: NO_LEADER }), [1, 2, 3], { controllerEpoch: 2, liveBrokers: live(1, 2, 3), shuttingDownBrokers: live(1) }, false));
  assert.equal(result.leaderAndIsr.leader, 2);
  assert.deepEqual(result.leaderAndIsr.isr, [2, 3]);
});

test('reassignment and preferred replica elections keep the ISR; they go to the new replicas and the assignment', () => {
  const reassigned = elected(electLeaderForReassignment(state({ isr: [1, 4, 5] }), [4, 5, 6], { controllerEpoch: 2, liveBrokers: live(1, 4, 5, 6) }));
  assert.deepEqual(reassigned.leaderAndIsr, state({ leader: 4, leaderEpoch: 6, isr: [1, 4, 5] }));
  assert.deepEqual(reassigned.recipients, [4, 5, 6]);
  const preferred = elected(electPreferredLeader(state({ leader: 2 }), [1, 2, 3], { controllerEpoch: 2, liveBrokers: live(1, 2, 3) }));
  assert.deepEqual(preferred.leaderAndIsr, state({ leader: 1, leaderEpoch: 6 }));
  assert.deepEqual(preferred.recipients, [1, 2, 3]);
  assert.equal(electPreferredLeader(state({ leader: 2, isr: [2, 3] }), [1, 2, 3], { controllerEpoch: 2, liveBrokers: live(1, 2, 3) }).elected, false);
});

test('controlled shutdown: leadership and ISR membership leave the brokers shutting down, which still hear of it', () => {
  const context = { controllerEpoch: 2, liveBrokers: live(1, 2, 3), shuttingDownBrokers: live(1) };
  const result = elected(electLeaderForControlledShutdown(state({}), [1, 2, 3], context));
  assert.deepEqual(result.leaderAndIsr, state({ leader: 2, leaderEpoch: 6, isr: [2, 3] }));
  assert.deepEqual(result.recipients, [1, 2, 3]);
  assert.equal(electLeaderForControlledShutdown(state({ isr: [1] }), [1, 2, 3], context).elected, false, 'no other in-sync replica: it stays leader');
});

test('no election over a state a newer controller wrote: this controller has been replaced', () => {
  const newer = state({ controllerEpoch: 4 });
  const context = { controllerEpoch: 3, liveBrokers: live(1, 2, 3) };
  for (const result of [
    electLeaderForOfflinePartition(newer, [1, 2, 3], context, true),
    electLeaderForReassignment(newer, [1, 2], context),
    electPreferredLeader(newer, [1, 2, 3], context),
    electLeaderForControlledShutdown(newer, [1, 2, 3], context),
  ]) {
    assert.equal(result.elected, false);
    assert.match(result.elected ? '' : result.reason, /controller epoch 4, newer than this controller's 3/);
  }
});

// Properties over any partition: an assignment of distinct brokers 0..7, an ISR drawn from it, any live set.
const partition = fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 5 }).chain((assignment) => fc.record({
  assignment: fc.constant(assignment),
  isr: fc.subarray(assignment, { minLength: 1 }),
  live: fc.uniqueArray(fc.integer({ min: 0, max: 7 })).map((ids) => new Set(ids)),
  shuttingDown: fc.uniqueArray(fc.integer({ min: 0, max: 7 })).map((ids) => new Set(ids)),
  leaderEpoch: fc.integer({ min: 0, max: 1000 }),
  unclean: fc.boolean(),
}));

test('property: an offline election picks a live replica, in the ISR unless unclean, in the next epoch, with an ISR of live brokers holding it', () => {
  fc.assert(fc.property(partition, (p) => {
    const before = state({ leader: NO_LEADER, isr: p.isr, leaderEpoch: p.leaderEpoch });
    const result = electLeaderForOfflinePartition(before, p.assignment, { controllerEpoch: 2, liveBrokers: p.live }, p.unclean);
    const liveInSync = p.isr.filter((id) => p.live.has(id));
    const liveReplicas = p.assignment.filter((id) => p.live.has(id));
    if (!result.elected) {
      assert.equal(liveInSync.length, 0);
      assert.ok(!p.unclean || liveReplicas.length === 0);
      return;
    }
    const { leader, leaderEpoch, isr } = result.leaderAndIsr;
    assert.ok(p.live.has(leader) && p.assignment.includes(leader));
    assert.equal(result.unclean, !p.isr.includes(leader));
    if (result.unclean) assert.ok(p.unclean && liveInSync.length === 0, 'unclean only when enabled and no in-sync replica lives');
    assert.equal(leaderEpoch, p.leaderEpoch + 1);
    assert.ok(isr.includes(leader) && isr.every((id) => p.live.has(id)));
    assert.equal(result.leaderAndIsr.partitionEpoch, before.partitionEpoch, 'the write is conditional on the version read');
  }));
});

test('property: preferred and controlled shutdown elections pick a live in-sync replica, never one shutting down', () => {
  fc.assert(fc.property(partition, (p) => {
    const before = state({ leader: p.isr[0]!, isr: p.isr, leaderEpoch: p.leaderEpoch });
    const context = { controllerEpoch: 2, liveBrokers: p.live, shuttingDownBrokers: p.shuttingDown };
    const preferred = electPreferredLeader(before, p.assignment, context);
    const shutdown = electLeaderForControlledShutdown(before, p.assignment, context);
    for (const result of [preferred, shutdown]) {
      if (!result.elected) continue;
      const { leader, leaderEpoch, isr } = result.leaderAndIsr;
      assert.ok(p.live.has(leader) && p.isr.includes(leader) && !p.shuttingDown.has(leader));
      assert.equal(leaderEpoch, p.leaderEpoch + 1);
      assert.ok(isr.includes(leader));
    }
    if (preferred.elected) assert.deepEqual(preferred.leaderAndIsr.isr, p.isr);
    if (shutdown.elected) assert.deepEqual(shutdown.leaderAndIsr.isr, p.isr.filter((id) => !p.shuttingDown.has(id)));
  }));
});

/**
 * Brokers die and return in any order, with unclean election off, and the controller does what
 * Kafka's does on each event: on a death, elect for the partition if its leader died, then take
 * the dead broker out of the ISR; on a return, elect if the partition has no leader.
 */
test('property: through any sequence of broker deaths and returns, the ISR never empties, never keeps a dead broker beside a leader, and epochs only grow', () => {
  const events = fc.array(fc.record({ broker: fc.integer({ min: 0, max: 4 }), dies: fc.boolean() }), { maxLength: 30 });
  const assignment = fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 });
  fc.assert(fc.property(assignment, events, (replicas, history) => {
    const alive = new Set([0, 1, 2, 3, 4]);
    let current = initialLeaderAndIsr(replicas, alive, 1)!;
    const write = (next: LeaderAndIsr | undefined) => {
      if (next === undefined) return;
      assert.equal(next.leaderEpoch, current.leaderEpoch + 1, 'every change bumps the leader epoch');
      if (next.leader !== NO_LEADER) {
        assert.ok(current.isr.includes(next.leader) || next.leader === current.leader, 'a clean leader was in sync before');
      }
      current = next;
    };
    for (const { broker, dies } of history) {
      if (dies) alive.delete(broker); else alive.add(broker);
      if ((dies && current.leader === broker) || (!dies && current.leader === NO_LEADER)) {
        const result = electLeaderForOfflinePartition(current, replicas, { controllerEpoch: 1, liveBrokers: alive }, false);
        if (result.elected) write(result.leaderAndIsr);
      }
      if (dies) write(removeReplicaFromIsr(current, broker, 1));
      assert.ok(current.isr.length > 0, 'the ISR never empties');
      if (current.leader === NO_LEADER) {
        assert.ok(current.isr.every((id) => !alive.has(id)), 'no leader only while no in-sync replica lives');
      } else {
        assert.ok(alive.has(current.leader) && current.isr.includes(current.leader));
        assert.ok(current.isr.every((id) => alive.has(id)), `ISR ${current.isr} holds a dead broker (alive ${[...alive]})`);
      }
    }
  }));
});
