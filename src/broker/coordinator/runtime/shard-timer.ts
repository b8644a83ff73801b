import type { Logger } from '../../logger.ts';
import type { Time, Timer } from '../../time.ts';
import type { CoordinatorResult, CoordinatorTimer } from './coordinator-runtime.ts';

interface Entry {
  handle: Timer | undefined;
}

/**
 * A shard's timers (Kafka's CoordinatorTimer): an expired timer's operation runs as a write
 * operation of its partition. The entry stays until that operation runs, so a cancel or a new
 * schedule in between wins over the expired one.
 */
export class ShardTimer implements CoordinatorTimer {
  private readonly time: Time;
  private readonly write: (name: string, operation: () => CoordinatorResult<void>) => Promise<void>;
  private readonly logger: Logger;
  private readonly entries = new Map<string, Entry>();

  constructor(time: Time, write: (name: string, operation: () => CoordinatorResult<void>) => Promise<void>, logger: Logger) {
    this.time = time;
    this.write = write;
    this.logger = logger;
  }

  schedule(key: string, delayMs: number, operation: () => CoordinatorResult<void>): void {
    this.cancel(key);
    const entry: Entry = { handle: undefined };
    entry.handle = this.time.setTimeout(() => {
      entry.handle = undefined;
      this.write(`timer ${key}`, () => {
        if (this.entries.get(key) !== entry) return { records: [], response: undefined };
        this.entries.delete(key);
        return operation();
      }).catch((error: unknown) => {
        this.logger.warn({ err: error, timer: key }, 'coordinator timer operation failed');
      });
    }, Math.max(0, delayMs));
    entry.handle.unref?.();
    this.entries.set(key, entry);
  }

  cancel(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    if (entry.handle !== undefined) this.time.clearTimeout(entry.handle);
  }

  isScheduled(key: string): boolean {
    return this.entries.has(key);
  }

  cancelAll(): void {
    for (const key of [...this.entries.keys()]) this.cancel(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
