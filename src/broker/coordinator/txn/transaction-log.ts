import { transactionLogKey } from '../../../protocol/generated/records/transaction-log-key.ts';
import { transactionLogValue, type TransactionLogValue } from '../../../protocol/generated/records/transaction-log-value.ts';
import { DecodeError, Reader } from '../../../protocol/primitives/reader.ts';
import { Writer } from '../../../protocol/primitives/writer.ts';
import type { CoordinatorRecord } from '../runtime/coordinator-runtime.ts';
import { sortPartitions, type TopicPartition, type TransactionMetadata } from './transaction-metadata.ts';
import { NO_PRODUCER_EPOCH, stateFromId, TransactionState } from './transaction-state.ts';

/**
 * __transaction_state record format (Kafka's TransactionLog): the key is an int16 version (0, the
 * transaction log's coordinator record type) and the transactional id; the value an int16 version
 * and the metadata, or null (a tombstone) once the id has expired.
 *
 * Values are written at version 1 (flexible), as Kafka 4 writes them with transaction.version 1 or
 * more, carrying the previous and next producer ids and the client's transaction version as tagged
 * fields. Version 0 values (older Kafka) load too, with those at their defaults.
 */
const KEY_VERSION = 0;
const VALUE_VERSION = 1;

/**
 * A record as an operation hands it to replay. `lastProducerEpoch` rides along in memory only: it
 * is not in Kafka's value format, so a record read back from the log has none, as in Kafka, where
 * a loaded transactional id has no last epoch either.
 */
export interface TransactionRecord extends CoordinatorRecord {
  readonly lastProducerEpoch?: number;
}

export interface DecodedTransactionRecord {
  readonly transactionalId: string;
  /** null: a tombstone, the id has expired. */
  readonly metadata: TransactionMetadata | null;
}

function encodeKey(transactionalId: string): Buffer {
  const writer = new Writer();
  writer.int16(KEY_VERSION);
  transactionLogKey.encode(writer, { transactionalId }, KEY_VERSION);
  return writer.toBuffer();
}

/** The record that makes `metadata` the state of its transactional id. */
export function transactionRecord(metadata: TransactionMetadata): TransactionRecord {
  if (metadata.state === TransactionState.EMPTY && metadata.topicPartitions.length > 0) {
    throw new Error(`Transaction ${metadata.transactionalId} is Empty but has partitions`);
  }
  const byTopic = new Map<string, number[]>();
  for (const tp of metadata.topicPartitions) {
    const partitions = byTopic.get(tp.topic) ?? [];
    partitions.push(tp.partition);
    byTopic.set(tp.topic, partitions);
  }
  const value: TransactionLogValue = {
    producerId: metadata.producerId,
    previousProducerId: metadata.prevProducerId,
    nextProducerId: metadata.nextProducerId,
    producerEpoch: metadata.producerEpoch,
    transactionTimeoutMs: metadata.txnTimeoutMs,
    transactionStatus: metadata.state,
    transactionPartitions: metadata.state === TransactionState.EMPTY ? null : [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds })),
    transactionLastUpdateTimestampMs: BigInt(metadata.txnLastUpdateTimestamp),
    transactionStartTimestampMs: BigInt(metadata.txnStartTimestamp),
    clientTransactionVersion: metadata.clientTransactionVersion,
  };
  const writer = new Writer();
  writer.int16(VALUE_VERSION);
  transactionLogValue.encode(writer, value, VALUE_VERSION);
  return { key: encodeKey(metadata.transactionalId), value: writer.toBuffer(), lastProducerEpoch: metadata.lastProducerEpoch };
}

/** The tombstone that removes an expired transactional id. */
export function transactionTombstone(transactionalId: string): TransactionRecord {
  return { key: encodeKey(transactionalId), value: null };
}

/**
 * Decodes a __transaction_state record; undefined for a key of another version (Kafka skips those
 * with a warning: left over from an aborted upgrade). Throws DecodeError for bytes that are not a
 * record, or an Error for a state id Kafka does not define.
 */
export function decodeTransactionRecord(record: CoordinatorRecord): DecodedTransactionRecord | undefined {
  if (record.key.length < 2) throw new DecodeError('transaction log key shorter than its version');
  if (record.key.readInt16BE(0) !== KEY_VERSION) return undefined;
  const { transactionalId } = transactionLogKey.decode(new Reader(record.key, 2), KEY_VERSION);
  if (record.value === null) return { transactionalId, metadata: null };
  if (record.value.length < 2) throw new DecodeError('transaction log value shorter than its version');
  const version = record.value.readInt16BE(0);
  if (version < transactionLogValue.minVersion || version > transactionLogValue.maxVersion) {
    throw new DecodeError(`TransactionLogValue version ${version} is unknown`);
  }
  const value = transactionLogValue.decode(new Reader(record.value, 2), version);
  const state = stateFromId(value.transactionStatus);
  const partitions: TopicPartition[] = [];
  if (state !== TransactionState.EMPTY) {
    for (const { topic, partitionIds } of value.transactionPartitions ?? []) for (const partition of partitionIds) partitions.push({ topic, partition });
  }
  const lastProducerEpoch = (record as TransactionRecord).lastProducerEpoch ?? NO_PRODUCER_EPOCH;
  return {
    transactionalId,
    metadata: {
      transactionalId,
      producerId: value.producerId,
      prevProducerId: value.previousProducerId ?? -1n,
      nextProducerId: value.nextProducerId ?? -1n,
      producerEpoch: value.producerEpoch,
      lastProducerEpoch,
      txnTimeoutMs: value.transactionTimeoutMs,
      state,
      topicPartitions: sortPartitions(partitions),
      txnStartTimestamp: Number(value.transactionStartTimestampMs),
      txnLastUpdateTimestamp: Number(value.transactionLastUpdateTimestampMs),
      clientTransactionVersion: value.clientTransactionVersion ?? 0,
    },
  };
}
