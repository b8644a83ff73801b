import { ErrorCode } from '../../../protocol/errors.ts';
import type { DescribeTransactionsResponseTransactionState } from '../../../protocol/generated/describe-transactions.ts';
import type { ListTransactionsResponse } from '../../../protocol/generated/list-transactions.ts';
import { coordinatorErrorCode } from '../runtime/operation-error.ts';
import { describedPartitions, type ListTransactionsFilters } from './transaction-coordinator-shard.ts';
import type { TopicPartition } from './transaction-metadata.ts';
import type { EndTransactionPlan, InitProducerIdPlan } from './transaction-plans.ts';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, stateFromName, stateName, supportsEpochBump, TransactionState } from './transaction-state.ts';
import { TransactionStateManager } from './transaction-state-manager.ts';

export { TRANSACTION_STATE_TOPIC_NAME, type TransactionCoordinatorOptions } from './transaction-state-manager.ts';

export interface ProducerIdAndEpochResult {
  readonly errorCode: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/** A new producer id is needed at most once per request; a state that keeps asking for more is a bug. */
const MAX_PRODUCER_ID_ROUNDS = 3;

function failed(errorCode: number): ProducerIdAndEpochResult {
  return { errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}

/**
 * The transaction coordinator's requests (Kafka's TransactionCoordinator.handle*): each runs on
 * the shard of the transactional id's partition and answers with Kafka's error codes. The
 * partitions, the log and the markers are TransactionStateManager's.
 */
export class TransactionCoordinator extends TransactionStateManager {
  /**
   * InitProducerId with a transactional id: a new epoch (or a new producer id once the epochs are
   * used up) for the producer, fencing any older one. A transaction left open by an older producer
   * is aborted first; the caller is answered CONCURRENT_TRANSACTIONS meanwhile and retries.
   */
  async handleInitProducerId(
    transactionalId: string, transactionTimeoutMs: number, expected: { producerId: bigint; producerEpoch: number } | undefined,
  ): Promise<ProducerIdAndEpochResult> {
    if (transactionalId === '') return failed(ErrorCode.INVALID_REQUEST);
    if (transactionTimeoutMs <= 0 || transactionTimeoutMs > this.config.transactionMaxTimeoutMs) return failed(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const partition = this.partitionFor(transactionalId);
    const args = { transactionalId, transactionTimeoutMs, serverTransactionVersion: this.config.transactionVersionLevel, ...(expected === undefined ? {} : { expected }) };
    let freshProducerId: bigint | undefined;
    try {
      for (let round = 0; round < MAX_PRODUCER_ID_ROUNDS; round++) {
        const id = freshProducerId;
        const { response: plan } = await this.prepareAndSendMarkers<InitProducerIdPlan>('init-producer-id', partition,
          (shard) => shard.initProducerId(args, id), (p) => (p.kind === 'fence' ? p.prepared : undefined));
        if (plan.kind === 'needsProducerId') {
          freshProducerId = await this.producerIds.generateProducerId();
          continue;
        }
        if (plan.kind === 'fence') {
          this.logger.info({ transactionalId }, 'fenced the producer of an open transaction; aborting it before the new producer may start');
          return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
        }
        const { producerId, producerEpoch } = plan.metadata;
        this.logger.info({ transactionalId, producerId: String(producerId), producerEpoch, partition }, 'initialized transactional id');
        return { errorCode: ErrorCode.NONE, producerId, producerEpoch };
      }
      throw new Error(`InitProducerId for ${transactionalId} kept asking for new producer ids`);
    } catch (error) {
      return failed(coordinatorErrorCode(error, this.logger, 'init-producer-id'));
    }
  }

  /**
   * AddPartitionsToTxn from a client (v0-3), from a partition leader for a version 2 client (v4+,
   * verifyOnly false: clientTransactionVersion 2), and AddOffsetsToTxn. Answers one error code.
   */
  async handleAddPartitionsToTransaction(
    transactionalId: string, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartition[], clientTransactionVersion: number,
  ): Promise<number> {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    try {
      await this.runtime.scheduleWriteOperation('add-partitions-to-txn', this.partitionFor(transactionalId),
        (shard) => shard.addPartitions(transactionalId, producerId, producerEpoch, partitions, clientTransactionVersion));
      return ErrorCode.NONE;
    } catch (error) {
      return coordinatorErrorCode(error, this.logger, 'add-partitions-to-txn');
    }
  }

  /** AddPartitionsToTxn v4+ with verifyOnly: one error code per partition, in order. */
  async handleVerifyPartitionsInTransaction(
    transactionalId: string, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartition[],
  ): Promise<number[]> {
    if (transactionalId === '') return partitions.map(() => ErrorCode.INVALID_REQUEST);
    try {
      return await this.runtime.scheduleReadOperation('verify-partitions-in-txn', this.partitionFor(transactionalId),
        (shard) => shard.verifyPartitions(transactionalId, producerId, producerEpoch, partitions));
    } catch (error) {
      const code = coordinatorErrorCode(error, this.logger, 'verify-partitions-in-txn');
      return partitions.map(() => code);
    }
  }

  /**
   * EndTxn: PrepareCommit or PrepareAbort written and durable, then answered while the markers
   * go out. Version 2 (EndTxn v5+) answers the producer id and epoch the producer continues with;
   * earlier versions answer -1 for both.
   */
  async handleEndTransaction(
    transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean, clientTransactionVersion: number,
  ): Promise<ProducerIdAndEpochResult> {
    if (transactionalId === '') return failed(ErrorCode.INVALID_REQUEST);
    const partition = this.partitionFor(transactionalId);
    const args = { transactionalId, producerId, producerEpoch, commit, isFromClient: true, clientTransactionVersion };
    let freshProducerId: bigint | undefined;
    try {
      for (let round = 0; round < MAX_PRODUCER_ID_ROUNDS; round++) {
        const id = freshProducerId;
        const { response: plan, completed } = await this.prepareAndSendMarkers<EndTransactionPlan>('end-transaction', partition,
          (shard) => shard.endTransaction(args, id), (p) => (p.kind === 'prepare' ? p.metadata : undefined));
        if (plan.kind === 'needsProducerId') {
          freshProducerId = await this.producerIds.generateProducerId();
          continue;
        }
        if (plan.kind === 'done') return { errorCode: ErrorCode.NONE, producerId: plan.producerId, producerEpoch: plan.producerEpoch };
        if (!supportsEpochBump(clientTransactionVersion) || completed === undefined) return failed(ErrorCode.NONE);
        return { errorCode: ErrorCode.NONE, producerId: completed.producerId, producerEpoch: completed.producerEpoch };
      }
      throw new Error(`EndTxn for ${transactionalId} kept asking for new producer ids`);
    } catch (error) {
      return failed(coordinatorErrorCode(error, this.logger, 'end-transaction'));
    }
  }

  /**
   * ListTransactions over every partition this broker coordinates. Kafka answers
   * COORDINATOR_LOAD_IN_PROGRESS while any of them is loading, and names the state filters it
   * does not know.
   */
  async handleListTransactions(filters: ListTransactionsFilters): Promise<Omit<ListTransactionsResponse, 'throttleTimeMs'>> {
    const unknownStateFilters = filters.states.filter((name) => stateFromName(name) === undefined);
    const loading = Array.from({ length: this.numPartitions() }, (_, partition) => partition).some((partition) => this.runtime.isLoading(partition));
    if (loading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, unknownStateFilters, transactionStates: [] };
    try {
      const lists = await Promise.all(this.runtime.activePartitions().map((partition) =>
        this.runtime.scheduleReadOperation('list-transactions', partition, (shard) => shard.listTransactions(filters))));
      return { errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates: lists.flat() };
    } catch (error) {
      return { errorCode: coordinatorErrorCode(error, this.logger, 'list-transactions'), unknownStateFilters, transactionStates: [] };
    }
  }

  /** DescribeTransactions for one id: its state, producer and the partitions of its transaction (those still without markers while completing). */
  async handleDescribeTransactions(transactionalId: string): Promise<DescribeTransactionsResponseTransactionState> {
    const answer = (errorCode: number): DescribeTransactionsResponseTransactionState => ({
      errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n,
      producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, topics: [],
    });
    if (transactionalId === '') return answer(ErrorCode.INVALID_REQUEST);
    try {
      const m = await this.runtime.scheduleReadOperation('describe-transactions', this.partitionFor(transactionalId), (shard) => shard.get(transactionalId));
      if (m === undefined || m.state === TransactionState.DEAD) return answer(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
      const byTopic = new Map<string, number[]>();
      for (const tp of describedPartitions(m, this.markers.pendingPartitions(transactionalId))) {
        const list = byTopic.get(tp.topic) ?? [];
        list.push(tp.partition);
        byTopic.set(tp.topic, list);
      }
      return {
        errorCode: ErrorCode.NONE, transactionalId, transactionState: stateName(m.state), transactionTimeoutMs: m.txnTimeoutMs,
        transactionStartTimeMs: BigInt(m.txnStartTimestamp), producerId: m.producerId, producerEpoch: m.producerEpoch,
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      };
    } catch (error) {
      return answer(coordinatorErrorCode(error, this.logger, 'describe-transactions'));
    }
  }
}
