/**
 * The purgatory alone, on a clock that moves only when told: an operation completes once, by the
 * first of a change on a key it watches that satisfies it, its deadline, or shutdown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualTime } from '../coordinator/runtime/manual-time.ts';
import { DelayedOperationPurgatory, type DelayedOperation } from './delayed-operation-purgatory.ts';

/** An operation whose readiness the test sets, counting how often the purgatory asks and completes it. */
class Probe implements DelayedOperation {
  ready = false;
  tries = 0;
  completions = 0;
  /** Runs inside onComplete, as a real completion may (a response written, another change made). */
  whenCompleted: (() => void) | undefined;

  tryComplete(): boolean {
    this.tries++;
    return this.ready;
  }

  onComplete(): void {
    this.completions++;
    this.whenCompleted?.();
  }
}

function setup(): { time: ManualTime; purgatory: DelayedOperationPurgatory } {
  const time = new ManualTime();
  return { time, purgatory: new DelayedOperationPurgatory(time) };
}

test('an operation already satisfied completes at once and is never watched', () => {
  const { time, purgatory } = setup();
  const probe = new Probe();
  probe.ready = true;
  purgatory.tryCompleteElseWatch(probe, ['t-0'], 1000);
  assert.equal(probe.completions, 1);
  assert.equal(purgatory.watchedCount, 0);
  assert.equal(time.pendingTimers, 0, 'no deadline is left armed');
  purgatory.checkAndComplete('t-0');
  time.advance(2000);
  assert.equal(probe.completions, 1);
});

test('watch() waits without asking first (its caller just found the operation unsatisfied); a change then asks it', () => {
  const { time, purgatory } = setup();
  const probe = new Probe();
  probe.ready = true;
  purgatory.watch(probe, ['t-0', 't-1'], 1000);
  assert.deepEqual([probe.tries, probe.completions, purgatory.watchedCount], [0, 0, 2]);
  purgatory.checkAndComplete('t-1');
  assert.deepEqual([probe.tries, probe.completions, purgatory.watchedCount], [1, 1, 0]);
  time.advance(2000);
  assert.equal(probe.completions, 1);
});

test('a change on a watched key completes the operation once it is satisfied; other keys do not ask it', () => {
  const { time, purgatory } = setup();
  const probe = new Probe();
  purgatory.tryCompleteElseWatch(probe, ['t-0'], 1000);
  assert.deepEqual([probe.tries, probe.completions, purgatory.watchedCount], [1, 0, 1]);

  purgatory.checkAndComplete('t-1');
  assert.equal(probe.tries, 1, 'a change on a key it does not watch leaves it alone');
  purgatory.checkAndComplete('t-0');
  assert.deepEqual([probe.tries, probe.completions], [2, 0], 'asked again, not yet satisfied: it keeps waiting');

  probe.ready = true;
  purgatory.checkAndComplete('t-0');
  assert.deepEqual([probe.tries, probe.completions], [3, 1]);
  assert.equal(purgatory.watchedCount, 0);
  assert.equal(time.pendingTimers, 0, 'completion cancels the deadline');
  time.advance(5000);
  purgatory.checkAndComplete('t-0');
  assert.deepEqual([probe.tries, probe.completions], [3, 1], 'a completed operation is never asked or completed again');
});

test('the deadline completes an unsatisfied operation exactly at timeoutMs, without asking it again', () => {
  const { time, purgatory } = setup();
  const probe = new Probe();
  purgatory.tryCompleteElseWatch(probe, ['t-0'], 500);
  time.advance(499);
  assert.equal(probe.completions, 0, 'not before its deadline');
  time.advance(1);
  assert.equal(probe.completions, 1);
  assert.equal(probe.tries, 1, 'expiry completes it as it is: onComplete decides what to answer');
  assert.equal(purgatory.watchedCount, 0);
  probe.ready = true;
  purgatory.checkAndComplete('t-0');
  assert.equal(probe.completions, 1);
});

test('a negative timeout waits for nothing more than the next turn of the clock', () => {
  const { time, purgatory } = setup();
  const probe = new Probe();
  purgatory.tryCompleteElseWatch(probe, ['t-0'], -5);
  assert.equal(probe.completions, 0);
  time.advance(0);
  assert.equal(probe.completions, 1);
});

test('an operation watching several keys completes once, whichever key wakes it, and leaves every key', () => {
  const { time, purgatory } = setup();
  const probe = new Probe();
  purgatory.tryCompleteElseWatch(probe, ['t-0', 't-1', 'u-0'], 1000);
  assert.equal(purgatory.watchedCount, 3, 'watched under each of its keys');
  probe.ready = true;
  purgatory.checkAndComplete('t-1');
  assert.equal(probe.completions, 1);
  assert.equal(purgatory.watchedCount, 0, 'removed from every key, not only the one that woke it');
  purgatory.checkAndComplete('t-0');
  purgatory.checkAndComplete('u-0');
  time.advance(1000);
  assert.equal(probe.completions, 1);
  assert.equal(probe.tries, 2);
});

test('operations on one key complete independently: only the satisfied ones go', () => {
  const { time, purgatory } = setup();
  const [first, second, third] = [new Probe(), new Probe(), new Probe()];
  purgatory.tryCompleteElseWatch(first, ['t-0'], 1000);
  purgatory.tryCompleteElseWatch(second, ['t-0'], 300);
  purgatory.tryCompleteElseWatch(third, ['t-0', 't-1'], 1000);
  first.ready = true;
  purgatory.checkAndComplete('t-0');
  assert.deepEqual([first.completions, second.completions, third.completions], [1, 0, 0]);
  assert.equal(purgatory.watchedCount, 3, 'second on t-0, third on t-0 and t-1');
  time.advance(300);
  assert.deepEqual([first.completions, second.completions, third.completions], [1, 1, 0], 'second reached its own deadline');
  third.ready = true;
  purgatory.checkAndComplete('t-1');
  assert.deepEqual([first.completions, second.completions, third.completions], [1, 1, 1]);
  assert.equal(purgatory.watchedCount, 0);
  assert.equal(time.pendingTimers, 0);
});

test('a change made from inside a completion does not complete that operation twice', () => {
  const { purgatory } = setup();
  const probe = new Probe();
  const other = new Probe();
  purgatory.tryCompleteElseWatch(probe, ['t-0'], 1000);
  purgatory.tryCompleteElseWatch(other, ['t-0'], 1000);
  // The first completion changes the same partition again (as a response that triggers an append would).
  probe.whenCompleted = () => purgatory.checkAndComplete('t-0');
  probe.ready = true;
  other.ready = true;
  purgatory.checkAndComplete('t-0');
  assert.equal(probe.completions, 1);
  assert.equal(other.completions, 1);
  assert.equal(purgatory.watchedCount, 0);
});

test('completeAll completes everything still waiting once, as on shutdown, and cancels every deadline', () => {
  const { time, purgatory } = setup();
  const probes = [new Probe(), new Probe(), new Probe()];
  purgatory.tryCompleteElseWatch(probes[0]!, ['t-0'], 1000);
  purgatory.tryCompleteElseWatch(probes[1]!, ['t-0', 't-1'], 2000);
  purgatory.tryCompleteElseWatch(probes[2]!, ['u-0'], 3000);
  purgatory.completeAll();
  assert.deepEqual(probes.map((probe) => probe.completions), [1, 1, 1]);
  assert.equal(purgatory.watchedCount, 0);
  assert.equal(time.pendingTimers, 0);
  time.advance(5000);
  assert.deepEqual(probes.map((probe) => probe.completions), [1, 1, 1]);
});
