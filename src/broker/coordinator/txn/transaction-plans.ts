import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import {
  describeMetadata, newTransactionMetadata, prepareAbortOrCommit, prepareFenceProducerEpoch, prepareIncrementProducerEpoch,
  prepareProducerIdRotation, type TransactionMetadata,
} from './transaction-metadata.ts';
import {
  isEpochExhausted, MAX_PRODUCER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, stateName, supportsEpochBump, TransactionState,
} from './transaction-state.ts';

/**
 * What InitProducerId and EndTxn decide from a transactional id's metadata, as pure functions
 * (Kafka's TransactionCoordinator.prepareInitProducerIdTransit and endTransaction): the shard
 * writes the metadata they return, or answers what they throw (KafkaErrors with Kafka's codes).
 *
 * Both may need a fresh producer id (a new transactional id, epochs run out). Allocating one is
 * asynchronous and a coordinator operation is not, so they answer `needsProducerId` when none was
 * handed in; the coordinator allocates one and runs them again.
 */
export type InitProducerIdPlan =
  | { readonly kind: 'needsProducerId' }
  /** Write `metadata` and answer its producer id and epoch. */
  | { readonly kind: 'initialize'; readonly metadata: TransactionMetadata }
  /** A transaction was open: write its PrepareAbort (epoch bumped), send its markers, answer CONCURRENT_TRANSACTIONS. */
  | { readonly kind: 'fence'; readonly prepared: TransactionMetadata };

export interface InitProducerIdArgs {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  /** KIP-360: the producer id and epoch a producer that is still alive names to keep its id. */
  readonly expected?: { readonly producerId: bigint; readonly producerEpoch: number };
  /** The transaction.version the coordinator aborts an open transaction with. */
  readonly serverTransactionVersion: number;
}

export function planInitProducerId(
  current: TransactionMetadata | undefined, args: InitProducerIdArgs, freshProducerId: bigint | undefined, nowMs: number,
): InitProducerIdPlan {
  let metadata = current;
  let unusedFreshId = freshProducerId;
  if (metadata === undefined) {
    if (unusedFreshId === undefined) return { kind: 'needsProducerId' };
    metadata = newTransactionMetadata(args.transactionalId, unusedFreshId, args.transactionTimeoutMs, nowMs);
    unusedFreshId = undefined;
  }
  const { expected } = args;
  // Fenced unless: the id was just created (a producer recovering from UNKNOWN_PRODUCER_ID gets the
  // new one), it names the current producer id (its epoch is checked by the bump), or it names the
  // previous one with an exhausted epoch (a retry of the rotation that the producer never heard of).
  if (expected !== undefined && !(metadata.producerEpoch === NO_PRODUCER_EPOCH || expected.producerId === metadata.producerId ||
    (expected.producerId === metadata.prevProducerId && isEpochExhausted(expected.producerEpoch)))) {
    throw new KafkaError(ErrorCode.PRODUCER_FENCED, `Producer id ${expected.producerId} is not the current one of ${args.transactionalId}`);
  }
  switch (metadata.state) {
    case TransactionState.PREPARE_ABORT:
    case TransactionState.PREPARE_COMMIT:
      throw new KafkaError(ErrorCode.CONCURRENT_TRANSACTIONS, `The transaction of ${args.transactionalId} is completing`);
    case TransactionState.COMPLETE_ABORT:
    case TransactionState.COMPLETE_COMMIT:
    case TransactionState.EMPTY: {
      if (isEpochExhausted(metadata.producerEpoch) && (expected === undefined || expected.producerEpoch === metadata.producerEpoch)) {
        if (unusedFreshId === undefined) return { kind: 'needsProducerId' };
        return { kind: 'initialize', metadata: prepareProducerIdRotation(metadata, unusedFreshId, args.transactionTimeoutMs, nowMs, expected !== undefined) };
      }
      return { kind: 'initialize', metadata: prepareIncrementProducerEpoch(metadata, args.transactionTimeoutMs, expected?.producerEpoch, nowMs) };
    }
    case TransactionState.ONGOING: {
      // The open transaction is aborted under a bumped epoch that no client ever gets: the client
      // is told CONCURRENT_TRANSACTIONS, and its retry bumps the epoch again (or rotates the id if
      // this bump used up the epochs).
      const fenced = prepareFenceProducerEpoch(metadata);
      const plan = planEndTransaction(metadata, {
        transactionalId: args.transactionalId, producerId: fenced.producerId, producerEpoch: fenced.producerEpoch, commit: false,
        isFromClient: false, clientTransactionVersion: args.serverTransactionVersion, epochFence: true,
      }, undefined, nowMs);
      if (plan.kind !== 'prepare') throw new Error(`Fencing ${describeMetadata(metadata)} did not prepare an abort`);
      return { kind: 'fence', prepared: plan.metadata };
    }
    default:
      throw new Error(`Found ${describeMetadata(metadata)}: it should never have entered this state`);
  }
}

