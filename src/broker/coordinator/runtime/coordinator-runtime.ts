import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import { buildEndTransactionMarker } from '../../../protocol/records/control-record.ts';
import { ControlRecordType } from '../../../protocol/records/record-batch.ts';
import { buildRecordBatch } from '../../../protocol/records/record-batch-builder.ts';
import type { Logger } from '../../logger.ts';
import type { Time, Timer } from '../../time.ts';
import type { GroupConfig } from '../group/group-config.ts';
import type { CoordinatorLog } from './coordinator-log.ts';
import { replayLog } from './coordinator-loader.ts';
import { ShardTimer } from './shard-timer.ts';

/** A coordinator log record: key = int16 version + key struct; value = int16 version + value struct; null = tombstone. */
export interface CoordinatorRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

/** What an operation returns: records to append (atomically, in order) and the response, which is given once the records are appended and replayed. A response may be a Promise (JoinGroup waits for the rebalance). */
export interface CoordinatorResult<T> {
  readonly records: readonly CoordinatorRecord[];
  readonly response: T | Promise<T>;
}

export interface CoordinatorTimer {
  /** Runs `operation` after `delayMs` on this shard (as a write operation: its records are appended and replayed); a schedule with the same key replaces the earlier one. */
  schedule(key: string, delayMs: number, operation: () => CoordinatorResult<void>): void;
  cancel(key: string): void;
  isScheduled(key: string): boolean;
}

/** Where a replayed record sits: its offset in the log and its batch's producer (-1n / -1 unless transactional). */
export interface RecordContext {
  readonly offset: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/** The producer of a transactional write: its batch carries this id and epoch and the transactional flag. */
export interface TransactionalProducer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

export const NON_TRANSACTIONAL = { producerId: -1n, producerEpoch: -1 } as const;

export interface CoordinatorShard {
  replay(record: CoordinatorRecord, context: RecordContext): void;
  /**
   * A COMMIT (commit = true) or ABORT marker of the producer's transaction, written by
   * scheduleTransactionCompletion or met while loading: what the transaction wrote becomes state, or goes.
   */
  replayEndTransactionMarker?(producerId: bigint, producerEpoch: number, commit: boolean): void;
  /** Called once the partition's log has been replayed, before any operation runs: where timers restart. */
  onLoaded?(): void;
  /** Called when the partition is unloaded or the runtime closes; its timers are already cancelled. */
  onUnloaded?(): void;
}

/** What server-side assignors and subscription checks need from cluster metadata. */
export interface TopicsView {
  partitionCount(topic: string): number | undefined;
  topicId(topic: string): string | undefined;
  topicName(topicId: string): string | undefined;
  topicNames(): readonly string[];
}

/** What a shard is built with; C is its coordinator's config (GroupConfig, TransactionConfig). */
export interface ShardContext<C = GroupConfig> {
  readonly partition: number;
  readonly time: Time;
  readonly timer: CoordinatorTimer;
  readonly logger: Logger;
  readonly config: C;
  readonly metadata: TopicsView;
}

export interface CoordinatorRuntimeOptions<S extends CoordinatorShard, C = GroupConfig> {
  readonly log: CoordinatorLog;
  readonly shardFactory: (context: ShardContext<C>) => S;
  readonly time: Time;
  readonly logger: Logger;
  readonly config: C;
  readonly metadata: TopicsView;
  /**
   * How much of the log one read takes while loading (offsets.load.buffer.size,
   * transaction.state.log.load.buffer.size); by default the config's offsetsLoadBufferSize when it
   * has one, else Kafka's default of both, 5 MiB.
   */
  readonly loadBufferSize?: number;
  /** The wait before the first retry of a failed load; it doubles with each failure, up to loadRetryBackoffMaxMs. */
  readonly loadRetryBackoffMs?: number;
  readonly loadRetryBackoffMaxMs?: number;
}

const DEFAULT_LOAD_BUFFER_SIZE = 5 * 1024 * 1024;
const DEFAULT_LOAD_RETRY_BACKOFF_MS = 500;
const DEFAULT_LOAD_RETRY_BACKOFF_MAX_MS = 10_000;

type PartitionStatus = 'loading' | 'active' | 'failed' | 'closed';

interface PartitionState<S> {
  status: PartitionStatus;
  /** Built anew for each load attempt: a failed attempt may have replayed part of the log. */
  shard: S;
  readonly timer: ShardTimer;
  /** The tail of this partition's operation queue: operations run one at a time, in order. */
  tail: Promise<void>;
  /** The load attempt under way, or the last one while a retry waits. */
  loaded: Promise<void>;
  failedLoads: number;
  /** What the last failed attempt said: a retry that fails the same way is not logged again. */
  lastLoadFailure: string | undefined;
  loadRetry: Timer | undefined;
}

/**
 * Runs a coordinator's state machines (one shard per partition of its internal topic) over that
 * topic's log, as Kafka's CoordinatorRuntime does. A write operation computes records and a
 * response from the shard's state; the records go to the log as one batch, and only then into the
 * shard through replay (DESIGN rule 5), so the state in memory is always what replaying the log
 * gives. An append that fails leaves state untouched and fails the operation.
 *
 * A load that fails (the log cannot be read, a record cannot be replayed) is retried with a
 * doubling backoff, the partition answering COORDINATOR_LOAD_IN_PROGRESS meanwhile. Kafka instead
 * marks it failed (NOT_COORDINATOR) until its leadership changes, which on a single broker means
 * until a restart; retrying lets the groups recover once the cause has gone.
 */
export class CoordinatorRuntime<S extends CoordinatorShard, C = GroupConfig> {
  private readonly options: CoordinatorRuntimeOptions<S, C>;
  private readonly partitions = new Map<number, PartitionState<S>>();

