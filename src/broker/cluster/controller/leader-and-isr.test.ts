import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  initialLeaderAndIsr, LeaderRecoveryState, NO_LEADER, removeReplicaFromIsr, withPartitionEpoch, writtenByNewerController,
  type LeaderAndIsr,
} from './leader-and-isr.ts';

const state = (overrides: Partial<LeaderAndIsr>): LeaderAndIsr => ({
  leader: 1, leaderEpoch: 5, isr: [1, 2, 3], controllerEpoch: 2, leaderRecoveryState: LeaderRecoveryState.RECOVERED, partitionEpoch: 9, ...overrides,
});

test('a new partition: the first live replica leads, every live replica is in sync, epochs start at 0', () => {
  assert.deepEqual(initialLeaderAndIsr([3, 1, 2], new Set([1, 2]), 4), {
    leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 4, leaderRecoveryState: LeaderRecoveryState.RECOVERED, partitionEpoch: 0,
  });
  assert.equal(initialLeaderAndIsr([3, 1], new Set([2]), 4), undefined, 'no replica alive: no leader to start with');
});

test('a dead follower leaves the ISR in the next leader epoch; the write expects the version it was read at', () => {
  assert.deepEqual(removeReplicaFromIsr(state({}), 2, 3), state({ isr: [1, 3], leaderEpoch: 6, controllerEpoch: 3 }));
});

test('a dead leader leaves the ISR and the partition has no leader', () => {
  assert.deepEqual(removeReplicaFromIsr(state({}), 1, 3), state({ leader: NO_LEADER, isr: [2, 3], leaderEpoch: 6, controllerEpoch: 3 }));
});

test('the last in-sync replica stays in the ISR when it dies, with no leader: it alone holds every acknowledged record', () => {
  assert.deepEqual(removeReplicaFromIsr(state({ isr: [1] }), 1, 3), state({ leader: NO_LEADER, isr: [1], leaderEpoch: 6, controllerEpoch: 3 }));
  // A leaderless partition's last member dying again changes nothing but the epoch.
  assert.deepEqual(removeReplicaFromIsr(state({ leader: NO_LEADER, isr: [2] }), 2, 3)?.isr, [2]);
});

test('a replica outside the ISR: nothing to write', () => {
  assert.equal(removeReplicaFromIsr(state({ isr: [1, 3] }), 2, 3), undefined);
});

test('after a write the state carries the znode version ZooKeeper answered', () => {
  assert.equal(withPartitionEpoch(state({}), 10).partitionEpoch, 10);
});

test('a state written by a newer controller is not this controller\'s to change', () => {
  assert.equal(writtenByNewerController(state({ controllerEpoch: 3 }), 2), true);
  assert.equal(writtenByNewerController(state({ controllerEpoch: 2 }), 2), false);
  assert.equal(writtenByNewerController(state({ controllerEpoch: 1 }), 2), false);
});
