import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../protocol/errors.ts';
import { BatchHeader, CompressionType } from '../protocol/records/batch-header.ts';
import { decodeRecordBatches } from '../protocol/records/record-batch.ts';
import { KafkaClientError } from './errors.ts';
import { ProducerBatch } from './producer-batch.ts';
import { IllegalStateError, TransactionManager } from './transaction-manager.ts';

const noop = { resolve: () => {}, reject: () => {} };

/** A batch of `count` records for t-`partition`, encoded as the accumulator leaves a full one. */
function batch(count: number, partition = 0): ProducerBatch {
  const b = new ProducerBatch('t', partition, 0);
  for (let i = 0; i < count; i++) b.add({ key: null, value: Buffer.from(`v${i}`), timestamp: 1000 + i }, noop, i);
  b.closed = true;
  b.encode(CompressionType.none);
  return b;
}

/** An idempotent producer that has its producer id (as after InitProducerId). */
function idempotent(producerId = 7, epoch = 0): TransactionManager {
  const tm = new TransactionManager(null, 60_000);
  tm.transitionTo('INITIALIZING');
  tm.setProducerIdAndEpoch(producerId, epoch);
  tm.transitionTo('READY');
  return tm;
}

/** A transactional producer after initTransactions, with a coordinator that can bump epochs. */
function transactional(): TransactionManager {
  const tm = new TransactionManager('tx', 60_000);
  tm.transitionTo('INITIALIZING');
  tm.setProducerIdAndEpoch(9, 3);
  tm.coordinatorSupportsBumpingEpoch = true;
  tm.transitionTo('READY');
  return tm;
}

function header(b: ProducerBatch): { producerId: number; producerEpoch: number; baseSequence: number; isTransactional: boolean } {
  // The bytes as the sender takes them (encode() checksums them anew after a stamp): a stale CRC fails to decode.
  const bytes = b.encode(CompressionType.none);
  const h = new BatchHeader(bytes);
  assert.equal(decodeRecordBatches(bytes).length, 1);
  return { producerId: h.producerId, producerEpoch: h.producerEpoch, baseSequence: h.baseSequence, isTransactional: h.isTransactional };
}

function error(code: number): KafkaClientError {
  return new KafkaClientError(code, 'Produce to t-0 on broker 1');
}

test('each drained batch takes its partition\'s next sequence, stamped with the producer id and epoch under a valid CRC', () => {
  const tm = idempotent();
  const [a, b, other] = [batch(3), batch(2), batch(4, 1)];
  for (const x of [a, b, other]) {
    assert.equal(tm.shouldStopDrain(x), false);
    tm.assignSequence(x);
  }
  assert.deepEqual(header(a), { producerId: 7, producerEpoch: 0, baseSequence: 0, isTransactional: false });
  assert.deepEqual(header(b), { producerId: 7, producerEpoch: 0, baseSequence: 3, isTransactional: false });
  assert.deepEqual(header(other), { producerId: 7, producerEpoch: 0, baseSequence: 0, isTransactional: false }, 'partitions count apart');
  assert.equal(b.lastSequence, 4);
  tm.assignSequence(a);
  assert.equal(a.baseSequence, 0, 'a retry keeps its sequence');
});

test('a retried batch goes again only as its partition\'s lowest sequence not done: retries go one at a time, in order', () => {
  const tm = idempotent();
  const batches = [batch(2), batch(2), batch(2)];
  for (const b of batches) tm.assignSequence(b);
  const [first, second, third] = batches as [ProducerBatch, ProducerBatch, ProducerBatch];
  // All three failed (a leader moved); the answers may come back in any order.
  for (const b of [third, first, second]) assert.equal(tm.canRetry(ErrorCode.NOT_LEADER_OR_FOLLOWER, b, -1), true);
  assert.equal(tm.shouldStopDrain(second), true, 'sequence 2 waits for 0');
  assert.equal(tm.shouldStopDrain(first), false);
  tm.handleCompletedBatch(first, 100);
  assert.equal(tm.shouldStopDrain(second), false);
  assert.equal(tm.shouldStopDrain(third), true);
  tm.handleCompletedBatch(second, 102);
  tm.handleCompletedBatch(third, 104);
  const next = batch(1);
  assert.equal(tm.shouldStopDrain(next), false);
  tm.assignSequence(next);
  assert.equal(next.baseSequence, 6);
});

