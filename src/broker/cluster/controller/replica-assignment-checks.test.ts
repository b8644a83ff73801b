import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import { checkPartitionsAndReplicationFactor, validateReplicaAssignment } from './replica-assignment-checks.ts';

const refusedWith = (code: number, message: string) => (error: unknown) =>
  error instanceof KafkaError && error.code === code && error.message === message;

test('a manual CreateTopics assignment is accepted with its replication factor', () => {
  const assignment = new Map([[1, [3, 1]], [0, [1, 2]], [2, [2, 3]]]);
  assert.equal(validateReplicaAssignment(assignment, { brokerIds: [1, 2, 3] }), 2);
});

test('a manual CreateTopics assignment is refused with INVALID_REPLICA_ASSIGNMENT for each of its faults', () => {
  const brokerIds = [1, 2, 3];
  const refused: Array<[Map<number, number[]>, string]> = [
    [new Map([[0, [1]], [2, [2]]]), 'Partitions should be a consecutive 0-based integer sequence'],
    [new Map([[1, [1]]]), 'Partitions should be a consecutive 0-based integer sequence'],
    [new Map(), 'Partitions should be a consecutive 0-based integer sequence'],
    [new Map([[0, [1, 2]], [1, []]]), 'Cannot have replication factor of 0 for partition id 1.'],
    [new Map([[0, [1, 2, 1]]]), 'Duplicate brokers not allowed in replica assignment: 1, 2, 1 for partition id 0.'],
    [new Map([[0, [1, 7, 8]]]), 'Unknown broker(s) in replica assignment: 7, 8.'],
    [new Map([[0, [1, 2]], [1, [1]], [2, [3, 2, 1]]]),
      'Inconsistent replication factor between partitions, partition 0 has 2 while partitions [1, 2] have replication factors [1, 3], respectively.'],
  ];
  for (const [assignment, message] of refused) {
    assert.throws(() => validateReplicaAssignment(assignment, { brokerIds }), refusedWith(ErrorCode.INVALID_REPLICA_ASSIGNMENT, message));
  }
});

test('partition and replica counts for a generated assignment', () => {
  checkPartitionsAndReplicationFactor(1, 3, 3);
  assert.throws(() => checkPartitionsAndReplicationFactor(0, 1, 3), refusedWith(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.'));
  assert.throws(() => checkPartitionsAndReplicationFactor(1, -1, 3), refusedWith(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.'));
  assert.throws(() => checkPartitionsAndReplicationFactor(1, 3, 2), refusedWith(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor: 3 larger than available brokers: 2.'));
});
