import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ANOMALY_KINDS, check } from './checker.ts';
import type { AnomalyKind } from './checker.ts';
import { HistoryRecorder, parseRecordValue, recordValue } from './history.ts';
import type { History, Operation, Outcome, PartitionRead, TopicRead } from './history.ts';

const RUN = 'run1';
const value = (producer: number, seq: number) => recordValue(RUN, producer, seq);

/**
 * A small clean run on 2 partitions, each send awaited: producers 0 and 1 alternate; p1's third
 * send failed and is absent, p0's fourth was never answered but is present, and another writer's
 * record sits at partition 0 offset 3.
 */
function fixture(): { history: History; reads: TopicRead[] } {
  const recorder = new HistoryRecorder(RUN);
  const acked = (producer: number, seq: number, partition: number, offset: number) => recorder.ack(recorder.send(producer, seq, partition), partition, offset);
  acked(0, 0, 0, 0);
  acked(1, 0, 1, 0);
  acked(0, 1, 1, 1);
  acked(1, 1, 0, 1);
  acked(0, 2, 0, 2);
  recorder.fail(recorder.send(1, 2, 1), 'NOT_ENOUGH_REPLICAS');
  recorder.send(0, 3, 1);
  const read: PartitionRead[] = [
    { partition: 0, startOffset: 0, endOffset: 4, records: [{ offset: 0, value: value(0, 0) }, { offset: 1, value: value(1, 1) }, { offset: 2, value: value(0, 2) }, { offset: 3, value: 'someone else' }] },
    { partition: 1, startOffset: 0, endOffset: 3, records: [{ offset: 0, value: value(1, 0) }, { offset: 1, value: value(0, 1) }, { offset: 2, value: value(0, 3) }] },
  ];
  return { history: recorder.history(), reads: [read, structuredClone(read)] };
}

function kinds(history: History, reads: readonly TopicRead[]): AnomalyKind[] {
  return check(history, reads).anomalies.map((a) => a.kind);
}

function withOutcome(history: History, producer: number, seq: number, outcome: Outcome): History {
  return { ...history, operations: history.operations.map((op) => (op.producer === producer && op.seq === seq ? { ...op, outcome } : op)) };
}

function editRecords(read: TopicRead, partition: number, edit: (records: PartitionRead['records']) => PartitionRead['records'], endOffset?: number): TopicRead {
  return read.map((p) => (p.partition === partition ? { ...p, records: edit(p.records), endOffset: endOffset ?? p.endOffset } : p));
}

test('the value names run, producer and sequence; other runs and writers are not this run', () => {
  assert.deepEqual(parseRecordValue(RUN, value(7, 123)), { producer: 7, seq: 123 });
  assert.equal(parseRecordValue('other', value(7, 123)), null);
  assert.equal(parseRecordValue(RUN, 'hello'), null);
  assert.equal(parseRecordValue(RUN, null), null);
});

test('a clean history: no anomaly; failed and unanswered sends counted, the present one indeterminate', () => {
  const { history, reads } = fixture();
  const result = check(history, reads);
  assert.deepEqual(result.anomalies, []);
  assert.deepEqual(result.counts, {
    attempted: 7, acknowledged: 5, failed: 1, unanswered: 1, indeterminate: 1, read: 7, foreign: 1,
    anomalies: { lost: 0, duplicate: 0, reorder: 0, 'wrong-offset': 0, 'inconsistent-read': 0 },
  });
  assert.deepEqual(result.failures, { NOT_ENOUGH_REPLICAS: 1 }, 'the failed send counted under its error');
});

test('lost: an acknowledged record in neither read', () => {
  const { history, reads } = fixture();
  const without = reads.map((r) => editRecords(r, 0, (records) => records.filter((x) => x.offset !== 1)));
  assert.deepEqual(check(history, without).anomalies, [{ kind: 'lost', producer: 1, seq: 1, acked: { partition: 0, offset: 1 } }]);
});

