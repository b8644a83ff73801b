import { Connection } from '../../client/connection.ts';
import type { ClientSecurity } from '../../client/client-security.ts';
import { Apis } from '../../client/apis.ts';
import { KafkaClientError } from '../../client/errors.ts';
import { ErrorCode, errorName, KafkaError } from '../../protocol/errors.ts';
import type { FetchResponsePartitionData } from '../../protocol/generated/fetch.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import type { ReadBufferPool } from '../../storage/read-buffer-pool.ts';
import type { Logger } from '../logger.ts';
import type { Time, Timer } from '../time.ts';
import { FetchSessionHandler } from './fetch-session-handler.ts';
import { LAST_NAME_VERSION, ReplicaFetch, replicaFetchPartitions, replicaFetchRequest, withReplica, type ReplicaFetcherSettings } from './replica-fetch-request.ts';
import { divergenceTruncationOffset, PartitionFetchState, topicPartitionKey, type FollowerPartitionAccess } from './replica-fetch-state.ts';
import type { ReplicationQuota } from './replication-quota.ts';

export type { ReplicaFetcherSettings } from './replica-fetch-request.ts';

const LATEST_TIMESTAMP = -1n;
const EARLIEST_TIMESTAMP = -2n;

export interface ReplicaFetcherOptions {
  readonly brokerId: number;
  readonly brokerEpoch: () => bigint;
  readonly sourceBrokerId: number;
  readonly fetcherId: number;
  readonly endpoint: { readonly host: string; readonly port: number };
  readonly settings: ReplicaFetcherSettings;
  /** How to reach the leader's inter-broker listener (TLS, SASL); PLAINTEXT when undefined. */
  readonly security?: ClientSecurity | undefined;
  readonly logger: Logger;
  readonly time: Time;
  readonly partitions: (topic: string, partition: number) => FollowerPartitionAccess | undefined;
  /** Pooled memory for the leader's answers, taken back once their records are in the logs. */
  readonly frameMemory?: FrameMemory;
  /** follower.replication.throttled.rate over the topics' follower.replication.throttled.replicas. */
  readonly followerQuota?: ReplicationQuota | undefined;
  /**
   * Told after an answer was applied to a partition (its high watermark may have moved): consumer
   * fetches waiting on this follower (KIP-392) may be satisfied now (Kafka's completeDelayedFetchRequests).
   */
  readonly onPartitionUpdated?: (topic: string, partition: number) => void;
  /** Told the bytes of each answer's records appended (metrics: Kafka's ReplicationBytesInPerSec). */
  readonly onReplicated?: ((bytes: number) => void) | undefined;
}

/** Where answers are read into: the broker's ReadBufferPool. */
export type FrameMemory = Pick<ReadBufferPool, 'acquire' | 'release'>;

/**
 * Kafka's ReplicaFetcherThread: copies the partitions this broker follows from one source broker
 * (the leader of each), many partitions per Fetch, over one connection. A loop sends a fetch,
 * applies the answer partition by partition, and sends the next: the leader holds a fetch that
 * has nothing new for replica.fetch.wait.max.ms (the long poll), so an idle follower sends about
 * two requests a second and never spins. With nothing to fetch (every partition delayed, or none)
 * the loop sleeps until a delay ends or a partition is added. Fetches go in an incremental fetch
 * session (KIP-227): after the first, a fetch names only the partitions whose fetch offset or epochs
 * changed, and the leader answers only those with something new, so an idle follower's requests
 * and answers stay small however many partitions it copies.
 *
 * Per partition answer: records are appended as they came (whole batches, never decoded); a
 * diverging epoch truncates the log first; OFFSET_OUT_OF_RANGE asks the leader for its offsets
 * (ListOffsets) and truncates; FENCED_LEADER_EPOCH means this broker missed a LeaderAndIsr, so the
 * partition waits for the next one (it is dropped until added again); other errors, such as a
 * leader that has not yet learned it leads (NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH), delay
 * it by replica.fetch.backoff.ms, as do network failures, after which the loop reconnects.
 */