test('OUT_OF_ORDER_SEQUENCE_NUMBER: a batch behind a failed one is retried as it is; the one right after the last acknowledged means a gap, and a new epoch renumbers what is in flight from 0', () => {
  const tm = idempotent();
  const [acked, gap, behind] = [batch(3), batch(2), batch(2)];
  for (const b of [acked, gap, behind]) tm.assignSequence(b);
  for (const b of [acked, gap, behind]) b.sent = true;
  tm.handleCompletedBatch(acked, 40);
  assert.equal(tm.canRetry(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, behind, 0), true);
  assert.equal(tm.epochBumpRequired, false, 'sequence 5 is not next after 2: an earlier batch failed, this one follows it back');
  const sentBytes = gap.encoded;
  assert.equal(tm.canRetry(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, gap, 0), true);
  assert.equal(tm.epochBumpRequired, true);
  assert.equal(tm.bumpIdempotentEpochAndResetIdIfNeeded(), false, 'a local bump, no InitProducerId');
  assert.equal(tm.producerEpoch, 1);
  assert.deepEqual([header(gap).baseSequence, header(gap).producerEpoch, header(behind).baseSequence], [0, 1, 2]);
  assert.ok(gap.sequenceReset && behind.sequenceReset);
  assert.notEqual(gap.encoded, sentBytes, 'bytes that went to a socket are not rewritten in place');
  assert.equal(tm.canRetry(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, behind, 0), true, 'an answer to the old sequence: retried, no second bump');
  assert.equal(tm.epochBumpRequired, false);
  // A new batch waits until the old epoch's batches are done, then starts after them.
  const next = batch(1);
  tm.handleCompletedBatch(gap, 43);
  tm.handleCompletedBatch(behind, 45);
  tm.assignSequence(next);
  assert.deepEqual([next.baseSequence, next.producerEpoch], [4, 1]);
});

test('UNKNOWN_PRODUCER_ID: retried while the log start is unknown; with the acknowledged records gone to retention, a new epoch', () => {
  const tm = idempotent();
  const [a, b] = [batch(1), batch(1)];
  tm.assignSequence(a);
  tm.assignSequence(b);
  tm.handleCompletedBatch(a, 10);
  assert.equal(tm.canRetry(ErrorCode.UNKNOWN_PRODUCER_ID, b, -1), true);
  assert.equal(tm.epochBumpRequired, false);
  assert.equal(tm.canRetry(ErrorCode.UNKNOWN_PRODUCER_ID, b, 50), true);
  assert.equal(tm.epochBumpRequired, true);
  tm.bumpIdempotentEpochAndResetIdIfNeeded();
  assert.deepEqual([b.producerEpoch, b.baseSequence], [1, 0]);
});

test('a failed batch (not retried) bumps an idempotent producer\'s epoch; an epoch used up asks for a new producer id', () => {
  const tm = idempotent(7, 32_767);
  const [a, b] = [batch(1), batch(1)];
  tm.assignSequence(a);
  tm.assignSequence(b);
  tm.handleFailedBatch(a, error(ErrorCode.MESSAGE_TOO_LARGE), true);
  assert.equal(tm.state, 'READY', 'an idempotent producer has no abortable state');
  assert.equal(tm.bumpIdempotentEpochAndResetIdIfNeeded(), true, 'epoch 32767 cannot grow: InitProducerId');
  assert.equal(tm.hasProducerId, false);
  assert.equal(tm.shouldStopDrain(batch(1)), true, 'nothing goes without a producer id');
});

test('an expired batch that was sent leaves its partition unresolved until the batches in flight tell: acknowledged after it, it made it', () => {
  const tm = idempotent();
  const [expired, later] = [batch(2), batch(2)];
  tm.assignSequence(expired);
  tm.assignSequence(later);
  tm.handleFailedBatch(expired, error(ErrorCode.REQUEST_TIMED_OUT), false);
  tm.markSequenceUnresolved(expired);
  assert.equal(tm.shouldStopDrain(batch(1)), true);
  tm.handleCompletedBatch(later, 8);
  tm.maybeResolveSequences();
  assert.equal(tm.shouldStopDrain(batch(1)), false);
  assert.equal(tm.epochBumpRequired, false);

  const tm2 = idempotent();
  const lost = batch(2);
  tm2.assignSequence(lost);
  tm2.handleFailedBatch(lost, error(ErrorCode.REQUEST_TIMED_OUT), false);
  tm2.markSequenceUnresolved(lost);
  tm2.maybeResolveSequences();
  assert.equal(tm2.epochBumpRequired, true, 'nothing after it was acknowledged: unknown, so a new epoch');
});

