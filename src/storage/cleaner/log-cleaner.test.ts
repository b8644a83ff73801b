import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import type { PartitionLog } from '../partition-log.ts';
import { ManualScheduler } from '../scheduler.ts';
import { append, lastValues, openLog, readAll, tempDir } from './cleaner-fixture.ts';
import { cleanerConfig, type CleanerConfig } from './cleaner-config.ts';
import { CLEANER_CHECKPOINT, LogCleaner, type CleanerLogEntry } from './log-cleaner.ts';

const opened: PartitionLog[] = [];
afterEach(() => {
  for (const log of opened.splice(0)) log.close();
});

function logIn(logDir: string, topic: string, segmentBytes = 300): PartitionLog {
  const log = openLog(path.join(logDir, topic), segmentBytes);
  opened.push(log);
  return log;
}


function fill(log: PartitionLog, keys: number, records: number): void {
  for (let i = 0; i < records; i++) append(log, [{ key: `k${i % keys}`, value: `v${i}` }]);
}

const compact = (overrides: Partial<CleanerConfig> = {}): CleanerConfig =>
  cleanerConfig({ compact: true, segmentBytes: 4000, ...overrides });

test('the cleaner picks compacted logs over min.cleanable.dirty.ratio and checkpoints them in Kafka format', () => {
  const logDir = tempDir();
  const dirty = logIn(logDir, 'dirty');
  const notCompacted = logIn(logDir, 'plain');
  fill(dirty, 3, 40);
  fill(notCompacted, 3, 40);
  const entries: CleanerLogEntry[] = [
    { log: dirty, config: compact() },
    { log: notCompacted, config: cleanerConfig({ compact: false }) },
  ];
  const cleaner = new LogCleaner({ logs: () => entries, now: () => 10_000, config: { dedupeBufferSize: 24 * 100 } });
  const before = readAll(notCompacted);
  const result = cleaner.cleanFilthiestLog();
  assert.equal(result?.topic, 't');
  assert.equal(result?.endOffset, dirty.segmentBaseOffsets.at(-1));
  assert.deepEqual(readAll(notCompacted), before, 'cleanup.policy=delete logs are never cleaned');
  assert.equal(cleaner.cleanFilthiestLog(), undefined, 'nothing dirty any more');

  // The checkpoint lives in the log dir of each log: here `<logDir>/dirty`.
  const file = path.join(logDir, 'dirty', CLEANER_CHECKPOINT);
  assert.equal(fs.readFileSync(file, 'utf8'), `0\n1\nt 0 ${result?.endOffset}\n`);
  const restarted = new LogCleaner({ logs: () => entries, now: () => 10_000 });
  assert.equal(restarted.checkpointOf(dirty), result?.endOffset);
  assert.equal(restarted.cleanFilthiestLog(), undefined, 'a restart does not clean the clean section again');
});

test('min.cleanable.dirty.ratio holds a log back until max.compaction.lag.ms forces it', () => {
  const logDir = tempDir();
  const log = logIn(logDir, 'lagged');
  fill(log, 3, 60);
  let now = 10_000;
  let config = compact({ minCleanableDirtyRatio: 0 });
  const cleaner = new LogCleaner({ logs: () => [{ log, config }], now: () => now, config: { dedupeBufferSize: 24 * 100 } });
  assert.ok(cleaner.cleanFilthiestLog() !== undefined);
  fill(log, 3, 12);
  config = compact({ minCleanableDirtyRatio: 0.9, maxCompactionLagMs: 60_000 });
  const range = cleaner.grabFilthiestLog(0);
  assert.equal(range, undefined, 'a little dirt under a large clean section is below the ratio');
  assert.equal(cleaner.cleanFilthiestLog(), undefined);
  now = 1_000 + 60_001;
  assert.equal(cleaner.grabFilthiestLog()?.range.needCompactionNow, true);
  assert.ok((cleaner.cleanFilthiestLog()?.recordsRemoved ?? 0) > 0);
});

