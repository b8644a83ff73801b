import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import zookeeper from 'node-zookeeper-client';
import type { Client as RawClient, Transaction as RawTransaction } from 'node-zookeeper-client';
import type { Logger } from '../../logger.ts';
import { createSilentLogger } from '../../logger.ts';
import {
  NodeExistsError, SessionExpiredError, toZooKeeperError, ZOOKEEPER_CODES, ZooKeeperClientClosedError,
  ZooKeeperConnectTimeoutError, ZooKeeperError,
} from './zookeeper-errors.ts';
import { dropConnection, watchConnection } from './connection-liveness.ts';
import { ZnodeWatches, type WatchedRead, type ZooKeeperWatch } from './znode-watches.ts';
import {
  addOp, ANY_VERSION, MODES, resultOf, RUNTIME_INCONSISTENCY, sessionIdHex, toStat, toZnode, type CreateMode, type RawOpResult, type Znode, type ZnodeStat,
  type ZooKeeperOp, type ZooKeeperOpResult,
} from './zookeeper-requests.ts';

export type { CreateMode, Znode, ZnodeStat, ZooKeeperOp, ZooKeeperOpResult, ZooKeeperWatch };

/**
 * Samsa's one door to ZooKeeper (DESIGN: cluster/zookeeper/ is the one module that speaks to it),
 * over node-zookeeper-client. What it adds to the library:
 * - promises and typed errors (BadVersionError, NoNodeError, NodeExistsError, ...);
 * - zookeeper.connect's chroot (`host:port/samsa`) is created when missing, as Kafka does;
 * - watches that stay set: watchData/watchChildren re-read and re-arm after every event;
 * - session expiry: the library's client is finished once its session expires, so this one emits
 *   'expired', fails the requests of the old session with SessionExpiredError, opens a new session
 *   (retrying until it has one or is closed), re-arms every watch and emits 'session'. Ephemeral
 *   znodes (a broker's registration, /controller) died with the old session: callers re-create them
 *   on 'session', which is when they re-register and re-elect.
 * While disconnected within a session, requests wait for the connection to come back.
 */
export interface ZooKeeperClientOptions {
  /** zookeeper.connect: `host:port[,host:port...][/chroot]`. */
  readonly connect: string;
  /** zookeeper.session.timeout.ms (Kafka's default is 18000); the server may bound it. */
  readonly sessionTimeoutMs: number;
  /** zookeeper.connection.timeout.ms: how long to wait for a session; defaults to the session timeout. */
  readonly connectionTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface ZooKeeperClientEvents {
  /** Connected (again) within the current session. */
  connected: [];
  /** The connection dropped; the session lives on until the server expires it. */
  disconnected: [];
  /** The session expired: its ephemeral znodes are gone and a new session is being opened. */
  expired: [];
  /** A new session, after an expiry: re-create ephemeral znodes, re-elect. */
  session: [sessionId: bigint];
}

const RENEW_BACKOFF_MS = 200;

interface Session {
  readonly raw: RawClient;
  readonly id: bigint;
  /** Rejecters of the requests in flight, failed at once when the session ends. */
  readonly pending: Set<(error: Error) => void>;
  ended: boolean;
  readonly stopWatching: () => void;
}

export class ZooKeeperClient extends EventEmitter<ZooKeeperClientEvents> {
  readonly #options: ZooKeeperClientOptions;
  readonly #logger: Logger;
  readonly #watches: ZnodeWatches;
  #current: Promise<Session>;
  #closed = false;

  /** Opens a session (creating the chroot first when it is missing); rejects after the connection timeout. */
  static async connect(options: ZooKeeperClientOptions): Promise<ZooKeeperClient> {
    const { hosts, chroot } = parseConnectString(options.connect);
    if (chroot !== undefined) {
      const root = await ZooKeeperClient.connect({ ...options, connect: hosts });
      try {
        await root.ensurePath(chroot);
      } finally {
        await root.close();
      }
    }
    const session = await openSession(options);
    return new ZooKeeperClient(options, session);
  }

