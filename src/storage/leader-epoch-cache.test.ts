import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  LeaderEpochFileCache, readLeaderEpochCheckpoint, UNDEFINED_EPOCH, writeLeaderEpochCheckpoint, type EpochEndOffset,
} from './leader-epoch-cache.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

function checkpointFile(): string {
  return path.join(tempDirSync('samsa-epochs-'), 'leader-epoch-checkpoint');
}

const UNDEFINED = { epoch: -1, endOffset: -1 };

test('leader-epoch-checkpoint is Kafka\'s text format byte for byte, written atomically, and reads back', () => {
  const file = checkpointFile();
  const cache = new LeaderEpochFileCache(file);
  cache.assign(0, 0);
  cache.assign(2, 10);
  cache.assign(5, 42);
  cache.flush();
  assert.equal(fs.readFileSync(file, 'utf8'), '0\n3\n0 0\n2 10\n5 42\n');
  assert.equal(fs.existsSync(`${file}.tmp`), false);
  assert.deepEqual(readLeaderEpochCheckpoint(file), [{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 10 }, { epoch: 5, startOffset: 42 }]);
  cache.clear();
  cache.flush();
  assert.equal(fs.readFileSync(file, 'utf8'), '0\n0\n');
  // A file as a Kafka broker wrote it, and the empty file Kafka creates with a new log.
  fs.writeFileSync(file, '0\n2\n3 0\n7 1500\n');
  assert.deepEqual(LeaderEpochFileCache.load(path.dirname(file), () => { throw new Error('no scan with a good file'); }).entries,
    [{ epoch: 3, startOffset: 0 }, { epoch: 7, startOffset: 1500 }]);
  fs.writeFileSync(file, '');
  assert.deepEqual(readLeaderEpochCheckpoint(file), []);
});

test('a missing or damaged checkpoint is rebuilt from the log\'s batches, once', async () => {
  const file = checkpointFile();
  const batches = [{ epoch: 0, startOffset: 0 }, { epoch: 0, startOffset: 5 }, { epoch: 3, startOffset: 9 }, { epoch: 3, startOffset: 12 }, { epoch: 4, startOffset: 20 }];
  for (const damage of [undefined, 'garbage', '1\n0\n', '0\n2\n1 0\n', '0\n1\n-1 0\n', '0\n1\n1 x\n']) {
    if (damage === undefined) fs.rmSync(file, { force: true });
    else fs.writeFileSync(file, damage);
    assert.equal(readLeaderEpochCheckpoint(file), undefined, String(damage));
    let scans = 0;
    const cache = LeaderEpochFileCache.load(path.dirname(file), () => { scans += 1; return batches; });
    assert.equal(scans, 1);
    assert.deepEqual(cache.entries, [{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 9 }, { epoch: 4, startOffset: 20 }]);
    await cache.flushAsync();
    assert.equal(fs.readFileSync(file, 'utf8'), '0\n3\n0 0\n3 9\n4 20\n');
  }
  // Batches written without an epoch (-1, older clients' format) add no entry.
  fs.rmSync(file);
  assert.deepEqual(LeaderEpochFileCache.load(path.dirname(file), () => [{ epoch: -1, startOffset: 0 }]).entries, []);
  assert.equal(fs.existsSync(file), false, 'nothing to keep: no file until the first epoch');
});

