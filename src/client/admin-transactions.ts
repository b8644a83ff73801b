import { ErrorCode } from '../protocol/errors.ts';
import { Apis } from './apis.ts';
import type { Cluster } from './cluster.ts';
import { KafkaClientError, throwIfError } from './errors.ts';
import { retryCall } from './retry-call.ts';
import { tpKey, type TopicPartition } from './topic-partition.ts';

/** One transactional id a coordinator knows (Java's TransactionListing). */
export interface TransactionListing {
  readonly transactionalId: string;
  readonly producerId: number;
  /** Kafka's TransactionState names: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, Dead, PrepareEpochFence. */
  readonly state: string;
}

export interface ListTransactionsOptions {
  readonly stateFilters?: readonly string[];
  readonly producerIdFilters?: readonly number[];
  /** Only transactions running longer than this (ListTransactions v1); negative: all. */
  readonly durationFilterMs?: number;
}

/** A transactional id's state on its coordinator (Java's TransactionDescription). */
export interface TransactionDescription {
  readonly coordinatorId: number;
  readonly transactionalId: string;
  readonly state: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly transactionTimeoutMs: number;
  /** null when no transaction is open. */
  readonly transactionStartTimeMs: number | null;
  readonly topicPartitions: readonly TopicPartition[];
}

/** A producer a partition's leader (or another replica) keeps state for (Java's ProducerState). */
export interface ProducerState {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestamp: number;
  /** The coordinator epoch of its last transaction marker; null before any. */
  readonly coordinatorEpoch: number | null;
  /** Where its open transaction begins in this partition; null when none is open. */
  readonly currentTransactionStartOffset: number | null;
}

export interface PartitionProducerState extends TopicPartition {
  readonly activeProducers: readonly ProducerState[];
}

/** What Admin.abortTransaction writes an ABORT marker for (Java's AbortTransactionSpec). */
export interface AbortTransactionSpec extends TopicPartition {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
}

/**
 * ListTransactions on every broker (each coordinates the transactional ids of its
 * __transaction_state partitions); the listings by broker id, as Java's allByBrokerId().
 */
export async function listTransactions(cluster: Cluster, options: ListTransactionsOptions = {}): Promise<Map<number, TransactionListing[]>> {
  const brokers = [...(await retryCall(cluster, () => cluster.refreshMetadata())).brokers.keys()].sort((a, b) => a - b);
  const durationFilterMs = options.durationFilterMs ?? -1;
  const byBroker = new Map<number, TransactionListing[]>();
  await Promise.all(brokers.map(async (brokerId) => {
    const response = await retryCall(cluster, async () => {
      const connection = await cluster.connection(brokerId, 'admin');
      const version = connection.versionFor(Apis.ListTransactions);
      if (durationFilterMs >= 0 && version < 1) {
        throw new KafkaClientError(ErrorCode.UNSUPPORTED_VERSION, `ListTransactions on broker ${brokerId}`, 'the broker cannot filter by duration', { retriable: false });
      }
      const answer = await connection.send(Apis.ListTransactions, {
        stateFilters: [...(options.stateFilters ?? [])], producerIdFilters: (options.producerIdFilters ?? []).map(BigInt),
        ...(version >= 1 ? { durationFilter: BigInt(durationFilterMs) } : {}),
      }, { version });
      throwIfError(answer.errorCode, `ListTransactions on broker ${brokerId}`);
      return answer;
    });
    byBroker.set(brokerId, response.transactionStates.map((t) => ({ transactionalId: t.transactionalId, producerId: Number(t.producerId), state: t.transactionState })));
  }));
  return new Map(brokers.map((b) => [b, byBroker.get(b)!]));
}

/** FindCoordinator with key type 1: the broker that coordinates a transactional id. */
async function transactionCoordinator(cluster: Cluster, transactionalId: string): Promise<number> {
  const response = await cluster.send(undefined, 'admin', Apis.FindCoordinator, { key: transactionalId, keyType: 1 });
  throwIfError(response.errorCode ?? ErrorCode.NONE, `FindCoordinator for transactional id ${transactionalId}`, response.errorMessage);
  if (!cluster.metadata.brokers.has(response.nodeId!)) await cluster.refreshMetadata();
  return response.nodeId!;
}

