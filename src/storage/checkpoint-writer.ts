import { writeFileAtomically, writeFileAtomicallyAsync } from './file-io.ts';

/**
 * How many asynchronous checkpoint writes may run at once across the writers sharing it. A broker
 * creating thousands of partitions starts a leader epoch write for each: bounded, they hold a few
 * descriptors at a time, not thousands, and each renders its content only once its turn comes, so
 * the changes made while it waited are in it.
 */
export class CheckpointWriteSlots {
  readonly #max: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  /** 4 by default: libuv's thread pool runs 4 at once anyway. */
  constructor(max = 4) {
    this.#max = max;
  }

  async acquire(): Promise<() => void> {
    if (this.#running >= this.#max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so #running counts it still.
      if (next !== undefined) next();
      else this.#running -= 1;
    };
  }
}

/**
 * Keeps one checkpoint file in step with state that changes on the event loop, without the loop
 * waiting for the disk: `changed()` starts an asynchronous atomic write (temporary file, fsync,
 * rename, directory fsync; file-io.ts) unless one is already under way, in which case the changes
 * are written by the next one, which starts when it ends. At most one write is in flight, and
 * `render` is asked for the content as each write starts, so many changes make few writes and the
 * latest content always wins.
 *
 * A failed write is reported to `onError` (the owner takes its log or log dir offline, as a failed
 * synchronous write did); nothing more is written after it. `flushSync()` (clean shutdown, a log
 * deleted) writes the current content on the event loop and makes an asynchronous write still in
 * flight drop its older content instead of renaming it over.
 */
export class CheckpointWriter {
  readonly file: string;
  readonly #render: () => string;
  readonly #onError: (error: unknown) => void;
  readonly #action: string;
  readonly #slots: CheckpointWriteSlots;
  #dirty = false;
  #inFlight: Promise<void> | undefined;
  /** Bumped by every synchronous write: an asynchronous one that started before it must not rename. */
  #syncWrites = 0;
  #failed = false;
  #abandoned = false;
  /** Writes that reached the disk, for tests and benchmarks. */
  writes = 0;

  constructor(file: string, render: () => string, onError: (error: unknown) => void,
    options: { action?: string; slots?: CheckpointWriteSlots } = {}) {
    this.file = file;
    this.#slots = options.slots ?? new CheckpointWriteSlots(1);
    this.#render = render;
    this.#onError = onError;
    this.#action = options.action ?? 'write checkpoint';
  }

  /** Whether some change is not yet known to be on disk. */
  get pending(): boolean { return this.#dirty || this.#inFlight !== undefined; }

  /**
   * The file is going with its directory (a deleted log): nothing more is written, and a write
   * already under way neither renames nor reports its failure (its directory may be gone).
   */
  abandon(): void {
    this.#abandoned = true;
    this.#dirty = false;
  }

  /** The state changed: it reaches the disk with the next asynchronous write. */
  changed(): void {
    if (this.#failed || this.#abandoned) return;
    this.#dirty = true;
    if (this.#inFlight === undefined) this.#inFlight = this.#run();
  }

  /** Settles once every change made before the call is on disk (or the writer failed). */
  async flush(): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight;
  }

  /**
   * Writes the current content now, on the event loop, if a change is pending (always with
   * `force`); throws the write's StorageError.
   */
  flushSync(force = false): void {
    if (this.#failed || !(force || this.pending)) return;
    this.#syncWrites += 1;
    this.#dirty = false;
    try {
      writeFileAtomically(this.file, this.#render(), this.#action);
    } catch (error) {
      this.#failed = true;
      throw error;
    }
    this.writes += 1;
  }

  async #run(): Promise<void> {
    try {
      while (this.#dirty && !this.#failed) {
        const release = await this.#slots.acquire();
        try {
          // A synchronous write while this one waited may have written everything.
          if (!this.#dirty || this.#failed || this.#abandoned) break;
          this.#dirty = false;
          const syncWrites = this.#syncWrites;
          const written = await writeFileAtomicallyAsync(this.file, this.#render(), `${this.file}.async.tmp`,
            () => this.#syncWrites === syncWrites && !this.#abandoned, this.#action);
          if (written) this.writes += 1;
        } finally {
          release();
        }
      }
    } catch (error) {
      this.#failed = true;
      if (!this.#abandoned) this.#onError(error);
    } finally {
      this.#inFlight = undefined;
    }
  }
}
