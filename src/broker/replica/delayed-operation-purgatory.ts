import type { Time, Timer } from '../time.ts';

/**
 * A request that waits for something to happen on some partitions (new data for a fetch that
 * asked for min bytes, replicas catching up for acks=all) or for its deadline, whichever is first.
 *
 * `tryComplete` is called every time a watched partition changes; it returns true when the
 * operation is satisfied. Completion happens exactly once: either through tryComplete or through
 * expiry, then `onComplete` runs.
 */
export interface DelayedOperation {
  tryComplete(): boolean;
  onComplete(): void;
}

interface Watched {
  readonly operation: DelayedOperation;
  readonly keys: readonly string[];
  timer: Timer | undefined;
  done: boolean;
}

/**
 * Kafka's purgatory: operations indexed by the partitions they watch, woken by `checkAndComplete`
 * when a partition changes instead of polling. Keys are `topic-partition` strings.
 */
export class DelayedOperationPurgatory {
  private readonly time: Time;
  private readonly watchers = new Map<string, Set<Watched>>();

  constructor(time: Time) {
    this.time = time;
  }

  /** Completes at once when already satisfied; otherwise waits on `keys` for at most `timeoutMs`. */
  tryCompleteElseWatch(operation: DelayedOperation, keys: readonly string[], timeoutMs: number): void {
    if (operation.tryComplete()) {
      operation.onComplete();
      return;
    }
    this.watch(operation, keys, timeoutMs);
  }

  /**
   * Waits on `keys` for at most `timeoutMs`, without trying first: for an operation its caller
   * found unsatisfied earlier in the same synchronous run, so that nothing can have changed since.
   */
  watch(operation: DelayedOperation, keys: readonly string[], timeoutMs: number): void {
    const watched: Watched = { operation, keys, timer: undefined, done: false };
    for (const key of keys) {
      let set = this.watchers.get(key);
      if (set === undefined) this.watchers.set(key, (set = new Set()));
      set.add(watched);
    }
    watched.timer = this.time.setTimeout(() => this.complete(watched), Math.max(0, timeoutMs));
  }

  /** Called when `key` changed (an append, a high watermark move). */
  checkAndComplete(key: string): void {
    const set = this.watchers.get(key);
    if (set === undefined) return;
    for (const watched of [...set]) {
      if (!watched.done && watched.operation.tryComplete()) this.complete(watched);
    }
  }

  /** Completes everything still waiting, as on shutdown. */
  completeAll(): void {
    for (const set of [...this.watchers.values()]) for (const watched of [...set]) this.complete(watched);
  }

  get watchedCount(): number {
    let count = 0;
    for (const set of this.watchers.values()) count += set.size;
    return count;
  }

  private complete(watched: Watched): void {
    if (watched.done) return;
    watched.done = true;
    if (watched.timer !== undefined) this.time.clearTimeout(watched.timer);
    for (const key of watched.keys) {
      const set = this.watchers.get(key);
      if (set === undefined) continue;
      set.delete(watched);
      if (set.size === 0) this.watchers.delete(key);
    }
    watched.operation.onComplete();
  }
}
