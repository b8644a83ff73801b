import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  brokersForProposal, followerThrottles, leaderThrottles, ongoingReassignmentsText, progressLine, proposeAssignment, proposedMoveMap,
  reassigningBrokers, reassignmentStatesText, rollbackText,
} from './reassignment-plan.ts';

const node = (nodeId: number, rack: string | null = null) => ({ nodeId, host: 'localhost', port: 9092 + nodeId, rack });

test('--generate proposes each topic as Kafka assigns a new one over the listed brokers', () => {
  const current = [
    { topic: 't', partition: 0, replicas: [1, 2] }, { topic: 't', partition: 1, replicas: [1, 2] },
    { topic: 't', partition: 2, replicas: [1, 2] }, { topic: 't', partition: 3, replicas: [1, 2] },
    { topic: 'u', partition: 0, replicas: [2] },
  ];
  const brokers = brokersForProposal([node(1), node(2), node(3), node(4)], [2, 3, 4, 9], true);
  assert.deepEqual(brokers, [{ id: 2, rack: null }, { id: 3, rack: null }, { id: 4, rack: null }], 'unknown ids are dropped, as Kafka does');
  // random() = 0: start index and first shift 0; after every full round of leaders the shift grows.
  assert.deepEqual(proposeAssignment(current, brokers, () => 0), [
    { topic: 't', partition: 0, replicas: [2, 3] }, { topic: 't', partition: 1, replicas: [3, 4] },
    { topic: 't', partition: 2, replicas: [4, 2] }, { topic: 't', partition: 3, replicas: [2, 4] },
    { topic: 'u', partition: 0, replicas: [2] },
  ]);
  assert.throws(() => proposeAssignment(current, brokers.slice(0, 1), () => 0), /Replication factor: 2 larger than available brokers: 1\./);
});

test('--generate is rack aware unless told not to be, and refuses a mix of racked and rackless brokers', () => {
  const cluster = [node(1, 'a'), node(2, 'a'), node(3, 'b'), node(4, 'b')];
  const brokers = brokersForProposal(cluster, [1, 2, 3, 4], true);
  const proposal = proposeAssignment([0, 1, 2, 3].map((partition) => ({ topic: 't', partition, replicas: [1, 2] })), brokers, () => 0);
  const rackOf = new Map(cluster.map((b) => [b.nodeId, b.rack]));
  for (const p of proposal) assert.notEqual(rackOf.get(p.replicas[0]!), rackOf.get(p.replicas[1]!), `${JSON.stringify(p)} spans both racks`);
  const mixed = [node(1, 'a'), node(2), node(3, 'b')];
  assert.throws(() => brokersForProposal(mixed, [1, 2, 3], true), /^Error: Not all brokers have rack information\. Add --disable-rack-aware/);
  assert.deepEqual(brokersForProposal(mixed, [1, 2, 3], false).map((b) => b.rack), [null, null, null]);
});

test('--throttle: leaders throttle where data is copied from, followers where it goes, on the brokers of both', () => {
  const current = [
    { topic: 'foo', partition: 0, replicas: [1, 2, 3] }, { topic: 'foo', partition: 1, replicas: [4, 5, 6] },
    { topic: 'foo', partition: 10, replicas: [1, 2] }, { topic: 'bar', partition: 0, replicas: [2, 3, 4, 5] },
  ];
  const proposed = [
    { topic: 'foo', partition: 0, replicas: [4, 5, 6] }, { topic: 'foo', partition: 1, replicas: [4, 5, 7] },
    { topic: 'foo', partition: 10, replicas: [2, 1] }, { topic: 'bar', partition: 0, replicas: [3, 5] },
  ];
  // bar-0 is already moving from 2,3,4 to 5: its sources stay those of the first move.
  const ongoing = [
    { topic: 'bar', partition: 0, replicas: [2, 3, 4, 5], addingReplicas: [5], removingReplicas: [4] },
    { topic: 'baz', partition: 3, replicas: [1, 8], addingReplicas: [8], removingReplicas: [1] },
  ];
  const moves = proposedMoveMap(ongoing, proposed, current);
  assert.deepEqual(Object.fromEntries(leaderThrottles(moves)), {
    // Sorted as strings, as Kafka's TreeSet<String> sorts them.
    foo: '0:1,0:2,0:3,10:1,10:2,1:4,1:5,1:6', bar: '0:2,0:3,0:4', baz: '3:1',
  });
  assert.deepEqual(Object.fromEntries(followerThrottles(moves)), { foo: '0:4,0:5,0:6,1:7', bar: '0:5', baz: '3:8' });
  assert.deepEqual(reassigningBrokers(moves), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.throws(() => proposedMoveMap([], [{ topic: 'gone', partition: 0, replicas: [1] }], []), /Trying to reassign a topic partition gone-0 with 0 replicas/);
});

test('the texts --execute, --verify and --list print', () => {
  assert.equal(rollbackText([{ topic: 't', partition: 0, replicas: [1, 2] }]),
    'Current partition replica assignment\n\n{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}\n\n' +
    'Save this to use as the --reassignment-json-file option during rollback\n');
  assert.equal(reassignmentStatesText([
    { topic: 't', partition: 1, currentReplicas: [1, 2, 3], targetReplicas: [3], done: false },
    { topic: 't', partition: 0, currentReplicas: [2, 3], targetReplicas: [2, 3], done: true },
    { topic: 'a', partition: 0, currentReplicas: [1], targetReplicas: [2], done: true },
  ]), 'Status of partition reassignment:\n' +
    'There is no active reassignment of partition a-0, but replica set is 1 rather than 2.\n' +
    'Reassignment of partition t-0 is completed.\n' +
    'Reassignment of partition t-1 is still in progress.\n');
  assert.equal(ongoingReassignmentsText([]), 'No partition reassignments found.\n');
  assert.equal(ongoingReassignmentsText([
    { topic: 't', partition: 1, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] },
    { topic: 't', partition: 0, replicas: [2, 3], addingReplicas: [], removingReplicas: [3] },
  ]), 'Current partition reassignments:\nt-0: replicas: 2,3. removing: 3.\nt-1: replicas: 1,2,3. adding: 3. removing: 1.\n');
});

test('--wait\'s progress line counts the partitions done and names what the rest are adding', () => {
  const moving = (partition: number, adding: number[]) => ({ topic: 't', partition, replicas: [], addingReplicas: adding, removingReplicas: [] });
  assert.equal(progressLine(1, []), 'Reassignment: 1 of 1 partition complete');
  assert.equal(progressLine(6, [moving(2, [4]), moving(0, [4, 5])]), 'Reassignment: 4 of 6 partitions complete (t-0 adding 4,5, t-2 adding 4)');
  assert.equal(progressLine(6, [moving(0, []), moving(1, [4]), moving(2, [4]), moving(3, [4])]),
    'Reassignment: 2 of 6 partitions complete (t-0 adding none, t-1 adding 4, t-2 adding 4, 1 more)');
});