  constructor(options: CoordinatorRuntimeOptions<S, C>) {
    this.options = options;
  }

  /**
   * Builds the partition's shard and replays its log from the log start offset; operations are
   * refused with COORDINATOR_LOAD_IN_PROGRESS until then. Resolves once the shard is active, or
   * rejects with the attempt's failure (a retry is then scheduled). On a partition already known,
   * returns its attempt under way, or its last one.
   */
  loadPartition(partition: number): Promise<void> {
    const existing = this.partitions.get(partition);
    if (existing !== undefined) return existing.loaded;
    const { time, logger } = this.options;
    const timer = new ShardTimer(time, (name, operation) => this.scheduleWriteOperation(name, partition, () => operation()), logger);
    const state: PartitionState<S> = {
      status: 'loading', shard: this.newShard(partition, timer), timer, tail: Promise.resolve(), loaded: Promise.resolve(),
      failedLoads: 0, lastLoadFailure: undefined, loadRetry: undefined,
    };
    this.partitions.set(partition, state);
    state.loaded = this.load(partition, state);
    return state.loaded;
  }

  private newShard(partition: number, timer: ShardTimer): S {
    const { time, logger, config, metadata } = this.options;
    return this.options.shardFactory({ partition, time, timer, logger: logger.child({ coordinatorPartition: partition }), config, metadata });
  }

  private async load(partition: number, state: PartitionState<S>): Promise<void> {
    const { time, logger, config, log } = this.options;
    const startMs = time.now();
    try {
      // Yield first so that a load is observably in progress, as it is in Kafka.
      await yieldToEventLoop();
      const bufferSize = this.options.loadBufferSize ?? (config as Partial<GroupConfig>).offsetsLoadBufferSize ?? DEFAULT_LOAD_BUFFER_SIZE;
      const replayed = await replayLog(log, partition, bufferSize, {
        replay: (record, context) => {
          if (state.status === 'loading') state.shard.replay(record, context);
        },
        replayEndTransactionMarker: (producerId, producerEpoch, commit) => {
          if (state.status === 'loading') state.shard.replayEndTransactionMarker?.(producerId, producerEpoch, commit);
        },
      });
      if (state.status !== 'loading') return;
      state.status = 'active';
      state.shard.onLoaded?.();
      const elapsedMs = time.now() - startMs;
      if (state.failedLoads === 0) logger.debug({ partition, records: replayed, elapsedMs }, 'coordinator partition loaded');
      else logger.info({ partition, records: replayed, elapsedMs, failedAttempts: state.failedLoads }, 'coordinator partition loaded after failed attempts');
    } catch (error) {
      if (state.status !== 'loading') return;
      this.scheduleLoadRetry(partition, state, error);
      throw error;
    }
  }

