import { ErrorCode } from '../protocol/errors.ts';
import type { FetchResponse } from '../protocol/generated/fetch.ts';
import { decodeRecordBatches } from '../protocol/records/record-batch.ts';
import type { RecordHeader } from '../protocol/records/record-batch-builder.ts';
import { Apis } from './apis.ts';
import type { Cluster } from './cluster.ts';
import { isMetadataError, KafkaClientError } from './errors.ts';
import { isolationLevelCode, type IsolationLevel } from './list-offsets.ts';

export interface TopicPartition { readonly topic: string; readonly partition: number }

export interface ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeader[];
  readonly leaderEpoch: number;
}

export interface FetcherOptions {
  readonly minBytes: number;
  readonly maxWaitMs: number;
  readonly maxBytes: number;
  readonly maxPartitionFetchBytes: number;
  readonly isolationLevel: IsolationLevel;
}

/** One assigned partition: where the next fetch starts, and whether the app paused it. */
export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** null until resolved (committed offset or auto.offset.reset). */
  position: number | null;
  paused: boolean;
  highWatermark: number;
  /** Bumped by seek: fetches issued before it are discarded on arrival. */
  epoch: number;
}

/** Records of one partition from one fetch, handed to the app in order. */
export interface CompletedFetch {
  readonly state: PartitionState;
  readonly epoch: number;
  readonly records: ConsumerRecord[];
  next: number;
}

export const tpKey = (topic: string, partition: number): string => `${topic}\0${partition}`;

/**
 * The fetch side of the consumer: one loop per leader broker, each fetching the partitions that
 * broker leads which have a position, are not paused and have nothing buffered (so a slow
 * consumer stops fetching instead of growing memory). Records below the fetch offset (a batch
 * starts earlier) and control records are dropped; aborted transactions are dropped in
 * read_committed. Offset gaps (compaction) just move the position past the batch.
 */
export class Fetcher {
  readonly #cluster: Cluster;
  readonly #options: FetcherOptions;
  readonly partitions = new Map<string, PartitionState>();
  readonly buffered: CompletedFetch[] = [];
  readonly #loops = new Map<number, Promise<void>>();
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