test('assign keeps epochs and start offsets strictly increasing, as Kafka\'s', () => {
  const cache = new LeaderEpochFileCache(checkpointFile());
  assert.equal(cache.latestEpoch, UNDEFINED_EPOCH);
  assert.equal(cache.assign(1, 5), true);
  assert.equal(cache.assign(1, 9), false, 'the newest epoch again, later: nothing changes');
  assert.equal(cache.assign(1, 3), true, 'the newest epoch again, earlier: it moves back');
  assert.deepEqual(cache.entries, [{ epoch: 1, startOffset: 3 }]);
  cache.assign(2, 6);
  cache.assign(4, 8);
  assert.equal(cache.assign(3, 7), true, 'an older epoch removes the newer entries it conflicts with');
  assert.deepEqual(cache.entries, [{ epoch: 1, startOffset: 3 }, { epoch: 2, startOffset: 6 }, { epoch: 3, startOffset: 7 }]);
  cache.assign(5, 6);
  assert.deepEqual(cache.entries, [{ epoch: 1, startOffset: 3 }, { epoch: 5, startOffset: 6 }], 'a start offset not above older entries\' removes them');
  assert.equal(cache.latestEpoch, 5);
  assert.throws(() => cache.assign(-1, 10));
  assert.throws(() => cache.assign(6, -1));
});

test('endOffsetFor, truncateFromEnd and truncateFromStart answer as Kafka\'s LeaderEpochFileCacheTest cases', () => {
  const cache = new LeaderEpochFileCache(checkpointFile(), [{ epoch: 2, startOffset: 6 }, { epoch: 3, startOffset: 8 }, { epoch: 4, startOffset: 11 }]);
  assert.deepEqual(cache.endOffsetFor(UNDEFINED_EPOCH, 20), UNDEFINED);
  assert.deepEqual(cache.endOffsetFor(4, 20), { epoch: 4, endOffset: 20 }, 'the newest epoch ends at the log end');
  assert.deepEqual(cache.endOffsetFor(3, 20), { epoch: 3, endOffset: 11 });
  assert.deepEqual(cache.endOffsetFor(1, 20), { epoch: 1, endOffset: 6 }, 'below the first: the first start offset');
  assert.deepEqual(cache.endOffsetFor(5, 20), UNDEFINED, 'above the newest');
  const gaps = new LeaderEpochFileCache(checkpointFile(), [{ epoch: 1, startOffset: 0 }, { epoch: 5, startOffset: 10 }]);
  assert.deepEqual(gaps.endOffsetFor(3, 20), { epoch: 1, endOffset: 10 }, 'an epoch nobody wrote in: the largest below it');
  assert.deepEqual(new LeaderEpochFileCache(checkpointFile()).endOffsetFor(0, 20), UNDEFINED);

  cache.truncateFromEnd(9);
  assert.deepEqual(cache.entries, [{ epoch: 2, startOffset: 6 }, { epoch: 3, startOffset: 8 }]);
  cache.truncateFromEnd(8);
  assert.deepEqual(cache.entries, [{ epoch: 2, startOffset: 6 }], 'an epoch starting at the new end goes');
  cache.assign(3, 8);
  cache.assign(4, 11);
  cache.truncateFromStart(9);
  assert.deepEqual(cache.entries, [{ epoch: 3, startOffset: 9 }, { epoch: 4, startOffset: 11 }], 'the epoch holding the new start now starts there');
  cache.truncateFromStart(11);
  assert.deepEqual(cache.entries, [{ epoch: 4, startOffset: 11 }]);
  cache.truncateFromStart(30);
  assert.deepEqual(cache.entries, [{ epoch: 4, startOffset: 30 }], 'the newest epoch stays when every record is gone');
  cache.truncateFromEnd(-1);
  assert.deepEqual(cache.entries, [{ epoch: 4, startOffset: 30 }]);
});

/**
 * The model: the log itself, each record with the epoch it was written in. The epochs the cache
 * knows are those of the records between the log start and end, each starting at its first record
 * there; an emptied log keeps the epoch of its last record while it was emptied from the start.
 */
class LogModel {
  epochs: number[] = [];
  start = 0;
  retained: number | undefined;

  get end(): number { return this.epochs.length; }