test('duplicate: one producer/sequence at two offsets of a read', () => {
  const { history, reads } = fixture();
  const doubled = reads.map((r) => editRecords(r, 1, (records) => [...records, { offset: 3, value: value(1, 0) }], 4));
  assert.deepEqual(check(history, doubled).anomalies, [{ kind: 'duplicate', producer: 1, seq: 0, positions: [{ partition: 1, offset: 0 }, { partition: 1, offset: 3 }] }]);
});

test('duplicate of a send that was never acknowledged is still a duplicate', () => {
  const { history, reads } = fixture();
  const doubled = reads.map((r) => editRecords(r, 0, (records) => [...records, { offset: 4, value: value(0, 3) }], 5));
  assert.deepEqual(kinds(history, doubled), ['duplicate']);
});

test('wrong-offset: read somewhere else than the acknowledgement said', () => {
  const { history, reads } = fixture();
  const moved = withOutcome(history, 0, 2, { type: 'ack', partition: 0, offset: 7, at: 9 });
  assert.deepEqual(check(moved, reads).anomalies, [{ kind: 'wrong-offset', producer: 0, seq: 2, acked: { partition: 0, offset: 7 }, found: [{ partition: 0, offset: 2 }] }]);
  const otherPartition = withOutcome(history, 0, 2, { type: 'ack', partition: 1, offset: 2, at: 9 });
  assert.deepEqual(kinds(otherPartition, reads), ['wrong-offset']);
});

test('acks=0 answers offset -1: nothing to hold the record to, no wrong-offset', () => {
  const { history, reads } = fixture();
  assert.deepEqual(kinds(withOutcome(history, 0, 2, { type: 'ack', partition: 0, offset: -1, at: 9 }), reads), []);
});

test('reorder: a producer\'s later send read before its earlier one on a partition (acknowledged before the next was sent)', () => {
  const { history, reads } = fixture();
  // The broker acknowledged p0's seq 2 at offset 0 and seq 0 at offset 2, and the log agrees.
  let swapped = withOutcome(history, 0, 0, { type: 'ack', partition: 0, offset: 2, at: 1 });
  swapped = withOutcome(swapped, 0, 2, { type: 'ack', partition: 0, offset: 0, at: 9 });
  const swappedReads = reads.map((r) => editRecords(r, 0, (records) => records.map((x) =>
    x.offset === 0 ? { ...x, value: value(0, 2) } : x.offset === 2 ? { ...x, value: value(0, 0) } : x)));
  assert.deepEqual(check(swapped, swappedReads).anomalies, [{
    kind: 'reorder', producer: 0, partition: 0, earlier: { seq: 0, offset: 2 }, later: { seq: 2, offset: 0 }, inFlightTogether: false,
  }]);
});

test('reorder between sends in flight together says so (Kafka orders those only with idempotence)', () => {
  const recorder = new HistoryRecorder(RUN);
  const first = recorder.send(0, 0, 0);
  const second = recorder.send(0, 1, 0);
  recorder.ack(second, 0, 0);
  recorder.ack(first, 0, 1);
  const read: TopicRead = [{ partition: 0, startOffset: 0, endOffset: 2, records: [{ offset: 0, value: value(0, 1) }, { offset: 1, value: value(0, 0) }] }];
  assert.deepEqual(check(recorder.history(), [read, read]).anomalies, [{
    kind: 'reorder', producer: 0, partition: 0, earlier: { seq: 0, offset: 1 }, later: { seq: 1, offset: 0 }, inFlightTogether: true,
  }]);
});

test('inconsistent-read: an offset holding another record, or none, in the second read', () => {
  const { history, reads } = fixture();
  const changed = [reads[0]!, editRecords(reads[1]!, 1, (records) => records.map((x) => (x.offset === 1 ? { ...x, value: 'tampered' } : x)))];
  assert.deepEqual(check(history, changed).anomalies, [{
    kind: 'inconsistent-read', partition: 1, offset: 1, reads: [{ read: 0, value: value(0, 1) }, { read: 1, value: 'tampered' }],
  }]);
  const vanished = [reads[0]!, editRecords(reads[1]!, 0, (records) => records.filter((x) => x.offset !== 3))];
  assert.deepEqual(check(history, vanished).anomalies, [{
    kind: 'inconsistent-read', partition: 0, offset: 3, reads: [{ read: 0, value: 'someone else' }, { read: 1, absent: true }],
  }]);
});