test('transactions: calls out of order are refused without changing the state; a partition sends only once it joined', () => {
  const tm = new TransactionManager('tx', 60_000);
  assert.throws(() => tm.beginTransaction(), (e: unknown) => e instanceof IllegalStateError && /from state UNINITIALIZED to state IN_TRANSACTION/.test(e.message));
  assert.throws(() => tm.maybeAddPartition('t', 0), /before completing a call to initTransactions/);
  const ready = transactional();
  assert.throws(() => ready.maybeAddPartition('t', 0), /while in state READY/);
  assert.throws(() => ready.transitionTo('COMMITTING_TRANSACTION'), IllegalStateError);
  assert.equal(ready.state, 'READY');
  ready.beginTransaction();
  ready.maybeAddPartition('t', 0);
  ready.maybeAddPartition('t', 0);
  ready.maybeAddPartition('t', 1);
  const b = batch(1);
  assert.equal(ready.shouldStopDrain(b), true);
  const toAdd = ready.takePartitionsToAdd();
  assert.deepEqual(toAdd, [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }], 'once each, in one request');
  ready.partitionsAdded(toAdd, true);
  assert.equal(ready.shouldStopDrain(b), false);
  ready.assignSequence(b);
  assert.deepEqual(header(b), { producerId: 9, producerEpoch: 3, baseSequence: 0, isTransactional: true });
  ready.transitionTo('COMMITTING_TRANSACTION');
  ready.completeTransaction();
  assert.equal(ready.state, 'READY');
  assert.equal(ready.isPartitionAdded('t', 0), false, 'the next transaction adds its partitions again');
});

test('transactions: a failed send makes the transaction abortable (every call but abort fails); the abort bumps the epoch next', () => {
  const tm = transactional();
  tm.beginTransaction();
  const b = batch(1);
  tm.assignSequence(b);
  tm.handleFailedBatch(b, error(ErrorCode.NOT_ENOUGH_REPLICAS), false);
  assert.equal(tm.state, 'ABORTABLE_ERROR');
  assert.throws(() => tm.maybeAddPartition('t', 2), (e: unknown) => e instanceof KafkaClientError && /must be aborted.*NOT_ENOUGH_REPLICAS/.test(e.message));
  assert.throws(() => tm.beginTransaction(), /must be aborted/);
  tm.transitionTo('ABORTING_TRANSACTION');
  tm.completeTransaction();
  assert.equal(tm.state, 'INITIALIZING', 'InitProducerId with the current id and epoch comes next (KIP-360)');
});

test('transactions: PRODUCER_FENCED is fatal; OUT_OF_ORDER_SEQUENCE_NUMBER on the next batch is not retried', () => {
  const tm = transactional();
  tm.beginTransaction();
  const [a, b] = [batch(1), batch(1)];
  tm.assignSequence(a);
  tm.assignSequence(b);
  tm.handleCompletedBatch(a, 0);
  assert.equal(tm.canRetry(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, b, 0), false);
  tm.handleFailedBatch(b, error(ErrorCode.PRODUCER_FENCED), true);
  assert.equal(tm.state, 'FATAL_ERROR');
  assert.throws(() => tm.maybeAddPartition('t', 0), (e: unknown) => e instanceof KafkaClientError && e.code === ErrorCode.PRODUCER_FENCED && /has been fenced/.test(e.message));
  assert.throws(() => tm.transitionTo('ABORTING_TRANSACTION'), IllegalStateError);
  assert.equal(tm.shouldStopDrain(batch(1)), true);
});

test('transactions: a batch the broker refused for good moves the sequences after it down, so they follow without a gap', () => {
  const tm = transactional();
  tm.beginTransaction();
  tm.maybeAddPartition('t', 0);
  tm.partitionsAdded(tm.takePartitionsToAdd(), true);
  const [tooBig, after] = [batch(3), batch(2)];
  tm.assignSequence(tooBig);
  tm.assignSequence(after);
  after.sent = true;
  tm.handleFailedBatch(tooBig, error(ErrorCode.MESSAGE_TOO_LARGE), true);
  assert.equal(header(after).baseSequence, 0);
  const next = batch(1);
  tm.transitionTo('ABORTING_TRANSACTION');
  assert.equal(tm.shouldStopDrain(next), false);
  tm.assignSequence(next);
  assert.equal(next.baseSequence, 2);
});