export class ReplicaFetcher {
  readonly sourceBrokerId: number;
  readonly fetcherId: number;
  readonly endpoint: { readonly host: string; readonly port: number };
  readonly #options: ReplicaFetcherOptions;
  readonly #logger: Logger;
  readonly #states = new Map<string, PartitionFetchState>();
  /** Keys of partitions waiting for a LeaderAndIsr (fenced, or their log failed). */
  readonly #failed = new Set<string>();
  /** The incremental fetch session with the source broker (KIP-227): after the first, fetches name only what changed. */
  readonly #session = new FetchSessionHandler();
  #connection: Connection | undefined;
  #running = true;
  #wakeUp: (() => void) | undefined;
  readonly #loop: Promise<void>;

  constructor(options: ReplicaFetcherOptions) {
    this.#options = options;
    this.sourceBrokerId = options.sourceBrokerId;
    this.fetcherId = options.fetcherId;
    this.endpoint = options.endpoint;
    this.#logger = options.logger.child({ component: 'replica-fetcher', sourceBrokerId: options.sourceBrokerId, fetcherId: options.fetcherId });
    this.#loop = this.#run();
  }

  get partitionCount(): number { return this.#states.size; }

  /** The partitions being copied and their epochs (to move them to another fetcher). */
  partitionEpochs(): { topic: string; partition: number; leaderEpoch: number }[] {
    return [...this.#states.values()].map((s) => ({ topic: s.topic, partition: s.partition, leaderEpoch: s.currentLeaderEpoch }));
  }

  /** Whether the partition waits for a LeaderAndIsr after its leader fenced it or its log failed. */
  isFailed(topic: string, partition: number): boolean { return this.#failed.has(topicPartitionKey(topic, partition)); }

  /**
   * Starts copying (from each log's end, in its latest epoch), or keeps copying a partition already
   * here in the same leader epoch, as Kafka's addPartitions. A partition that waited for a
   * LeaderAndIsr starts again.
   */
  addPartitions(partitions: readonly { topic: string; partition: number; leaderEpoch: number }[]): void {
    for (const { topic, partition, leaderEpoch } of partitions) {
      const key = topicPartitionKey(topic, partition);
      this.#failed.delete(key);
      const current = this.#states.get(key);
      if (current !== undefined && current.currentLeaderEpoch === leaderEpoch) continue;
      const log = this.#options.partitions(topic, partition);
      if (log === undefined) {
        this.#logger.warn({ topic, partition }, 'not adding a partition this broker does not follow');
        this.#states.delete(key);
        continue;
      }
      this.#states.set(key, new PartitionFetchState(log, leaderEpoch));
    }
    this.#wake();
  }

  removePartitions(partitions: readonly { topic: string; partition: number }[]): void {
    for (const { topic, partition } of partitions) {
      const key = topicPartitionKey(topic, partition);
      this.#states.delete(key);
      this.#failed.delete(key);
    }
  }

  /** Stops the loop: a fetch in flight is abandoned with its connection, nothing more is appended. */
  async shutdown(): Promise<void> {
    this.#running = false;
    this.#wake();
    this.#connection?.close();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const now = this.#options.time.now();
      const ready = [...this.#states.values()].filter((s) => s.isFetchable(now));
      // follower.replication.throttled.rate: out-of-sync throttled partitions sit out while the rate is over (Kafka's shouldFollowerThrottle).
      const quota = this.#options.followerQuota;
      const fetchable = quota?.isQuotaExceeded(now) === true ? ready.filter((s) => s.isReplicaInSync || !quota.isThrottled(s.topic, s.partition)) : ready;
      if (fetchable.length === 0) {
        await this.#sleep(ready.length > 0 ? quota!.throttleTimeMs(now) : this.#nextDelayEndMs(now));
        continue;
      }
      try {
        await this.#fetchOnce(fetchable);
      } catch (error) {
        if (!this.#running) break;
        this.#logger.warn({ err: error }, `fetch from broker ${this.sourceBrokerId} failed; retrying in ${this.#options.settings.backoffMs} ms`);
        this.#connection?.close();
        this.#connection = undefined;
        this.#delay([...this.#states.values()]);
      }
    }
    this.#connection?.close();
  }

  async #fetchOnce(fetchable: PartitionFetchState[]): Promise<void> {
    const connection = await this.#connect();
    const { wanted, sent, byId } = replicaFetchPartitions(fetchable, this.#options.partitions, this.#options.settings);
    if (sent.size === 0) {
      this.#delay(fetchable);
      return;
    }
    const negotiated = connection.versionFor(ReplicaFetch);
    const version = byId ? negotiated : Math.min(negotiated, LAST_NAME_VERSION);
    const { settings, brokerId, brokerEpoch } = this.#options;
    const fetch = this.#session.build(wanted, version > LAST_NAME_VERSION);
    const body = withReplica(replicaFetchRequest(fetch, settings), version, brokerId, brokerEpoch());
    let response;
    try {
      response = await connection.send(ReplicaFetch, body, { version, extraTimeoutMs: settings.maxWaitMs });
    } catch (error) {
      this.#session.handleError();
      throw error;
    }
    if (!this.#running) return;
    // An incremental answer names only the partitions with news, of topics this request may not name.
    const names = new Map(wanted.map((p) => [p.topicId, p.topic]));
    const topicOf = (topic: { topic?: string; topicId?: string }): string | undefined =>
      version > LAST_NAME_VERSION ? names.get(topic.topicId ?? ZERO_UUID) : topic.topic;
    const errorCode = response.errorCode ?? ErrorCode.NONE;
    if (!this.#session.handleResponse(response, topicOf)) {
      // A session error is followed at once by a full fetch; any other failure waits for the backoff.
      const sessionError = errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND || errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH
        || errorCode === ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR;
      if (sessionError) {
        this.#logger.info({ error: errorName(errorCode), sessionId: body.sessionId }, `fetch session with broker ${this.sourceBrokerId} lost: the next fetch is full`);
        return;
      }
      this.#logger.warn({ error: errorName(errorCode) }, `fetch from broker ${this.sourceBrokerId} failed as a whole`);
      this.#delay(fetchable);
      return;
    }
    let throttledBytes = 0;
    for (const topicResponse of response.responses) {
      const topic = topicOf(topicResponse);
      if (topic === undefined) continue;
      for (const data of topicResponse.partitions) {
        const asked = sent.get(topicPartitionKey(topic, data.partitionIndex));
        // Removed, re-added in another epoch or moved since the fetch went out: the answer is stale.
        if (asked === undefined || this.#states.get(asked.state.key) !== asked.state || asked.state.fetchOffset !== asked.fetchOffset) continue;
        await this.#onPartitionData(connection, asked.state, data);
        if (this.#options.followerQuota?.isThrottled(topic, data.partitionIndex) === true) throttledBytes += data.records?.length ?? 0;
      }
    }
    this.#options.followerQuota?.record(throttledBytes, this.#options.time.now());
    this.#releaseAnswer(response.responses);
  }

  /**
   * Appends copy into the page cache at once; the log's tail cache retains what it keeps. The
   * answer's memory (one frame under every partition's records, so any of them names it) takes
   * the next answer once nothing holds it any more.
   */
  #releaseAnswer(topics: ReadonlyArray<{ readonly partitions: ReadonlyArray<FetchResponsePartitionData> }>): void {
    const frameMemory = this.#options.frameMemory;
    if (frameMemory === undefined) return;
    for (const topic of topics) {
      for (const { records } of topic.partitions) {
        if (records !== null && records !== undefined && records.length > 0) return frameMemory.release(records);
      }
    }
  }

  async #connect(): Promise<Connection> {
    if (this.#connection !== undefined && !this.#connection.closed) return this.#connection;
    const { brokerId, fetcherId, sourceBrokerId, endpoint, settings, frameMemory } = this.#options;
    const connection = await Connection.open({
      host: endpoint.host, port: endpoint.port, clientId: `broker-${brokerId}-fetcher-${fetcherId}`,
      requestTimeoutMs: settings.socketTimeoutMs, connectTimeoutMs: settings.socketTimeoutMs,
      label: `broker ${sourceBrokerId} (${endpoint.host}:${endpoint.port})`,
      allocateFrame: frameMemory === undefined ? undefined : (size) => frameMemory.acquire(size),
      ...(this.#options.security === undefined ? {} : { security: this.#options.security }),
    });
    if (!this.#running) {
      connection.close();
      throw new Error('fetcher shut down');
    }
    this.#connection = connection;
    return connection;
  }

  async #onPartitionData(connection: Connection, state: PartitionFetchState, data: FetchResponsePartitionData): Promise<void> {
    const log = this.#options.partitions(state.topic, state.partition);
    if (log === undefined) return;
    const code = data.errorCode;
    if (code === ErrorCode.NONE) {
      const diverging = data.divergingEpoch;
      if (diverging !== undefined && diverging.epoch >= 0) this.#truncateOnDivergence(state, log, diverging.epoch, Number(diverging.endOffset));
      else this.#append(state, log, data);
    } else if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
      await this.#onOutOfRange(connection, state, log);
    } else if (code === ErrorCode.FENCED_LEADER_EPOCH) {
      this.#onFenced(state);
    } else {
      // NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_*: the leader has not applied
      // the LeaderAndIsr that this follower has (the controller sends both at once). Kafka waits
      // replica.fetch.backoff.ms, and acks=all with it, as this follower is in the ISR; the leader
      // catches up within milliseconds, so the retries start at 50 ms and double up to the backoff.
      const delayMs = state.nextLeaderWaitMs(this.#options.settings.backoffMs);
      this.#logger.info({ topic: state.topic, partition: state.partition, error: errorName(code) }, `the leader answered ${errorName(code)}; retrying in ${delayMs} ms`);
      this.#delay([state], delayMs);
    }
  }

  #append(state: PartitionFetchState, log: FollowerPartitionAccess, data: FetchResponsePartitionData): void {
    if (log.logEndOffset !== state.fetchOffset) {
      // Something else cut or moved the log while the fetch was out: fetch again from its end.
      state.followLog(log);
      return;
    }
    try {
      if (data.records !== null && data.records.length > 0) {
        log.appendAsFollower(data.records);
        this.#options.onReplicated?.(data.records.length);
      }
      state.leaderHighWatermark = Number(data.highWatermark);
      log.updateHighWatermark(Number(data.highWatermark));
      const leaderLogStartOffset = Number(data.logStartOffset ?? -1n);
      if (leaderLogStartOffset >= 0) log.maybeIncrementLogStartOffset(leaderLogStartOffset);
    } catch (error) {
      this.#onLogError(state, error);
      return;
    }
    state.followLog(log);
    this.#options.onPartitionUpdated?.(state.topic, state.partition);
  }

  #truncateOnDivergence(state: PartitionFetchState, log: FollowerPartitionAccess, epoch: number, endOffset: number): void {
    const offset = divergenceTruncationOffset(log, { epoch, endOffset });
    this.#logger.info({ topic: state.topic, partition: state.partition, divergingEpoch: epoch, leaderEndOffset: endOffset, truncateTo: offset, logEndOffset: log.logEndOffset },
      'log diverges from the leader\'s: truncating');
    const before = { end: log.logEndOffset, epoch: state.lastFetchedEpoch };
    try {
      log.truncateTo(offset);
    } catch (error) {
      this.#onLogError(state, error);
      return;
    }
    state.followLog(log);
    // The leader answers a divergence at once: one that changes nothing (not the end, not the last
    // epoch) would be asked again in a tight loop.
    if (log.logEndOffset === before.end && state.lastFetchedEpoch === before.epoch) this.#delay([state]);
  }

  /**
   * Kafka's fetchOffsetAndTruncate: a log longer than the leader's (after an unclean election) is
   * cut to the leader's end; one that ends below the leader's start (retention or DeleteRecords on
   * the leader) starts again empty at the leader's start.
   */
  async #onOutOfRange(connection: Connection, state: PartitionFetchState, log: FollowerPartitionAccess): Promise<void> {
    const before = { start: log.logStartOffset, end: log.logEndOffset };
    try {
      const leaderEndOffset = await this.#listOffset(connection, state, LATEST_TIMESTAMP);
      if (this.#states.get(state.key) !== state) return;
      if (leaderEndOffset < log.logEndOffset) {
        this.#logger.warn({ topic: state.topic, partition: state.partition, logEndOffset: log.logEndOffset, leaderEndOffset },
          'the log is longer than the leader\'s: truncating to the leader\'s end');
        log.truncateTo(leaderEndOffset);
      } else {
        const leaderStartOffset = await this.#listOffset(connection, state, EARLIEST_TIMESTAMP);
        if (this.#states.get(state.key) !== state) return;
        if (leaderStartOffset > log.logEndOffset) {
          this.#logger.info({ topic: state.topic, partition: state.partition, logEndOffset: log.logEndOffset, leaderStartOffset },
            'the log ends before the leader\'s start: starting again empty at the leader\'s start');
          log.truncateFullyAndStartAt(leaderStartOffset);
        }
      }
    } catch (error) {
      if (error instanceof KafkaClientError && error.code === ErrorCode.NETWORK_EXCEPTION) throw error;
      if (error instanceof KafkaClientError && error.code === ErrorCode.FENCED_LEADER_EPOCH) this.#onFenced(state);
      else this.#onLogError(state, error);
      return;
    }
    state.followLog(log);
    if (log.logStartOffset === before.start && log.logEndOffset === before.end) {
      // The log lies within the leader's and still was refused: try again later, not at once.
      this.#logger.warn({ topic: state.topic, partition: state.partition, fetchOffset: state.fetchOffset, lastFetchedEpoch: state.lastFetchedEpoch },
        'the leader answered OFFSET_OUT_OF_RANGE for an offset inside its log');
      this.#delay([state]);
    }
  }

  /** ListOffsets as a replica (its id, no isolation level): the leader's log start or end. */
  async #listOffset(connection: Connection, state: PartitionFetchState, timestamp: bigint): Promise<number> {
    const response = await connection.send(Apis.ListOffsets, {
      replicaId: this.#options.brokerId, isolationLevel: 0, timeoutMs: this.#options.settings.socketTimeoutMs,
      topics: [{ name: state.topic, partitions: [{ partitionIndex: state.partition, currentLeaderEpoch: state.currentLeaderEpoch, timestamp }] }],
    });
    const answer = response.topics[0]?.partitions[0];
    const operation = `ListOffsets of ${state.key} to broker ${this.sourceBrokerId}`;
    if (answer === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, operation, 'no answer for the partition');
    if (answer.errorCode !== ErrorCode.NONE) throw new KafkaClientError(answer.errorCode, operation);
    return Number(answer.offset ?? -1n);
  }

