import type { Time, Timer } from '../../time.ts';

interface Scheduled {
  readonly id: number;
  readonly dueMs: number;
  readonly callback: () => void;
}

/** A clock that moves only when told: timers fire, in due order, during advance(). For tests. */
export class ManualTime implements Time {
  private nowMs: number;
  private nextId = 0;
  private readonly timers = new Map<number, Scheduled>();

  constructor(startMs = 1_700_000_000_000) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    const id = this.nextId++;
    this.timers.set(id, { id, dueMs: this.nowMs + Math.max(0, delayMs), callback });
    return { id } as Timer;
  }

  clearTimeout(timer: Timer): void {
    this.timers.delete((timer as { id: number }).id);
  }

  /** Moves the clock forward by `ms`, firing every timer due on the way (also ones set meanwhile). */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      let next: Scheduled | undefined;
      for (const timer of this.timers.values()) {
        if (timer.dueMs <= target && (next === undefined || timer.dueMs < next.dueMs || (timer.dueMs === next.dueMs && timer.id < next.id))) next = timer;
      }
      if (next === undefined) break;
      this.timers.delete(next.id);
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      next.callback();
    }
    this.nowMs = target;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}
