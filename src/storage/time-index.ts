import type { FileHandlePool } from './file-handle-pool.ts';
import { IndexFile } from './index-file.ts';
import { readInt64 } from './file-io.ts';
import type { TimestampAndOffset } from './timestamp-search.ts';

const ENTRY_SIZE = 12;

/**
 * Time index of one log segment: `<baseOffset, 20 digits>.timeindex`, Kafka's format.
 *
 * File format: a sequence of 12-byte entries, big-endian
 *   timestamp int64 (a batch maxTimestamp) | relativeOffset int32 (last offset of that batch - baseOffset)
 * An entry (T, O) says: T is the largest timestamp of any record up to offset O's batch. Entries
 * are added together with offset index entries, only when the segment's largest timestamp grew,
 * and once more when the segment stops being active, so the last entry is always the segment's
 * largest timestamp. Timestamps strictly increase and offsets do not decrease; an all-zero entry
 * is a preallocated tail. Preallocated and trimmed like the offset index (IndexFile).
 */
export class TimeIndex extends IndexFile {
  constructor(pool: FileHandlePool, path: string, baseOffset: number, maxIndexSize: number) {
    super(pool, path, baseOffset, maxIndexSize, ENTRY_SIZE);
  }

  /** Adds (timestamp, offset) when timestamp exceeds the last entry's; returns whether it did. */
  maybeAppend(timestamp: number, offset: number): boolean {
    if (this.isFull || timestamp < 0) return false;
    const memory = this.memory as Buffer;
    const relative = offset - this.baseOffset;
    if (this.count > 0) {
      const last = (this.count - 1) * ENTRY_SIZE;
      if (timestamp <= readInt64(memory, last) || relative < memory.readInt32BE(last + 8)) return false;
    }
    this.appendEntry((buffer, at) => {
      buffer.writeBigInt64BE(BigInt(timestamp), at);
      buffer.writeInt32BE(relative, at + 8);
    });
    return true;
  }

  /** The last entry: the segment's largest timestamp and its batch's last offset; -1s when empty. */
  lastEntry(): TimestampAndOffset {
    const memory = this.loaded().memory as Buffer;
    if (this.count === 0) return { timestamp: -1, offset: -1 };
    const at = (this.count - 1) * ENTRY_SIZE;
    return { timestamp: readInt64(memory, at), offset: this.baseOffset + memory.readInt32BE(at + 8) };
  }

  /**
   * An offset from which a forward scan finds the first record with timestamp >= target: the
   * offset of the greatest entry whose timestamp is below target (no record up to that batch can
   * match), or the segment's baseOffset when there is none.
   */
  lookup(targetTimestamp: number): number {
    const memory = this.loaded().memory as Buffer;
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (readInt64(memory, mid * ENTRY_SIZE) < targetTimestamp) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found < 0 ? this.baseOffset : this.baseOffset + memory.readInt32BE(found * ENTRY_SIZE + 8);
  }

  /** Drops entries for offsets >= `offset` (the log was truncated before it). */
  truncateToOffset(offset: number): void {
    this.truncateEntries((memory, at) => this.baseOffset + memory.readInt32BE(at + 8) < offset);
  }

  protected validPrefix(memory: Buffer, entries: number): number {
    let lastTimestamp = -1;
    let lastRelative = 0;
    for (let i = 0; i < entries; i++) {
      const at = i * ENTRY_SIZE;
      const timestamp = readInt64(memory, at);
      const relative = memory.readInt32BE(at + 8);
      if ((timestamp === 0 && relative === 0) || timestamp <= lastTimestamp || relative < lastRelative) return i;
      lastTimestamp = timestamp;
      lastRelative = relative;
    }
    return entries;
  }
}
