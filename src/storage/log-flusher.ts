import { syncDirectory, syncDirectoryAsync } from './file-io.ts';
import type { LogSegment } from './log-segment.ts';

/** What the flusher needs of its log. */
export interface FlushedLog {
  readonly dir: string;
  readonly now: () => number;
  readonly activeSegment: () => LogSegment;
  readonly logEndOffset: () => number;
  /** Throws when the log may not be used (closed, offline). */
  readonly ensureOpen: () => void;
  readonly isClosed: () => boolean;
  /** Runs storage work; a failed system call takes the log offline before it is rethrown. */
  readonly guard: <T>(work: () => T) => T;
  readonly guardAsync: <T>(work: () => Promise<T>) => Promise<T>;
  /** Told how long each flush that put something on disk took (metrics: Kafka's LogFlushRateAndTimeMs). */
  readonly onFlushed?: ((durationMs: number) => void) | undefined;
}

/**
 * What one partition log has not yet put on disk, and the fsyncs that put it there: Kafka's
 * recovery point (every offset below it is on disk), the messages and time since the last flush
 * (flush.messages, flush.ms), the segments rolled since, and whether the directory changed.
 *
 * Synchronous flushes serve the close. Asynchronous ones run in libuv's thread pool, so the
 * event loop never waits for the disk: one at a time, and every request made before one starts
 * shares it (group commit), since an fsync covers everything written before it began. The
 * recovery point moves only once a flush has ended.
 */
export class LogFlusher {
  readonly #log: FlushedLog;
  /** Rolled segments not yet fsynced; one stays here until an fsync of it has ended. */
  #rolled: LogSegment[] = [];
  /** Changes to the directory so far, and how many of them a directory fsync has covered. */
  #dirChanges = 0;
  #dirSynced = 0;
  #unflushedMessages = 0;
  #lastFlushMs: number;
  #flushedOffset: number;
  /** The last asynchronous flush asked for, and the one still waiting to start. */
  #tail: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;
  #queuedIncludesActive = false;

  constructor(log: FlushedLog, flushedOffset: number) {
    this.#log = log;
    this.#flushedOffset = flushedOffset;
    this.#lastFlushMs = log.now();
  }

  get recoveryPoint(): number { return this.#flushedOffset; }

  /** `count` records were appended: returns the fsync flush.messages asks for, if it does. */
  appended(count: number, flushMessages: number): Promise<void> | undefined {
    this.#unflushedMessages += count;
    return this.#unflushedMessages < flushMessages ? undefined : this.flushAsync();
  }

  /** A segment stopped being the active one: it is fsynced in the background, as after Kafka's roll. */
  rolled(previous: LogSegment): void {
    this.#rolled.push(previous);
    this.#dirChanges += 1;
    // A failure takes the log offline and is reported there; nobody waits for this one.
    this.#queue(false).catch(() => undefined);
  }

  /** Files were created, renamed or removed in the log's directory. */
  directoryChanged(): void {
    this.#dirChanges += 1;
  }

  /** The segment is gone: nothing of it needs an fsync any more. */
  removed(segment: LogSegment): void {
    this.#rolled = this.#rolled.filter((s) => s !== segment);
    this.#dirChanges += 1;
  }

  /** The log was cut back to `offset`: nothing from there on is on disk. */
  truncatedTo(offset: number): void {
    this.#flushedOffset = Math.min(this.#flushedOffset, offset);
  }

  /** fsyncs every unflushed segment (and the directory after a roll); the recovery point moves to the log end. */
  flush(): void {
    const end = this.#log.logEndOffset();
    const startedMs = performance.now();
    this.#log.guard(() => {
      this.flushRolledSegments();
      this.#log.activeSegment().flush();
    });
    this.#log.onFlushed?.(performance.now() - startedMs);
    this.#unflushedMessages = 0;
    this.#lastFlushMs = this.#log.now();
    this.#flushedOffset = Math.max(this.#flushedOffset, end);
  }

  /** fsyncs the segments rolled since the last flush; the recovery point moves to the active segment. */
  flushRolledSegments(): void {
    this.#log.guard(() => {
      // Including those an asynchronous flush is still on: this one must not return before they are on disk.
      for (const segment of this.#rolled) segment.flush();
      this.#rolled = [];
      const dirChanges = this.#dirChanges;
      if (dirChanges > this.#dirSynced) {
        syncDirectory(this.#log.dir);
        this.#dirSynced = Math.max(this.#dirSynced, dirChanges);
      }
    });
    this.#flushedOffset = Math.max(this.#flushedOffset, this.#log.activeSegment().baseOffset);
  }

  /** flush() off the event loop: settles once everything appended before the call is on disk. */
  flushAsync(): Promise<void> {
    this.#unflushedMessages = 0;
    this.#lastFlushMs = this.#log.now();
    return this.#queue(true);
  }

  /** flushRolledSegments() off the event loop. */
  flushRolledSegmentsAsync(): Promise<void> {
    return this.#queue(false);
  }

  /** flush.ms: starts an asynchronous flush if there are unflushed records and the last flush is at least flushMs old. */
  flushIfDue(nowMs: number, flushMs: number): boolean {
    if (this.#unflushedMessages === 0 || nowMs - this.#lastFlushMs < flushMs) return false;
    // Its failure takes the log offline and is reported there; nobody waits for this one.
    this.flushAsync().catch(() => undefined);
    return true;
  }

  #queue(includeActive: boolean): Promise<void> {
    this.#queuedIncludesActive ||= includeActive;
    if (this.#queued !== undefined) return this.#queued;
    const flush = this.#tail.then(() => {
      const all = this.#queuedIncludesActive;
      this.#queued = undefined;
      this.#queuedIncludesActive = false;
      return this.#run(all);
    });
    this.#queued = flush;
    this.#tail = flush.catch(() => undefined);
    return flush;
  }

  /** One asynchronous flush: what it covers is taken as it starts; the recovery point moves when it ends. */
  async #run(includeActive: boolean): Promise<void> {
    const log = this.#log;
    // A closed log was flushed by its close (LogManager.closeAll) or deleted: nothing is left to do.
    if (log.isClosed()) return;
    log.ensureOpen();
    const active = log.activeSegment();
    const end = includeActive ? log.logEndOffset() : active.baseOffset;
    const rolled = [...this.#rolled];
    const segments = includeActive ? [...rolled, active] : rolled;
    const dirChanges = this.#dirChanges;
    const startedMs = performance.now();
    await log.guardAsync(async () => {
      // Started together, so every descriptor is pinned before anything can delete a segment.
      await Promise.all(segments.map((segment) => segment.flushAsync()));
      if (dirChanges > this.#dirSynced) await syncDirectoryAsync(log.dir);
    });
    if (segments.length > 0 || dirChanges > this.#dirSynced) log.onFlushed?.(performance.now() - startedMs);
    this.#rolled = this.#rolled.filter((segment) => !rolled.includes(segment));
    this.#dirSynced = Math.max(this.#dirSynced, dirChanges);
    this.#flushedOffset = Math.max(this.#flushedOffset, end);
  }
}
