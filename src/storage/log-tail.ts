import { BY_REFERENCE_THRESHOLD } from '../protocol/primitives/writer.ts';
import { BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD } from '../protocol/records/batch-header.ts';
import { readInt64 } from './file-io.ts';
import type { ReadBufferPool } from './read-buffer-pool.ts';

/**
 * The bytes a broker appended last, kept in memory so that the reads which follow an append at
 * once are answered from them: every follower's next fetch, every consumer that keeps up. From the
 * file, each such read costs the leader a batch header read and a copy of up to a MiB out of the
 * page cache, per follower and per fetch; from here it costs a view of memory the broker already
 * has (the Produce request, or the follower's fetch answer, that carried the batches).
 *
 * The memory is the appender's: a pooled request frame, which the cache holds on to (retain) and
 * gives back when it lets the append go, so the pool reuses it only once neither the request nor
 * the cache nor a response still being written uses it (read-buffer-pool.ts).
 *
 * 64 MiB over the whole broker, the most recent appends first: a follower in step fetches within
 * milliseconds of an append, a fraction of a second of a busy broker's appends. A 64th of the
 * machine's memory on a smaller one (tailCacheBytesFor).
 */
export const LOG_TAIL_CACHE_BYTES = 64 * 1024 * 1024;

/** LOG_TAIL_CACHE_BYTES on a machine with `totalMemoryBytes` (os.totalmem()). */
export function tailCacheBytesFor(totalMemoryBytes: number): number {
  return Math.min(LOG_TAIL_CACHE_BYTES, Math.floor(totalMemoryBytes / 64));
}
/** And at most this many appends, so that a storm of tiny appends does not fill the heap with entries. */
export const LOG_TAIL_CACHE_APPENDS = 65_536;

const EMPTY = Buffer.alloc(0);

/** One append kept: the bytes written to the log and the offsets they hold. */
interface CachedAppend {
  readonly tail: LogTail;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly bytes: Buffer;
  dropped: boolean;
}

/**
 * The broker-wide budget: every log's tail draws on it, and the oldest append of all goes first,
 * as the page cache lets the oldest pages go. Bytes are counted as the appended views' lengths;
 * a view pins its whole pooled frame, which is at most twice its size for a one-partition request.
 */
export class LogTailCache {
  readonly #memory: ReadBufferPool;
  readonly #capacityBytes: number;
  readonly #capacityAppends: number;
  /** Every append kept, oldest first, from #head on; dropped ones wait here until they come up. */
  #order: CachedAppend[] = [];
  #head = 0;
  #bytes = 0;
  #appends = 0;

  constructor(memory: ReadBufferPool, capacityBytes = LOG_TAIL_CACHE_BYTES, capacityAppends = LOG_TAIL_CACHE_APPENDS) {
    this.#memory = memory;
    this.#capacityBytes = capacityBytes;
    this.#capacityAppends = capacityAppends;
  }