  private constructor(options: ZooKeeperClientOptions, session: Session) {
    super();
    this.#options = options;
    this.#logger = (options.logger ?? createSilentLogger()).child({ component: 'zookeeper-client' });
    this.#watches = new ZnodeWatches((kind, path, watcher) => this.#watchedRead(kind, path, watcher), () => this.#closed);
    this.#current = Promise.resolve(session);
    this.#adopt(session);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The current session's id and password (what a second connection to the same session needs). */
  async sessionCredentials(): Promise<{ sessionId: bigint; password: Buffer }> {
    const session = await this.#session();
    return { sessionId: session.id, password: session.raw.getSessionPassword() };
  }

  async create(path: string, data: Buffer = Buffer.alloc(0), mode: CreateMode = 'persistent'): Promise<string> {
    return this.#call(path, (raw, done) => raw.create(path, data, MODES[mode], (error, created) => done(error, () => created)));
  }

  /** Creates `path` and any missing parent as persistent znodes; an existing one is left as it is. */
  async ensurePath(path: string): Promise<void> {
    let prefix = '';
    for (const part of path.split('/').filter((p) => p !== '')) {
      prefix += `/${part}`;
      try {
        await this.create(prefix);
      } catch (error) {
        if (!(error instanceof NodeExistsError)) throw error;
      }
    }
  }

  async getData(path: string): Promise<Znode> {
    return this.#call(path, (raw, done) => raw.getData(path, (error, data, stat) => done(error, () => toZnode(data, stat))));
  }

  /** Writes only when the znode's version is `version` (BadVersionError otherwise); -1 writes any. */
  async setData(path: string, data: Buffer, version = ANY_VERSION): Promise<ZnodeStat> {
    return this.#call(path, (raw, done) => raw.setData(path, data, version, (error, stat) => done(error, () => toStat(stat))));
  }

  /** Deletes only when the znode's version is `version` (BadVersionError otherwise); -1 deletes any. */
  async delete(path: string, version = ANY_VERSION): Promise<void> {
    return this.#call(path, (raw, done) => raw.remove(path, version, (error) => done(error, () => undefined)));
  }

  async exists(path: string): Promise<ZnodeStat | null> {
    return this.#call(path, (raw, done) => raw.exists(path, (error, stat) => done(error, () => (stat ? toStat(stat) : null))));
  }

  async getChildren(path: string): Promise<string[]> {
    return this.#call(path, (raw, done) => raw.getChildren(path, (error, children) => done(error, () => children)));
  }

  /** All or nothing. On failure the typed error of the first failing op, its index in `failedOp`. */
  async multi(ops: readonly ZooKeeperOp[]): Promise<ZooKeeperOpResult[]> {
    const results = await this.#call<RawOpResult[]>(undefined, (raw, done) => {
      const transaction = ops.reduce((t: RawTransaction, op) => addOp(t, op), raw.transaction());
      // A multi that failed is still answered, with a result per op; only a lost request has none.
      transaction.commit((error, opResults: RawOpResult[] | undefined) => done(opResults === undefined ? error : null, () => opResults ?? []));
    });
    // The ops before the failing one report OK, those after it RUNTIMEINCONSISTENCY.
    const failed = results.findIndex((r) => r.err !== undefined && r.err !== 0 && r.err !== RUNTIME_INCONSISTENCY);
    if (failed >= 0) {
      const error = toZooKeeperError({ code: results[failed]!.err, name: 'multi' }, ops[failed]?.path);
      if (error instanceof ZooKeeperError) error.failedOp = failed;
      throw error;
    }
    return ops.map((op, i) => resultOf(op, results[i] ?? {}));
  }

  /**
   * Calls `onChange` with the znode (or null while it does not exist) now and after every change,
   * until the watch is cancelled or the client closed. Changes that follow one another quickly may
   * be seen as one (ZooKeeper's watches fire once; this re-reads and re-arms), never missed at the end.
   */
  watchData(path: string, onChange: (node: Znode | null) => void): Promise<ZooKeeperWatch> {
    return this.#watches.watch('data', path, onChange);
  }

  /** As watchData, for the znode's children (null while it does not exist). */
  watchChildren(path: string, onChange: (children: string[] | null) => void): Promise<ZooKeeperWatch> {
    return this.#watches.watch('children', path, onChange);
  }

