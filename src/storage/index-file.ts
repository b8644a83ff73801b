import fs from 'node:fs';
import type { FileHandle, FileHandlePool } from './file-handle-pool.ts';

/**
 * What offset and time indexes share: fixed-size big-endian entries, kept in memory once loaded,
 * written to the file lazily, preallocated while the segment is active and trimmed after.
 *
 * Memory and descriptors are what 10,000 partitions run out of, so an index costs neither until
 * used: opening a segment reads nothing, `load()` happens on first lookup, and an inactive
 * segment's index can be dropped from memory again (`unload()`) and reloaded on demand.
 * Entries reach the file on flush, trim, unload and close: an unclean stop may lose some, which
 * is safe because recovery rebuilds the indexes of every segment after the recovery point, and
 * everything before it was flushed.
 */
export abstract class IndexFile {
  readonly baseOffset: number;
  readonly maxEntries: number;
  protected readonly entrySize: number;
  private readonly file: FileHandle;
  /** Entries, once loaded; undefined while only on disk. */
  protected memory: Buffer | undefined;
  protected count = 0;
  /** Entries [0, written) are in the file. */
  private written = 0;
  /** Entry count known from a previous load, so a reload reads exactly those bytes. */
  private knownCount: number | undefined;
  private preallocated = false;

  protected constructor(pool: FileHandlePool, path: string, baseOffset: number, maxIndexSize: number, entrySize: number) {
    this.file = pool.handle(path);
    this.baseOffset = baseOffset;
    this.entrySize = entrySize;
    this.maxEntries = Math.max(1, Math.floor(maxIndexSize / entrySize));
  }

  get path(): string { return this.file.path; }
  get isLoaded(): boolean { return this.memory !== undefined; }
  get entries(): number { return this.loaded().count; }
  get isFull(): boolean { return this.entries >= this.maxEntries; }
  get sizeInBytes(): number { return this.entries * this.entrySize; }

  /**
   * Reads the file's entries into memory. Returns false (and holds no entries) when the file is
   * not a valid index for a log of `logSize` bytes: the caller rebuilds it from the log.
   */
  load(logSize: number): boolean {
    const fileSize = this.file.size();
    const size = this.knownCount === undefined ? fileSize : Math.min(fileSize, this.knownCount * this.entrySize);
    const memory = Buffer.alloc(Math.max(this.entrySize * 16, size));
    let valid = size % this.entrySize === 0;
    let count = 0;
    if (valid && size > 0) {
      this.file.read(memory, 0, size);
      count = this.validPrefix(memory, size / this.entrySize, logSize);
      // A preallocated tail of zeros after the valid entries is what an unclean stop leaves.
      valid = memory.subarray(count * this.entrySize, size).every((b) => b === 0);
    }
    this.memory = valid ? memory : Buffer.alloc(this.entrySize * 16);
    this.count = valid ? count : 0;
    this.written = this.count;
    this.knownCount = undefined;
    return valid;
  }

  /**
   * Reads the file once off the event loop, so that a load() right after finds it in the page
   * cache: a consumer's first read of a segment after a restart does not wait on the disk.
   */
  async warm(): Promise<void> {
    // A missing file stays missing (opening creates it): the segment rebuilds an index it finds none of.
    if (this.memory !== undefined || (!this.file.isOpen && !fs.existsSync(this.path))) return;
    const size = Math.min(this.file.size(), this.maxEntries * this.entrySize);
    if (size === 0) return;
    const file = this.file.pin();
    try {
      await file.read(Buffer.allocUnsafe(size), 0, size);
    } finally {
      file.unpin();
    }
  }

  /** Drops all entries, in memory and in the file, before a rebuild from the log. */
  reset(): void {
    this.memory = Buffer.alloc(this.entrySize * 16);
    this.count = 0;
    this.written = 0;
    this.knownCount = undefined;
    this.file.truncate(0);
    if (this.preallocated) this.file.truncate(this.maxEntries * this.entrySize);
  }

  /** Drops entries from the first whose `keep` is false on (the log was truncated). */
  truncateEntries(keep: (memory: Buffer, at: number) => boolean): void {
    const memory = this.loaded().memory as Buffer;
    while (this.count > 0 && !keep(memory, (this.count - 1) * this.entrySize)) this.count -= 1;
    memory.fill(0, this.count * this.entrySize);
    if (this.written > this.count) {
      // Stale entries on disk past the cut: zero them so a reload never sees them.
      this.file.truncate(this.count * this.entrySize);
      if (this.preallocated) this.file.truncate(this.maxEntries * this.entrySize);
      this.written = this.count;
    }
  }

  /** Grows the file to its maximum size with zeros, as Kafka does for the active segment. */
  preallocate(): void {
    this.file.truncate(Math.max(this.maxEntries, this.written) * this.entrySize);
    this.preallocated = true;
  }

  /** Writes pending entries and shrinks the file to them: on roll and close. */
  trimToValidSize(): void {
    if (this.memory === undefined) return;
    this.writePending();
    this.file.truncate(this.count * this.entrySize);
    this.preallocated = false;
  }

  flush(): void {
    if (this.memory === undefined) return;
    this.writePending();
    this.file.sync();
  }

  /** flush() with the fsync off the event loop; the entries are written (to the page cache) before it returns. */
  async flushAsync(): Promise<void> {
    if (this.memory === undefined) return;
    this.writePending();
    const file = this.file.pin();
    try {
      await file.sync();
    } finally {
      file.unpin();
    }
  }

  /** Frees the memory of an inactive segment's index; the next lookup reloads it. */
  unload(): void {
    if (this.memory === undefined || this.preallocated) return;
    this.writePending();
    this.knownCount = this.count;
    this.memory = undefined;
    this.count = 0;
    this.written = 0;
    this.file.close();
  }

  /** Closes the descriptor; the index stays usable (it reopens). */
  close(): void {
    this.trimToValidSize();
    this.file.close();
  }

  closeWithoutTrim(): void {
    this.file.close();
  }

  renameTo(path: string): void {
    this.file.rename(path);
  }

  /** How many leading entries of a file of `entries` entries are valid for a log of `logSize` bytes. */
  protected abstract validPrefix(memory: Buffer, entries: number, logSize: number): number;

  /** Adds one entry already laid out by the subclass in `entry`. */
  protected appendEntry(entry: (memory: Buffer, at: number) => void): void {
    let memory = this.loaded().memory as Buffer;
    const at = this.count * this.entrySize;
    if (at + this.entrySize > memory.length) {
      const grown = Buffer.alloc(Math.min(this.maxEntries * this.entrySize, memory.length * 2));
      memory.copy(grown, 0, 0, at);
      memory = grown;
      this.memory = grown;
    }
    entry(memory, at);
    this.count += 1;
  }

  /** The entries in memory, loading the file first if needed (an invalid file loads as empty). */
  protected loaded(): this {
    if (this.memory === undefined) this.load(Number.MAX_SAFE_INTEGER);
    return this;
  }

  private writePending(): void {
    const memory = this.memory;
    if (memory === undefined || this.written >= this.count) return;
    this.file.write(memory.subarray(this.written * this.entrySize, this.count * this.entrySize), this.written * this.entrySize);
    this.written = this.count;
  }
}
