import type { FetchRequestFetchPartition } from '../../protocol/generated/fetch.ts';

/**
 * Incremental fetch sessions (KIP-227), as Kafka's FetchSessionCache keeps them: a session holds the
 * partitions a client fetches and what it last told them, so the client's next fetch names only
 * what changed and the answer carries only partitions with something new.
 */

/** Session id 0: no session. */
export const INVALID_SESSION_ID = 0;
/** Epoch 0 opens a session (a full fetch); -1 is a full fetch that wants none, or closes the named one. */
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
/** Kafka's MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS: a session unused this long is stale; one younger is safe from larger ones. */
export const MIN_SESSION_EVICTION_MS = 120_000;

/** The epoch after `epoch`: -1 stays, and past the largest int32 it wraps to 1 (0 would open a session). */
export function nextEpoch(epoch: number): number {
  if (epoch < 0) return epoch;
  return epoch === 0x7fffffff ? 1 : epoch + 1;
}

/** One partition of a session: the client's last fetch parameters, and what the last answer told it. */
export interface CachedPartition {
  /** Topic id and index from Fetch v13 on (sessions of topic ids), topic name and index before. */
  readonly key: string;
  readonly topic: string | undefined;
  readonly topicId: string | undefined;
  /** The fetch offset, epochs and byte limit the client last sent; reads are made with them. */
  request: FetchRequestFetchPartition;
  /** The high watermark last answered; -1 when the client must hear of the partition again (new, or last answered an error). */
  highWatermark: bigint;
  /** The leader's log start offset last answered. */
  logStartOffset: bigint;
}

export class FetchSession {
  readonly id: number;
  /** A follower's session: only a stale follower session, or one older than the eviction time, is evicted for another. */
  readonly privileged: boolean;
  /** Opened at Fetch v13 or later: partitions are keyed by topic id, and a fetch of another kind is refused. */
  readonly usesTopicIds: boolean;
  readonly creationMs: number;
  lastUsedMs: number;
  /** The epoch the client's next incremental fetch must carry. */
  epoch: number;
  /** In fetch order: partitions answered move to the end, so those not answered lately come first within maxBytes. */
  readonly partitions: Map<string, CachedPartition>;
  /** The partition count when the cache last looked (eviction ranks sessions by it). */
  cachedSize = 0;

  constructor(id: number, privileged: boolean, usesTopicIds: boolean, nowMs: number, partitions: Map<string, CachedPartition>) {
    this.id = id;
    this.privileged = privileged;
    this.usesTopicIds = usesTopicIds;
    this.creationMs = nowMs;
    this.lastUsedMs = nowMs;
    this.epoch = nextEpoch(INITIAL_EPOCH);
    this.partitions = partitions;
  }
}

export interface FetchSessionCacheOptions {
  /** max.incremental.fetch.session.cache.slots */
  readonly maxEntries: number;
  /** How long a session must be unused to count as stale, and how young one must be to be safe from larger ones. */
  readonly evictionMs: number;
  /** A random integer in [min, max): session ids are random, so a client cannot guess another's. */
  readonly randomInt: (min: number, max: number) => number;
}

/**
 * The sessions of one broker, at most `maxEntries`. A new session that finds the cache full may
 * evict, as Kafka's tryEvict: the least recently used session when it is stale (unused for
 * evictionMs); otherwise the least valuable session it may evict (consumer sessions before follower
 * ones, then fewer partitions), if worth less than itself: a follower's session may evict any
 * consumer session or a follower session older than evictionMs, a consumer's only sessions older
 * than evictionMs. Otherwise the fetch goes sessionless.
 * With 1,000 slots and few evictions, linear scans cost less than keeping sorted indexes.
 */
export class FetchSessionCache {
  readonly #options: FetchSessionCacheOptions;
  readonly #sessions = new Map<number, FetchSession>();
  #evictions = 0;

  constructor(options: FetchSessionCacheOptions) {
    this.#options = options;
  }

  get size(): number { return this.#sessions.size; }
  get evictions(): number { return this.#evictions; }

  get totalPartitions(): number {
    let total = 0;
    for (const session of this.#sessions.values()) total += session.partitions.size;
    return total;
  }

  get(id: number): FetchSession | undefined { return this.#sessions.get(id); }

  sessions(): IterableIterator<FetchSession> { return this.#sessions.values(); }

  remove(id: number): FetchSession | undefined {
    const session = this.#sessions.get(id);
    if (session !== undefined) this.#sessions.delete(id);
    return session;
  }

  /** The session was used now, and may have changed size. */
  touch(session: FetchSession, nowMs: number): void {
    session.lastUsedMs = nowMs;
    session.cachedSize = session.partitions.size;
  }

  /**
   * Opens a session of `size` partitions when there is room or one can be evicted for it; its id,
   * or INVALID_SESSION_ID (the fetch stays sessionless). The partitions are made only when it opens.
   */
  maybeCreateSession(nowMs: number, privileged: boolean, size: number, usesTopicIds: boolean, partitions: () => Map<string, CachedPartition>): number {
    if (this.#sessions.size >= this.#options.maxEntries && !this.#tryEvict(privileged, size, nowMs)) return INVALID_SESSION_ID;
    const session = new FetchSession(this.#newSessionId(), privileged, usesTopicIds, nowMs, partitions());
    this.#sessions.set(session.id, session);
    this.touch(session, nowMs);
    return session.id;
  }

  #tryEvict(privileged: boolean, size: number, nowMs: number): boolean {
    const { evictionMs } = this.#options;
    let leastRecent: FetchSession | undefined;
    for (const session of this.#sessions.values()) {
      if (leastRecent === undefined || compareLastUsed(session, leastRecent) < 0) leastRecent = session;
    }
    if (leastRecent === undefined) return false;
    if (nowMs - leastRecent.lastUsedMs > evictionMs) return this.#evict(leastRecent);
    // As Kafka, whether a session is past its protected youth is judged when it was last used.
    const old = (session: FetchSession): boolean => session.lastUsedMs - session.creationMs > evictionMs;
    let candidate: FetchSession | undefined;
    for (const session of this.#sessions.values()) {
      const evictable = privileged ? !session.privileged || old(session) : old(session);
      if (evictable && (candidate === undefined || compareValue(session, candidate) < 0)) candidate = session;
    }
    if (candidate === undefined) return false;
    // The newcomer (id 0, below every real id) must be worth more than the session it evicts: more partitions, or a follower's.
    const newcomerIsLess = compareKeys(privileged, size, 0, candidate.privileged, candidate.cachedSize, candidate.id) < 0;
    return newcomerIsLess ? false : this.#evict(candidate);
  }

  #evict(session: FetchSession): boolean {
    this.#sessions.delete(session.id);
    this.#evictions++;
    return true;
  }

  #newSessionId(): number {
    let id: number;
    do id = this.#options.randomInt(1, 0x7fffffff); while (id === INVALID_SESSION_ID || this.#sessions.has(id));
    return id;
  }
}

function compareLastUsed(a: FetchSession, b: FetchSession): number {
  return a.lastUsedMs - b.lastUsedMs || a.id - b.id;
}

/** Kafka's EvictableKey order: consumer sessions before follower ones, then fewer partitions, then id. */
function compareValue(a: FetchSession, b: FetchSession): number {
  return compareKeys(a.privileged, a.cachedSize, a.id, b.privileged, b.cachedSize, b.id);
}

function compareKeys(aPrivileged: boolean, aSize: number, aId: number, bPrivileged: boolean, bSize: number, bId: number): number {
  return Number(aPrivileged) - Number(bPrivileged) || aSize - bSize || aId - bId;
}
