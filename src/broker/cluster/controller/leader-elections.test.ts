import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveBroker } from '../live-brokers.ts';
import { ControllerContext } from './controller-context.ts';
import { LeaderRecoveryState } from './leader-and-isr.ts';
import { partitionsToRebalance } from './leader-elections.ts';
import { reassignTo, settledAssignment } from './partition-assignment.ts';

function context(partitions: Array<{ replicas: number[]; leader: number; isr?: number[] }>, live = [1, 2, 3]): ControllerContext {
  const ctx = new ControllerContext(1, 0);
  for (const id of live) ctx.liveBrokers.set(id, { brokerEpoch: 1n } as LiveBroker);
  const assignment = new Map(partitions.map((p, i) => [i, settledAssignment(p.replicas)]));
  const states = new Map(partitions.map((p, i) => [i, {
    leader: p.leader, leaderEpoch: 0, isr: p.isr ?? p.replicas, controllerEpoch: 1, leaderRecoveryState: LeaderRecoveryState.RECOVERED, partitionEpoch: 0,
  }]));
  ctx.topics.set('t', { topicId: undefined, assignment, states });
  return ctx;
}

test('a broker leading too few of the partitions it is preferred for gets them back', () => {
  // Broker 1 is preferred for 0 and 1 but leads neither: 100% imbalanced.
  const ctx = context([{ replicas: [1, 2], leader: 2 }, { replicas: [1, 3], leader: 3 }, { replicas: [2, 1], leader: 2 }]);
  assert.deepEqual(partitionsToRebalance(ctx, 10), [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
});

test('no rebalance within the imbalance percentage, nor to a preferred replica out of sync, offline or being moved', () => {
  const ten = Array.from({ length: 10 }, (_, i) => ({ replicas: [1, 2], leader: i === 0 ? 2 : 1 }));
  assert.deepEqual(partitionsToRebalance(context(ten), 10), []);
  assert.deepEqual(partitionsToRebalance(context(ten), 9), [{ topic: 't', partition: 0 }]);
  assert.deepEqual(partitionsToRebalance(context([{ replicas: [1, 2], leader: 2, isr: [2] }]), 10), []);
  assert.deepEqual(partitionsToRebalance(context([{ replicas: [1, 2], leader: 2 }], [2, 3]), 10), []);
  const moving = context([{ replicas: [1, 2], leader: 2 }]);
  moving.setFullAssignment('t', 0, reassignTo(settledAssignment([1, 2]), [1, 3]));
  assert.deepEqual(partitionsToRebalance(moving, 10), []);
});