test('start() cleans in steps on the scheduler, yields between them, backs off when idle; stop() ends it', () => {
  const logDir = tempDir();
  const log = logIn(logDir, 'stepped');
  fill(log, 4, 80);
  const before = lastValues(readAll(log));
  const scheduler = new ManualScheduler();
  const delays: number[] = [];
  const counting = {
    schedule(delayMs: number, task: () => void) {
      delays.push(delayMs);
      return scheduler.schedule(delayMs, task);
    },
  };
  const cleaner = new LogCleaner({
    logs: () => [{ log, config: compact() }], now: () => 10_000, scheduler: counting,
    config: { dedupeBufferSize: 24 * 100, ioBufferSize: 256, backoffMs: 15_000 },
  });
  cleaner.start();
  scheduler.advance(0);
  assert.equal(cleaner.stats.cleanings, 1);
  assert.ok(delays.filter((d) => d === 0).length > 10, `${delays.length} slices`);
  assert.equal(delays.at(-1), 15_000, 'idle: sleeps log.cleaner.backoff.ms');
  assert.deepEqual(lastValues(readAll(log)), before);

  fill(log, 4, 40);
  scheduler.advance(15_000);
  assert.equal(cleaner.stats.cleanings, 2, 'wakes after the backoff and cleans again');
  cleaner.stop();
  assert.equal(scheduler.pending, 0);
  assert.equal(cleaner.isRunning, false);
});

test('stop() in the middle of a cleaning leaves the log whole and no .cleaned file', () => {
  const logDir = tempDir();
  const log = logIn(logDir, 'stopped');
  fill(log, 4, 80);
  const before = lastValues(readAll(log));
  const scheduler = new ManualScheduler();
  const cleaner = new LogCleaner({
    logs: () => [{ log, config: compact() }], now: () => 10_000, scheduler,
    config: { dedupeBufferSize: 24 * 100, ioBufferSize: 128 },
  });
  cleaner.start();
  // Run a few slices by hand: each advance(0) would run them all, so stop from inside one.
  let slices = 0;
  const original = scheduler.schedule.bind(scheduler);
  scheduler.schedule = (delayMs, task) => original(delayMs, () => {
    if (++slices === 8) cleaner.stop();
    else task();
  });
  scheduler.advance(0);
  assert.equal(cleaner.stats.cleanings, 0);
  assert.deepEqual(fs.readdirSync(log.dir).filter((n) => n.endsWith('.cleaned') || n.endsWith('.swap')), []);
  assert.deepEqual(lastValues(readAll(log)), before);
});

test('a log whose cleaning fails is reported and skipped, others go on', () => {
  const logDir = tempDir();
  const broken = logIn(logDir, 'broken');
  const fine = logIn(logDir, 'fine');
  fill(broken, 2, 40);
  fill(fine, 2, 40);
  const failing = Object.assign(Object.create(broken) as PartitionLog, {
    cleanerView: () => {
      const view = broken.cleanerView();
      return { ...view, segments: view.segments.map((s) => ({ ...s, read: () => Buffer.from('not a batch, long enough to be read as one'.repeat(3)) })) };
    },
  });
  const errors: unknown[] = [];
  const scheduler = new ManualScheduler();
  const cleaner = new LogCleaner({
    logs: () => [{ log: failing, config: compact({ minCleanableDirtyRatio: 0.01 }) }, { log: fine, config: compact() }],
    now: () => 10_000, scheduler, onError: (_log, error) => errors.push(error),
    config: { dedupeBufferSize: 24 * 100 },
  });
  assert.throws(() => cleaner.cleanFilthiestLog());
  assert.equal(errors.length, 1);
  assert.deepEqual(cleaner.uncleanableLogs, [broken.dir]);
  cleaner.start();
  scheduler.advance(0);
  cleaner.stop();
  assert.equal(errors.length, 1);
  assert.equal(cleaner.stats.cleanings, 1, 'the other log was cleaned');
});
