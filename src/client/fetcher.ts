import { ErrorCode } from '../protocol/errors.ts';
import type { FetchResponse } from '../protocol/generated/fetch.ts';
import { Apis } from './apis.ts';
import { CompletedFetch, type PartitionState } from './completed-fetch.ts';
import { tpKey } from './topic-partition.ts';

export type { ConsumerRecord, PartitionState } from './completed-fetch.ts';
export { tpKey, type TopicPartition } from './topic-partition.ts';
import type { Cluster } from './cluster.ts';
import { isMetadataError, KafkaClientError } from './errors.ts';
import { isolationLevelCode, type IsolationLevel } from './list-offsets.ts';

export interface FetcherOptions {
  readonly minBytes: number;
  readonly maxWaitMs: number;
  readonly maxBytes: number;
  readonly maxPartitionFetchBytes: number;
  readonly isolationLevel: IsolationLevel;
  /** check.crcs: verify each fetched batch's CRC-32C (Java's default, true). */
  readonly checkCrcs: boolean;
  /** client.rack, '' when unset. */
  readonly clientRack: string;
}

/**
 * KIP-392: the replica a leader sent a partition's fetches to (a Fetch answer's preferredReadReplica),
 * good while the metadata names the same leader and epoch, for metadata.max.age.ms at most.
 */
interface PreferredReadReplica {
  readonly nodeId: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly expiresAtMs: number;
}

/** One partition in one Fetch: where from, under which seek epoch, and whether it went to a preferred read replica. */
interface SentPartition {
  readonly state: PartitionState;
  readonly offset: number;
  readonly epoch: number;
  readonly leaderEpoch: number;
  readonly toReplica: boolean;
}


/**
 * The fetch side of the consumer: one loop per leader broker, each fetching the partitions that
 * broker leads which have a position and are not paused. A partition is fetched ahead of the app:
 * each answer is buffered undecoded (CompletedFetch) and the next request leaves at once, so the
 * broker serves it while the app decodes and handles this one; but never more than one fetch waits
 * behind the one the app is taking (so a slow consumer stops fetching instead of growing memory).
 *
 * With client.rack set, a leader may answer a partition with the replica to read it from instead
 * (KIP-392); the partition is then fetched by that broker's loop, as Java's consumer does, until
 * that replica answers it with an error or cannot be reached, the metadata names another leader or
 * epoch, or metadata.max.age.ms passes: then from the leader again, which may name the replica anew.
 */
export class Fetcher {
  readonly #cluster: Cluster;
  readonly #options: FetcherOptions;
  readonly partitions = new Map<string, PartitionState>();
  readonly buffered: CompletedFetch[] = [];
  readonly #loops = new Map<number, Promise<void>>();
  /** Fetches in a row from a broker that failed or found stale metadata: the next retry waits longer. */
  readonly #failures = new Map<number, number>();
  readonly #preferred = new WeakMap<PartitionState, PreferredReadReplica>();
  readonly #onData: () => void;
  readonly #onOutOfRange: (state: PartitionState) => void;
  readonly #onError: (error: Error) => void;
  #running = true;

  constructor(cluster: Cluster, options: FetcherOptions, hooks: { onData: () => void; onOutOfRange: (state: PartitionState) => void; onError: (error: Error) => void }) {
    this.#cluster = cluster;
    this.#options = options;
    this.#onData = hooks.onData;
    this.#onOutOfRange = hooks.onOutOfRange;
    this.#onError = hooks.onError;
  }

