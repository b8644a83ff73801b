import type {
  FetchRequestFetchPartition,
  FetchResponseAbortedTransaction,
  FetchResponsePartitionData,
} from '../../protocol/generated/fetch.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { BatchHeader, RECORD_BATCH_OVERHEAD } from '../../protocol/records/batch-header.ts';
import type { Partition, ReadResult } from '../replica/partition.ts';
import { errorAnswer } from './error-code.ts';
import type { RequestContext } from './handler.ts';

/*
 * The parts of a Fetch answer's partitions beyond the records read: an error (steering the client
 * to the current leader), a consumer sent to a preferred read replica, a follower's diverging
 * epoch, and the aborted transactions a read_committed answer names.
 */

const EMPTY = Buffer.alloc(0);

/** KIP-951: Fetch v12+ answers a moved leadership with the leader (v16+ adds its endpoint, fetch.ts). */
const FIRST_CURRENT_LEADER_VERSION = 12;

/** A partition the fetch could not read; a moved leadership names the current leader, added to `leaders`. */
export function failedPartition(index: number, error: unknown, topic: string | undefined, leaders: Set<number>, context: RequestContext): FetchResponsePartitionData {
  const { errorCode } = errorAnswer(error, context);
  const answer: FetchResponsePartitionData = {
    partitionIndex: index,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
  const steers = errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER || errorCode === ErrorCode.FENCED_LEADER_EPOCH;
  if (steers && topic !== undefined && context.apiVersion >= FIRST_CURRENT_LEADER_VERSION) {
    const leader = context.broker.replicaManager.currentLeader(topic, index);
    if (leader !== undefined) {
      answer.currentLeader = { leaderId: leader.leaderId, leaderEpoch: leader.leaderEpoch };
      leaders.add(leader.leaderId);
    }
  }
  return answer;
}

/** A consumer sent to `preferredReadReplica`: the partition's offsets as this leader has them, no records. */
export function sentElsewhere(partition: Partition, index: number, preferredReadReplica: number): FetchResponsePartitionData {
  const { highWatermark, logStartOffset } = partition;
  return {
    partitionIndex: index,
    errorCode: ErrorCode.NONE,
    highWatermark: BigInt(highWatermark),
    lastStableOffset: BigInt(highWatermark),
    logStartOffset: BigInt(logStartOffset),
    abortedTransactions: null,
    preferredReadReplica,
    records: EMPTY,
  };
}

/**
 * Fetch v12+ (KIP-595, used by followers): a lastFetchedEpoch (>= 0) this log says diverges gets
 * the epoch and end offset to truncate to, and no records (Kafka's Partition.readRecords).
 */
export function divergingEpoch(partition: Partition, requested: FetchRequestFetchPartition): FetchResponsePartitionData | undefined {
  const lastFetchedEpoch = requested.lastFetchedEpoch ?? -1;
  if (lastFetchedEpoch < 0) return undefined;
  const diverging = partition.divergingEpoch(lastFetchedEpoch, Number(requested.fetchOffset));
  if (diverging === undefined) return undefined;
  const { highWatermark, logStartOffset } = partition;
  return {
    partitionIndex: requested.partition,
    errorCode: ErrorCode.NONE,
    highWatermark: BigInt(highWatermark),
    lastStableOffset: BigInt(highWatermark),
    logStartOffset: BigInt(logStartOffset),
    divergingEpoch: { epoch: diverging.epoch, endOffset: BigInt(diverging.endOffset) },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

/**
 * A read_committed answer names the aborted transactions its records may hold, so the consumer
 * drops their batches (Kafka's collectAbortedTransactions over the offsets the answer carries, up to
 * after its last batch); from the in-memory transaction indexes, no scan of the log.
 */
export function abortedTransactionsOf(partition: Partition, fetchOffset: number, read: ReadResult): FetchResponseAbortedTransaction[] {
  if (read.records.length === 0) return [];
  return partition.log.transactions.abortedTransactions(fetchOffset, nextOffsetAfter(read.records))
    .map((txn) => ({ producerId: BigInt(txn.producerId), firstOffset: BigInt(txn.firstOffset) }));
}

/** The offset after the last whole batch of `records` (a read ends at a batch boundary). */
function nextOffsetAfter(records: Buffer): number {
  let next = 0;
  for (let position = 0; position + RECORD_BATCH_OVERHEAD <= records.length;) {
    const header = new BatchHeader(records, position);
    next = header.lastOffset + 1;
    position += header.sizeInBytes;
  }
  return next;
}