  /** After a failed load: the partition stays loading, and a fresh shard replays the log again after the backoff. */
  private scheduleLoadRetry(partition: number, state: PartitionState<S>, error: unknown): void {
    const { time, logger } = this.options;
    state.timer.cancelAll();
    state.failedLoads++;
    const initialMs = this.options.loadRetryBackoffMs ?? DEFAULT_LOAD_RETRY_BACKOFF_MS;
    const maxMs = this.options.loadRetryBackoffMaxMs ?? DEFAULT_LOAD_RETRY_BACKOFF_MAX_MS;
    // The exponent is capped so that a long outage cannot overflow the product.
    const retryInMs = Math.min(maxMs, initialMs * 2 ** Math.min(state.failedLoads - 1, 30));
    const failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const details = { err: error, partition, failedAttempts: state.failedLoads, retryInMs };
    // A cause that persists (a corrupt record fails every replay) would otherwise log at every retry.
    if (failure !== state.lastLoadFailure) {
      logger.error(details, 'loading coordinator partition failed; it answers COORDINATOR_LOAD_IN_PROGRESS and the load is retried (the same failure again is logged at debug level)');
    } else {
      logger.debug(details, 'loading coordinator partition failed again');
    }
    state.lastLoadFailure = failure;
    state.loadRetry = time.setTimeout(() => {
      state.loadRetry = undefined;
      if (this.partitions.get(partition) !== state || state.status !== 'loading') return;
      state.shard = this.newShard(partition, state.timer);
      state.loaded = this.load(partition, state);
      // Its failure is handled inside (logged, retried); the rejection is for loadPartition's callers.
      state.loaded.catch(() => undefined);
    }, retryInMs);
    state.loadRetry.unref?.();
  }

  /** Drops the partition's shard (its state goes; operations get NOT_COORDINATOR). */
  unloadPartition(partition: number): void {
    const state = this.partitions.get(partition);
    if (state === undefined) return;
    this.partitions.delete(partition);
    const wasActive = state.status === 'active';
    state.status = 'closed';
    if (state.loadRetry !== undefined) this.options.time.clearTimeout(state.loadRetry);
    state.timer.cancelAll();
    if (wasActive) state.shard.onUnloaded?.();
  }

  isLoading(partition: number): boolean {
    return this.partitions.get(partition)?.status === 'loading';
  }

  isActive(partition: number): boolean {
    return this.partitions.get(partition)?.status === 'active';
  }

  /** The partitions whose shards are loaded, ascending. */
  activePartitions(): number[] {
    return [...this.partitions].filter(([, state]) => state.status === 'active').map(([partition]) => partition).sort((a, b) => a - b);
  }

  /** The shard of a loaded partition, for tests and for reads that need no ordering. */
  shard(partition: number): S | undefined {
    const state = this.partitions.get(partition);
    return state?.status === 'active' ? state.shard : undefined;
  }

  /**
   * Runs `operation` on the shard of `partition`; appends its records to that partition, replays
   * them into the shard, then resolves with the response. Rejects with KafkaError NOT_COORDINATOR
   * (partition not hosted here) or COORDINATOR_LOAD_IN_PROGRESS (still loading), with the
   * operation's own error, or with the append's. Operations on one partition run one at a time.
   */
  scheduleWriteOperation<T>(name: string, partition: number, operation: (shard: S) => CoordinatorResult<T>): Promise<T> {
    return this.write(name, partition, undefined, operation);
  }

  /**
   * A write operation whose records go in one transactional batch of the producer (Kafka's
   * scheduleTransactionalWriteOperation, for TxnOffsetCommit): the shard replays them with the
   * producer's id, as part of its open transaction, until scheduleTransactionCompletion writes the
   * transaction's marker.
   */
  scheduleTransactionalWriteOperation<T>(name: string, partition: number, producerId: bigint, producerEpoch: number, operation: (shard: S) => CoordinatorResult<T>): Promise<T> {
    return this.write(name, partition, { producerId, producerEpoch }, operation);
  }

  /**
   * Appends the producer's COMMIT or ABORT marker (a control batch carrying the transaction
   * coordinator's epoch) to the partition and replays it into the shard (Kafka's
   * scheduleTransactionCompletion, for WriteTxnMarkers to a coordinator's topic). Resolves once
   * the marker is committed; rejects as a write operation does (NOT_COORDINATOR when this broker
   * does not host the partition, COORDINATOR_LOAD_IN_PROGRESS, the append's error).
   */
  async scheduleTransactionCompletion(name: string, partition: number, producerId: bigint, producerEpoch: number, coordinatorEpoch: number, commit: boolean): Promise<void> {
    const state = this.activeState(partition);
    const outcome = await this.enqueue(state, () => {
      this.checkActive(partition, state);
      const marker = buildEndTransactionMarker({
        type: commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch,
        producerId: Number(producerId), producerEpoch, timestamp: this.options.time.now(),
      });
      const { durable } = this.options.log.append(partition, marker);
      try {
        state.shard.replayEndTransactionMarker?.(producerId, producerEpoch, commit);
      } catch (error) {
        throw this.failPartition(name, partition, state, error);
      }
      return { durable };
    });
    await outcome.durable;
  }

