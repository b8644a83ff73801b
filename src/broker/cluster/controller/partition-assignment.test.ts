import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeTopicAssignment, encodeTopicAssignment } from '../zookeeper/zk-data.ts';
import {
  fullAssignments, isBeingReassigned, originReplicas, reassignTo, settledAssignment, targetReplicas, topicAssignmentOf,
} from './partition-assignment.ts';

test('a reassignment holds target and origin, targets first, with what it adds and removes', () => {
  const moving = reassignTo(settledAssignment([1, 2, 3]), [2, 3, 4]);
  assert.deepEqual(moving, { replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1] });
  assert.ok(isBeingReassigned(moving));
  // In the full set's order, as Kafka's originReplicas: a cancellation may change the preferred leader.
  assert.deepEqual(originReplicas(moving), [2, 3, 1]);
  assert.deepEqual(targetReplicas(moving), [2, 3, 4]);
});

test('a reassignment replacing one in progress starts from the same origin; back to the origin is settled', () => {
  const first = reassignTo(settledAssignment([1, 2]), [3, 4]);
  const second = reassignTo(first, [1, 5]);
  assert.deepEqual(second, { replicas: [1, 5, 2], addingReplicas: [5], removingReplicas: [2] });
  const cancelled = reassignTo(second, originReplicas(second));
  assert.deepEqual(cancelled, settledAssignment([1, 2]));
  assert.equal(isBeingReassigned(cancelled), false);
  // Reordering alone (a new preferred leader) adds and removes nothing.
  assert.equal(isBeingReassigned(reassignTo(settledAssignment([1, 2, 3]), [3, 1, 2])), false);
});

test('origin and target always come back out of the full set', () => {
  const ids = fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 5 });
  fc.assert(fc.property(ids, ids, (origin, target) => {
    const moving = reassignTo(settledAssignment(origin), target);
    assert.deepEqual(targetReplicas(moving), target);
    assert.deepEqual([...originReplicas(moving)].sort(), [...origin].sort());
  }));
});

test('the topic znode keeps a reassignment in progress, as Kafka writes it', () => {
  const assignments = new Map([[0, reassignTo(settledAssignment([1, 2]), [2, 3])], [1, settledAssignment([2, 3])]]);
  const bytes = encodeTopicAssignment(topicAssignmentOf('AAAAAAAAAAAAAAAAAAAAAQ', assignments));
  assert.deepEqual(JSON.parse(bytes.toString()), {
    version: 3, partitions: { 0: [2, 3, 1], 1: [2, 3] }, adding_replicas: { 0: [3] }, removing_replicas: { 0: [1] }, topic_id: 'AAAAAAAAAAAAAAAAAAAAAQ',
  });
  assert.deepEqual(fullAssignments(decodeTopicAssignment('t', bytes)), assignments);
});
