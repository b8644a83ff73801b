import { ErrorCode, isRetriable } from '../protocol/errors.ts';
import { KafkaClientError } from './errors.ts';
import { PartitionSequences, type PartitionSequence } from './partition-sequences.ts';
import { incrementSequence, NO_SEQUENCE, type ProducerBatch } from './producer-batch.ts';
import { tpKey, type TopicPartition } from './topic-partition.ts';

/** Java's TransactionManager states; an idempotent producer uses UNINITIALIZED, INITIALIZING, READY and FATAL_ERROR. */
export type TransactionState = 'UNINITIALIZED' | 'INITIALIZING' | 'READY' | 'IN_TRANSACTION' | 'COMMITTING_TRANSACTION'
  | 'ABORTING_TRANSACTION' | 'ABORTABLE_ERROR' | 'FATAL_ERROR';

/** The states each state may be entered from; FATAL_ERROR from any. */
const VALID_SOURCES: Readonly<Record<Exclude<TransactionState, 'FATAL_ERROR'>, readonly TransactionState[]>> = {
  UNINITIALIZED: ['READY', 'ABORTABLE_ERROR'],
  INITIALIZING: ['UNINITIALIZED', 'ABORTING_TRANSACTION'],
  READY: ['INITIALIZING', 'COMMITTING_TRANSACTION', 'ABORTING_TRANSACTION'],
  IN_TRANSACTION: ['READY'],
  COMMITTING_TRANSACTION: ['IN_TRANSACTION'],
  ABORTING_TRANSACTION: ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
  ABORTABLE_ERROR: ['IN_TRANSACTION', 'COMMITTING_TRANSACTION', 'ABORTABLE_ERROR', 'INITIALIZING'],
};

/** Errors after which the producer can do nothing more: close it (and make a new one). */
const FATAL_CODES: ReadonlySet<number> = new Set([
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ErrorCode.PRODUCER_FENCED, ErrorCode.UNSUPPORTED_VERSION,
]);

const MAX_EPOCH = 32_767;

/** A call made in a state that does not allow it (Java's IllegalStateException): the producer's state is unchanged. */
export class IllegalStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IllegalStateError';
  }
}

/** What the records of a batch dropped by an abort fail with (Java's TransactionAbortedException). */
export class TransactionAbortedError extends Error {
  constructor() {
    super('Failing batch since transaction was aborted');
    this.name = 'TransactionAbortedError';
  }
}

export function errorCodeOf(error: unknown): number {
  return error instanceof KafkaClientError ? error.code : ErrorCode.UNKNOWN_SERVER_ERROR;
}

/**
 * The state of an idempotent or transactional producer, after Java's TransactionManager: the
 * producer id and epoch, the sequence of every partition, which batches may be sent now, what an
 * error means (retry, bump the epoch, abortable, fatal), and for a transactional producer its
 * state machine and the partitions in the current transaction. No I/O here: the sender and
 * TransactionRequests act on what it decides.
 */
export class TransactionManager {
  readonly transactionalId: string | null;
  readonly transactionTimeoutMs: number;
  state: TransactionState = 'UNINITIALIZED';
  lastError: Error | null = null;
  producerId = -1;
  producerEpoch = -1;
  /** An error requires a new epoch: after the abort (transactional), or before the next drain (idempotent). */
  epochBumpRequired = false;
  /** Something was added to the transaction (partitions or offsets), so ending it takes an EndTxn. */
  transactionStarted = false;
  /** The coordinator's InitProducerId is v3+, which bumps an epoch instead of fencing (KIP-360). */
  coordinatorSupportsBumpingEpoch = false;
  /** KIP-890 part 2 for this transaction: partitions join with the Produce, every EndTxn bumps the epoch. */
  transactionV2 = false;
  readonly #sequences = new PartitionSequences();
  /** Partitions where a sent batch expired: no new sequence until the ones in flight tell what the broker has. */
  readonly #unresolved = new Map<string, { topic: string; partition: number; nextSequence: number }>();
  /** Partitions whose batches get new sequences once the epoch is bumped. */
  readonly #toRewrite = new Map<string, TopicPartition>();
  readonly #newPartitions = new Map<string, TopicPartition>();
  readonly #pendingPartitions = new Map<string, TopicPartition>();
  readonly #partitionsInTransaction = new Set<string>();

