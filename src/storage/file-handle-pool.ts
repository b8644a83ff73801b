import fs from 'node:fs';
import { ioError } from './errors.ts';

/**
 * The system calls storage makes on segment and index files, injectable so tests can make any of
 * them fail (EIO, ENOSPC) the way a failing disk would.
 */
export interface FileIo {
  open(path: string): number;
  close(fd: number): void;
  read(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  write(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  fsync(fd: number): void;
  ftruncate(fd: number, size: number): void;
  size(fd: number): number;
  /** The same read in libuv's thread pool: a read that misses the page cache waits there, not on the event loop. */
  readAsync(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** fsync in libuv's thread pool. */
  fsyncAsync(fd: number): Promise<void>;
}

export const nodeFileIo: FileIo = Object.freeze({
  open: (path: string) => fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644),
  close: (fd: number) => fs.closeSync(fd),
  read: (fd: number, buffer: Buffer, offset: number, length: number, position: number) => fs.readSync(fd, buffer, offset, length, position),
  write: (fd: number, buffer: Buffer, offset: number, length: number, position: number) => fs.writeSync(fd, buffer, offset, length, position),
  fsync: (fd: number) => fs.fsyncSync(fd),
  ftruncate: (fd: number, size: number) => fs.ftruncateSync(fd, size),
  size: (fd: number) => fs.fstatSync(fd).size,
  readAsync: (fd: number, buffer: Buffer, offset: number, length: number, position: number) => new Promise<number>((resolve, reject) => {
    fs.read(fd, buffer, offset, length, position, (error, bytesRead) => (error === null ? resolve(bytesRead) : reject(error)));
  }),
  fsyncAsync: (fd: number) => new Promise<void>((resolve, reject) => {
    fs.fsync(fd, (error) => (error === null ? resolve() : reject(error)));
  }),
});

/** A descriptor held open by FileHandle.pin() for asynchronous calls. */
export interface PinnedFile {
  /** Reads up to `length` bytes at `position` off the event loop; fewer only at the end of the file. */
  read(buffer: Buffer, position: number, length?: number): Promise<number>;
  /** fsync off the event loop: what was written before the call is on disk when it resolves. */
  sync(): Promise<void>;
  /** Ends the hold (once; later calls do nothing): a close put off for it happens now. */
  unpin(): void;
}

export interface FileHandlePoolOptions {
  /** Most descriptors open at once across every log sharing the pool. */
  readonly maxOpen?: number;
  readonly io?: FileIo;
}

/**
 * A bounded set of open file descriptors shared by every log, least recently used closed first:
 * with 10,000 partitions, three files per segment, the broker cannot keep every file open.
 * Hot files (the active segment being appended to, segments being read) stay open because they
 * are used; idle ones cost a reopen when next touched.
 *
 * A descriptor is only held for the duration of one system call made through a FileHandle. An
 * asynchronous call (a read or fsync in libuv's thread pool) holds it across turns of the event
 * loop, so closing it (eviction, deletion of the segment, the log's close) is put off until the
 * last such call ends: a descriptor is never closed, and its number never reused, under a call.
 * Until then the pool may hold a few more descriptors than maxOpen.
 */
export class FileHandlePool {
  readonly maxOpen: number;
  readonly io: FileIo;
  /** Open handles, least recently used first (a Map keeps insertion order). */
  private readonly lru = new Map<FileHandle, true>();
  /** Asynchronous calls in flight per descriptor. */
  private readonly users = new Map<number, number>();
  /** Descriptors closed while calls were in flight on them: the last call to end closes them. */
  private readonly closeWhenIdle = new Set<number>();

  constructor(options: FileHandlePoolOptions = {}) {
    this.maxOpen = Math.max(1, options.maxOpen ?? 1000);
    this.io = options.io ?? nodeFileIo;
  }

  get openCount(): number { return this.lru.size; }

  handle(path: string): FileHandle {
    return new FileHandle(this, path);
  }

  /** @internal the descriptor of `handle`, opening it (and closing the least recently used) if needed. */
  acquire(handle: FileHandle, open: (path: string) => number): number {
    if (handle.fd >= 0) {
      this.lru.delete(handle);
      this.lru.set(handle, true);
      return handle.fd;
    }
    for (const idle of this.lru.keys()) {
      if (this.lru.size < this.maxOpen) break;
      idle.close();
    }
    const fd = open(handle.path);
    this.lru.set(handle, true);
    return fd;
  }

  /** @internal */
  forget(handle: FileHandle): void {
    this.lru.delete(handle);
  }

  /** @internal an asynchronous call starts on `fd`. */
  borrow(fd: number): void {
    this.users.set(fd, (this.users.get(fd) ?? 0) + 1);
  }

  /** @internal the call on `fd` ended: a close put off for it happens now. */
  giveBack(fd: number): void {
    const left = (this.users.get(fd) ?? 1) - 1;
    if (left > 0) {
      this.users.set(fd, left);
      return;
    }
    this.users.delete(fd);
    if (this.closeWhenIdle.delete(fd)) this.closeQuietly(fd);
  }

  /** @internal closes `fd` now, or when the calls in flight on it have ended. */
  release(fd: number): void {
    if (this.users.has(fd)) this.closeWhenIdle.add(fd);
    else this.closeQuietly(fd);
  }

  private closeQuietly(fd: number): void {
    try {
      this.io.close(fd);
    } catch {
      // A failed close loses nothing: every write was already made, and fsync reports durability.
    }
  }
}

/** One file, opened on demand through its pool; every method is one positional system call or a loop of them. */
export class FileHandle {
  readonly pool: FileHandlePool;
  path: string;
  /** @internal -1 while closed. */
  fd = -1;

  constructor(pool: FileHandlePool, path: string) {
    this.pool = pool;
    this.path = path;
  }

  get isOpen(): boolean { return this.fd >= 0; }

  /** Reads up to `length` bytes at `position`; fewer only at the end of the file. */
  read(buffer: Buffer, position: number, length = buffer.length): number {
    const io = this.pool.io;
    let done = 0;
    try {
      const fd = this.descriptor();
      while (done < length) {
        const n = io.read(fd, buffer, done, length - done, position + done);
        if (n === 0) break;
        done += n;
      }
    } catch (cause) {
      throw ioError('read', this.path, cause);
    }
    return done;
  }

  /** Writes all of `buffer` at `position`; on failure some prefix of it may be on disk. */
  write(buffer: Buffer, position: number): void {
    const io = this.pool.io;
    let done = 0;
    try {
      const fd = this.descriptor();
      while (done < buffer.length) done += io.write(fd, buffer, done, buffer.length - done, position + done);
    } catch (cause) {
      throw ioError('write', this.path, cause);
    }
  }

  sync(): void {
    try {
      this.pool.io.fsync(this.descriptor());
    } catch (cause) {
      throw ioError('fsync', this.path, cause);
    }
  }

  /**
   * Holds the descriptor open for asynchronous calls (reads and fsync in libuv's thread pool)
   * until unpin(): a close meanwhile (eviction, the segment's deletion, the log's close) is put off,
   * so the calls never reach a closed descriptor or a reused number, and never reopen a file
   * that was renamed or deleted. Bytes written or cut during a read may or may not be seen.
   */
  pin(): PinnedFile {
    const { pool, path } = this;
    const io = pool.io;
    let fd: number;
    try {
      fd = this.descriptor();
    } catch (cause) {
      throw ioError('open', path, cause);
    }
    pool.borrow(fd);
    let pinned = true;
    return {
      read: async (buffer, position, length = buffer.length) => {
        let done = 0;
        try {
          while (done < length) {
            const n = await io.readAsync(fd, buffer, done, length - done, position + done);
            if (n === 0) break;
            done += n;
          }
        } catch (cause) {
          throw ioError('read', path, cause);
        }
        return done;
      },
      sync: async () => {
        try {
          await io.fsyncAsync(fd);
        } catch (cause) {
          throw ioError('fsync', path, cause);
        }
      },
      unpin: () => {
        if (!pinned) return;
        pinned = false;
        pool.giveBack(fd);
      },
    };
  }

  truncate(size: number): void {
    try {
      this.pool.io.ftruncate(this.descriptor(), size);
    } catch (cause) {
      throw ioError('resize', this.path, cause);
    }
  }

  size(): number {
    try {
      return this.pool.io.size(this.descriptor());
    } catch (cause) {
      throw ioError('stat', this.path, cause);
    }
  }

  /**
   * Closes the descriptor (the handle can be used again: it reopens); with asynchronous calls in
   * flight on it, when the last one ends. Close errors are ignored: nothing is pending.
   */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    this.pool.forget(this);
    this.pool.release(fd);
  }

  /** Closes and renames the file; the handle then names the new path. */
  rename(to: string): void {
    this.close();
    try {
      fs.renameSync(this.path, to);
    } catch (cause) {
      throw ioError('rename', this.path, cause);
    }
    this.path = to;
  }

  private descriptor(): number {
    if (this.fd >= 0) return this.pool.acquire(this, () => this.fd);
    this.fd = this.pool.acquire(this, (path) => this.pool.io.open(path));
    return this.fd;
  }
}