  known(): Array<{ epoch: number; startOffset: number }> {
    if (this.start === this.end) return this.retained === undefined ? [] : [{ epoch: this.retained, startOffset: this.start }];
    const known: Array<{ epoch: number; startOffset: number }> = [];
    for (let offset = this.start; offset < this.end; offset++) {
      if (known.at(-1)?.epoch !== this.epochs[offset]) known.push({ epoch: this.epochs[offset], startOffset: offset });
    }
    return known;
  }

  endOffsetFor(requested: number): EpochEndOffset {
    const known = this.known();
    if (requested === UNDEFINED_EPOCH || known.length === 0 || requested > known.at(-1)!.epoch) return UNDEFINED;
    if (requested === known.at(-1)!.epoch) return { epoch: requested, endOffset: this.end };
    const next = known.findIndex((entry) => entry.epoch > requested);
    return { epoch: next === 0 ? requested : known[next - 1].epoch, endOffset: known[next].startOffset };
  }

  append(epoch: number, count: number): void {
    if (this.start === this.end) this.retained = undefined;
    for (let i = 0; i < count; i++) this.epochs.push(epoch);
  }

  truncateFromEnd(offset: number): void {
    this.epochs.length = offset;
    this.retained = undefined;
  }

  truncateFromStart(offset: number): void {
    const last = this.known().at(-1)?.epoch;
    this.start = offset;
    if (offset === this.end) this.retained = last;
  }
}

type Op =
  | { kind: 'append'; epochStep: number; count: number }
  | { kind: 'truncateFromEnd' | 'truncateFromStart'; at: number }
  | { kind: 'reopen' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), epochStep: fc.integer({ min: 0, max: 3 }), count: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncateFromEnd' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncateFromStart' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
).map((value) => value as Op);

test('any sequence of appends, truncations and reopenings answers as the log model does', () => {
  fc.assert(fc.property(fc.array(op, { maxLength: 14 }), (ops) => {
    const file = checkpointFile();
    let cache = LeaderEpochFileCache.load(path.dirname(file), () => []);
    writeLeaderEpochCheckpoint(file, []);
    const model = new LogModel();
    let epoch = 0;
    for (const step of ops) {
      if (step.kind === 'append') {
        epoch += step.epochStep;
        // What the log does per batch: a number compare, and an entry only for a newer epoch.
        if (epoch > cache.latestEpoch) cache.assign(epoch, model.end);
        model.append(epoch, step.count);
      } else if (step.kind === 'reopen') {
        cache.flush(); // what the log's close does
        cache = LeaderEpochFileCache.load(path.dirname(file), () => { throw new Error('the checkpoint was written'); });
      } else {
        const offset = model.start + (step.at % (model.end - model.start + 1));
        if (step.kind === 'truncateFromEnd') {
          cache.truncateFromEnd(offset);
          model.truncateFromEnd(offset);
        } else {
          cache.truncateFromStart(offset);
          model.truncateFromStart(offset);
        }
      }
      assert.deepEqual(cache.entries, model.known());
      assert.equal(cache.latestEpoch, model.known().at(-1)?.epoch ?? UNDEFINED_EPOCH);
      for (let requested = -1; requested <= epoch + 1; requested++) {
        assert.deepEqual(cache.endOffsetFor(requested, model.end), model.endOffsetFor(requested), `epoch ${requested}`);
      }
    }
    cache.flush();
    assert.deepEqual(readLeaderEpochCheckpoint(file), model.known());
    fs.rmSync(path.dirname(file), { recursive: true });
  }), { numRuns: 60 });
});

test('writeLeaderEpochCheckpoint writes what readLeaderEpochCheckpoint reads', () => {
  const file = checkpointFile();
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 0x7fff_ffff }), fc.maxSafeNat()), { maxLength: 5 }), (pairs) => {
    const entries = pairs.map(([epoch, startOffset]) => ({ epoch, startOffset }));
    writeLeaderEpochCheckpoint(file, entries);
    assert.deepEqual(readLeaderEpochCheckpoint(file), entries);
  }), { numRuns: 30 });
});
