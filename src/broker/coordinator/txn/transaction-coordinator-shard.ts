import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { CoordinatorRecord, CoordinatorResult, CoordinatorShard, ShardContext } from '../runtime/coordinator-runtime.ts';
import type { TransactionConfig } from './transaction-config.ts';
import { decodeTransactionRecord, transactionRecord, transactionTombstone, type TransactionRecord } from './transaction-log.ts';
import {
  containsAll, containsPartition, describeMetadata, prepareAddPartitions, prepareComplete, prepareFenceProducerEpoch,
  sortPartitions, type TopicPartition, type TransactionMetadata,
} from './transaction-metadata.ts';
import {
  planEndTransaction, planInitProducerId, type EndTransactionArgs, type EndTransactionPlan, type InitProducerIdArgs, type InitProducerIdPlan,
} from './transaction-plans.ts';
import { isExpirationAllowed, stateFromName, stateName, TransactionState, type TransactionStateId } from './transaction-state.ts';

/** What the shard tells its coordinator, which sends markers and runs the aborts. */
export interface TransactionShardHooks {
  /** The partition is loaded; these transactions were completing and need their markers sent (again). */
  onLoaded(partition: number, completing: readonly TransactionMetadata[]): void;
  /** These open transactions ran past their timeout; the coordinator aborts each, fencing its producer. */
  onTimedOut(partition: number, timedOut: readonly TransactionMetadata[]): void;
}

const NO_HOOKS: TransactionShardHooks = { onLoaded: () => undefined, onTimedOut: () => undefined };

const ABORT_TIMER = 'abort-timed-out-transactions';
const EXPIRATION_TIMER = 'remove-expired-transactional-ids';
/** Tombstones per expiration batch, far below max.message.bytes even for long transactional ids. */
const MAX_TOMBSTONES_PER_BATCH = 500;

export interface ListTransactionsFilters {
  readonly states: readonly string[];
  readonly producerIds: readonly bigint[];
  /** < 0: none; else only transactions running for longer than this. */
  readonly durationMs: number;
}

export interface ListedTransaction {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly transactionState: string;
}

/**
 * The transactional ids of one __transaction_state partition (Kafka's TransactionStateManager
 * cache entry, with the state transitions of its TransactionCoordinator): a map from id to
 * metadata, changed only by replaying records. Operations decide with transaction-plans.ts and
 * return the record that carries the decision; the runtime appends it and replays it.
 */
export class TransactionCoordinatorShard implements CoordinatorShard {
  readonly transactions = new Map<string, TransactionMetadata>();
  private readonly context: ShardContext<TransactionConfig>;
  private readonly hooks: TransactionShardHooks;

  constructor(context: ShardContext<TransactionConfig>, hooks: TransactionShardHooks = NO_HOOKS) {
    this.context = context;
    this.hooks = hooks;
  }

  replay(record: CoordinatorRecord): void {
    const decoded = decodeTransactionRecord(record);
    if (decoded === undefined) {
      this.context.logger.warn({ keyVersion: record.key.readInt16BE(0) }, 'unknown __transaction_state key version skipped');
      return;
    }
    if (decoded.metadata === null) this.transactions.delete(decoded.transactionalId);
    else this.transactions.set(decoded.transactionalId, decoded.metadata);
  }

  onLoaded(): void {
    const completing = [...this.transactions.values()].filter((m) => m.state === TransactionState.PREPARE_COMMIT || m.state === TransactionState.PREPARE_ABORT);
    this.scheduleAbortTimedOut();
    this.scheduleExpiration();
    this.hooks.onLoaded(this.context.partition, completing);
  }

  get(transactionalId: string): TransactionMetadata | undefined {
    return this.transactions.get(transactionalId);
  }

  initProducerId(args: InitProducerIdArgs, freshProducerId: bigint | undefined): CoordinatorResult<InitProducerIdPlan> {
    const plan = planInitProducerId(this.transactions.get(args.transactionalId), args, freshProducerId, this.context.time.now());
    if (plan.kind === 'initialize') return { records: [transactionRecord(plan.metadata)], response: plan };
    if (plan.kind === 'fence') return { records: [transactionRecord(plan.prepared)], response: plan };
    return { records: [], response: plan };
  }

  endTransaction(args: EndTransactionArgs, freshProducerId: bigint | undefined): CoordinatorResult<EndTransactionPlan> {
    const plan = planEndTransaction(this.transactions.get(args.transactionalId), args, freshProducerId, this.context.time.now());
    return { records: plan.kind === 'prepare' ? [transactionRecord(plan.metadata)] : [], response: plan };
  }