  constructor(transactionalId: string | null, transactionTimeoutMs: number) {
    this.transactionalId = transactionalId;
    this.transactionTimeoutMs = transactionTimeoutMs;
  }

  get isTransactional(): boolean { return this.transactionalId !== null; }
  get hasProducerId(): boolean { return this.producerId >= 0; }
  get hasError(): boolean { return this.state === 'ABORTABLE_ERROR' || this.state === 'FATAL_ERROR'; }
  get hasFatalError(): boolean { return this.state === 'FATAL_ERROR'; }
  get hasAbortableError(): boolean { return this.state === 'ABORTABLE_ERROR'; }
  get isCompleting(): boolean { return this.state === 'COMMITTING_TRANSACTION' || this.state === 'ABORTING_TRANSACTION'; }
  get isAborting(): boolean { return this.state === 'ABORTING_TRANSACTION'; }
  /** An idempotent producer may always bump its own epoch; a transactional one when its coordinator can. */
  get canBumpEpoch(): boolean { return !this.isTransactional || this.coordinatorSupportsBumpingEpoch; }

  /** What a message names the producer by. */
  get label(): string {
    return this.isTransactional ? `TransactionalId ${this.transactionalId}` : 'Idempotent producer';
  }

  transitionTo(target: TransactionState, error: Error | null = null): void {
    if (target !== 'FATAL_ERROR' && !VALID_SOURCES[target].includes(this.state)) {
      throw new IllegalStateError(`${this.label}: Invalid transition attempted from state ${this.state} to state ${target}`);
    }
    this.lastError = target === 'FATAL_ERROR' || target === 'ABORTABLE_ERROR' ? error : null;
    this.state = target;
  }

  transitionToFatalError(error: Error): void {
    this.transitionTo('FATAL_ERROR', error);
  }

  transitionToAbortableError(error: Error): void {
    // Already aborting: the abort goes on, and the error says nothing new.
    if (this.state === 'ABORTING_TRANSACTION') return;
    this.transitionTo('ABORTABLE_ERROR', error);
  }

  /** An error that a new epoch gets past (KIP-360) is abortable where the epoch can be bumped, else fatal. */
  abortableErrorIfPossible(error: Error): void {
    if (this.canBumpEpoch) {
      this.epochBumpRequired = true;
      this.transitionToAbortableError(error);
    } else {
      this.transitionToFatalError(error);
    }
  }

  /** A failed send: fatal errors end the producer; for a transactional producer anything else makes the transaction abortable. */
  maybeTransitionToErrorState(error: Error): void {
    if (FATAL_CODES.has(errorCodeOf(error))) {
      this.transitionToFatalError(error);
    } else if (this.isTransactional) {
      if (this.canBumpEpoch && !this.isCompleting) this.epochBumpRequired = true;
      this.transitionToAbortableError(error);
    }
  }

  /** Throws what stops the producer now: a fatal error, or an abortable one until the transaction is aborted. */
  maybeFailWithError(): void {
    if (!this.hasError) return;
    throw this.currentError();
  }

  /** The error a call meets in an error state, saying which producer and why. */
  currentError(): Error {
    const last = this.lastError;
    const code = errorCodeOf(last);
    const who = `${this.label} (producerId ${this.producerId}, epoch ${this.producerEpoch})`;
    if (code === ErrorCode.PRODUCER_FENCED) {
      return new KafkaClientError(code, who, 'has been fenced by another producer with the same transactionalId', { cause: last, retriable: false });
    }
    if (code === ErrorCode.INVALID_PRODUCER_EPOCH) return new KafkaClientError(code, who, 'attempted to produce with an old epoch', { cause: last, retriable: false });
    const what = this.hasFatalError ? 'the producer is in a fatal error state; close it' : 'the transaction must be aborted';
    const cannot = this.isTransactional ? 'Cannot execute transactional method because we are in an error state' : 'Cannot send';
    return new KafkaClientError(code, who, `${cannot} (${what}): ${last?.message ?? 'unknown error'}`, { cause: last, retriable: false });
  }

