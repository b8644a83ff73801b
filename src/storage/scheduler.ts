/**
 * Delayed work for storage (file deletion after file.delete.delay.ms, periodic checkpoints),
 * injected so tests control time. A task never runs after its cancel function was called.
 */
export interface Scheduler {
  schedule(delayMs: number, task: () => void): () => void;
}

/** Node timers, unref'd so pending storage work never keeps the process alive. */
export const timerScheduler: Scheduler = Object.freeze({
  schedule(delayMs: number, task: () => void): () => void {
    const timer = setTimeout(task, Math.max(0, Math.min(delayMs, 0x7fff_ffff)));
    timer.unref();
    return () => clearTimeout(timer);
  },
});

/** Runs `task` every `intervalMs` until the returned function is called. */
export function schedulePeriodic(scheduler: Scheduler, intervalMs: number, task: () => void): () => void {
  let cancel: () => void = () => undefined;
  let stopped = false;
  const run = (): void => {
    if (stopped) return;
    try {
      task();
    } finally {
      if (!stopped) cancel = scheduler.schedule(intervalMs, run);
    }
  };
  cancel = scheduler.schedule(intervalMs, run);
  return () => {
    stopped = true;
    cancel();
  };
}

/** A scheduler driven by hand, for tests: `advance(ms)` runs what falls due, in order. */
export class ManualScheduler implements Scheduler {
  nowMs = 0;
  private tasks: { at: number; seq: number; task: () => void }[] = [];
  private seq = 0;

  schedule(delayMs: number, task: () => void): () => void {
    const entry = { at: this.nowMs + delayMs, seq: this.seq++, task };
    this.tasks.push(entry);
    return () => { this.tasks = this.tasks.filter((t) => t !== entry); };
  }

  get pending(): number { return this.tasks.length; }

  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      this.tasks.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.tasks[0];
      if (next === undefined || next.at > until) break;
      this.tasks.shift();
      this.nowMs = next.at;
      next.task();
    }
    this.nowMs = until;
  }
}