test('records outside the range both reads covered are not compared (the log start moved between reads)', () => {
  const { history, reads } = fixture();
  const later = editRecords(reads[1]!, 1, (records) => records.filter((x) => x.offset >= 1)).map((p) => (p.partition === 1 ? { ...p, startOffset: 1 } : p));
  assert.deepEqual(kinds(history, [reads[0]!, later]), []);
});

// Property tests: random clean runs, then one injected anomaly.

interface Step { readonly producer: number; readonly pick: number; readonly kind: 'ack' | 'fail' | 'fail-present' | 'unknown' | 'unknown-present' | 'foreign'; readonly gap: boolean }

interface RunSpec { readonly partitionCount: number; readonly starts: number[]; readonly steps: Step[] }

const runArbitrary: fc.Arbitrary<RunSpec> = fc.record({
  partitionCount: fc.integer({ min: 1, max: 4 }),
  starts: fc.array(fc.nat(50), { minLength: 4, maxLength: 4 }),
  steps: fc.array(fc.record({
    producer: fc.integer({ min: 0, max: 3 }), pick: fc.nat(7), gap: fc.boolean(),
    kind: fc.constantFrom<Step['kind']>('ack', 'ack', 'ack', 'ack', 'fail', 'fail-present', 'unknown', 'unknown-present', 'foreign'),
  }), { maxLength: 60 }),
});

/** What a correct broker would produce for these steps: each present record appended in step order. */
function cleanRun({ partitionCount, starts, steps }: RunSpec): { history: History; reads: TopicRead[] } {
  const next = starts.slice(0, partitionCount);
  const records: Array<Array<{ offset: number; value: string | null }>> = next.map(() => []);
  const seqs = [0, 0, 0, 0];
  const operations: Operation[] = [];
  steps.forEach((step, i) => {
    const partition = step.pick % partitionCount;
    if (step.gap) next[partition]!++;
    if (step.kind === 'foreign') {
      records[partition]!.push({ offset: next[partition]!++, value: i % 2 === 0 ? null : `other ${i}` });
      return;
    }
    const seq = seqs[step.producer]!++;
    const present = step.kind === 'ack' || step.kind.endsWith('-present');
    const offset = next[partition]!;
    if (present) records[partition]!.push({ offset: next[partition]!++, value: value(step.producer, seq) });
    const outcome: Outcome = step.kind === 'ack' ? { type: 'ack', partition, offset, at: 2 * i + 1 }
      : step.kind.startsWith('fail') ? { type: 'fail', error: 'REQUEST_TIMED_OUT', at: 2 * i + 1 } : { type: 'unknown' };
    operations.push({ producer: step.producer, seq, partition, sentAt: 2 * i, outcome });
  });
  const read: TopicRead = records.map((list, partition) => ({ partition, startOffset: starts[partition]!, endOffset: next[partition]!, records: list }));
  return { history: { runId: RUN, operations }, reads: [read, structuredClone(read)] };
}

type Acked = Operation & { readonly outcome: Extract<Outcome, { type: 'ack' }> };
const ackedOf = (history: History) => history.operations.filter((op): op is Acked => op.outcome.type === 'ack');