  /**
   * A batch the log refused (CORRUPT_MESSAGE) or an answer it could not use is retried after the
   * backoff; a failed log (KAFKA_STORAGE_ERROR, or a bug) stops the partition until a LeaderAndIsr,
   * as Kafka marks it failed. A partition that this broker now leads (NOT_LEADER_OR_FOLLOWER from
   * the replica manager) waits quietly: the same LeaderAndIsr removes it from the fetcher.
   */
  #onLogError(state: PartitionFetchState, error: unknown): void {
    const localCode = error instanceof KafkaError ? error.code : undefined;
    if (localCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) {
      this.#logger.debug({ topic: state.topic, partition: state.partition }, 'no longer a follower of the partition');
      this.#delay([state]);
      return;
    }
    // The leader's answers (KafkaClientError) are retried; of the log's own errors, only a refused batch is.
    const retriable = error instanceof KafkaClientError || localCode === ErrorCode.CORRUPT_MESSAGE;
    if (!retriable) {
      this.#logger.error({ err: error, topic: state.topic, partition: state.partition }, 'replication of the partition stopped: waiting for a LeaderAndIsr');
      this.#markFailed(state);
    } else {
      this.#logger.warn({ err: error, topic: state.topic, partition: state.partition }, `fetched data not applied; retrying in ${this.#options.settings.backoffMs} ms`);
      this.#delay([state]);
    }
  }

  #onFenced(state: PartitionFetchState): void {
    this.#logger.info({ topic: state.topic, partition: state.partition, leaderEpoch: state.currentLeaderEpoch },
      'the leader has a newer leader epoch than this replica: waiting for the LeaderAndIsr that brings it before fetching again');
    this.#markFailed(state);
  }

  #markFailed(state: PartitionFetchState): void {
    this.#states.delete(state.key);
    this.#failed.add(state.key);
  }

  #delay(states: readonly PartitionFetchState[], delayMs = this.#options.settings.backoffMs): void {
    const until = this.#options.time.now() + delayMs;
    for (const state of states) state.delayedUntilMs = until;
  }

  /** How long until the first delayed partition may be fetched; undefined (sleep until woken) with none. */
  #nextDelayEndMs(now: number): number | undefined {
    let earliest: number | undefined;
    for (const state of this.#states.values()) earliest = Math.min(earliest ?? Infinity, state.delayedUntilMs);
    return earliest === undefined ? undefined : Math.max(0, earliest - now);
  }

  #sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      let timer: Timer | undefined;
      const done = (): void => {
        if (timer !== undefined) this.#options.time.clearTimeout(timer);
        this.#wakeUp = undefined;
        resolve();
      };
      this.#wakeUp = done;
      if (ms !== undefined) timer = this.#options.time.setTimeout(done, ms);
    });
  }

  #wake(): void { this.#wakeUp?.(); }
}
