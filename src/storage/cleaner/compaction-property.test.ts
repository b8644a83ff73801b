import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { CompressionType } from '../../protocol/records/batch-header.ts';
import { append, openLog, readAll, tempDir, type KeyedRecord } from './cleaner-fixture.ts';
import { cleanerConfig } from './cleaner-config.ts';
import { LogCleaner } from './log-cleaner.ts';

const DELETE_RETENTION_MS = 1_000;

type Op =
  | { kind: 'write'; records: { key: number; value: string | null }[]; compression: CompressionType }
  | { kind: 'clean' }
  | { kind: 'tick'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({
    kind: fc.constant('write' as const),
    records: fc.array(fc.record({
      key: fc.nat({ max: 11 }),
      value: fc.option(fc.string({ maxLength: 24 }), { freq: 5, nil: null }),
    }), { minLength: 1, maxLength: 4 }),
    compression: fc.constantFrom(CompressionType.none, CompressionType.none, CompressionType.gzip, CompressionType.lz4),
  }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clean' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 2 * DELETE_RETENTION_MS }) }) },
);

/**
 * Random keyed writes and deletes, cleanings in between, then compaction run to completion:
 * the log must read as the model's last value per key, deleted keys absent, offsets strictly
 * increasing, and every surviving record at the offset it was written at.
 */
test('compaction against a model: last value per key, tombstones gone past the horizon, offsets kept', () => {
  fc.assert(fc.property(
    fc.array(opArb, { minLength: 1, maxLength: 60 }),
    fc.integer({ min: 150, max: 1_500 }),
    fc.integer({ min: 3, max: 40 }),
    fc.integer({ min: 64, max: 4_096 }),
    (ops, segmentBytes, mapEntries, ioBufferSize) => {
      let now = 10_000;
      const logDir = tempDir();
      const log = openLog(logDir, segmentBytes, () => now);
      try {
        const cleaner = new LogCleaner({
          logs: () => [{ log, config: cleanerConfig({ compact: true, minCleanableDirtyRatio: 0, deleteRetentionMs: DELETE_RETENTION_MS, segmentBytes: segmentBytes * 3 }) }],
          now: () => now,
          config: { dedupeBufferSize: Math.ceil((mapEntries + 1) * 24 / 0.9), ioBufferSize },
        });
        const model = new Map<string, string | null>();
        const written = new Map<number, KeyedRecord>();
        for (const op of ops) {
          if (op.kind === 'tick') now += op.ms;
          else if (op.kind === 'clean') cleaner.cleanFilthiestLog();
          else {
            const records = op.records.map((r) => ({ key: `key-${r.key}`, value: r.value, timestamp: now }));
            const first = append(log, records, op.compression);
            records.forEach((r, i) => {
              written.set(first + i, r);
              model.set(r.key, r.value);
            });
          }
        }
        // A record bigger than a segment rolls the log, so every modelled record becomes cleanable.
        append(log, [{ key: 'roll', value: 'x'.repeat(segmentBytes + 100), timestamp: now }]);
        let passes = 0;
        while (passes < 500 && cleaner.cleanFilthiestLog() !== undefined) passes += 1;
        now += DELETE_RETENTION_MS;
        while (passes < 500 && cleaner.cleanFilthiestLog() !== undefined) passes += 1;
        assert.ok(passes < 500);

        const records = readAll(log).filter((r) => r.key !== 'roll');
        for (let i = 1; i < records.length; i++) assert.ok(records[i].offset > records[i - 1].offset);
        for (const r of records) {
          const original = written.get(r.offset);
          assert.deepEqual({ key: r.key, value: r.value }, { key: original?.key, value: original?.value }, `record at ${r.offset}`);
        }
        const expected = [...model].filter(([, value]) => value !== null).sort();
        const actual = records.map((r) => [r.key as string, r.value] as [string, string | null]).sort();
        assert.deepEqual(actual, expected, 'exactly the last value of each live key');
      } finally {
        log.close();
        fs.rmSync(logDir, { recursive: true, force: true });
      }
    },
  ), { numRuns: 120 });
});
