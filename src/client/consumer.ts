import { ErrorCode } from '../protocol/errors.ts';
import { Cluster, type ClusterOptions } from './cluster.ts';
import { KafkaClientError } from './errors.ts';
import { Fetcher, tpKey, type ConsumerRecord, type PartitionState, type TopicPartition } from './fetcher.ts';
import { ConsumerGroupMember } from './consumer-group-member.ts';
import { GroupMember } from './group-member.ts';
import { checkGroupProtocolOptions, type GroupMemberHooks, type GroupMembership, type RebalanceListener } from './group-membership.ts';
import { commitOffsets, fetchCommittedOffsets, findCoordinator, type ConsumerGroupMetadata, type TopicPartitionOffset } from './group-requests.ts';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets, type IsolationLevel } from './list-offsets.ts';
import type { AssignorName } from './assignors.ts';

export type { ConsumerRecord, TopicPartition } from './fetcher.ts';
export type { RebalanceListener } from './group-membership.ts';

export interface ConsumerOptions extends ClusterOptions {
  /** group.id: needed for subscribe() and commits. */
  readonly groupId?: string;
  readonly groupInstanceId?: string;
  /**
   * group.protocol: 'classic' (JoinGroup/SyncGroup, client-side assignors; the default, as in Java's
   * 4.0 client) or 'consumer' (KIP-848: ConsumerGroupHeartbeat, the coordinator assigns).
   */
  readonly groupProtocol?: 'classic' | 'consumer';
  /** group.remote.assignor: the coordinator's assignor ('uniform', 'range') for groupProtocol 'consumer'. */
  readonly groupRemoteAssignor?: string;
  readonly fetchMinBytes?: number;
  readonly fetchMaxWaitMs?: number;
  readonly fetchMaxBytes?: number;
  readonly maxPartitionFetchBytes?: number;
  readonly maxPollRecords?: number;
  /** auto.offset.reset: where to start without a committed offset, or after OFFSET_OUT_OF_RANGE. */
  readonly autoOffsetReset?: 'earliest' | 'latest' | 'none';
  readonly isolationLevel?: IsolationLevel;
  /**
   * check.crcs (default true): verify the CRC-32C of every fetched batch, so corruption on disk or
   * on the wire fails poll() with CORRUPT_MESSAGE instead of reaching the application.
   */
  readonly checkCrcs?: boolean;
  /**
   * client.rack: the rack this consumer runs in. Sent with every fetch (KIP-392), in the classic
   * subscription (rack-aware assignors, KIP-881) and when joining a consumer group (KIP-848).
   */
  readonly clientRack?: string;
  readonly enableAutoCommit?: boolean;
  readonly autoCommitIntervalMs?: number;
  /** session.timeout.ms and heartbeat.interval.ms: classic only; the coordinator sets both for 'consumer'. */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** max.poll.interval.ms, sent as the rebalance timeout. */
  readonly maxPollIntervalMs?: number;
  /** partition.assignment.strategy, in preference order (classic only). */
  readonly partitionAssignmentStrategy?: readonly AssignorName[];
}

export interface ConsumerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: ConsumerRecord[];
  readonly highWatermark: number;
}

/**
 * Kafka's consumer: assign() partitions or subscribe() to topics (a list or a pattern) in a group,
 * then poll() / iterate records or batches. Positions move as records are handed out; commits
 * store them (automatically every auto.commit.interval.ms when enabled).
 */
