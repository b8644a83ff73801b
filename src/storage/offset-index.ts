import fs from 'node:fs';
import { ioError } from './errors.ts';
import { openReadWrite, readFully, writeFully } from './file-io.ts';

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
 * entries) and trimmed to its entries on roll and close. Entries are also kept in memory, where
 * lookups binary-search them; every append writes through to the file at once.
 */
export class OffsetIndex {
  readonly path: string;
  readonly baseOffset: number;
  readonly maxEntries: number;
  private fd: number;
  private memory: Buffer;
  private count: number;

  private constructor(path: string, baseOffset: number, maxIndexSize: number, fd: number, memory: Buffer, count: number) {
    this.path = path;
    this.baseOffset = baseOffset;
    this.maxEntries = Math.max(1, Math.floor(maxIndexSize / ENTRY_SIZE));
    this.fd = fd;
    this.memory = memory;
    this.count = count;
  }

  /**
   * Opens (or creates) an index and loads its entries. A file whose size is not a whole number of
   * entries, or whose entries do not increase, loads as `corrupt` with no entries: the caller
   * rebuilds it from the log.
   */
  static open(path: string, baseOffset: number, maxIndexSize: number, logSize: number): { index: OffsetIndex; corrupt: boolean } {
    const fd = openReadWrite(path);
    let fileSize: number;
    try {
      fileSize = fs.fstatSync(fd).size;
    } catch (cause) {
      fs.closeSync(fd);
      throw ioError('stat', path, cause);
    }
    let memory = Buffer.alloc(Math.max(ENTRY_SIZE * 16, fileSize));
    let count = 0;
    let corrupt = fileSize % ENTRY_SIZE !== 0;
    if (!corrupt && fileSize > 0) {
      readFully(fd, memory, 0, fileSize, path);
      count = validPrefix(memory, fileSize / ENTRY_SIZE, logSize);
      // A preallocated tail of zeros after the valid entries is what an unclean stop leaves.
      corrupt = !memory.subarray(count * ENTRY_SIZE, fileSize).every((b) => b === 0);
    }
    if (corrupt) {
      memory = Buffer.alloc(ENTRY_SIZE * 16);
      count = 0;
    }
    return { index: new OffsetIndex(path, baseOffset, maxIndexSize, fd, memory, count), corrupt };
  }

  get entries(): number { return this.count; }
  get isFull(): boolean { return this.count >= this.maxEntries; }
  /** Bytes of entries: the size the file is trimmed to. */
  get sizeInBytes(): number { return this.count * ENTRY_SIZE; }

  /** Adds an entry for `offset` (absolute) at log `position`; both must exceed the last entry's. */
  append(offset: number, position: number): void {
    if (this.isFull) return;
    const relative = offset - this.baseOffset;
    if (this.count > 0) {
      const last = this.count * ENTRY_SIZE - ENTRY_SIZE;
      if (relative <= this.memory.readInt32BE(last) || position <= this.memory.readInt32BE(last + 4)) return;
    }
    const at = this.count * ENTRY_SIZE;
    if (at + ENTRY_SIZE > this.memory.length) {
      const grown = Buffer.alloc(Math.min(this.maxEntries * ENTRY_SIZE, this.memory.length * 2));
      this.memory.copy(grown, 0, 0, at);
      this.memory = grown;
    }
    this.memory.writeInt32BE(relative, at);
    this.memory.writeInt32BE(position, at + 4);
    writeFully(this.fd, this.memory.subarray(at, at + ENTRY_SIZE), at, this.path);
    this.count += 1;
  }

  /** The greatest entry with offset <= target, or (baseOffset, 0) when there is none. */
  lookup(targetOffset: number): OffsetPosition {
    const relative = targetOffset - this.baseOffset;
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (this.memory.readInt32BE(mid * ENTRY_SIZE) <= relative) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return {
      offset: this.baseOffset + this.memory.readInt32BE(found * ENTRY_SIZE),
      position: this.memory.readInt32BE(found * ENTRY_SIZE + 4),
    };
  }

  /** Drops entries pointing at or past `position` (the log was truncated there). */
  truncateToPosition(position: number): void {
    while (this.count > 0 && this.memory.readInt32BE(this.count * ENTRY_SIZE - 4) >= position) this.count -= 1;
    this.memory.fill(0, this.count * ENTRY_SIZE);
    this.setFileSize(this.count * ENTRY_SIZE);
  }

  /** Drops every entry, before a rebuild from the log. */
  reset(): void {
    this.count = 0;
    this.memory.fill(0);
    this.setFileSize(0);
  }

  /** Grows the file to its maximum size with zeros, as Kafka does for the active segment. */
  preallocate(): void {
    this.setFileSize(this.maxEntries * ENTRY_SIZE);
  }

  /** Shrinks the file to its entries, on roll and close. */
  trimToValidSize(): void {
    this.setFileSize(this.count * ENTRY_SIZE);
  }

  flush(): void {
    try {
      fs.fsyncSync(this.fd);
    } catch (cause) {
      throw ioError('fsync', this.path, cause);
    }
  }

  close(): void {
    if (this.fd < 0) return;
    this.trimToValidSize();
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  private setFileSize(size: number): void {
    try {
      fs.ftruncateSync(this.fd, size);
    } catch (cause) {
      throw ioError('resize', this.path, cause);
    }
  }
}

/** How many leading entries increase strictly and point inside the log. */
function validPrefix(memory: Buffer, entries: number, logSize: number): number {
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