/** Injects one anomaly of `kind` (choosing with `choice`); null when the run has nothing to inject it into. */
function inject(kind: AnomalyKind, run: { history: History; reads: TopicRead[] }, choice: number): { history: History; reads: TopicRead[] } | null {
  const { history, reads } = run;
  const acked = ackedOf(history);
  const target = acked[choice % Math.max(1, acked.length)];
  switch (kind) {
    case 'lost':
      if (target === undefined) return null;
      return { history, reads: reads.map((r) => editRecords(r, target.outcome.partition, (records) => records.filter((x) => x.offset !== target.outcome.offset))) };
    case 'duplicate': {
      if (target === undefined) return null;
      const end = reads[0]!.find((p) => p.partition === target.outcome.partition)!.endOffset;
      return { history, reads: reads.map((r) => editRecords(r, target.outcome.partition, (records) => [...records, { offset: end, value: value(target.producer, target.seq) }], end + 1)) };
    }
    case 'wrong-offset': {
      if (target === undefined) return null;
      const end = reads[0]!.find((p) => p.partition === target.outcome.partition)!.endOffset;
      return { history: withOutcome(history, target.producer, target.seq, { ...target.outcome, offset: end + 5 }), reads };
    }
    case 'reorder': {
      const pairs = acked.flatMap((a) => acked.filter((b) => b.producer === a.producer && b.outcome.partition === a.outcome.partition && b.seq > a.seq).map((b) => [a, b] as const));
      const pair = pairs[choice % Math.max(1, pairs.length)];
      if (pair === undefined) return null;
      const [a, b] = pair;
      const swapped = withOutcome(withOutcome(history, a.producer, a.seq, { ...a.outcome, offset: b.outcome.offset }), b.producer, b.seq, { ...b.outcome, offset: a.outcome.offset });
      const swap = (x: { offset: number; value: string | null }) =>
        x.offset === a.outcome.offset ? { ...x, value: value(b.producer, b.seq) } : x.offset === b.outcome.offset ? { ...x, value: value(a.producer, a.seq) } : x;
      return { history: swapped, reads: reads.map((r) => editRecords(r, a.outcome.partition, (records) => records.map(swap))) };
    }
    case 'inconsistent-read': {
      const all = reads[1]!.flatMap((p) => p.records.map((x) => ({ partition: p.partition, offset: x.offset })));
      const spot = all[choice % Math.max(1, all.length)];
      if (spot === undefined) return null;
      const edit = choice % 2 === 0
        ? (records: PartitionRead['records']) => records.map((x) => (x.offset === spot.offset ? { ...x, value: 'tampered' } : x))
        : (records: PartitionRead['records']) => records.filter((x) => x.offset !== spot.offset);
      return { history, reads: [reads[0]!, editRecords(reads[1]!, spot.partition, edit)] };
    }
  }
}

test('property: a clean random history reports nothing', () => {
  fc.assert(fc.property(runArbitrary, (spec) => {
    const { history, reads } = cleanRun(spec);
    const result = check(history, reads);
    assert.deepEqual(result.anomalies, []);
    assert.equal(result.counts.acknowledged, ackedOf(history).length);
  }));
});

test('property: one injected anomaly of kind K is reported as K and nothing else', () => {
  fc.assert(fc.property(runArbitrary, fc.constantFrom(...ANOMALY_KINDS), fc.nat(), (spec, kind, choice) => {
    const injected = inject(kind, cleanRun(spec), choice);
    fc.pre(injected !== null);
    const found = kinds(injected!.history, injected!.reads);
    assert.ok(found.length >= 1, `no ${kind} found`);
    assert.deepEqual([...new Set(found)], [kind]);
  }), { numRuns: 300 });
});

test('the recorder keeps the longest stretch without an acknowledgement, from the first one on', () => {
  let now = 1_000;
  const recorder = new HistoryRecorder(RUN, () => now);
  const first = recorder.send(0, 0, 0);
  // Connecting before the first acknowledgement is not a stop.
  now = 3_050;
  recorder.ack(first, 0, 0);
  const stalled = recorder.send(0, 1, 0);
  now = 3_900;
  recorder.fail(stalled, 'NOT_LEADER_OR_FOLLOWER');
  now = 4_300;
  recorder.ack(recorder.send(0, 2, 0), 0, 1);
  now = 4_310;
  recorder.ack(recorder.send(0, 3, 0), 0, 2);
  assert.equal(recorder.longestAckGapMs, 1_250);
});