export type EndTransactionPlan =
  | { readonly kind: 'needsProducerId' }
  /** Nothing to write: a retry of an end already complete. Answer NONE with this producer id and epoch. */
  | { readonly kind: 'done'; readonly producerId: bigint; readonly producerEpoch: number }
  /** Write `metadata` (PrepareCommit or PrepareAbort), then send the markers. */
  | { readonly kind: 'prepare'; readonly metadata: TransactionMetadata };

export interface EndTransactionArgs {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly commit: boolean;
  /** False when the coordinator itself aborts (a fencing InitProducerId, a timeout). */
  readonly isFromClient: boolean;
  /** 2 for EndTxn v5+ (and the coordinator's own aborts when its level is 2): the epoch is bumped. */
  readonly clientTransactionVersion: number;
  /** The abort is the second step of fencing: `producerEpoch` is the bumped epoch of PrepareEpochFence. */
  readonly epochFence?: boolean;
}

function invalidTransition(m: TransactionMetadata, commit: boolean): KafkaError {
  return new KafkaError(ErrorCode.INVALID_TXN_STATE,
    `TransactionalId ${m.transactionalId}'s state is ${stateName(m.state)}, but received transaction marker result to send: ${commit ? 'COMMIT' : 'ABORT'}`);
}

function concurrent(m: TransactionMetadata): KafkaError {
  return new KafkaError(ErrorCode.CONCURRENT_TRANSACTIONS, `The transaction of ${m.transactionalId} is completing`);
}

function illegalState(m: TransactionMetadata): Error {
  return new Error(`Found ${describeMetadata(m)}: it should never have entered this state`);
}

export function planEndTransaction(
  current: TransactionMetadata | undefined, args: EndTransactionArgs, freshProducerId: bigint | undefined, nowMs: number,
): EndTransactionPlan {
  if (current === undefined) {
    throw new KafkaError(ErrorCode.INVALID_PRODUCER_ID_MAPPING, `No transactional id ${args.transactionalId} is known to this coordinator`);
  }
  return supportsEpochBump(args.clientTransactionVersion)
    ? planEndTransactionV2(current, args, freshProducerId, nowMs)
    : planEndTransactionV1(current, args, nowMs);
}

/** An end while one is being written: the same end again waits for it (CONCURRENT_TRANSACTIONS, retried), the other is invalid. */
function endWhilePreparing(m: TransactionMetadata, commit: boolean): never {
  if (commit === (m.state === TransactionState.PREPARE_COMMIT)) throw concurrent(m);
  throw invalidTransition(m, commit);
}

/** The metadata an abort that fences starts from: the bumped epoch of PrepareEpochFence. */
function fencedBase(m: TransactionMetadata, args: EndTransactionArgs): TransactionMetadata {
  return args.epochFence === true ? { ...m, producerEpoch: args.producerEpoch, lastProducerEpoch: NO_PRODUCER_EPOCH } : m;
}

function planEndTransactionV1(m: TransactionMetadata, args: EndTransactionArgs, nowMs: number): EndTransactionPlan {
  const { commit } = args;
  if (m.producerId !== args.producerId) {
    throw new KafkaError(ErrorCode.INVALID_PRODUCER_ID_MAPPING, `Producer id ${args.producerId} is not the current one of ${m.transactionalId}`);
  }
  // A client must name the current epoch; the coordinator's own abort names a newer one.
  if ((args.isFromClient && args.producerEpoch !== m.producerEpoch) || args.producerEpoch < m.producerEpoch) {
    throw new KafkaError(ErrorCode.PRODUCER_FENCED, `Producer epoch ${args.producerEpoch} of ${m.transactionalId} is not the current one (${m.producerEpoch})`);
  }
  const done = { kind: 'done', producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH } as const;
  switch (m.state) {
    case TransactionState.ONGOING: {
      const base = commit ? m : fencedBase(m, args);
      const state = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
      return { kind: 'prepare', metadata: prepareAbortOrCommit(base, state, 0, NO_PRODUCER_ID, nowMs, false) };
    }
    case TransactionState.COMPLETE_COMMIT:
      if (commit) return done;
      throw invalidTransition(m, commit);
    case TransactionState.COMPLETE_ABORT:
      if (!commit) return done;
      throw invalidTransition(m, commit);
    case TransactionState.PREPARE_COMMIT:
    case TransactionState.PREPARE_ABORT:
      return endWhilePreparing(m, commit);
    case TransactionState.EMPTY:
      throw invalidTransition(m, commit);
    default:
      throw illegalState(m);
  }
}

