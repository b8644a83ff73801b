import type { ClientApi } from '../../client/apis.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../protocol/generated/add-partitions-to-txn.ts';
import type { Partition } from './partition.ts';

/** The producer of a transactional write: a batch header, or TxnOffsetCommit's fields. */
export interface TransactionalProducer {
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface TransactionVerifierOptions {
  /** AddPartitionsToTxn at v4+, the brokers' batched form. */
  readonly api: ClientApi<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>;
  readonly send: (brokerId: number, api: ClientApi<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>, body: AddPartitionsToTxnRequest) => Promise<AddPartitionsToTxnResponse>;
  /** The broker coordinating `transactionalId` now (the leader of its __transaction_state partition); undefined while unknown. */
  readonly coordinatorOf: (transactionalId: string) => number | undefined;
}

/**
 * KIP-890 part 1 (Kafka's AddPartitionsToTxnManager): before a partition's leader appends the
 * transactional batch that would open a transaction on it, it asks the transaction coordinator
 * (AddPartitionsToTxn with verifyOnly) whether the partition is in the producer's ongoing
 * transaction. A produce that arrives after its transaction was aborted (a hung retry) is refused
 * instead of opening a transaction nobody will ever end, which would hold back the last stable
 * offset, and so every read_committed consumer, forever.
 */
export class TransactionVerifier {
  private readonly options: TransactionVerifierOptions;

  constructor(options: TransactionVerifierOptions) {
    this.options = options;
  }

  /** Whether a transactional write of `producer` must be verified before it is appended to `partition`. */
  static needed(partition: Partition, producer: TransactionalProducer): boolean {
    const state = partition.log.transactions.producerState;
    return state.needsVerification(producer.producerId) && !state.isVerified(producer.producerId, producer.producerEpoch);
  }

  /**
   * Asks the coordinator; on success the partition's producer state remembers the confirmation
   * (forgotten when a marker ends the transaction). Fails with Kafka's produce errors: INVALID_TXN_STATE
   * when the partition is not in the transaction (TRANSACTION_ABORTABLE for clients that know it),
   * the coordinator's epoch errors as they are, and its retriable ones (and a failed request) as
   * NOT_ENOUGH_REPLICAS, which every client retries without a metadata refresh, as Kafka translates them.
   */
  async verify(transactionalId: string, partition: Partition, producer: TransactionalProducer, knowsAbortable: boolean): Promise<void> {
    const coordinator = this.options.coordinatorOf(transactionalId);
    if (coordinator === undefined) throw retriable(`the coordinator of transactional id ${transactionalId} is not known`);
    const { producerId, producerEpoch } = producer;
    let response: AddPartitionsToTxnResponse;
    try {
      response = await this.options.send(coordinator, this.options.api, {
        transactions: [{ transactionalId, producerId: BigInt(producerId), producerEpoch, verifyOnly: true, topics: [{ name: partition.topic, partitions: [partition.index] }] }],
      });
    } catch (error) {
      throw retriable(`AddPartitionsToTxn to broker ${coordinator} failed: ${(error as Error).message}`);
    }
    const code = errorCodeOf(response, transactionalId, partition);
    if (code === ErrorCode.NONE) {
      partition.log.transactions.producerState.markVerified(producerId, producerEpoch);
      return;
    }
    if (RETRIABLE_COORDINATOR_ERRORS.has(code)) throw retriable(`the transaction coordinator answered error ${code}`);
    // As Kafka's leader answers a produce: TRANSACTION_ABORTABLE only from Produce v11 (older clients
    // know INVALID_TXN_STATE), never PRODUCER_FENCED (an INVALID_PRODUCER_EPOCH lets the client abort).
    const answered = code === ErrorCode.TRANSACTION_ABORTABLE && !knowsAbortable ? ErrorCode.INVALID_TXN_STATE
      : code === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : code;
    if (answered === ErrorCode.INVALID_TXN_STATE || answered === ErrorCode.TRANSACTION_ABORTABLE) {
      throw new KafkaError(answered, `Partition ${partition.key} was not added to the transaction of ${transactionalId}`);
    }
    throw new KafkaError(answered, `Verifying ${partition.key} in the transaction of ${transactionalId} failed`);
  }
}

const RETRIABLE_COORDINATOR_ERRORS = new Set<number>([
  ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.NETWORK_EXCEPTION, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR,
]);

function retriable(reason: string): KafkaError {
  return new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, `Unable to verify the partition has been added to the transaction: ${reason}`);
}

function errorCodeOf(response: AddPartitionsToTxnResponse, transactionalId: string, partition: Partition): number {
  if (response.errorCode !== undefined && response.errorCode !== ErrorCode.NONE) return response.errorCode;
  const result = response.resultsByTransaction?.find((txn) => txn.transactionalId === transactionalId);
  const found = result?.topicResults.find((topic) => topic.name === partition.topic)?.resultsByPartition.find((p) => p.partitionIndex === partition.index);
  return found?.partitionErrorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
}
