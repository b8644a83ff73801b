import { ErrorCode } from '../protocol/errors.ts';
import { KafkaClientError } from './errors.ts';
import type { ConsumerGroupMetadata, TopicPartitionOffset } from './group-requests.ts';
import { IllegalStateError, type TransactionManager, type TransactionState } from './transaction-manager.ts';
import type { TransactionRequests } from './transaction-requests.ts';

/** What the transactional calls need of the producer around them. */
export interface TransactionHooks {
  /** Sends everything queued without lingering and resolves when nothing is queued or in flight. */
  flush(): Promise<void>;
  /** Resolves when nothing is queued or in flight (after an abort, the sender fails what was not sent). */
  idle(): Promise<void>;
  /** Runs the sender now: a state change may let it send, or make it drop batches. */
  wake(): void;
}

/**
 * A call that changes the transaction's state and may outlast max.block.ms: the work goes on, and
 * the same call made again waits for it (Java's pending transition); any other waits until it has
 * been seen to end.
 */
interface PendingTransition {
  readonly state: TransactionState;
  readonly operation: string;
  readonly promise: Promise<void>;
  /** A caller has seen it end (success or failure), so it no longer blocks other calls. */
  acked: boolean;
}

/**
 * A transactional producer's calls, as Java's KafkaProducer makes them: each checks the state,
 * moves the transaction manager to its next state, has the requests sent, and waits up to
 * max.block.ms for them.
 */
export class ProducerTransactions {
  readonly #tm: TransactionManager;
  readonly #requests: TransactionRequests;
  readonly #hooks: TransactionHooks;
  readonly #maxBlockMs: number;
  #pending: PendingTransition | null = null;

  constructor(tm: TransactionManager, requests: TransactionRequests, hooks: TransactionHooks, maxBlockMs: number) {
    this.#tm = tm;
    this.#requests = requests;
    this.#hooks = hooks;
    this.#maxBlockMs = maxBlockMs;
  }

  /** Fetches the producer id and epoch for the transactional id, fencing older producers and ending what they left open. */
  initTransactions(): Promise<void> {
    return this.#cached('INITIALIZING', 'initTransactions', () => {
      this.#tm.maybeFailWithError();
      this.#tm.transitionTo('INITIALIZING');
      return this.#requests.initProducerId(false);
    });
  }

  beginTransaction(): void {
    this.#throwIfPendingState('beginTransaction');
    this.#tm.beginTransaction();
    this.#tm.transactionV2 = this.#requests.transactionV2Available;
  }

  /** A send's partition joins the transaction (before its first batch goes). */
  maybeAddPartition(topic: string, partition: number): void {
    this.#throwIfPendingState('send');
    this.#tm.maybeAddPartition(topic, partition);
  }

  async sendOffsetsToTransaction(offsets: readonly TopicPartitionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    this.#throwIfPendingState('sendOffsetsToTransaction');
    this.#tm.maybeFailWithError();
    if (this.#tm.state !== 'IN_TRANSACTION') {
      throw new IllegalStateError(`Cannot send offsets if a transaction is not in progress (currentState= ${this.#tm.state})`);
    }
    const transition: PendingTransition = { state: 'IN_TRANSACTION', operation: 'sendOffsetsToTransaction', promise: this.#requests.sendOffsets(offsets, group), acked: false };
    transition.promise.catch(() => {});
    await this.#await(transition);
  }

  /** Sends what is queued, waits for every answer, then ends the transaction with a commit. */
  commitTransaction(): Promise<void> {
    return this.#cached('COMMITTING_TRANSACTION', 'commitTransaction', () => {
      this.#tm.maybeFailWithError();
      this.#tm.transitionTo('COMMITTING_TRANSACTION');
      return (async () => {
        await this.#hooks.flush();
        await this.#requests.endTransaction(true);
      })();
    });
  }

  /** Drops what was not sent yet, waits for what is in flight, then ends the transaction with an abort. */
  abortTransaction(): Promise<void> {
    return this.#cached('ABORTING_TRANSACTION', 'abortTransaction', () => {
      if (this.#tm.state !== 'ABORTABLE_ERROR') this.#tm.maybeFailWithError();
      this.#tm.transitionTo('ABORTING_TRANSACTION');
      this.#tm.clearNewPartitions();
      this.#hooks.wake();
      return (async () => {
        await this.#hooks.idle();
        await this.#requests.endTransaction(false);
      })();
    });
  }

  #throwIfPendingState(operation: string): void {
    const pending = this.#pending;
    if (pending === null) return;
    if (pending.acked) {
      this.#pending = null;
      return;
    }
    throw new IllegalStateError(`Cannot attempt operation \`${operation}\` because the previous call to \`${pending.operation}\` timed out and must be retried`);
  }

  async #cached(state: TransactionState, operation: string, start: () => Promise<void>): Promise<void> {
    const pending = this.#pending;
    if (pending !== null && !pending.acked) {
      if (pending.state !== state) {
        throw new IllegalStateError(`Cannot attempt operation \`${operation}\` because the previous call to \`${pending.operation}\` timed out and must be retried`);
      }
      return this.#await(pending);
    }
    this.#pending = null;
    // A state that does not allow the call throws here, before anything is pending.
    const transition: PendingTransition = { state, operation, promise: start(), acked: false };
    // Nobody may be waiting when it fails (the caller timed out): the next call hears of it.
    transition.promise.catch(() => {});
    this.#pending = transition;
    return this.#await(transition);
  }

  /** Waits up to max.block.ms; a timeout leaves the work going (TimeoutException in Java, retriable: call again). */
  async #await(transition: PendingTransition): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), this.#maxBlockMs); });
    try {
      const outcome = await Promise.race([transition.promise.then(() => 'done' as const, (error: unknown) => ({ error })), timeout]);
      if (outcome === 'timeout') {
        throw new KafkaClientError(ErrorCode.REQUEST_TIMED_OUT, transition.operation,
          `Timeout expired after ${this.#maxBlockMs}ms while awaiting ${transition.operation}`, { retriable: true });
      }
      transition.acked = true;
      if (outcome !== 'done') throw outcome.error;
    } finally {
      clearTimeout(timer);
    }
  }
}