/**
 * Transaction version 2 (KIP-890): every end bumps the epoch, so the epoch alone tells a retry of
 * the last end (the epoch one below the current) from the next one (the current epoch). Kafka's
 * table for the states with no transaction open, Retry / Current epoch:
 *                  Abort            Commit
 *   Empty          FENCED / bump    FENCED / INVALID_TXN_STATE
 *   CompleteAbort  NONE / bump      INVALID_TXN_STATE / INVALID_TXN_STATE
 *   CompleteCommit INVALID / bump   NONE / INVALID_TXN_STATE
 */
function planEndTransactionV2(m: TransactionMetadata, args: EndTransactionArgs, freshProducerId: bigint | undefined, nowMs: number): EndTransactionPlan {
  const { commit, producerId, producerEpoch } = args;
  const isEpochFence = args.epochFence === true;
  // A retry of an end whose bump used up the epochs: the producer still names its old id.
  const retryOnOverflow = !isEpochFence && m.prevProducerId === producerId && producerEpoch === MAX_PRODUCER_EPOCH - 1 && m.producerEpoch === 0;
  const retryOnEpochBump = !isEpochFence && m.producerEpoch === producerEpoch + 1;
  let isValidEpoch: boolean;
  if (isEpochFence) {
    isValidEpoch = (!args.isFromClient || producerEpoch === m.producerEpoch) && producerEpoch >= m.producerEpoch;
  } else if (m.state === TransactionState.PREPARE_COMMIT || m.state === TransactionState.PREPARE_ABORT) {
    isValidEpoch = retryOnEpochBump;
  } else if (m.state === TransactionState.COMPLETE_COMMIT || m.state === TransactionState.COMPLETE_ABORT) {
    isValidEpoch = retryOnEpochBump || retryOnOverflow || producerEpoch === m.producerEpoch;
  } else {
    isValidEpoch = producerEpoch === m.producerEpoch;
  }
  const isRetry = retryOnEpochBump || retryOnOverflow;
  if (m.producerId !== producerId && !retryOnOverflow) {
    throw new KafkaError(ErrorCode.INVALID_PRODUCER_ID_MAPPING, `Producer id ${producerId} is not the current one of ${m.transactionalId}`);
  }
  if (!isValidEpoch) {
    throw new KafkaError(ErrorCode.PRODUCER_FENCED, `Producer epoch ${producerEpoch} of ${m.transactionalId} is not valid here (current ${m.producerEpoch})`);
  }
  const prepare = (state: typeof TransactionState.PREPARE_COMMIT | typeof TransactionState.PREPARE_ABORT, noPartitionAdded: boolean): EndTransactionPlan => {
    // The bump that uses up the epochs moves the producer to a new id once the transaction completes.
    const needsNextId = !isEpochFence && isEpochExhausted(m.producerEpoch);
    if (needsNextId && freshProducerId === undefined) return { kind: 'needsProducerId' };
    const base = state === TransactionState.PREPARE_ABORT ? fencedBase(m, args) : m;
    if (base.producerEpoch >= MAX_PRODUCER_EPOCH) throw new Error(`Cannot bump the epoch of ${describeMetadata(base)}: it would overflow`);
    const nextProducerId = needsNextId ? freshProducerId! : NO_PRODUCER_ID;
    return { kind: 'prepare', metadata: prepareAbortOrCommit(base, state, args.clientTransactionVersion, nextProducerId, nowMs, noPartitionAdded) };
  };
  const done = { kind: 'done', producerId: m.producerId, producerEpoch: m.producerEpoch } as const;
  switch (m.state) {
    case TransactionState.ONGOING:
      return prepare(commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT, false);
    case TransactionState.COMPLETE_COMMIT:
      if (commit) {
        if (isRetry) return done;
        throw invalidTransition(m, commit);
      }
      if (isRetry) throw invalidTransition(m, commit);
      return prepare(TransactionState.PREPARE_ABORT, true);
    case TransactionState.COMPLETE_ABORT:
      if (!commit) return isRetry ? done : prepare(TransactionState.PREPARE_ABORT, true);
      throw invalidTransition(m, commit);
    case TransactionState.PREPARE_COMMIT:
    case TransactionState.PREPARE_ABORT:
      return endWhilePreparing(m, commit);
    case TransactionState.EMPTY:
      if (!commit) return prepare(TransactionState.PREPARE_ABORT, true);
      throw invalidTransition(m, commit);
    default:
      throw illegalState(m);
  }
}
