import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDirSync } from '../../../test/helpers/temp-dir.ts';
import { TransactionIndexes } from './transaction-index.ts';

test('collect: the aborted transactions reaching into [fetchOffset, upperBound), from the fetch offset\'s segment on, until one whose last stable offset reaches the bound', () => {
  const dir = tempDirSync('samsa-txnindex-');
  const indexes = TransactionIndexes.load(dir, [0, 100, 200]);
  // Segment 0: producer 1 aborted 10-20; segment 100: producer 2 aborted 50-120 (long), producer 3 aborted 130-140;
  // segment 200: producer 4 aborted 205-210, written while nothing else was open (last stable offset 211).
  indexes.append(0, { producerId: 1, firstOffset: 10, lastOffset: 20, lastStableOffset: 21 });
  indexes.append(100, { producerId: 2, firstOffset: 50, lastOffset: 120, lastStableOffset: 121 });
  indexes.append(100, { producerId: 3, firstOffset: 130, lastOffset: 140, lastStableOffset: 141 });
  indexes.append(200, { producerId: 4, firstOffset: 205, lastOffset: 210, lastStableOffset: 211 });
  const ids = (fetchOffset: number, upperBound: number) => indexes.collect(fetchOffset, upperBound).map((txn) => txn.producerId);
  assert.deepEqual(ids(0, 1000), [1, 2, 3, 4]);
  assert.deepEqual(ids(21, 60), [2], 'producer 1 ended before the fetch; producer 2 began inside it');
  assert.deepEqual(ids(110, 135), [2, 3]);
  assert.deepEqual(ids(141, 205), [], 'nothing aborted reaches into 141-204');
  assert.deepEqual(ids(150, 300), [4]);
  // Reopened from the files: the same answers.
  const reopened = TransactionIndexes.load(dir, [0, 100, 200]);
  assert.deepEqual(reopened.collect(110, 135).map((txn) => txn.producerId), [2, 3]);
  indexes.truncateTo(130);
  assert.deepEqual(ids(0, 1000), [1, 2], 'entries whose marker is at or after the truncation go');
});
