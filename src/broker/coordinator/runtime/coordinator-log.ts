import type { ReplicaManager } from '../../replica/replica-manager.ts';

/**
 * The partitions of a coordinator's internal topic, as the runtime sees them: appends as the
 * leader, and reads from the log start offset for loading. The broker backs it with the replica
 * manager; tests use InMemoryCoordinatorLog.
 */
export interface CoordinatorLog {
  /** Whether this broker hosts (leads) the partition. */
  hosts(partition: number): boolean;
  /**
   * Appends one batch (the leader assigns offsets); throws, appending nothing, when that fails.
   * `durable` settles once the batch is committed: replicated to the in-sync replicas in a cluster,
   * on disk when the topic's flush policy asked for that. The runtime answers an operation only
   * then, so an acknowledged write survives a coordinator failover.
   */
  append(partition: number, batch: Buffer): { readonly baseOffset: number; readonly lastOffset: number; readonly durable?: Promise<void> };
  logStartOffset(partition: number): number;
  logEndOffset(partition: number): number;
  /** Whole batches from the one containing fetchOffset, at least one, about maxBytes. */
  read(partition: number, fetchOffset: number, maxBytes: number): Buffer;
}

/**
 * The internal topic's partitions through the replica manager, as Kafka's coordinators write them;
 * a write not replicated within `writeTimeoutMs` (offsets.commit.timeout.ms) fails REQUEST_TIMED_OUT.
 */
export function replicaManagerCoordinatorLog(replicaManager: ReplicaManager, topic: string, writeTimeoutMs: number, requireVerification = false): CoordinatorLog {
  const partitionOf = (index: number) => replicaManager.leaderPartition(topic, index);
  return {
    hosts: (index) => replicaManager.partition(topic, index) !== undefined,
    // Through the replica manager, so fetches waiting on __consumer_offsets wake up too. acks=-1, as
    // Kafka's coordinators write: a commit answered before its followers hold it could be lost.
    append: (index, batch) => {
      // `completion` settles once the high watermark passes the batch (after any flush.messages
      // fsync), or rejects: NOT_LEADER_OR_FOLLOWER when leadership moved meanwhile,
      // REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND.
      // Origin coordinator: the leader takes its control batches (transaction markers) and does not
      // check the sequences of its transactional batches, as Kafka's AppendOrigin.COORDINATOR.
      // requireVerification (KIP-890): a transactional batch (TxnOffsetCommit's) that opens the producer's
      // transaction on this partition must have been verified with its transaction coordinator first.
      const { baseOffset, lastOffset, completion } = replicaManager.appendRecords(topic, index, batch, -1, writeTimeoutMs, { origin: 'coordinator', requireVerification });
      return { baseOffset, lastOffset, durable: completion };
    },
    logStartOffset: (index) => partitionOf(index).logStartOffset,
    logEndOffset: (index) => partitionOf(index).log.logEndOffset,
    read: (index, fetchOffset, maxBytes) => partitionOf(index).log.read(fetchOffset, maxBytes, true).records,
  };
}