/** DescribeTransactions at each transactional id's coordinator; a coordinator that moved is found again. */
export async function describeTransactions(cluster: Cluster, transactionalIds: readonly string[]): Promise<TransactionDescription[]> {
  return Promise.all(transactionalIds.map((transactionalId) => retryCall(cluster, async () => {
    const coordinatorId = await transactionCoordinator(cluster, transactionalId);
    const response = await cluster.send(coordinatorId, 'admin', Apis.DescribeTransactions, { transactionalIds: [transactionalId] });
    const state = response.transactionStates.find((t) => t.transactionalId === transactionalId);
    if (state === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `DescribeTransactions ${transactionalId}`, 'not in the answer', { retriable: false });
    throwIfError(state.errorCode, `DescribeTransactions ${transactionalId} on broker ${coordinatorId}`);
    const startMs = Number(state.transactionStartTimeMs);
    return {
      coordinatorId, transactionalId, state: state.transactionState, producerId: Number(state.producerId), producerEpoch: state.producerEpoch,
      transactionTimeoutMs: state.transactionTimeoutMs, transactionStartTimeMs: startMs < 0 ? null : startMs,
      topicPartitions: state.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
    };
  })));
}

/**
 * DescribeProducers to each partition's leader (or to `brokerId`, any replica, as Java's
 * DescribeProducersOptions.brokerId); in the order asked. A leader that moved is found again;
 * a broker named that does not host the partition answers NOT_LEADER_OR_FOLLOWER at once.
 */
export async function describeProducers(cluster: Cluster, partitions: readonly TopicPartition[], { brokerId }: { brokerId?: number } = {}): Promise<PartitionProducerState[]> {
  const results = new Map<string, PartitionProducerState>();
  const run = async (): Promise<void> => {
    const byBroker = new Map<number, TopicPartition[]>();
    for (const tp of partitions) {
      if (results.has(tpKey(tp.topic, tp.partition))) continue;
      const target = brokerId ?? await cluster.leaderFor(tp.topic, tp.partition);
      let list = byBroker.get(target);
      if (list === undefined) byBroker.set(target, list = []);
      list.push(tp);
    }
    await Promise.all([...byBroker].map(async ([target, list]) => {
      const topics = new Map<string, number[]>();
      for (const tp of list) topics.set(tp.topic, [...(topics.get(tp.topic) ?? []), tp.partition]);
      const response = await cluster.send(target, 'admin', Apis.DescribeProducers, { topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) });
      for (const t of response.topics) {
        for (const p of t.partitions) {
          throwIfError(p.errorCode, `DescribeProducers ${t.name}-${p.partitionIndex} on broker ${target}`, p.errorMessage);
          results.set(tpKey(t.name, p.partitionIndex), {
            topic: t.name, partition: p.partitionIndex,
            activeProducers: p.activeProducers.map((s) => ({
              producerId: Number(s.producerId), producerEpoch: s.producerEpoch, lastSequence: s.lastSequence, lastTimestamp: Number(s.lastTimestamp),
              coordinatorEpoch: s.coordinatorEpoch < 0 ? null : s.coordinatorEpoch,
              currentTransactionStartOffset: s.currentTxnStartOffset < 0n ? null : Number(s.currentTxnStartOffset),
            })),
          });
        }
      }
    }));
  };
  // With a broker named, its answer is the result: no leader to look up again.
  if (brokerId !== undefined) await run();
  else await retryCall(cluster, run);
  return partitions.map((tp) => {
    const result = results.get(tpKey(tp.topic, tp.partition));
    if (result === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `DescribeProducers ${tp.topic}-${tp.partition}`, 'not in the answer', { retriable: false });
    return result;
  });
}

/**
 * Writes an ABORT marker for a producer's open transaction on one partition (WriteTxnMarkers to
 * its leader, as Kafka's Admin.abortTransaction): for a hanging transaction its coordinator no
 * longer knows. The partition's last stable offset then moves past it.
 */
export async function abortTransaction(cluster: Cluster, spec: AbortTransactionSpec): Promise<void> {
  await retryCall(cluster, async () => {
    const leader = await cluster.leaderFor(spec.topic, spec.partition);
    const response = await cluster.send(leader, 'admin', Apis.WriteTxnMarkers, {
      markers: [{
        producerId: BigInt(spec.producerId), producerEpoch: spec.producerEpoch, transactionResult: false,
        topics: [{ name: spec.topic, partitionIndexes: [spec.partition] }], coordinatorEpoch: spec.coordinatorEpoch,
      }],
    });
    const answer = response.markers.find((m) => Number(m.producerId) === spec.producerId)?.topics.find((t) => t.name === spec.topic)
      ?.partitions.find((p) => p.partitionIndex === spec.partition);
    throwIfError(answer?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, `WriteTxnMarkers (ABORT) for producer ${spec.producerId} on ${spec.topic}-${spec.partition}`);
  });
}
