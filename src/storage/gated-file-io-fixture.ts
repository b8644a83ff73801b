/** Test support only: real file I/O whose asynchronous calls a test holds or fails. */
import { nodeFileIo, type FileIo } from './file-handle-pool.ts';

/**
 * Real file I/O whose asynchronous calls the test can hold (to make a race happen at a chosen
 * moment) or fail (EIO from fsync, as a failing disk answers). Records every close.
 */
export interface GatedIo extends FileIo {
  holding: boolean;
  /** Only reads longer than this are held (header reads are 27 bytes). */
  holdReadsOver: number;
  failFsync: boolean;
  fsyncs: number;
  readonly closed: Set<number>;
  /** The file each open descriptor is for. */
  readonly opened: Map<number, string>;
  /** The file of every asynchronous read, in order. */
  readonly readsAsync: string[];
  /** The file of every synchronous fsync, in order. */
  readonly fsyncsSync: string[];
  release(): void;
  readonly heldCalls: number;
}

export function gatedIo(): GatedIo {
  const held: (() => void)[] = [];
  const hold = <T>(call: () => Promise<T>, length = Infinity): Promise<T> =>
    io.holding && length > io.holdReadsOver ? new Promise<T>((resolve, reject) => { held.push(() => { call().then(resolve, reject); }); }) : call();
  const io: GatedIo = {
    holding: false,
    holdReadsOver: 0,
    failFsync: false,
    fsyncs: 0,
    closed: new Set<number>(),
    opened: new Map<number, string>(),
    readsAsync: [],
    fsyncsSync: [],
    /** Lets every held call go (and the ones they lead to), then stops holding. */
    release(): void {
      io.holding = false;
      for (const go of held.splice(0)) go();
    },
    get heldCalls(): number { return held.length; },
    ...nodeFileIo,
    open(file: string) {
      const fd = nodeFileIo.open(file);
      io.opened.set(fd, file);
      io.closed.delete(fd);
      return fd;
    },
    fsync(fd: number) {
      io.fsyncsSync.push(io.opened.get(fd) ?? '?');
      nodeFileIo.fsync(fd);
    },
    close(fd: number) {
      io.closed.add(fd);
      io.opened.delete(fd);
      nodeFileIo.close(fd);
    },
    readAsync(fd: number, buffer: Buffer, offset: number, length: number, position: number) {
      io.readsAsync.push(io.opened.get(fd) ?? '?');
      return hold(() => nodeFileIo.readAsync(fd, buffer, offset, length, position), length);
    },
    fsyncAsync: (fd: number): Promise<void> => hold(() => {
      io.fsyncs += 1;
      return io.failFsync ? Promise.reject(Object.assign(new Error('EIO: simulated'), { code: 'EIO' })) : nodeFileIo.fsyncAsync(fd);
    }),
  };
  return io;
}