export class Consumer {
  readonly cluster: Cluster;
  readonly #options: ConsumerOptions;
  readonly #fetcher: Fetcher;
  readonly #maxPollRecords: number;
  #member: GroupMembership | null = null;
  #waiters: Array<() => void> = [];
  #error: Error | null = null;
  #resolving: Promise<void> | null = null;
  #autoCommitTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: ConsumerOptions) {
    checkGroupProtocolOptions(options);
    this.#options = options;
    // allow.auto.create.topics: Java consumers (and producers) let the broker create topics on first use.
    this.cluster = new Cluster({ allowAutoTopicCreation: true, ...options });
    this.#maxPollRecords = options.maxPollRecords ?? 500;
    this.#fetcher = new Fetcher(this.cluster, {
      minBytes: options.fetchMinBytes ?? 1, maxWaitMs: options.fetchMaxWaitMs ?? 500, maxBytes: options.fetchMaxBytes ?? 52_428_800,
      maxPartitionFetchBytes: options.maxPartitionFetchBytes ?? 1_048_576, isolationLevel: options.isolationLevel ?? 'read_uncommitted',
      checkCrcs: options.checkCrcs ?? true, clientRack: options.clientRack ?? '',
    }, {
      onData: () => this.#wakeWaiters(),
      onOutOfRange: (state) => {
        state.position = null;
        this.#resolvePositions();
      },
      onError: (error) => this.#fail(error),
    });
  }

  #fail(error: Error): void {
    this.#error ??= error;
    this.#wakeWaiters();
  }

  #wakeWaiters(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** Manual assignment (no group membership). Positions start from commits or auto.offset.reset. */
  assign(partitions: readonly TopicPartition[]): void {
    if (this.#member !== null) throw new Error('assign() after subscribe(): call unsubscribe() first');
    this.#setAssignment(partitions);
  }

  #setAssignment(partitions: readonly TopicPartition[]): void {
    const keep = new Set(partitions.map((p) => tpKey(p.topic, p.partition)));
    for (const [key, state] of this.#fetcher.partitions) {
      if (!keep.has(key)) {
        this.#fetcher.discard(state);
        this.#fetcher.partitions.delete(key);
      }
    }
    for (const p of partitions) {
      const key = tpKey(p.topic, p.partition);
      if (!this.#fetcher.partitions.has(key)) {
        this.#fetcher.partitions.set(key, { topic: p.topic, partition: p.partition, position: null, paused: false, highWatermark: -1, epoch: 0 });
      }
    }
    this.cluster.addTopics(partitions.map((p) => p.topic));
    this.#resolvePositions();
  }

  assignment(): TopicPartition[] {
    return [...this.#fetcher.partitions.values()].map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /** Joins the group and consumes what it assigns; `topics` may be a pattern matched against all topics. */
  subscribe(topics: readonly string[] | RegExp, listener: RebalanceListener = {}): void {
    const groupId = this.#options.groupId;
    if (groupId === undefined) throw new Error('subscribe() needs groupId');
    if (this.#member !== null) throw new Error('already subscribed');
    const hooks: GroupMemberHooks = {
      onAssigned: async (partitions) => {
        this.#setAssignment([...this.assignment(), ...partitions]);
        await listener.onPartitionsAssigned?.(partitions);
      },
      onRevoked: async (partitions) => {
        // Nothing more of these goes to the application: the commit below must be the last word on them.
        this.pause(partitions.filter((p) => this.#fetcher.partitions.has(tpKey(p.topic, p.partition))));
        try {
          await listener.onPartitionsRevoked?.(partitions);
        } finally {
          if (this.#autoCommit) await this.commit(this.#positionsOf(partitions)).catch(() => {});
          this.#remove(partitions);
        }
      },
      onLost: async (partitions) => {
        try {
          await listener.onPartitionsLost?.(partitions);
        } finally {
          this.#remove(partitions);
        }
      },
      onError: (error) => this.#fail(error),
    };
    const groupInstanceId = this.#options.groupInstanceId ?? null;
    const rebalanceTimeoutMs = this.#options.maxPollIntervalMs ?? 300_000;
    this.#member = this.#options.groupProtocol === 'consumer'
      ? new ConsumerGroupMember(this.cluster, {
        groupId, groupInstanceId, subscription: topics, rebalanceTimeoutMs, serverAssignor: this.#options.groupRemoteAssignor ?? null,
        rackId: this.#options.clientRack || null,
      }, hooks)
      : new GroupMember(this.cluster, {
        groupId, groupInstanceId, subscription: topics, rebalanceTimeoutMs,
        sessionTimeoutMs: this.#options.sessionTimeoutMs ?? 45_000, heartbeatIntervalMs: this.#options.heartbeatIntervalMs ?? 3_000,
        assignors: this.#options.partitionAssignmentStrategy ?? ['range', 'cooperative-sticky'], rackId: this.#options.clientRack || null,
      }, hooks);
    this.#member.start();
    this.#startAutoCommit();
  }

  #remove(partitions: readonly TopicPartition[]): void {
    const gone = new Set(partitions.map((p) => tpKey(p.topic, p.partition)));
    this.#setAssignment(this.assignment().filter((p) => !gone.has(tpKey(p.topic, p.partition))));
  }

  async unsubscribe(): Promise<void> {
    // leave() revokes first, so the onRevoked hook commits while the generation is still ours.
    const member = this.#member;
    if (member !== null) await member.leave();
    this.#member = null;
    this.#setAssignment([]);
  }

  get #autoCommit(): boolean {
    return this.#options.groupId !== undefined && (this.#options.enableAutoCommit ?? true);
  }

  #startAutoCommit(): void {
    if (!this.#autoCommit || this.#autoCommitTimer !== null) return;
    this.#autoCommitTimer = setInterval(() => { this.commit().catch(() => {}); }, this.#options.autoCommitIntervalMs ?? 5_000);
    this.#autoCommitTimer.unref();
  }

  #state(tp: TopicPartition): PartitionState {
    const state = this.#fetcher.partitions.get(tpKey(tp.topic, tp.partition));
    if (state === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `seek ${tp.topic}-${tp.partition}`, 'not assigned to this consumer', { retriable: false });
    return state;
  }

  /** The next fetch of `tp` starts at `offset`; anything buffered for it is dropped. */
  seek(tp: TopicPartition, offset: number): void {
    const state = this.#state(tp);
    this.#fetcher.discard(state);
    state.epoch++;
    state.position = offset;
    this.#fetcher.wake();
  }

  async seekToBeginning(partitions: readonly TopicPartition[] = this.assignment()): Promise<void> {
    await this.#seekToTimestamp(partitions, EARLIEST_TIMESTAMP);
  }

  async seekToEnd(partitions: readonly TopicPartition[] = this.assignment()): Promise<void> {
    await this.#seekToTimestamp(partitions, LATEST_TIMESTAMP);
  }

  /** Seeks each partition to the first record with timestamp >= `timestamp` (the end when none). */
  async seekToTimestamp(partitions: readonly TopicPartition[], timestamp: number): Promise<void> {
    await this.#seekToTimestamp(partitions, timestamp);
  }

  async #seekToTimestamp(partitions: readonly TopicPartition[], timestamp: number): Promise<void> {
    const found = await listOffsets(this.cluster, partitions.map((p) => ({ ...p, timestamp })), this.#options.isolationLevel);
    const missing = found.filter((f) => f.offset < 0);
    const ends = missing.length > 0 ? await listOffsets(this.cluster, missing.map((m) => ({ topic: m.topic, partition: m.partition, timestamp: LATEST_TIMESTAMP })), this.#options.isolationLevel) : [];
    for (const f of found) {
      const offset = f.offset >= 0 ? f.offset : ends.find((e) => e.topic === f.topic && e.partition === f.partition)!.offset;
      this.seek(f, offset);
    }
  }

  position(tp: TopicPartition): number | null {
    return this.#state(tp).position;
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const state = this.#state(tp);
      state.paused = true;
      state.epoch++;
      this.#fetcher.discard(state);
    }
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#state(tp).paused = false;
    this.#fetcher.wake();
  }

  paused(): TopicPartition[] {
    return [...this.#fetcher.partitions.values()].filter((s) => s.paused).map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /** Finds start positions: the group's committed offset, else auto.offset.reset. */
  #resolvePositions(): void {
    if (this.#resolving !== null) {
      void this.#resolving.then(() => this.#resolvePositions());
      return;
    }
    const unresolved = [...this.#fetcher.partitions.values()].filter((s) => s.position === null);
    if (unresolved.length === 0) {
      this.#fetcher.wake();
      return;
    }
    this.#resolving = this.#resolve(unresolved).catch((error: unknown) => this.#fail(error as Error)).finally(() => {
      this.#resolving = null;
      this.#fetcher.wake();
    });
  }

  async #resolve(states: PartitionState[]): Promise<void> {
    const epochs = states.map((s) => s.epoch);
    const groupId = this.#options.groupId;
    if (groupId !== undefined) {
      const coordinator = this.#member?.coordinatorId ?? await findCoordinator(this.cluster, groupId);
      const committed = await fetchCommittedOffsets(this.cluster, coordinator, groupId, states, true);
      for (const c of committed) {
        const i = states.findIndex((s) => s.topic === c.topic && s.partition === c.partition);
        if (i >= 0 && c.offset >= 0 && states[i]!.position === null && states[i]!.epoch === epochs[i]) states[i]!.position = c.offset;
      }
    }
    const rest = states.filter((s) => s.position === null);
    if (rest.length === 0) return;
    const reset = this.#options.autoOffsetReset ?? 'latest';
    if (reset === 'none') {
      throw new KafkaClientError(ErrorCode.OFFSET_OUT_OF_RANGE, 'resolve consumer position',
        `no valid offset for ${rest.map((s) => `${s.topic}-${s.partition}`).join(', ')} and auto.offset.reset is none`, { retriable: false });
    }
    const found = await listOffsets(this.cluster, rest.map((s) => ({ topic: s.topic, partition: s.partition, timestamp: reset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP })), this.#options.isolationLevel);
    for (let i = 0; i < rest.length; i++) if (rest[i]!.position === null) rest[i]!.position = found[i]!.offset;
  }

  /** Up to max.poll.records records, waiting up to `timeoutMs` when none is buffered. */
  async poll(timeoutMs = 1000): Promise<ConsumerRecord[]> {
    const batches = await this.#pollBatches(timeoutMs, this.#maxPollRecords);
    return batches.flatMap((b) => b.records);
  }

  async #pollBatches(timeoutMs: number, maxRecords: number): Promise<ConsumerBatch[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#error !== null) {
        const error = this.#error;
        this.#error = null;
        throw error;
      }
      if (this.#closed) return [];
      const out = this.#take(maxRecords);
      if (out.length > 0) {
        this.#fetcher.wake();
        return out;
      }
      const wait = deadline - Date.now();
      if (wait <= 0) return [];
      this.#fetcher.wake();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.#waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  /** Records from the buffered fetches, decoding each as it comes up; a corrupt one throws (after what was taken). */
  #take(maxRecords: number): ConsumerBatch[] {
    const out: ConsumerBatch[] = [];
    let taken = 0;
    const buffered = this.#fetcher.buffered;
    while (buffered.length > 0 && taken < maxRecords) {
      const fetch = buffered[0]!;
      const state = fetch.state;
      if (fetch.epoch !== state.epoch || this.#fetcher.partitions.get(tpKey(state.topic, state.partition)) !== state || state.paused) {
        buffered.shift();
        continue;
      }
      // Fetched ahead from where the fetch before promised to end, which a corrupt batch moved back:
      // it would skip that batch, so it goes and the fetcher asks again from the position.
      if (fetch.fetchOffset !== state.position && !fetch.started) {
        buffered.shift();
        continue;
      }
      let records: ConsumerRecord[];
      try {
        records = fetch.take(maxRecords - taken);
      } catch (error) {
        // As Java's consumer: the position stays before the bad batch, so the next fetch meets it again.
        buffered.shift();
        if (out.length === 0) throw error;
        this.#error ??= error as Error;
        return out;
      }
      if (records.length > 0) state.position = records[records.length - 1]!.offset + 1;
      if (fetch.drained) {
        // All taken: the position passes the fetch's trailing control or aborted batches too.
        buffered.shift();
        state.position = fetch.nextFetchOffset;
      }
      if (records.length === 0) continue;
      taken += records.length;
      out.push({ topic: state.topic, partition: state.partition, records, highWatermark: state.highWatermark });
    }
    return out;
  }

  /** `for await (const record of consumer)`: records until close(). */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord> {
    while (!this.#closed) {
      for (const record of await this.poll(1000)) yield record;
    }
  }

  /** Batches of records of one partition each, until close(). */
  async *batches(): AsyncGenerator<ConsumerBatch> {
    while (!this.#closed) {
      for (const batch of await this.#pollBatches(1000, this.#maxPollRecords)) yield batch;
    }
  }

  #positionsOf(partitions: readonly TopicPartition[]): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const p of partitions) {
      const state = this.#fetcher.partitions.get(tpKey(p.topic, p.partition));
      if (state?.position != null) out.push({ topic: p.topic, partition: p.partition, offset: state.position });
    }
    return out;
  }

  /** Commits `offsets` (default: the position of every assigned partition). */
  async commit(offsets: readonly TopicPartitionOffset[] = this.#positionsOf(this.assignment())): Promise<void> {
    const groupId = this.#options.groupId;
    if (groupId === undefined) throw new Error('commit() needs groupId');
    if (offsets.length === 0) return;
    const member = this.#member;
    for (let attempt = 1; ; attempt++) {
      const coordinator = member?.coordinatorId ?? await findCoordinator(this.cluster, groupId);
      try {
        await commitOffsets(this.cluster, coordinator, groupId, offsets, member?.commitIdentity() ?? null);
        return;
      } catch (error) {
        // A heartbeat in flight bumped our member epoch (consumer groups): retry with the new one, as Java does.
        if (!(error instanceof KafkaClientError) || error.code !== ErrorCode.STALE_MEMBER_EPOCH || attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.cluster.retryBackoff.backoff(attempt - 1)));
      }
    }
  }

  /** Generation (member epoch for 'consumer') and member id, for sendOffsetsToTransaction: a zombie's offsets are refused. */
  groupMetadata(): ConsumerGroupMetadata {
    const groupId = this.#options.groupId;
    if (groupId === undefined) throw new Error('groupMetadata() needs groupId');
    const identity = this.#member?.commitIdentity() ?? { generationId: -1, memberId: '' };
    return { groupId, generationId: identity.generationId, memberId: identity.memberId, groupInstanceId: this.#options.groupInstanceId ?? null };
  }

  async committed(partitions: readonly TopicPartition[]): Promise<TopicPartitionOffset[]> {
    const groupId = this.#options.groupId;
    if (groupId === undefined) throw new Error('committed() needs groupId');
    return fetchCommittedOffsets(this.cluster, await findCoordinator(this.cluster, groupId), groupId, partitions, true);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#autoCommitTimer !== null) clearInterval(this.#autoCommitTimer);
    try {
      if (this.#member !== null) await this.unsubscribe().catch(() => {});
    } finally {
      this.#closed = true;
      this.#fetcher.close();
      this.#wakeWaiters();
      this.cluster.close();
    }
  }
}
