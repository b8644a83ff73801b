import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../protocol/errors.ts';
import { KafkaClientError } from './errors.ts';
import { ProducerTransactions } from './producer-transactions.ts';
import { IllegalStateError, TransactionManager } from './transaction-manager.ts';
import type { TransactionRequests } from './transaction-requests.ts';

/**
 * The requests stand-in: every call is recorded and answered when the test says (as a
 * coordinator that takes its time), the way TransactionRequests moves the state on success.
 */
function setup(maxBlockMs = 1_000) {
  const tm = new TransactionManager('tx', 60_000);
  const calls: string[] = [];
  const answers: Array<PromiseWithResolvers<void>> = [];
  const answered = (name: string, onDone: () => void): Promise<void> => {
    calls.push(name);
    const answer = Promise.withResolvers<void>();
    answers.push(answer);
    return answer.promise.then(onDone);
  };
  const requests = {
    transactionV2Available: false,
    initProducerId: () => answered('InitProducerId', () => {
      tm.setProducerIdAndEpoch(5, 0);
      tm.transitionTo('READY');
    }),
    sendOffsets: () => answered('AddOffsetsToTxn+TxnOffsetCommit', () => { tm.transactionStarted = true; }),
    endTransaction: (commit: boolean) => answered(`EndTxn(${commit})`, () => tm.completeTransaction()),
  };
  const flush = Promise.withResolvers<void>();
  const hooks = { flush: () => { calls.push('flush'); return flush.promise; }, idle: () => Promise.resolve(), wake: () => {} };
  const transactions = new ProducerTransactions(tm, requests as unknown as TransactionRequests, hooks, maxBlockMs);
  const answerNext = async (): Promise<void> => {
    while (answers.length === 0) await new Promise((resolve) => setImmediate(resolve));
    answers.shift()!.resolve();
  };
  return { tm, calls, transactions, flush, answerNext };
}

test('initTransactions, then commit sends EndTxn only after the flush; the next transaction can begin', async () => {
  const { tm, calls, transactions, flush, answerNext } = setup();
  const init = transactions.initTransactions();
  await answerNext();
  await init;
  await assert.rejects(transactions.initTransactions(), IllegalStateError, 'once only');
  transactions.beginTransaction();
  transactions.maybeAddPartition('t', 0);
  const offsets = transactions.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 10 }], { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null });
  await answerNext();
  await offsets;
  const commit = transactions.commitTransaction();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ['InitProducerId', 'AddOffsetsToTxn+TxnOffsetCommit', 'flush']);
  flush.resolve();
  await answerNext();
  await commit;
  assert.deepEqual(calls.at(-1), 'EndTxn(true)');
  assert.equal(tm.state, 'READY');
  transactions.beginTransaction();
  assert.equal(tm.state, 'IN_TRANSACTION');
});

test('a commit that outlasts max.block.ms fails retriably and goes on; calling it again waits for the same EndTxn; other calls wait their turn', async () => {
  const { tm, calls, transactions, flush, answerNext } = setup(30);
  const init = transactions.initTransactions();
  await answerNext();
  await init;
  transactions.beginTransaction();
  flush.resolve();
  await assert.rejects(transactions.commitTransaction(), (e: unknown) => e instanceof KafkaClientError && e.code === ErrorCode.REQUEST_TIMED_OUT && e.retriable
    && /Timeout expired after 30ms while awaiting commitTransaction/.test(e.message));
  assert.throws(() => transactions.beginTransaction(), /previous call to `commitTransaction` timed out and must be retried/);
  await assert.rejects(transactions.abortTransaction(), /previous call to `commitTransaction` timed out/);
  const again = transactions.commitTransaction();
  await answerNext();
  await again;
  assert.equal(calls.filter((c) => c === 'EndTxn(true)').length, 1);
  assert.equal(tm.state, 'READY');
  transactions.beginTransaction();
});

test('in an abortable error only abortTransaction goes; sendOffsetsToTransaction needs a transaction', async () => {
  const { tm, calls, transactions, answerNext } = setup();
  const init = transactions.initTransactions();
  await answerNext();
  await init;
  await assert.rejects(transactions.sendOffsetsToTransaction([], { groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null }),
    /Cannot send offsets if a transaction is not in progress \(currentState= READY\)/);
  transactions.beginTransaction();
  tm.transitionToAbortableError(new KafkaClientError(ErrorCode.NOT_ENOUGH_REPLICAS, 'Produce to t-0'));
  await assert.rejects(transactions.commitTransaction(), /must be aborted/);
  assert.throws(() => transactions.maybeAddPartition('t', 0), /must be aborted/);
  const abort = transactions.abortTransaction();
  await answerNext();
  await abort;
  assert.equal(calls.at(-1), 'EndTxn(false)');
  assert.equal(tm.state, 'READY');
});
