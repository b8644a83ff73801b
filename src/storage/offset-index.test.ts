import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { OffsetIndex } from './offset-index.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

function indexPath(): string {
  return path.join(tempDirSync('samsa-index-'), '00000000000000000100.index');
}

test('lookup returns the greatest entry at or below the target', () => {
  const file = indexPath();
  const { index, corrupt } = OffsetIndex.open(file, 100, 1024, 1 << 20);
  assert.equal(corrupt, false);
  assert.deepEqual(index.lookup(150), { offset: 100, position: 0 });
  for (let i = 1; i <= 50; i++) index.append(100 + i * 10, i * 1000);
  assert.equal(index.entries, 50);
  assert.deepEqual(index.lookup(105), { offset: 100, position: 0 });
  assert.deepEqual(index.lookup(110), { offset: 110, position: 1000 });
  assert.deepEqual(index.lookup(119), { offset: 110, position: 1000 });
  assert.deepEqual(index.lookup(355), { offset: 350, position: 25000 });
  assert.deepEqual(index.lookup(10_000), { offset: 600, position: 50000 });
  // Not increasing: ignored rather than breaking the binary search.
  index.append(600, 60000);
  assert.equal(index.entries, 50);
  index.close();
});

test('file format: 8-byte (relativeOffset, position) entries, preallocated then trimmed', () => {
  const file = indexPath();
  const { index } = OffsetIndex.open(file, 100, 800, 1 << 20);
  index.preallocate();
  assert.equal(fs.statSync(file).size, 800);
  index.append(107, 4200);
  index.append(115, 9000);
  index.close();
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.length, 16);
  assert.deepEqual([bytes.readInt32BE(0), bytes.readInt32BE(4), bytes.readInt32BE(8), bytes.readInt32BE(12)], [7, 4200, 15, 9000]);
});

test('reopen keeps entries, accepts a preallocated zero tail, and flags garbage as corrupt', () => {
  const file = indexPath();
  const first = OffsetIndex.open(file, 100, 800, 1 << 20).index;
  first.preallocate();
  first.append(101, 5000);
  first.append(102, 6000);
  first.flush(); // entries reach the file on flush, trim and close
  // An unclean stop leaves the preallocated file as is.
  const reopened = OffsetIndex.open(file, 100, 800, 1 << 20);
  assert.equal(reopened.corrupt, false);
  assert.equal(reopened.index.entries, 2);
  assert.equal(OffsetIndex.open(file, 100, 800, 5500).corrupt, true, 'an entry past the log end is corrupt');
  fs.writeFileSync(file, Buffer.from([0, 0, 0, 5, 0, 0, 1, 0, 0, 0, 0, 3, 0, 0, 2, 0]));
  assert.equal(OffsetIndex.open(file, 100, 800, 1 << 20).corrupt, true, 'decreasing offsets are corrupt');
  fs.writeFileSync(file, Buffer.alloc(7, 1));
  assert.equal(OffsetIndex.open(file, 100, 800, 1 << 20).corrupt, true, 'a partial entry is corrupt');
});

test('a full index takes no more entries; truncation drops entries at or past a position', () => {
  const { index } = OffsetIndex.open(indexPath(), 0, 24, 1 << 20);
  for (let i = 1; i <= 5; i++) index.append(i, i * 100);
  assert.equal(index.entries, 3);
  assert.equal(index.isFull, true);
  index.truncateToPosition(200);
  assert.equal(index.entries, 1);
  assert.deepEqual(index.lookup(9), { offset: 1, position: 100 });
  index.close();
});