  private async write<T>(name: string, partition: number, producer: TransactionalProducer | undefined, operation: (shard: S) => CoordinatorResult<T>): Promise<T> {
    const state = this.activeState(partition);
    // The step in the queue ends once the records are replayed; a response that is itself a
    // promise (JoinGroup) is waited for outside the queue, or it would block the partition.
    const outcome = await this.enqueue(state, () => {
      this.checkActive(partition, state);
      const result = operation(state.shard);
      const durable = result.records.length > 0 ? this.appendAndReplay(name, partition, state, result.records, producer) : undefined;
      return { response: result.response, durable };
    });
    // As Kafka's runtime answers once its records are committed: with flush.messages, once they
    // are on disk (the fsync runs off the event loop; the partition's next operations go on).
    await outcome.durable;
    return outcome.response;
  }

  /**
   * Runs a write operation on every partition of this runtime (Kafka's scheduleWriteAllOperation):
   * one promise per partition, each settling as scheduleWriteOperation's would.
   */
  scheduleWriteAllOperation<T>(name: string, operation: (shard: S) => CoordinatorResult<T>): Promise<T>[] {
    return [...this.partitions.keys()].map((partition) => this.scheduleWriteOperation(name, partition, operation));
  }

  /** Runs `operation` on the shard in queue order (after earlier writes), without records. */
  async scheduleReadOperation<T>(name: string, partition: number, operation: (shard: S) => T): Promise<T> {
    const state = this.activeState(partition);
    void name;
    return this.enqueue(state, () => {
      this.checkActive(partition, state);
      return operation(state.shard);
    });
  }

  /** Resolves once every operation queued so far on the partition has run. */
  async idle(partition: number): Promise<void> {
    await this.partitions.get(partition)?.tail;
  }

  /** Cancels every timer and drops every shard; operations queued after this are refused. */
  close(): void {
    for (const partition of [...this.partitions.keys()]) this.unloadPartition(partition);
  }

  /** Returns the append's pending fsync, if its flush policy asked for one. */
  private appendAndReplay(name: string, partition: number, state: PartitionState<S>, records: readonly CoordinatorRecord[], producer: TransactionalProducer | undefined): Promise<void> | undefined {
    const timestamp = this.options.time.now();
    // A transactional batch has base sequence 0, as Kafka's coordinators write it: the leader does
    // not check the sequences of a coordinator's appends, only the producer's epoch.
    const options = producer === undefined ? {}
      : { producerId: Number(producer.producerId), producerEpoch: producer.producerEpoch, baseSequence: 0, isTransactional: true };
    const batch = buildRecordBatch(records.map((record) => ({ key: record.key, value: record.value, timestamp })), options);
    const { baseOffset, durable } = this.options.log.append(partition, batch);
    const { producerId, producerEpoch } = producer ?? NON_TRANSACTIONAL;
    try {
      records.forEach((record, index) => state.shard.replay(record, { offset: baseOffset + index, producerId, producerEpoch }));
    } catch (error) {
      throw this.failPartition(name, partition, state, error);
    }
    return durable;
  }

  /** The log holds what the shard could not take: its state no longer matches the log. */
  private failPartition(name: string, partition: number, state: PartitionState<S>, error: unknown): KafkaError {
    state.status = 'failed';
    state.timer.cancelAll();
    this.options.logger.error({ err: error, partition, operation: name }, 'replaying appended records failed; the partition is failed');
    return new KafkaError(ErrorCode.NOT_COORDINATOR, `coordinator partition ${partition} failed`, { cause: error });
  }

  private enqueue<T>(state: PartitionState<S>, task: () => T): Promise<T> {
    const run = state.tail.then(task);
    state.tail = run.then(() => undefined, () => undefined);
    return run;
  }

  private activeState(partition: number): PartitionState<S> {
    const state = this.partitions.get(partition);
    if (state === undefined) {
      throw new KafkaError(ErrorCode.NOT_COORDINATOR, `This broker is not the coordinator of partition ${partition}`);
    }
    this.checkActive(partition, state);
    return state;
  }

  private checkActive(partition: number, state: PartitionState<S>): void {
    if (state.status === 'active') return;
    if (state.status === 'loading') {
      throw new KafkaError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, `Coordinator partition ${partition} is loading`);
    }
    throw new KafkaError(ErrorCode.NOT_COORDINATOR, `This broker is not the coordinator of partition ${partition}`);
  }
}
