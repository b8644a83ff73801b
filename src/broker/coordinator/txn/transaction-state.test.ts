import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTransactionMetadata, prepareAbortOrCommit, prepareAddPartitions, prepareComplete, prepareFenceProducerEpoch } from './transaction-metadata.ts';
import { isEpochExhausted, isExpirationAllowed, isValidTransition, stateFromName, stateName, TransactionState, type TransactionStateId } from './transaction-state.ts';

const S = TransactionState;
const ALL = Object.values(S) as TransactionStateId[];

test('the states, their names and ids are Kafka\'s, and each may be entered only from Kafka\'s valid previous states', () => {
  assert.deepEqual(ALL.map(stateName), ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence']);
  assert.equal(stateFromName('PrepareAbort'), S.PREPARE_ABORT);
  assert.equal(stateFromName('prepareabort'), undefined, 'filters match names exactly, as Kafka\'s');
  const previous: Record<string, string[]> = {
    Empty: ['Empty', 'CompleteCommit', 'CompleteAbort'],
    Ongoing: ['Empty', 'Ongoing', 'CompleteCommit', 'CompleteAbort'],
    PrepareCommit: ['Ongoing'],
    PrepareAbort: ['Empty', 'Ongoing', 'CompleteCommit', 'CompleteAbort', 'PrepareEpochFence'],
    CompleteCommit: ['PrepareCommit'],
    CompleteAbort: ['PrepareAbort'],
    Dead: ['Empty', 'CompleteCommit', 'CompleteAbort'],
    PrepareEpochFence: ['Ongoing'],
  };
  for (const to of ALL) {
    assert.deepEqual(ALL.filter((from) => isValidTransition(from, to)).map(stateName).sort(), previous[stateName(to)]!.sort(), stateName(to));
  }
  assert.deepEqual(ALL.filter(isExpirationAllowed).map(stateName), ['Empty', 'CompleteCommit', 'CompleteAbort']);
  assert.deepEqual([32765, 32766, 32767].map(isEpochExhausted), [false, true, true]);
});

test('a transition Kafka does not allow is refused as a bug; the valid ones carry the previous producer id', () => {
  const empty = { ...newTransactionMetadata('app', 5n, 1000, 0), producerEpoch: 0 };
  assert.throws(() => prepareComplete(empty, 1), /cannot move to CompleteAbort/);
  assert.throws(() => prepareFenceProducerEpoch(empty), /cannot move to PrepareEpochFence/);
  assert.throws(() => prepareAbortOrCommit(empty, S.PREPARE_COMMIT, 0, -1n, 1, false), /cannot move to PrepareCommit/);
  const ongoing = prepareAddPartitions(empty, [{ topic: 'b', partition: 1 }, { topic: 'a', partition: 2 }, { topic: 'b', partition: 1 }], 10, 0);
  assert.deepEqual(ongoing.topicPartitions, [{ topic: 'a', partition: 2 }, { topic: 'b', partition: 1 }], 'sorted, once each');
  assert.deepEqual([ongoing.txnStartTimestamp, ongoing.prevProducerId], [10, 5n]);
  const committing = prepareAbortOrCommit(ongoing, S.PREPARE_COMMIT, 0, -1n, 20, false);
  assert.deepEqual([committing.producerEpoch, committing.txnStartTimestamp], [0, 10]);
  const bumped = prepareAbortOrCommit(ongoing, S.PREPARE_COMMIT, 2, -1n, 20, false);
  assert.deepEqual([bumped.producerEpoch, bumped.lastProducerEpoch, bumped.clientTransactionVersion], [1, 0, 2]);
  const done = prepareComplete({ ...bumped, nextProducerId: 9n }, 30);
  assert.deepEqual([stateName(done.state), done.producerId, done.producerEpoch, done.prevProducerId, done.topicPartitions], ['CompleteCommit', 9n, 0, 5n, []]);
});