  /** Ends the session (its ephemeral znodes go with it) and fails whatever is in flight. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watches.cancelAll();
    const session = await this.#current.catch(() => undefined);
    if (session === undefined) return;
    endSession(session, () => new ZooKeeperClientClosedError());
    await closeRaw(session.raw, this.#options.connectionTimeoutMs ?? this.#options.sessionTimeoutMs);
  }

  #watchedRead(kind: WatchedRead, path: string, watcher: () => void): Promise<unknown> {
    return this.#call(path, (raw, done) => {
      if (kind === 'data') raw.getData(path, watcher, (error, data, stat) => done(error, () => toZnode(data, stat)));
      else if (kind === 'children') raw.getChildren(path, watcher, (error, children) => done(error, () => children));
      else raw.exists(path, watcher, (error, stat) => done(error, () => (stat ? toStat(stat) : null)));
    });
  }

  async #session(): Promise<Session> {
    if (this.#closed) throw new ZooKeeperClientClosedError();
    const session = await this.#current;
    if (this.#closed) throw new ZooKeeperClientClosedError();
    return session;
  }

  /** Runs one request on the current session; `done` gets the library's error, or the value's maker. */
  async #call<T>(path: string | undefined, run: (raw: RawClient, done: (error: unknown, value: () => T) => void) => void): Promise<T> {
    const session = await this.#session();
    if (session.ended) throw new SessionExpiredError(ZOOKEEPER_CODES.SESSION_EXPIRED, 'session expired', path);
    return new Promise<T>((resolve, reject) => {
      const fail = (error: Error): void => reject(error);
      session.pending.add(fail);
      run(session.raw, (error, value) => {
        if (!session.pending.delete(fail)) return;
        if (error) reject(toZooKeeperError(error, path));
        else resolve(value());
      });
    });
  }

  #adopt(session: Session): void {
    session.raw.on('connected', () => { if (!session.ended) this.emit('connected'); });
    session.raw.on('disconnected', () => { if (!session.ended) this.emit('disconnected'); });
    session.raw.once('expired', () => this.#onExpired(session));
  }

  #onExpired(session: Session): void {
    if (session.ended || this.#closed) return;
    this.#logger.warn({ sessionId: sessionIdHex(session.id) }, 'ZooKeeper session expired; opening a new one');
    // The library's client is finished (the server closes its connection); nothing to close.
    endSession(session, () => new SessionExpiredError(ZOOKEEPER_CODES.SESSION_EXPIRED, 'session expired'));
    this.#current = this.#renew();
    this.#current.catch(() => {});
    this.emit('expired');
  }

  /** Opens sessions until one holds or the client is closed; then re-arms the watches. */
  async #renew(): Promise<Session> {
    for (;;) {
      if (this.#closed) throw new ZooKeeperClientClosedError();
      try {
        const session = await openSession(this.#options);
        if (this.#closed) {
          endSession(session, () => new ZooKeeperClientClosedError());
          await closeRaw(session.raw, 1_000);
          throw new ZooKeeperClientClosedError();
        }
        this.#adopt(session);
        this.#logger.info({ sessionId: sessionIdHex(session.id) }, 'new ZooKeeper session');
        queueMicrotask(() => {
          this.#watches.rearmAll();
          this.emit('session', session.id);
        });
        return session;
      } catch (error) {
        if (error instanceof ZooKeeperClientClosedError) throw error;
        this.#logger.warn({ err: error }, 'could not open a new ZooKeeper session; retrying');
        await sleep(RENEW_BACKOFF_MS);
      }
    }
  }
}

export function parseConnectString(connect: string): { hosts: string; chroot: string | undefined } {
  const slash = connect.indexOf('/');
  if (slash < 0) return { hosts: connect, chroot: undefined };
  const chroot = connect.slice(slash).replace(/\/+$/, '');
  return { hosts: connect.slice(0, slash), chroot: chroot === '' ? undefined : chroot };
}

async function openSession(options: ZooKeeperClientOptions): Promise<Session> {
  const timeoutMs = options.connectionTimeoutMs ?? options.sessionTimeoutMs;
  // spinDelay is the pause before another round over the servers: short, so a restarted
  // ZooKeeper is found again well within the session timeout.
  const raw = zookeeper.createClient(options.connect, {
    sessionTimeout: options.sessionTimeoutMs,
    spinDelay: Math.min(1_000, Math.max(50, Math.floor(options.sessionTimeoutMs / 10))),
    retries: 0,
  });
  const connected = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ZooKeeperConnectTimeoutError(options.connect, timeoutMs)), timeoutMs);
    raw.once('connected', () => { clearTimeout(timer); resolve(); });
    raw.once('authenticationFailed', () => { clearTimeout(timer); reject(new Error(`ZooKeeper at ${options.connect} refused authentication`)); });
  });
  // From the first attempt on: a server that accepts and never answers is left for another try
  // (and the connection timeout spans several tries, not one that hangs).
  const stopWatching = watchConnection(raw, parseConnectString(options.connect).hosts.split(',').length);
  raw.connect();
  try {
    await connected;
  } catch (error) {
    stopWatching();
    await closeRaw(raw, 1_000);
    throw error;
  }
  return { raw, id: raw.getSessionId().readBigInt64BE(0), pending: new Set(), ended: false, stopWatching };
}

function endSession(session: Session, error: () => Error): void {
  session.ended = true;
  for (const fail of session.pending) fail(error());
  session.pending.clear();
  session.stopWatching();
}

/** Closes the library's client, waiting (a bounded time) for the server to end the session. */
async function closeRaw(raw: RawClient, timeoutMs: number): Promise<void> {
  const state = raw.getState();
  if (state === zookeeper.State.EXPIRED) return raw.close();
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    raw.once('disconnected', () => { clearTimeout(timer); resolve(); });
  });
  raw.close();
  await done;
  // Unanswered (the server is gone or never answered the handshake): drop the connection rather
  // than leave the socket open; the library, closing, does not connect again.
  dropConnection(raw);
}
