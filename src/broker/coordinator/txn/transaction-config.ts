import { parseBrokerConfig, type BrokerConfig, type BrokerConfigInput } from '../../config.ts';

/**
 * What the transaction coordinator takes from the broker config (Kafka's TransactionConfig):
 * fields are the camelCase of Kafka's keys, shortened where Kafka's own field names are.
 */
export interface TransactionConfig {
  readonly transactionalIdExpirationMs: number;
  readonly transactionMaxTimeoutMs: number;
  readonly transactionLogNumPartitions: number;
  readonly transactionLogReplicationFactor: number;
  readonly transactionLogSegmentBytes: number;
  readonly transactionLogLoadBufferSize: number;
  readonly transactionLogMinInsyncReplicas: number;
  readonly abortTimedOutTransactionsIntervalMs: number;
  readonly removeExpiredTransactionalIdsIntervalMs: number;
  /**
   * How long a write to __transaction_state may wait for its replicas. Kafka waits for the
   * transaction's own timeout; Samsa caps that at the offsets commit timeout's scale so that a
   * stuck write fails (COORDINATOR_NOT_AVAILABLE, retried) well inside a client's request timeout.
   */
  readonly writeTimeoutMs: number;
  /**
   * The transaction.version the coordinator itself uses when it ends a transaction (a timeout or
   * a fencing InitProducerId), as Kafka uses the cluster's finalized level.
   */
  readonly transactionVersionLevel: number;
}

/** A write to __transaction_state that waits longer than this for its replicas fails. */
const WRITE_TIMEOUT_MS = 5000;

export function transactionConfigFrom(config: BrokerConfig, transactionVersionLevel = 0): TransactionConfig {
  return Object.freeze({
    transactionalIdExpirationMs: config.transactionalIdExpirationMs,
    transactionMaxTimeoutMs: config.transactionMaxTimeoutMs,
    transactionLogNumPartitions: config.transactionStateLogNumPartitions,
    transactionLogReplicationFactor: config.transactionStateLogReplicationFactor,
    transactionLogSegmentBytes: config.transactionStateLogSegmentBytes,
    transactionLogLoadBufferSize: config.transactionStateLogLoadBufferSize,
    transactionLogMinInsyncReplicas: config.transactionStateLogMinIsr,
    abortTimedOutTransactionsIntervalMs: config.transactionAbortTimedOutTransactionCleanupIntervalMs,
    removeExpiredTransactionalIdsIntervalMs: config.transactionRemoveExpiredTransactionCleanupIntervalMs,
    writeTimeoutMs: WRITE_TIMEOUT_MS,
    transactionVersionLevel,
  });
}

/** Kafka's defaults with some broker keys changed: for tests. */
export function transactionConfigWith(overrides: BrokerConfigInput = {}, transactionVersionLevel = 0): TransactionConfig {
  return transactionConfigFrom(parseBrokerConfig(overrides), transactionVersionLevel);
}