  /**
   * The coordinator's abort of a transaction past its timeout (Kafka's abortTimedOutTransactions):
   * the producer's epoch is bumped as an InitProducerId would, so it is fenced when it comes back.
   * Answers the PrepareAbort written, or undefined when the transaction ended meanwhile.
   */
  abortTimedOutTransaction(timedOut: TransactionMetadata): CoordinatorResult<TransactionMetadata | undefined> {
    const current = this.transactions.get(timedOut.transactionalId);
    if (current === undefined || current.state !== TransactionState.ONGOING || current.producerId !== timedOut.producerId ||
      current.producerEpoch !== timedOut.producerEpoch) {
      return { records: [], response: undefined };
    }
    const fenced = prepareFenceProducerEpoch(current);
    const plan = planEndTransaction(current, {
      transactionalId: current.transactionalId, producerId: fenced.producerId, producerEpoch: fenced.producerEpoch, commit: false,
      isFromClient: false, clientTransactionVersion: this.context.config.transactionVersionLevel, epochFence: true,
    }, undefined, this.context.time.now());
    if (plan.kind !== 'prepare') return { records: [], response: undefined };
    this.context.logger.info({ transactionalId: current.transactionalId, producerId: String(current.producerId), timeoutMs: current.txnTimeoutMs },
      'aborting a transaction that ran past its timeout');
    return { records: [transactionRecord(plan.metadata)], response: plan.metadata };
  }

