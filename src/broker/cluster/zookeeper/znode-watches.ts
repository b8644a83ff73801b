import { setTimeout as sleep } from 'node:timers/promises';
import { NoNodeError, SessionExpiredError, ZooKeeperClientClosedError } from './zookeeper-errors.ts';

/**
 * Watches that stay set. A ZooKeeper watch fires once; each one here re-reads the znode with a new
 * watch when it fires and hands the fresh state to its listener. A znode that does not exist is
 * watched for its creation (exists() sets that watch). What must stay true:
 * - each arming has a generation; a watch event or an answer from an older arming is dropped, so
 *   two watches left on one path (a retry, an exists and a getData) call the listener once;
 * - a read lost with the connection is retried; one lost with the session is left to rearmAll(),
 *   which the client calls once the new session is open (the old session's watches are gone);
 * - the listener may see two quick changes as one, but always ends up with the newest state.
 */
export type WatchedRead = 'data' | 'children' | 'exists';

export interface ZooKeeperWatch {
  readonly path: string;
  /** Stops calling the listener (ZooKeeper's own one-shot watch fires once more, unheard). */
  cancel(): void;
}

type Reader = (kind: WatchedRead, path: string, watcher: () => void) => Promise<unknown>;

interface WatchState {
  readonly kind: 'data' | 'children';
  readonly path: string;
  readonly onChange: (value: never) => void;
  active: boolean;
  generation: number;
}

const RETRY_MS = 100;
/** The znode appeared between the failed read and the exists(): read it again. */
const CREATED_MEANWHILE = Symbol('created meanwhile');

export class ZnodeWatches {
  readonly #read: Reader;
  readonly #isClosed: () => boolean;
  readonly #watches = new Set<WatchState>();

  constructor(read: Reader, isClosed: () => boolean) {
    this.#read = read;
    this.#isClosed = isClosed;
  }

  /** Reads the current state, calls `onChange` with it, and keeps doing so after every change. */
  async watch<T>(kind: 'data' | 'children', path: string, onChange: (value: T | null) => void): Promise<ZooKeeperWatch> {
    const state: WatchState = { kind, path, onChange, active: true, generation: 0 };
    this.#watches.add(state);
    try {
      await this.#arm(state, true);
    } catch (error) {
      this.#cancel(state);
      throw error;
    }
    return { path, cancel: () => this.#cancel(state) };
  }

  /** After a new session: the old session's watches are gone, and changes may have been missed. */
  rearmAll(): void {
    for (const state of this.#watches) void this.#arm(state, false);
  }

  cancelAll(): void {
    for (const state of this.#watches) state.active = false;
    this.#watches.clear();
  }

  #cancel(state: WatchState): void {
    state.active = false;
    this.#watches.delete(state);
  }

  async #arm(state: WatchState, first: boolean): Promise<void> {
    const generation = ++state.generation;
    const stale = (): boolean => !state.active || generation !== state.generation;
    const rearm = (): void => { if (!stale()) void this.#arm(state, false); };
    for (;;) {
      if (stale()) return;
      let value: unknown;
      try {
        value = await this.#current(state, rearm);
      } catch (error) {
        // The first reading is the caller's to see fail; later ones retry in the background.
        if (first) throw error;
        if (this.#isClosed() || error instanceof ZooKeeperClientClosedError || error instanceof SessionExpiredError) return;
        await sleep(RETRY_MS);
        continue;
      }
      if (value === CREATED_MEANWHILE) continue;
      if (!stale()) state.onChange(value as never);
      return;
    }
  }

  async #current(state: WatchState, watcher: () => void): Promise<unknown> {
    try {
      return await this.#read(state.kind, state.path, watcher);
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
    }
    const stat = await this.#read('exists', state.path, watcher);
    return stat === null ? null : CREATED_MEANWHILE;
  }
}