  setProducerIdAndEpoch(producerId: number, producerEpoch: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
  }

  resetSequenceNumbers(): void {
    this.#sequences.clear();
    this.#unresolved.clear();
  }

  // ---- idempotence: sequences, retries, epoch bumps ----

  #entry(batch: { topic: string; partition: number }): PartitionSequence {
    return this.#sequences.getOrCreate(batch.topic, batch.partition, this.producerId, this.producerEpoch);
  }

  /** Java's isSendToPartitionAllowed and shouldStopDrainBatchesForPartition: true while `first` must wait. */
  shouldStopDrain(first: ProducerBatch): boolean {
    if (this.hasFatalError) return true;
    if (this.isTransactional && !this.#partitionsInTransaction.has(tpKey(first.topic, first.partition))) return true;
    if (!this.hasProducerId) return true;
    const entry = this.#entry(first);
    if (!first.hasSequence) {
      // A new epoch begins at sequence 0 only after the old epoch's batches are done, or it could overtake them.
      if (entry.inFlight.length > 0 && (entry.producerId !== this.producerId || entry.producerEpoch !== this.producerEpoch)) return true;
      if (this.#unresolved.has(tpKey(first.topic, first.partition))) return true;
    }
    // A retry goes only when it is the lowest sequence not done: one at a time until the gap closes.
    const firstInFlight = entry.firstInFlightSequence;
    return firstInFlight !== NO_SEQUENCE && first.hasSequence && first.baseSequence !== firstInFlight;
  }

  /** Stamps a batch drained for the first time with the producer id, epoch and the partition's next sequence. */
  assignSequence(batch: ProducerBatch): void {
    if (batch.hasSequence) return;
    const entry = this.#entry(batch);
    if ((entry.producerId !== this.producerId || entry.producerEpoch !== this.producerEpoch) && entry.inFlight.length === 0) {
      entry.startSequencesAtBeginning(this.producerId, this.producerEpoch);
    }
    batch.setProducerState(this.producerId, this.producerEpoch, entry.nextSequence, this.isTransactional);
    entry.nextSequence = incrementSequence(entry.nextSequence, batch.recordCount);
    entry.addInFlight(batch);
  }

  handleCompletedBatch(batch: ProducerBatch, baseOffset: number): void {
    let entry = this.#sequences.get(batch.topic, batch.partition);
    // Sequences were reset while this batch was out (an idempotent producer's new id): start the entry afresh.
    if (entry === undefined && !this.isTransactional) entry = this.#entry(batch);
    if (entry === undefined) return;
    entry.maybeUpdateLastAckedSequence(batch.lastSequence);
    if (baseOffset >= 0) entry.lastAckedOffset = Math.max(entry.lastAckedOffset, baseOffset + batch.recordCount - 1);
    entry.removeInFlight(batch);
  }

  /** A batch failed for good; `adjustSequenceNumbers` when the broker surely did not write it. */
  handleFailedBatch(batch: ProducerBatch, error: Error, adjustSequenceNumbers: boolean): void {
    this.maybeTransitionToErrorState(error);
    this.#sequences.get(batch.topic, batch.partition)?.removeInFlight(batch);
    if (this.hasFatalError || !batch.hasSequence) return;
    const code = errorCodeOf(error);
    if (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && !this.isTransactional) {
      // A gap in the log: a new epoch starts the partition's sequences at 0.
      this.requestEpochBumpForPartition(batch);
    } else if (code === ErrorCode.UNKNOWN_PRODUCER_ID) {
      // The broker has no state for us and takes sequence 0 next.
      this.#sequences.remove(batch.topic, batch.partition);
      this.#unresolved.delete(tpKey(batch.topic, batch.partition));
    } else if (adjustSequenceNumbers) {
      if (!this.isTransactional) this.requestEpochBumpForPartition(batch);
      else this.#sequences.get(batch.topic, batch.partition)?.adjustSequencesDueToFailedBatch(batch);
    }
  }

  requestEpochBumpForPartition(tp: TopicPartition): void {
    this.epochBumpRequired = true;
    this.#toRewrite.set(tpKey(tp.topic, tp.partition), { topic: tp.topic, partition: tp.partition });
  }

  #isNextSequence(tp: TopicPartition, sequence: number): boolean {
    return sequence - (this.#sequences.get(tp.topic, tp.partition)?.lastAckedSequence ?? NO_SEQUENCE) === 1;
  }

  /** Java's canRetry for an error answer; `logStartOffset` from the Produce answer (-1: unknown). */
  canRetry(code: number, batch: ProducerBatch, logStartOffset: number): boolean {
    const key = tpKey(batch.topic, batch.partition);
    if (code === ErrorCode.UNKNOWN_PRODUCER_ID) {
      if (logStartOffset === -1 || batch.sequenceReset) return true;
      const entry = this.#sequences.get(batch.topic, batch.partition);
      if ((entry?.lastAckedOffset ?? -1) < logStartOffset) {
        // Retention removed our last records and with them our state: start again from 0 without losing the transaction.
        if (this.isTransactional) entry?.startSequencesAtBeginning(this.producerId, this.producerEpoch);
        else this.requestEpochBumpForPartition(batch);
        return true;
      }
      if (!this.isTransactional) {
        this.requestEpochBumpForPartition(batch);
        return true;
      }
    } else if (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
      const unresolved = this.#unresolved.get(key);
      // Not the batch right after the last acknowledged one: an earlier batch failed, and this one follows it back.
      if (unresolved === undefined && (batch.sequenceReset || !this.#isNextSequence(batch, batch.baseSequence))) return true;
      if (!this.isTransactional) {
        if (unresolved === undefined || unresolved.nextSequence === batch.baseSequence) this.requestEpochBumpForPartition(batch);
        return true;
      }
    }
    return isRetriable(code);
  }

  /** A batch that was sent expired: until the batches in flight settle, nobody knows whether the broker has it. */
  markSequenceUnresolved(batch: ProducerBatch): void {
    const key = tpKey(batch.topic, batch.partition);
    const nextSequence = incrementSequence(batch.lastSequence, 1);
    const known = this.#unresolved.get(key);
    this.#unresolved.set(key, { topic: batch.topic, partition: batch.partition, nextSequence: Math.max(known?.nextSequence ?? 0, nextSequence) });
  }

  /** Once a partition with an expired batch has nothing in flight: resolved if the acknowledgements close the gap, else a new epoch. */
  maybeResolveSequences(): void {
    for (const [key, tp] of this.#unresolved) {
      const entry = this.#sequences.get(tp.topic, tp.partition);
      if (entry !== undefined && entry.inFlight.length > 0) continue;
      this.#unresolved.delete(key);
      if (entry === undefined || this.#isNextSequence(tp, entry.nextSequence)) continue;
      if (!this.isTransactional) {
        this.requestEpochBumpForPartition(tp);
        continue;
      }
      const unacked = 'The client hasn\'t received acknowledgment for some previously sent messages and can no longer retry them.';
      const error = new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, this.label,
        `${unacked} ${this.canBumpEpoch ? 'It is safe to abort the transaction and continue.' : 'It isn\'t safe to continue.'}`, { retriable: false });
      if (this.canBumpEpoch) {
        this.epochBumpRequired = true;
        this.transitionToAbortableError(error);
      } else {
        this.transitionToFatalError(error);
      }
    }
  }

  /**
   * Before a drain, for an idempotent producer: bumps the epoch locally when an error asked for it
   * (the broker takes a higher epoch starting at sequence 0), or forgets the producer id once the
   * epoch is used up. True when a producer id must be fetched (InitProducerId) first.
   */
  bumpIdempotentEpochAndResetIdIfNeeded(): boolean {
    if (this.isTransactional) return false;
    if (this.epochBumpRequired) {
      if (this.producerEpoch >= MAX_EPOCH) {
        this.setProducerIdAndEpoch(-1, -1);
        this.state = 'UNINITIALIZED';
      } else {
        this.setProducerIdAndEpoch(this.producerId, this.producerEpoch + 1);
      }
      for (const [key, tp] of this.#toRewrite) {
        this.#sequences.get(tp.topic, tp.partition)?.startSequencesAtBeginning(this.producerId, this.producerEpoch);
        this.#unresolved.delete(key);
      }
      this.#toRewrite.clear();
      this.epochBumpRequired = false;
    }
    return this.state !== 'INITIALIZING' && this.state !== 'FATAL_ERROR' && !this.hasProducerId;
  }

  // ---- transactions: partitions in the transaction ----

  /** Called by send() for a transactional producer: the partition joins the transaction before its first batch goes. */
  maybeAddPartition(topic: string, partition: number): void {
    this.maybeFailWithError();
    if (!this.isTransactional) return;
    const key = tpKey(topic, partition);
    if (!this.hasProducerId) throw new IllegalStateError(`Cannot add partition ${topic}-${partition} to transaction before completing a call to initTransactions`);
    if (this.state !== 'IN_TRANSACTION') throw new IllegalStateError(`Cannot add partition ${topic}-${partition} to transaction while in state ${this.state}`);
    if (this.#partitionsInTransaction.has(key) || this.#newPartitions.has(key) || this.#pendingPartitions.has(key)) return;
    if (this.transactionV2) {
      this.#partitionsInTransaction.add(key);
      this.transactionStarted = true;
    } else {
      this.#newPartitions.set(key, { topic, partition });
    }
  }

  get hasNewPartitions(): boolean { return this.#newPartitions.size > 0; }
  get hasPartitionsToAdd(): boolean { return this.#newPartitions.size > 0 || this.#pendingPartitions.size > 0; }

  /** The partitions for the next AddPartitionsToTxn: every one waiting, including those of a request being retried. */
  takePartitionsToAdd(): TopicPartition[] {
    for (const [key, tp] of this.#newPartitions) this.#pendingPartitions.set(key, tp);
    this.#newPartitions.clear();
    return [...this.#pendingPartitions.values()];
  }

  /** AddPartitionsToTxn answered: `added` (all, or none after an error) leave the pending set. */
  partitionsAdded(partitions: readonly TopicPartition[], added: boolean): void {
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition);
      this.#pendingPartitions.delete(key);
      if (added) this.#partitionsInTransaction.add(key);
    }
    if (added && partitions.length > 0) this.transactionStarted = true;
  }

  isPartitionAdded(topic: string, partition: number): boolean {
    return this.#partitionsInTransaction.has(tpKey(topic, partition));
  }

  beginTransaction(): void {
    if (!this.isTransactional) throw new IllegalStateError('Transactional method invoked on a non-transactional producer.');
    this.maybeFailWithError();
    this.transitionTo('IN_TRANSACTION');
  }

  /** Aborting: partitions that have not joined yet never will. */
  clearNewPartitions(): void {
    this.#newPartitions.clear();
  }

  /** EndTxn answered (or nothing was added, so none was needed): READY, or INITIALIZING when the epoch must be bumped next. */
  completeTransaction(): void {
    this.transitionTo(this.epochBumpRequired ? 'INITIALIZING' : 'READY');
    this.lastError = null;
    this.epochBumpRequired = false;
    this.transactionStarted = false;
    this.#newPartitions.clear();
    this.#pendingPartitions.clear();
    this.#partitionsInTransaction.clear();
  }
}
