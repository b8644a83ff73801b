/**
 * Positional file I/O. Writes are synchronous: into the page cache they take microseconds, and
 * they keep appends to a log ordered without locks. What can wait on the disk for milliseconds
 * (fsync, reads that miss the page cache) has asynchronous forms that run in libuv's thread pool,
 * so the broker's one event loop goes on serving everyone else meanwhile.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ioError } from './errors.ts';

/** Reads exactly `length` bytes at `position` into `buffer`, or fewer only at end of file; returns bytes read. */
export function readFully(fd: number, buffer: Buffer, position: number, length = buffer.length, path = 'file'): number {
  let done = 0;
  try {
    while (done < length) {
      const n = fs.readSync(fd, buffer, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
  } catch (cause) {
    throw ioError('read', path, cause);
  }
  return done;
}

/** Writes all of `buffer` at `position`: regular files may accept a write in pieces. */
export function writeFully(fd: number, buffer: Buffer, position: number, path = 'file'): void {
  let done = 0;
  try {
    while (done < buffer.length) {
      done += fs.writeSync(fd, buffer, done, buffer.length - done, position + done);
    }
  } catch (cause) {
    throw ioError('write', path, cause);
  }
}

/** Opens for read and write, creating the file if needed, never truncating it. */
export function openReadWrite(path: string): number {
  try {
    return fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  } catch (cause) {
    throw ioError('open', path, cause);
  }
}

/** int64 offset as a number without a BigInt allocation (offsets stay far below 2^53). */
export function readInt64(buffer: Buffer, position: number): number {
  return buffer.readInt32BE(position) * 0x1_0000_0000 + buffer.readUInt32BE(position + 4);
}

/** Kafka names segment files by their base offset, zero-padded to 20 digits. */
export function offsetFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

/**
 * Replaces `file` with `text` so that a crash leaves either the old or the new content, never a
 * mix: written to `<file>.tmp`, fsynced, renamed over `file`, and the directory fsynced.
 */
export function writeFileAtomically(file: string, text: string, action = 'write'): void {
  const temporary = `${file}.tmp`;
  try {
    const fd = fs.openSync(temporary, 'w', 0o644);
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (cause) {
    throw ioError(action, file, cause);
  }
  syncDirectory(path.dirname(file));
}

/** Makes file creations, renames and deletions in `dir` durable. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (cause) {
    throw ioError('fsync dir', dir, cause);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** syncDirectory in libuv's thread pool. */
export async function syncDirectoryAsync(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch (cause) {
    throw ioError('fsync dir', dir, cause);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * writeFileAtomically with the write and both fsyncs in libuv's thread pool. The rename itself runs
 * on the event loop (a metadata change: it does not wait for the disk) right after `mayRename` is
 * asked, so a synchronous writer of the same file that ran meanwhile is never overwritten by this
 * older content; when it answers false the temporary file is removed and false returned. `temporary`
 * must differ from the synchronous writer's, which may run while this one writes.
 */
export async function writeFileAtomicallyAsync(file: string, text: string, temporary: string, mayRename: () => boolean, action = 'write'): Promise<boolean> {
  try {
    const handle = await fs.promises.open(temporary, 'w', 0o644);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!mayRename()) {
      await fs.promises.rm(temporary, { force: true });
      return false;
    }
    fs.renameSync(temporary, file);
  } catch (cause) {
    throw ioError(action, file, cause);
  }
  await syncDirectoryAsync(path.dirname(file));
  return true;
}
