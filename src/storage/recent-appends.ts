import type { LogTail } from './log-tail.ts';

/**
 * Which offsets of a log this process appended so recently that the page cache still holds them,
 * so that a read of them may run on the event loop (a few microseconds from memory) instead of
 * taking a trip to libuv's thread pool and back (which a consumer that waits for each Fetch
 * response pays on every round trip). Everything else (a consumer catching up, data from before a
 * restart) is read in the pool, where a read that has to wait for the disk stops nothing else.
 *
 * It is a guess, never a promise: the page cache keeps what was written last until memory runs
 * short, and nothing here can see it drop a page (`drop_caches`, another process's memory). When
 * the guess is wrong a read on the loop waits for the disk, as every read did before issue 11,
 * for at most one fetch's bytes of the last window.
 */

/**
 * How many of the last bytes appended by the broker count as recent: 1 GiB, or an eighth of the
 * machine's memory on a smaller one (see pageCacheWindowBytes). Kafka's brokers are sized so the
 * page cache holds many times that (a consumer that keeps up never reads the disk); a broker that
 * has less still keeps the last MiBs, where a consumer that keeps up reads, and the rest of the
 * window is the guess above.
 */
export const RECENT_APPEND_WINDOW_BYTES = 1 << 30;

/**
 * How long an append counts as recent: a minute. A consumer that keeps up is milliseconds to
 * seconds behind; one a minute behind is catching up, and its reads can afford the pool. The time
 * limit also covers an idle broker whose memory other processes take over meanwhile.
 */
export const RECENT_APPEND_WINDOW_MS = 60_000;

/** RECENT_APPEND_WINDOW_BYTES on a machine with `totalMemoryBytes` (os.totalmem()). */
export function pageCacheWindowBytes(totalMemoryBytes: number): number {
  return Math.min(RECENT_APPEND_WINDOW_BYTES, Math.floor(totalMemoryBytes / 8));
}

/**
 * The window, shared by all the logs of a LogManager, with the bytes they appended so far: the page
 * cache holds the last bytes written by the whole broker, not the last bytes of each partition, so
 * a thousand busy partitions share one window rather than each getting its own.
 */
export interface RecentAppendWindow {
  appendedBytes: number;
  readonly windowBytes: number;
  readonly windowMs: number;
}

export function recentAppendWindow(windowBytes = RECENT_APPEND_WINDOW_BYTES, windowMs = RECENT_APPEND_WINDOW_MS): RecentAppendWindow {
  return { appendedBytes: 0, windowBytes, windowMs };
}

/** A window is followed in this many steps: a mark may start up to 1/64 of it late (the guess errs towards the pool). */
const MARKS_PER_WINDOW = 64;

interface Mark {
  /** The first offset of the append that took this mark: every offset from here on came at or after it. */
  readonly offset: number;
  /** RecentAppendWindow.appendedBytes before that append. */
  readonly bytes: number;
  readonly timeMs: number;
}

/**
 * One log's recent appends, as marks (offset, broker bytes appended so far, time) taken at an
 * append at most every 1/64 of the window in bytes or in time, so at most about 130 are kept
 * whatever the append rate; marks that left the window are dropped. Empty after a restart (this
 * process appended nothing yet) and after a truncation (the offsets are written again).
 */
export class RecentAppends {
  private readonly window: RecentAppendWindow;
  private readonly now: () => number;
  private marks: Mark[] = [];
  /** The last appends' bytes themselves, when the log has a tail cache (log-tail.ts). */
  readonly tail: LogTail | undefined;

  constructor(window: RecentAppendWindow, now: () => number, tail?: LogTail) {
    this.window = window;
    this.now = now;
    this.tail = tail;
  }

  /** Called for each append to the log: `bytes` from `firstOffset` on. */
  appendedAt(firstOffset: number, bytes: number): void {
    const window = this.window;
    const timeMs = this.now();
    const last = this.marks.at(-1);
    if (last === undefined || window.appendedBytes - last.bytes >= window.windowBytes / MARKS_PER_WINDOW
      || timeMs - last.timeMs >= window.windowMs / MARKS_PER_WINDOW) {
      this.dropOld(timeMs);
      this.marks.push({ offset: firstOffset, bytes: window.appendedBytes, timeMs });
    }
    window.appendedBytes += bytes;
  }

  /** Whether `offset` was appended by this process within the window (bytes and time). */
  contains(offset: number): boolean {
    this.dropOld(this.now());
    return this.marks.length > 0 && offset >= this.marks[0].offset;
  }

  /** Forgets every mark and lets the tail go: the log was truncated (the offsets above the cut will be other records) or closed. */
  reset(): void {
    this.marks = [];
    this.tail?.clear();
  }

  private dropOld(nowMs: number): void {
    const { appendedBytes, windowBytes, windowMs } = this.window;
    let old = 0;
    while (old < this.marks.length && (appendedBytes - this.marks[old].bytes > windowBytes || nowMs - this.marks[old].timeMs > windowMs)) old += 1;
    if (old > 0) this.marks.splice(0, old);
  }
}