  #hasBuffered(state: PartitionState): boolean {
    return this.buffered.some((f) => f.state === state && f.next < f.records.length);
  }

  #fetchable(nodeId: number): PartitionState[] {
    return [...this.partitions.values()].filter((s) => s.position !== null && !s.paused && !this.#hasBuffered(s) &&
      this.#cluster.cachedLeader(s.topic, s.partition) === nodeId);
  }

  /** Starts a loop for every leader that has fetchable partitions and no loop yet. */
  wake(): void {
    if (!this.#running) return;
    let unknownLeader = false;
    const nodes = new Set<number>();
    for (const s of this.partitions.values()) {
      if (s.position === null || s.paused) continue;
      const leader = this.#cluster.cachedLeader(s.topic, s.partition);
      if (leader === undefined) unknownLeader = true;
      else nodes.add(leader);
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
  }

  #refreshing = false;
  #refreshSoon(): void {
    if (this.#refreshing) return;
    this.#refreshing = true;
    setTimeout(() => {
      this.#cluster.refreshMetadata().catch(() => {}).finally(() => { this.#refreshing = false; this.wake(); });
    }, this.#cluster.retryBackoffMs).unref();
  }

  async #loop(nodeId: number): Promise<void> {
    while (this.#running) {
      const states = this.#fetchable(nodeId);
      if (states.length === 0) return;
      const sent = states.map((s) => ({ state: s, offset: s.position!, epoch: s.epoch }));
      const topics = new Map<string, Array<{ partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number; logStartOffset: bigint; lastFetchedEpoch: number }>>();
      for (const { state, offset } of sent) {
        let list = topics.get(state.topic);
        if (list === undefined) topics.set(state.topic, list = []);
        list.push({ partition: state.partition, fetchOffset: BigInt(offset), partitionMaxBytes: this.#options.maxPartitionFetchBytes, currentLeaderEpoch: -1, logStartOffset: -1n, lastFetchedEpoch: -1 });
      }
      let response: FetchResponse;
      try {
        response = await this.#cluster.send(nodeId, 'fetch', Apis.Fetch, {
          replicaId: -1, maxWaitMs: this.#options.maxWaitMs, minBytes: this.#options.minBytes, maxBytes: this.#options.maxBytes,
          isolationLevel: isolationLevelCode(this.#options.isolationLevel), sessionId: 0, sessionEpoch: -1,
          topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })), forgottenTopicsData: [], rackId: '',
        }, { extraTimeoutMs: this.#options.maxWaitMs });
      } catch (error) {
        if (error instanceof KafkaClientError && error.retriable) {
          this.#refreshSoon();
          await sleep(this.#cluster.retryBackoffMs);
          return;
        }
        throw error;
      }
      if ((response.errorCode ?? 0) !== ErrorCode.NONE) throw new KafkaClientError(response.errorCode!, `Fetch from broker ${nodeId}`);
      let data = false;
      let stale = false;
      for (const t of response.responses) {
        for (const p of t.partitions) {
          const entry = sent.find((x) => x.state.topic === t.topic && x.state.partition === p.partitionIndex);
          // Unassigned, sought or paused since the request left: this answer is no longer wanted.
          if (entry === undefined || this.partitions.get(tpKey(entry.state.topic, entry.state.partition)) !== entry.state ||
            entry.state.epoch !== entry.epoch || entry.state.position !== entry.offset) continue;
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
          if (this.#accept(entry.state, entry.offset, p)) data = true;
        }
      }
      if (data) this.#onData();
      if (stale) {
        this.#refreshSoon();
        await sleep(this.#cluster.retryBackoffMs);
        return;
      }
    }
  }

  /** Decodes one partition's records; true when there is something for the app. */
  #accept(state: PartitionState, fetchOffset: number, p: FetchResponse['responses'][number]['partitions'][number]): boolean {
    if (p.records === null || p.records.length === 0) return false;
    const batches = decodeRecordBatches(p.records, { allowTruncatedTail: true });
    const readCommitted = this.#options.isolationLevel === 'read_committed';
    const aborted = readCommitted ? [...(p.abortedTransactions ?? [])].map((a) => ({ producerId: Number(a.producerId), firstOffset: Number(a.firstOffset) })) : [];
    const abortedProducers = new Set<number>();
    const records: ConsumerRecord[] = [];
    let nextOffset = fetchOffset;
    for (const batch of batches) {
      if (batch.lastOffset < fetchOffset) continue;
      nextOffset = batch.lastOffset + 1;
      if (readCommitted && batch.isTransactional) {
        for (const a of aborted) if (a.firstOffset <= batch.lastOffset) abortedProducers.add(a.producerId);
      }
      if (batch.isControl) {
        // An ABORT/COMMIT marker ends the producer's transaction.
        abortedProducers.delete(batch.producerId);
        continue;
      }
      if (readCommitted && batch.isTransactional && abortedProducers.has(batch.producerId)) continue;
      for (const r of batch.records) {
        if (r.offset < fetchOffset) continue;
        records.push({
          topic: state.topic, partition: state.partition, offset: r.offset, timestamp: batch.timestampType === 'LogAppendTime' ? batch.maxTimestamp : r.timestamp,
          timestampType: batch.timestampType, key: r.key, value: r.value, headers: r.headers, leaderEpoch: batch.partitionLeaderEpoch,
        });
      }
    }
    if (records.length === 0) {
      // Only control records, aborted data or a compacted-away range: step over it.
      if (nextOffset > fetchOffset) state.position = nextOffset;
      return false;
    }
    this.buffered.push({ state, epoch: state.epoch, records, next: 0 });
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
