import { FileHandlePool } from './file-handle-pool.ts';
import { IndexFile } from './index-file.ts';

const ENTRY_SIZE = 8;

export interface OffsetPosition {
  offset: number;
  position: number;
}

/**
 * Sparse offset index of one log segment: `<baseOffset, 20 digits>.index`, Kafka's format.
 *
 * File format: a sequence of 8-byte entries, big-endian
 *   relativeOffset int32 (offset - segment baseOffset) | position int32 (byte position in the .log)
 * As in Kafka, an entry maps the LAST offset of a batch to the position where that batch starts,
 * and one is added after every log.index.interval.bytes of log bytes. Entries strictly increase in
 * both fields, and no entry has position 0 (the first batch of a segment is never indexed), so
 * the zeros of a preallocated tail can never pass as an entry.
 *
 * The active segment's index is preallocated to log.index.size.max.bytes (rounded down to whole
 * entries) and trimmed to its entries on roll and close. Loading, memory and file writes: IndexFile.
 */
export class OffsetIndex extends IndexFile {
  constructor(pool: FileHandlePool, path: string, baseOffset: number, maxIndexSize: number) {
    super(pool, path, baseOffset, maxIndexSize, ENTRY_SIZE);
  }

  /**
   * Opens (or creates) an index and loads its entries at once; `corrupt` when the file is not a
   * valid index for a log of `logSize` bytes (it then holds no entries). For tests and tools:
   * segments load their indexes lazily.
   */
  static open(path: string, baseOffset: number, maxIndexSize: number, logSize: number, pool = new FileHandlePool({ maxOpen: 4 })): { index: OffsetIndex; corrupt: boolean } {
    const index = new OffsetIndex(pool, path, baseOffset, maxIndexSize);
    const valid = index.load(logSize);
    return { index, corrupt: !valid };
  }

  /** Adds an entry for `offset` (absolute) at log `position`; both must exceed the last entry's. */
  append(offset: number, position: number): void {
    if (this.isFull) return;
    const relative = offset - this.baseOffset;
    const memory = this.memory as Buffer;
    if (this.count > 0) {
      const last = this.count * ENTRY_SIZE - ENTRY_SIZE;
      if (relative <= memory.readInt32BE(last) || position <= memory.readInt32BE(last + 4)) return;
    }
    this.appendEntry((buffer, at) => {
      buffer.writeInt32BE(relative, at);
      buffer.writeInt32BE(position, at + 4);
    });
  }

  /** The greatest entry with offset <= target, or (baseOffset, 0) when there is none. */
  lookup(targetOffset: number): OffsetPosition {
    const memory = this.loaded().memory as Buffer;
    const relative = targetOffset - this.baseOffset;
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (memory.readInt32BE(mid * ENTRY_SIZE) <= relative) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + memory.readInt32BE(found * ENTRY_SIZE), position: memory.readInt32BE(found * ENTRY_SIZE + 4) };
  }

  /** The last entry, or (baseOffset, 0) when there is none. */
  lastEntry(): OffsetPosition {
    return this.lookup(Number.MAX_SAFE_INTEGER);
  }

  /** Drops entries pointing at or past `position` (the log was truncated there). */
  truncateToPosition(position: number): void {
    this.truncateEntries((memory, at) => memory.readInt32BE(at + 4) < position);
  }

  protected validPrefix(memory: Buffer, entries: number, logSize: number): number {
    let lastRelative = -1;
    let lastPosition = 0;
    for (let i = 0; i < entries; i++) {
      const relative = memory.readInt32BE(i * ENTRY_SIZE);
      const position = memory.readInt32BE(i * ENTRY_SIZE + 4);
      if (relative <= lastRelative || position <= lastPosition || position >= logSize) return i;
      lastRelative = relative;
      lastPosition = position;
    }
    return entries;
  }
}