  /** Bytes kept now. */
  get bytes(): number { return this.#bytes; }

  /** The tail of one more log. */
  tail(): LogTail {
    return new LogTail(this, this.#memory);
  }

  /** Keeps `append` (its bytes still held by the appender), letting the oldest go past the budget. */
  keep(append: CachedAppend): void {
    this.#memory.retain(append.bytes);
    this.#order.push(append);
    this.#bytes += append.bytes.length;
    this.#appends += 1;
    while (this.#bytes > this.#capacityBytes || this.#appends > this.#capacityAppends) this.#letOldestGo();
    // Appends let go before #head, and those dropped by their log (a truncation), are holes:
    // compacted away once they outnumber the appends kept.
    if (this.#order.length > 2 * this.#appends + 1024) {
      this.#order = this.#order.slice(this.#head).filter((kept) => !kept.dropped);
      this.#head = 0;
    }
  }

  /** Gives `append`'s memory back (once). */
  drop(append: CachedAppend): void {
    if (append.dropped) return;
    append.dropped = true;
    this.#bytes -= append.bytes.length;
    this.#appends -= 1;
    this.#memory.release(append.bytes);
  }

  #letOldestGo(): void {
    const oldest = this.#order[this.#head]!;
    this.#order[this.#head++] = undefined as unknown as CachedAppend;
    if (oldest.dropped) return;
    oldest.tail.forget(oldest);
    this.drop(oldest);
  }
}

/**
 * One log's part of the cache: its last appends, contiguous in offsets, oldest first. The log
 * tells it of every append and clears it when it truncates, closes or goes offline, so what it
 * holds is always what the log holds at those offsets.
 */
export class LogTail {
  readonly #cache: LogTailCache;
  readonly #memory: ReadBufferPool;
  /** Kept appends from #first on, in offset order with no gap. */
  #appends: CachedAppend[] = [];
  #first = 0;

  constructor(cache: LogTailCache, memory: ReadBufferPool) {
    this.#cache = cache;
    this.#memory = memory;
  }

  /** The log appended `bytes`, whole batches holding offsets firstOffset..lastOffset. */
  appended(bytes: Buffer, firstOffset: number, lastOffset: number): void {
    const last = this.#appends[this.#appends.length - 1];
    if (last !== undefined && last.lastOffset + 1 !== firstOffset) this.clear();
    const append: CachedAppend = { tail: this, firstOffset, lastOffset, bytes, dropped: false };
    this.#appends.push(append);
    this.#cache.keep(append);
  }

  /** Lets every append go (a truncation, a close). */
  clear(): void {
    for (let i = this.#first; i < this.#appends.length; i++) this.#cache.drop(this.#appends[i]!);
    this.#appends = [];
    this.#first = 0;
  }

  /** The cache lets this log's oldest append go. */
  forget(append: CachedAppend): void {
    if (this.#appends[this.#first] !== append) return;
    this.#appends[this.#first++] = undefined as unknown as CachedAppend;
    if (this.#first === this.#appends.length) {
      this.#appends = [];
      this.#first = 0;
    } else if (this.#first > 64 && this.#first * 2 > this.#appends.length) {
      this.#appends = this.#appends.slice(this.#first);
      this.#first = 0;
    }
  }

  /**
   * As LogSegment.read: whole batches from the one holding fetchOffset, up to maxBytes (at least one
   * batch when minOneBatch), none with an offset at or above maxOffset; undefined when fetchOffset
   * is not in the cache (the file has it). Unlike a segment read it may run across a roll. Within
   * one append the answer is a view of its memory, which the caller gives back to the pool once
   * written (as it does a read buffer); across appends, a copy into pooled memory; under
   * BY_REFERENCE_THRESHOLD, a plain copy.
   */
  read(fetchOffset: number, maxBytes: number, minOneBatch: boolean, maxOffset: number): Buffer | undefined {
    const appends = this.#appends;
    const lastIndex = appends.length - 1;
    if (this.#first > lastIndex || fetchOffset < appends[this.#first]!.firstOffset || fetchOffset > appends[lastIndex]!.lastOffset) return undefined;
    let low = this.#first;
    let high = lastIndex;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (appends[middle]!.firstOffset <= fetchOffset) low = middle;
      else high = middle - 1;
    }
    // Batches [start, end) of appends low..at, walked header by header.
    const pieces: Buffer[] = [];
    let total = 0;
    let at = low;
    let position = 0;
    let start = -1;
    for (;;) {
      const bytes = appends[at]!.bytes;
      if (position + LOG_OVERHEAD > bytes.length) {
        if (start >= 0) pieces.push(bytes.subarray(start, position));
        start = -1;
        position = 0;
        if (++at > lastIndex) break;
        continue;
      }
      const size = LOG_OVERHEAD + bytes.readInt32BE(position + BATCH_LENGTH_OFFSET);
      const batchLast = readInt64(bytes, position) + bytes.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET);
      if (batchLast < fetchOffset) {
        position += size;
        continue;
      }
      const fits = total + size <= maxBytes || (minOneBatch && total === 0);
      if (batchLast >= maxOffset || !fits) {
        if (start >= 0) pieces.push(bytes.subarray(start, position));
        break;
      }
      if (start < 0) start = position;
      total += size;
      position += size;
    }
    if (total === 0) return EMPTY;
    // A response copies bytes this small (Writer.raw), and would never give a view of them back.
    if (total < BY_REFERENCE_THRESHOLD) return Buffer.concat(pieces, total);
    if (pieces.length === 1) {
      this.#memory.retain(pieces[0]!);
      return pieces[0];
    }
    const joined = this.#memory.acquire(total);
    let offset = 0;
    for (const piece of pieces) offset += piece.copy(joined, offset);
    return joined;
  }
}