  /**
   * AddPartitionsToTxn (v0-3 from clients, v4+ without verifyOnly from partition leaders) and
   * AddOffsetsToTxn: the partitions join the open transaction, which begins if none was open.
   */
  addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartition[], clientTransactionVersion: number): CoordinatorResult<void> {
    const m = this.checkedProducer(transactionalId, producerId, producerEpoch);
    if (m.state === TransactionState.PREPARE_COMMIT || m.state === TransactionState.PREPARE_ABORT) {
      throw new KafkaError(ErrorCode.CONCURRENT_TRANSACTIONS, `The transaction of ${transactionalId} is completing`);
    }
    // Already there: nothing to write.
    if (m.state === TransactionState.ONGOING && containsAll(m, partitions)) return { records: [], response: undefined };
    const next = prepareAddPartitions(m, sortPartitions(partitions), this.context.time.now(), clientTransactionVersion);
    return { records: [transactionRecord(next)], response: undefined };
  }

  /**
   * AddPartitionsToTxn v4+ with verifyOnly (KIP-890): whether each partition is in the open
   * transaction of this producer, without adding it. Throws for an error of the whole transaction.
   */
  verifyPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartition[]): number[] {
    const m = this.checkedProducer(transactionalId, producerId, producerEpoch);
    if (m.state === TransactionState.PREPARE_COMMIT || m.state === TransactionState.PREPARE_ABORT) {
      throw new KafkaError(ErrorCode.CONCURRENT_TRANSACTIONS, `The transaction of ${transactionalId} is completing`);
    }
    return partitions.map((tp) => (containsPartition(m, tp) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE));
  }

  private checkedProducer(transactionalId: string, producerId: bigint, producerEpoch: number): TransactionMetadata {
    const m = this.transactions.get(transactionalId);
    if (m === undefined || m.producerId !== producerId) {
      throw new KafkaError(ErrorCode.INVALID_PRODUCER_ID_MAPPING, `Producer id ${producerId} is not the current one of ${transactionalId}`);
    }
    if (m.producerEpoch !== producerEpoch) {
      throw new KafkaError(ErrorCode.PRODUCER_FENCED, `Producer epoch ${producerEpoch} of ${transactionalId} is not the current one (${m.producerEpoch})`);
    }
    return m;
  }

  /**
   * Once the PrepareCommit/PrepareAbort `prepared` is durable: throws unless the transaction still
   * is just that (as Kafka checks before it sends markers), and answers the metadata it completes to.
   */
  checkPrepared(prepared: TransactionMetadata): TransactionMetadata {
    const m = this.transactions.get(prepared.transactionalId);
    if (m === undefined || m.producerId !== prepared.producerId) {
      throw new KafkaError(ErrorCode.INVALID_PRODUCER_ID_MAPPING, `The producer of ${prepared.transactionalId} changed`);
    }
    if (m.producerEpoch !== prepared.producerEpoch) throw new KafkaError(ErrorCode.PRODUCER_FENCED, `The producer epoch of ${prepared.transactionalId} changed`);
    if (m.state !== prepared.state) throw new KafkaError(ErrorCode.INVALID_TXN_STATE, `${describeMetadata(m)} is no longer ${stateName(prepared.state)}`);
    return prepareComplete(m, this.context.time.now());
  }

  /** Whether the transaction still is `prepared` (same state, producer id and epoch). */
  isCurrent(prepared: TransactionMetadata): boolean {
    const m = this.transactions.get(prepared.transactionalId);
    return m !== undefined && m.state === prepared.state && m.producerId === prepared.producerId && m.producerEpoch === prepared.producerEpoch;
  }

  /**
   * A prepare the log holds but did not confirm in time is written again, unchanged: once this copy
   * is durable so is the first, and the markers may go. Answers false (writing nothing) when the
   * transaction moved on meanwhile.
   */
  reconfirmPrepared(prepared: TransactionMetadata): CoordinatorResult<boolean> {
    if (!this.isCurrent(prepared)) return { records: [], response: false };
    return { records: [transactionRecord(this.transactions.get(prepared.transactionalId)!)], response: true };
  }

  /**
   * Every marker of the completing transaction is written: CompleteCommit or CompleteAbort. Writes
   * nothing (answers false) when the transaction is no longer the one whose markers were sent.
   */
  completeTransaction(prepared: TransactionMetadata): CoordinatorResult<boolean> {
    if (!this.isCurrent(prepared)) return { records: [], response: false };
    const m = this.transactions.get(prepared.transactionalId)!;
    return { records: [transactionRecord(prepareComplete(m, this.context.time.now()))], response: true };
  }

  /** ListTransactions over this partition (Kafka's listTransactionStates); Dead ids are never listed. */
  listTransactions(filters: ListTransactionsFilters): ListedTransaction[] {
    const states = new Set(filters.states.map(stateFromName).filter((s): s is TransactionStateId => s !== undefined));
    const producerIds = new Set(filters.producerIds);
    const now = this.context.time.now();
    const listed: ListedTransaction[] = [];
    for (const m of this.transactions.values()) {
      if (m.state === TransactionState.DEAD) continue;
      if (producerIds.size > 0 && !producerIds.has(m.producerId)) continue;
      if (filters.states.length > 0 && !states.has(m.state)) continue;
      if (filters.durationMs >= 0 && now - m.txnStartTimestamp <= filters.durationMs) continue;
      listed.push({ transactionalId: m.transactionalId, producerId: m.producerId, transactionState: stateName(m.state) });
    }
    return listed;
  }

  /** The open transactions past their timeout (Kafka's timedOutTransactions). */
  timedOutTransactions(): TransactionMetadata[] {
    const now = this.context.time.now();
    return [...this.transactions.values()].filter((m) => m.state === TransactionState.ONGOING && m.txnStartTimestamp + m.txnTimeoutMs < now);
  }

  /**
   * Tombstones for the ids unused for transactional.id.expiration.ms with no transaction open
   * (Kafka's removeExpiredTransactionalIds), at most MAX_TOMBSTONES_PER_BATCH at a time: the timer
   * comes back at once while more are due.
   */
  removeExpiredTransactionalIds(): CoordinatorResult<void> {
    const expiredBefore = this.context.time.now() - this.context.config.transactionalIdExpirationMs;
    const records: TransactionRecord[] = [];
    for (const m of this.transactions.values()) {
      if (!isExpirationAllowed(m.state) || m.txnLastUpdateTimestamp > expiredBefore) continue;
      if (records.length === MAX_TOMBSTONES_PER_BATCH) break;
      records.push(transactionTombstone(m.transactionalId));
    }
    if (records.length > 0) this.context.logger.info({ expired: records.length }, 'expired transactional ids removed');
    this.scheduleExpiration(records.length === MAX_TOMBSTONES_PER_BATCH ? 0 : undefined);
    return { records, response: undefined };
  }

  private scheduleAbortTimedOut(): void {
    this.context.timer.schedule(ABORT_TIMER, this.context.config.abortTimedOutTransactionsIntervalMs, () => {
      const timedOut = this.timedOutTransactions();
      if (timedOut.length > 0) this.hooks.onTimedOut(this.context.partition, timedOut);
      this.scheduleAbortTimedOut();
      return { records: [], response: undefined };
    });
  }

  private scheduleExpiration(delayMs = this.context.config.removeExpiredTransactionalIdsIntervalMs): void {
    this.context.timer.schedule(EXPIRATION_TIMER, delayMs, () => this.removeExpiredTransactionalIds());
  }
}

/** The transaction's partitions still waiting for a marker, or all of them: what DescribeTransactions shows. */
export function describedPartitions(m: TransactionMetadata, pendingMarkers: readonly TopicPartition[] | undefined): TopicPartition[] {
  if (pendingMarkers !== undefined && (m.state === TransactionState.PREPARE_COMMIT || m.state === TransactionState.PREPARE_ABORT)) {
    return sortPartitions(pendingMarkers);
  }
  return [...m.topicPartitions];
}