  /**
   * Where the next fetch of `state` starts: past what is buffered for it, else its position; null
   * when it is not to be fetched now (no position yet, paused, or a fetch already waits behind the
   * one the app is taking).
   */
  #fetchOffset(state: PartitionState): number | null {
    if (state.position === null || state.paused) return null;
    let waiting = 0;
    let offset = state.position;
    for (const f of this.buffered) {
      if (f.state !== state || f.epoch !== state.epoch) continue;
      waiting++;
      offset = f.nextFetchOffset;
    }
    return waiting >= MAX_BUFFERED_FETCHES ? null : offset;
  }

  /**
   * The broker to fetch `state` from: its preferred read replica while that holds (see
   * PreferredReadReplica), else its leader; undefined while no leader is known.
   */
  #source(state: PartitionState): { nodeId: number; leaderEpoch: number; toReplica: boolean } | undefined {
    const leadership = this.#cluster.cachedLeadership(state.topic, state.partition);
    if (leadership === undefined) return undefined;
    const preferred = this.#preferred.get(state);
    if (preferred !== undefined) {
      if (preferred.leaderId !== leadership.leaderId || preferred.leaderEpoch !== leadership.leaderEpoch || Date.now() >= preferred.expiresAtMs) {
        this.#preferred.delete(state);
      } else if (this.#cluster.metadata.brokers.has(preferred.nodeId)) {
        return { nodeId: preferred.nodeId, leaderEpoch: leadership.leaderEpoch, toReplica: true };
      }
      // A replica our metadata does not list yet: the leader meanwhile, until a refresh lists it.
    }
    return { nodeId: leadership.leaderId, leaderEpoch: leadership.leaderEpoch, toReplica: false };
  }

  /** The partitions to fetch from `nodeId` now, where from, and under which epoch (a seek since makes the answer stale). */
  #fetchable(nodeId: number): SentPartition[] {
    const out: SentPartition[] = [];
    for (const state of this.partitions.values()) {
      const offset = this.#fetchOffset(state);
      if (offset === null) continue;
      const source = this.#source(state);
      if (source?.nodeId === nodeId) out.push({ state, offset, epoch: state.epoch, leaderEpoch: source.leaderEpoch, toReplica: source.toReplica });
    }
    return out;
  }

  /** Starts a loop for every leader that has fetchable partitions and no loop yet. */
  wake(): void {
    if (!this.#running) return;
    let unknownLeader = false;
    const nodes = new Set<number>();
    for (const s of this.partitions.values()) {
      if (s.position === null || s.paused) continue;
      const source = this.#source(s);
      if (source === undefined) unknownLeader = true;
      else nodes.add(source.nodeId);
    }
    for (const nodeId of nodes) {
      if (this.#loops.has(nodeId)) continue;
      const loop = this.#loop(nodeId).catch((error: unknown) => this.#onError(error as Error)).finally(() => {
        this.#loops.delete(nodeId);
        if (this.#running && this.#fetchable(nodeId).length > 0) this.wake();
      });
      this.#loops.set(nodeId, loop);
    }
    if (unknownLeader) this.#refreshSoon();
    else if (!this.#refreshing) this.#refreshAttempts = 0;
  }

  #refreshing = false;
  /** Refreshes in a row that left a partition without a known leader: each waits longer (KIP-580). */
  #refreshAttempts = 0;
  #refreshSoon(): void {
    if (this.#refreshing) return;
    this.#refreshing = true;
    setTimeout(() => {
      this.#cluster.refreshMetadata().catch(() => {}).finally(() => { this.#refreshing = false; this.wake(); });
    }, this.#cluster.retryBackoff.backoff(this.#refreshAttempts++)).unref();
  }

  /**
   * Fetches from `nodeId` until nothing there is fetchable. The app hears of an answer only once
   * the next request is written (Cluster.send writes at once on an open connection): told first,
   * it would decode the answer before the request left, and the broker would idle meanwhile.
   */
  async #loop(nodeId: number): Promise<void> {
    let untold = false;
    const tell = (): void => {
      if (untold) this.#onData();
      untold = false;
    };
    try {
      while (this.#running) {
        const sent = this.#fetchable(nodeId);
        if (sent.length === 0) return;
        let response: FetchResponse;
        try {
          const request = this.#send(nodeId, sent);
          tell();
          response = await request;
        } catch (error) {
          if (error instanceof KafkaClientError && error.retriable) {
            // Java's handleFetchFailure: partitions sent to a preferred read replica go back to their leaders.
            if (this.#forgetReplicas(sent)) this.wake();
            this.#refreshSoon();
            await this.#backOff(nodeId);
            return;
          }
          throw error;
        }
        if ((response.errorCode ?? 0) !== ErrorCode.NONE) throw new KafkaClientError(response.errorCode!, `Fetch from broker ${nodeId}`);
        const { data, stale, moved } = this.#handle(nodeId, sent, response);
        untold ||= data;
        // Partitions sent to another broker are fetched by its loop.
        if (moved) this.wake();
        if (stale) {
          tell();
          this.#refreshSoon();
          await this.#backOff(nodeId);
          return;
        }
        this.#failures.delete(nodeId);
      }
    } finally {
      tell();
    }
  }

  /** Drops the preferred read replicas of `sent`'s partitions that went to one; true when any did. */
  #forgetReplicas(sent: readonly SentPartition[]): boolean {
    let forgot = false;
    for (const entry of sent) {
      if (entry.toReplica && this.#preferred.delete(entry.state)) forgot = true;
    }
    return forgot;
  }

  /**
   * Each partition names the leader epoch the metadata gave (KIP-320): a replica that knows
   * another epoch answers FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH instead of serving a stale view.
   */
  #send(nodeId: number, sent: readonly SentPartition[]): Promise<FetchResponse> {
    const topics = new Map<string, Array<{ partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number; logStartOffset: bigint; lastFetchedEpoch: number }>>();
    for (const { state, offset, leaderEpoch } of sent) {
      let list = topics.get(state.topic);
      if (list === undefined) topics.set(state.topic, list = []);
      list.push({ partition: state.partition, fetchOffset: BigInt(offset), partitionMaxBytes: this.#options.maxPartitionFetchBytes, currentLeaderEpoch: leaderEpoch, logStartOffset: -1n, lastFetchedEpoch: -1 });
    }
    return this.#cluster.send(nodeId, 'fetch', Apis.Fetch, {
      replicaId: -1, maxWaitMs: this.#options.maxWaitMs, minBytes: this.#options.minBytes, maxBytes: this.#options.maxBytes,
      isolationLevel: isolationLevelCode(this.#options.isolationLevel), sessionId: 0, sessionEpoch: -1,
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })), forgottenTopicsData: [], rackId: this.#options.clientRack,
    }, { extraTimeoutMs: this.#options.maxWaitMs });
  }

  /**
   * Buffers what the answer brought; `data` when any partition's position may move, `stale` when
   * metadata must be refreshed first, `moved` when a partition is to be fetched from another broker.
   */
  #handle(nodeId: number, sent: readonly SentPartition[], response: FetchResponse): { data: boolean; stale: boolean; moved: boolean } {
    let data = false;
    let stale = false;
    let moved = false;
    for (const t of response.responses) {
      for (const p of t.partitions) {
        const entry = sent.find((x) => x.state.topic === t.topic && x.state.partition === p.partitionIndex);
        // Unassigned, sought or paused since the request left: this answer is no longer wanted.
        if (entry === undefined || this.partitions.get(tpKey(entry.state.topic, entry.state.partition)) !== entry.state ||
          entry.state.epoch !== entry.epoch || this.#fetchOffset(entry.state) !== entry.offset) continue;
        // Any error from a preferred read replica sends the partition back to its leader (Java's
        // FetchCollector): out of range there is no reason to reset, the leader decides.
        if (p.errorCode !== ErrorCode.NONE && entry.toReplica) {
          this.#preferred.delete(entry.state);
          moved = true;
          if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) continue;
        }
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          this.#onOutOfRange(entry.state);
          continue;
        }
        if (p.errorCode !== ErrorCode.NONE) {
          const error = new KafkaClientError(p.errorCode, `Fetch ${t.topic}-${p.partitionIndex} from broker ${nodeId}`);
          if (!error.retriable) throw error;
          if (isMetadataError(p.errorCode)) stale = true;
          continue;
        }
        entry.state.highWatermark = Number(p.highWatermark);
        const replica = p.preferredReadReplica ?? -1;
        if (replica >= 0 && replica !== nodeId) {
          const leadership = this.#cluster.cachedLeadership(entry.state.topic, entry.state.partition);
          if (leadership !== undefined) {
            const { leaderId, leaderEpoch } = leadership;
            this.#preferred.set(entry.state, { nodeId: replica, leaderId, leaderEpoch, expiresAtMs: Date.now() + this.#cluster.metadataMaxAgeMs });
            moved = true;
            // As Java's selectReadReplica: a replica missing from our metadata asks for a refresh, and the leader waits for it.
            if (!this.#cluster.metadata.brokers.has(replica)) stale = true;
          }
          continue;
        }
        if (this.#accept(entry.state, entry.offset, p)) data = true;
      }
    }
    return { data, stale, moved };
  }

  #backOff(nodeId: number): Promise<void> {
    const failures = this.#failures.get(nodeId) ?? 0;
    this.#failures.set(nodeId, failures + 1);
    return sleep(this.#cluster.retryBackoff.backoff(failures));
  }

  /** Buffers one partition's answer; true when it moved anything (records or a skipped range). */
  #accept(state: PartitionState, fetchOffset: number, p: FetchResponse['responses'][number]['partitions'][number]): boolean {
    if (p.records === null || p.records.length === 0) return false;
    const aborted = this.#options.isolationLevel === 'read_committed'
      ? (p.abortedTransactions ?? []).map((a) => ({ producerId: Number(a.producerId), firstOffset: Number(a.firstOffset) }))
      : null;
    const fetch = new CompletedFetch(state, fetchOffset, p.records, aborted, this.#options.checkCrcs);
    // Not even one whole batch: nothing to take and nowhere to move.
    if (fetch.nextFetchOffset === fetchOffset) return false;
    this.buffered.push(fetch);
    return true;
  }

  /** Drops buffered records of a partition (seek, unassign, pause keeps them? no: pause drops too, as Java). */
  discard(state: PartitionState): void {
    for (let i = this.buffered.length - 1; i >= 0; i--) if (this.buffered[i]!.state === state) this.buffered.splice(i, 1);
  }

  close(): void {
    this.#running = false;
  }
}

/** The fetch the app is taking from, and one fetched ahead. */
const MAX_BUFFERED_FETCHES = 2;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
