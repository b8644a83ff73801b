import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ioError, StorageError } from './errors.ts';

/** Kafka's lock file in each log dir; here it names the holder's PID, for the operator. */
export const LOCK_FILE = '.lock';

/** Another process (or another broker in this one) holds a log dir. */
export class LogDirLockedError extends StorageError {}

/** The locks of every log dir a broker uses, held until release(). */
export interface LogDirLocks {
  release(): Promise<void>;
}

export interface LogDirLockOptions {
  /** process.platform unless a test picks the other mechanism. */
  readonly platform?: NodeJS.Platform;
  readonly pid?: number;
  /** Whether a process runs (signal 0); process.kill unless a test says. */
  readonly isAlive?: (pid: number) => boolean;
}

/**
 * Locks each log dir, as Kafka's LogManager does with an OS file lock on `<dir>/.lock`, so that a
 * second broker on the same directory fails to start instead of writing beside the first. The lock
 * must go away with the process however it dies (kill -9 included), without a stale file to clean.
 *
 * Node has no flock. On Linux the lock is a listening socket in the abstract namespace, named after
 * the directory's real path: binding it is atomic, a second bind fails with EADDRINUSE whichever
 * process (or broker in this process) tries, and the kernel frees the name when the holder's
 * descriptors close, at exit or death. Abstract names are per network namespace, so two brokers in
 * different namespaces sharing one directory are not kept apart. Elsewhere, `.lock` holds the
 * holder's PID and a live PID keeps the lock (a reused PID can keep a dead broker's lock: the
 * operator removes `.lock` then). Either way `.lock` names the holder, and a clean release deletes it.
 */
export async function lockLogDirs(logDirs: readonly string[], options: LogDirLockOptions = {}): Promise<LogDirLocks> {
  const held: LogDirLocks[] = [];
  try {
    for (const logDir of logDirs) held.push(await lockLogDir(logDir, options));
  } catch (error) {
    await Promise.all(held.map((lock) => lock.release()));
    throw error;
  }
  return { release: async () => void (await Promise.all(held.map((lock) => lock.release()))) };
}

async function lockLogDir(logDir: string, options: LogDirLockOptions): Promise<LogDirLocks> {
  const pid = options.pid ?? process.pid;
  const lockFile = path.join(logDir, LOCK_FILE);
  let realDir: string;
  try {
    fs.mkdirSync(logDir, { recursive: true });
    realDir = fs.realpathSync(logDir);
  } catch (cause) {
    throw ioError('create', logDir, cause);
  }
  const refused = (): LogDirLockedError => {
    const holder = holderPid(lockFile);
    return new LogDirLockedError(`Failed to acquire lock on file ${LOCK_FILE} in ${logDir}. A Samsa broker in another process or thread `
      + `${holder === undefined ? '' : `(pid ${holder}) `}is using this directory.`);
  };

  let server: net.Server | undefined;
  if ((options.platform ?? process.platform) === 'linux') {
    const name = `\0samsa-log-dir-lock-${createHash('sha256').update(realDir).digest('hex').slice(0, 40)}`;
    // Nobody needs to connect; one who does is turned away. unref: the lock never keeps a process up.
    server = net.createServer((socket) => socket.destroy());
    server.listen({ path: name });
    try {
      await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => { throw error; })]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw refused();
      throw new StorageError(`cannot lock ${logDir}: ${(error as Error).message}`, { cause: error });
    }
    server.unref();
  } else {
    const holder = holderPid(lockFile);
    if (holder !== undefined && (options.isAlive ?? isAlive)(holder)) throw refused();
  }

  try {
    fs.writeFileSync(lockFile, `${pid}\n`);
  } catch (cause) {
    server?.close();
    throw ioError('write', lockFile, cause);
  }
  let released: Promise<void> | undefined;
  return {
    release: () => {
      released ??= (async () => {
        // Delete first: once the name is free, the next holder may already have written its own.
        fs.rmSync(lockFile, { force: true });
        if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return released;
    },
  };
}

function holderPid(lockFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(lockFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
