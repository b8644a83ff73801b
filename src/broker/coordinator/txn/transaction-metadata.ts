import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import {
  isEpochExhausted, isValidTransition, MAX_PRODUCER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, stateName, supportsEpochBump,
  TransactionState, type TransactionStateId,
} from './transaction-state.ts';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * What the coordinator knows of one transactional id (Kafka's TransactionMetadata), immutable:
 * a transition builds the next value (Kafka's TxnTransitMetadata), which goes to the log as a
 * record and becomes the state when the record is replayed.
 */
export interface TransactionMetadata {
  readonly transactionalId: string;
  readonly producerId: bigint;
  /** The producer id before the last transition: the one a retry after an id rotation still names. */
  readonly prevProducerId: bigint;
  /** Transaction version 2: the id the producer moves to once this transaction completes (its epoch ran out). */
  readonly nextProducerId: bigint;
  readonly producerEpoch: number;
  /**
   * The epoch before the last bump, when a client may retry the request that made it. Not in the
   * log (nor in Kafka's): -1 once loaded, so a retry across a coordinator move is fenced.
   */
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly state: TransactionStateId;
  /** The partitions of the open (or completing) transaction, sorted by topic then partition. */
  readonly topicPartitions: readonly TopicPartition[];
  /** When the transaction began (its first partition was added); -1 with none open. */
  readonly txnStartTimestamp: number;
  /** The last transition's time: what transactional.id.expiration.ms counts from. */
  readonly txnLastUpdateTimestamp: number;
  /** The transaction.version the client used for the last transition. */
  readonly clientTransactionVersion: number;
}

export function describeMetadata(m: TransactionMetadata): string {
  return `${m.transactionalId} (producerId=${m.producerId}, producerEpoch=${m.producerEpoch}, state=${stateName(m.state)})`;
}

/** The metadata InitProducerId starts from for an id never seen: Empty, no epoch yet. */
export function newTransactionMetadata(transactionalId: string, producerId: bigint, txnTimeoutMs: number, nowMs: number): TransactionMetadata {
  return {
    transactionalId, producerId, prevProducerId: NO_PRODUCER_ID, nextProducerId: NO_PRODUCER_ID,
    producerEpoch: NO_PRODUCER_EPOCH, lastProducerEpoch: NO_PRODUCER_EPOCH, txnTimeoutMs, state: TransactionState.EMPTY,
    topicPartitions: [], txnStartTimestamp: -1, txnLastUpdateTimestamp: nowMs, clientTransactionVersion: 0,
  };
}

function partitionKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

export function sortPartitions(partitions: Iterable<TopicPartition>): TopicPartition[] {
  const unique = new Map<string, TopicPartition>();
  for (const tp of partitions) unique.set(partitionKey(tp), { topic: tp.topic, partition: tp.partition });
  return [...unique.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

export function containsAll(metadata: TransactionMetadata, partitions: Iterable<TopicPartition>): boolean {
  const present = new Set(metadata.topicPartitions.map(partitionKey));
  for (const tp of partitions) if (!present.has(partitionKey(tp))) return false;
  return true;
}

export function containsPartition(metadata: TransactionMetadata, tp: TopicPartition): boolean {
  return metadata.topicPartitions.some((p) => p.topic === tp.topic && p.partition === tp.partition);
}

/**
 * The next metadata, in `state`, if that state may follow the current one (Kafka's
 * prepareTransitionTo). An invalid one is a bug in the caller, not a client's error. The previous
 * producer id becomes the current one, as Kafka's transition records it.
 */
function transitionTo(current: TransactionMetadata, state: TransactionStateId, changes: Partial<TransactionMetadata>): TransactionMetadata {
  const next: TransactionMetadata = { ...current, ...changes, state, prevProducerId: current.producerId };
  if (next.producerId < 0n) throw new Error(`Illegal new producer id ${next.producerId} for ${current.transactionalId}`);
  if (state !== TransactionState.DEAD && next.producerEpoch < 0) throw new Error(`Illegal new producer epoch ${next.producerEpoch} for ${current.transactionalId}`);
  if (!isValidTransition(current.state, state)) {
    throw new Error(`${describeMetadata(current)} cannot move to ${stateName(state)}`);
  }
  return next;
}

/**
 * An InitProducerId found the transaction open: its epoch is bumped so the old producer is fenced,
 * and the transaction is aborted with it. This epoch is never given to a client: the client is
 * answered CONCURRENT_TRANSACTIONS, and its retry bumps again.
 */
export function prepareFenceProducerEpoch(m: TransactionMetadata): TransactionMetadata {
  if (m.producerEpoch === MAX_PRODUCER_EPOCH) throw new Error(`Cannot fence ${describeMetadata(m)}: its epoch would overflow`);
  return transitionTo(m, TransactionState.PREPARE_EPOCH_FENCE, { producerEpoch: m.producerEpoch + 1, lastProducerEpoch: NO_PRODUCER_EPOCH });
}

/**
 * InitProducerId on an id with no transaction open: the next epoch (KIP-360: a producer that names
 * its current epoch keeps the right to retry; one naming the epoch it had before the last bump is
 * retrying that bump, and gets the current epoch again). Throws PRODUCER_FENCED for any other epoch.
 */
export function prepareIncrementProducerEpoch(m: TransactionMetadata, txnTimeoutMs: number, expectedEpoch: number | undefined, nowMs: number): TransactionMetadata {
  if (isEpochExhausted(m.producerEpoch)) throw new Error(`Cannot allocate any more producer epochs for producerId ${m.producerId}`);
  let epochs: { producerEpoch: number; lastProducerEpoch: number };
  if (expectedEpoch === undefined) {
    epochs = { producerEpoch: m.producerEpoch + 1, lastProducerEpoch: NO_PRODUCER_EPOCH };
  } else if (m.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === m.producerEpoch) {
    epochs = { producerEpoch: m.producerEpoch + 1, lastProducerEpoch: m.producerEpoch };
  } else if (expectedEpoch === m.lastProducerEpoch) {
    epochs = { producerEpoch: m.producerEpoch, lastProducerEpoch: m.lastProducerEpoch };
  } else {
    throw new KafkaError(ErrorCode.PRODUCER_FENCED,
      `Expected producer epoch ${expectedEpoch} does not match current producer epoch ${m.producerEpoch} or previous producer epoch ${m.lastProducerEpoch}`);
  }
  return transitionTo(m, TransactionState.EMPTY, {
    ...epochs, txnTimeoutMs, topicPartitions: [], txnStartTimestamp: -1, txnLastUpdateTimestamp: nowMs,
  });
}

/** InitProducerId on an id whose epochs ran out: a new producer id at epoch 0. */
export function prepareProducerIdRotation(m: TransactionMetadata, newProducerId: bigint, txnTimeoutMs: number, nowMs: number, recordLastEpoch: boolean): TransactionMetadata {
  if (m.state === TransactionState.ONGOING || m.state === TransactionState.PREPARE_ABORT || m.state === TransactionState.PREPARE_COMMIT) {
    throw new Error(`Cannot rotate the producer id of ${describeMetadata(m)} while a transaction is pending`);
  }
  return transitionTo(m, TransactionState.EMPTY, {
    producerId: newProducerId, producerEpoch: 0, lastProducerEpoch: recordLastEpoch ? m.producerEpoch : NO_PRODUCER_EPOCH,
    txnTimeoutMs, topicPartitions: [], txnStartTimestamp: -1, txnLastUpdateTimestamp: nowMs,
  });
}

/** AddPartitionsToTxn / AddOffsetsToTxn: the transaction is Ongoing with these partitions too; it begins now if none was open. */
export function prepareAddPartitions(m: TransactionMetadata, partitions: readonly TopicPartition[], nowMs: number, clientTransactionVersion: number): TransactionMetadata {
  const begins = m.state === TransactionState.EMPTY || m.state === TransactionState.COMPLETE_ABORT || m.state === TransactionState.COMPLETE_COMMIT;
  return transitionTo(m, TransactionState.ONGOING, {
    topicPartitions: sortPartitions([...m.topicPartitions, ...partitions]),
    txnStartTimestamp: begins ? nowMs : m.txnStartTimestamp,
    txnLastUpdateTimestamp: nowMs,
    clientTransactionVersion,
  });
}

/**
 * EndTxn: PrepareCommit or PrepareAbort. With transaction version 2 the epoch is bumped here (the
 * producer learns the new one from the response), and `nextProducerId` is the id it moves to when
 * this bump used up its epochs. An abort with no partition added (version 2 allows it) starts now.
 */
export function prepareAbortOrCommit(
  m: TransactionMetadata, state: typeof TransactionState.PREPARE_COMMIT | typeof TransactionState.PREPARE_ABORT,
  clientTransactionVersion: number, nextProducerId: bigint, nowMs: number, noPartitionAdded: boolean,
): TransactionMetadata {
  const epochs = supportsEpochBump(clientTransactionVersion)
    ? { producerEpoch: m.producerEpoch + 1, lastProducerEpoch: m.producerEpoch }
    : { producerEpoch: m.producerEpoch, lastProducerEpoch: m.lastProducerEpoch };
  return transitionTo(m, state, {
    ...epochs, nextProducerId, txnStartTimestamp: noPartitionAdded ? nowMs : m.txnStartTimestamp,
    txnLastUpdateTimestamp: nowMs, clientTransactionVersion,
  });
}

/**
 * Every marker is written: CompleteCommit or CompleteAbort, no partitions. A producer whose epochs
 * ran out with this transaction (version 2) moves to its next producer id at epoch 0.
 */
export function prepareComplete(m: TransactionMetadata, nowMs: number): TransactionMetadata {
  const state = m.state === TransactionState.PREPARE_COMMIT ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
  const rotates = supportsEpochBump(m.clientTransactionVersion) && m.nextProducerId !== NO_PRODUCER_ID;
  return transitionTo(m, state, {
    producerId: rotates ? m.nextProducerId : m.producerId,
    producerEpoch: rotates ? 0 : m.producerEpoch,
    nextProducerId: NO_PRODUCER_ID,
    topicPartitions: [],
    txnLastUpdateTimestamp: nowMs,
  });
}
