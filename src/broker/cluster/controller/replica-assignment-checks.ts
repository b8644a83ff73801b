import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';

/**
 * The checks Kafka makes on partition counts, replication factors and manual replica assignments
 * before anything is written (AdminUtils, AdminZkClient and ZkAdminManager in Kafka 3.x), with its
 * error codes and messages. One copy, used by the single-node TopicAdmin and by the controller's
 * replica assignment, so both refuse the same requests the same way.
 */

/** partition -> replicas, the first replica being the preferred leader. */
export type ReplicaAssignment = ReadonlyMap<number, readonly number[]>;

/** The counts a generated assignment needs: at least one partition, and a replica per live broker at most. */
export function checkPartitionsAndReplicationFactor(partitionCount: number, replicationFactor: number, brokerCount: number): void {
  if (partitionCount <= 0) {
    throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  }
  if (replicationFactor <= 0) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  }
  if (replicationFactor > brokerCount) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${replicationFactor} larger than available brokers: ${brokerCount}.`);
  }
}

/**
 * A manual assignment, as CreateTopics or CreatePartitions carries it: partitions numbered
 * firstPartition, firstPartition+1, ... without gaps; every partition with at least one replica,
 * no broker twice, only known brokers, and one replication factor throughout (the given one, or
 * else the first partition's). Returns that replication factor.
 */
export function validateReplicaAssignment(
  assignment: ReplicaAssignment,
  options: { readonly brokerIds: Iterable<number>; readonly firstPartition?: number; readonly replicationFactor?: number },
): number {
  const firstPartition = options.firstPartition ?? 0;
  const partitions = [...assignment.keys()].sort((a, b) => a - b);
  if (partitions.length === 0 || partitions.some((partition, index) => partition !== firstPartition + index)) {
    throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, firstPartition === 0
      ? 'Partitions should be a consecutive 0-based integer sequence'
      : `Partitions should be a consecutive integer sequence starting at ${firstPartition}`);
  }
  const known = new Set(options.brokerIds);
  for (const partition of partitions) {
    const replicas = assignment.get(partition)!;
    if (replicas.length === 0) {
      throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Cannot have replication factor of 0 for partition id ${partition}.`);
    }
    if (new Set(replicas).size !== replicas.length) {
      throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate brokers not allowed in replica assignment: ${replicas.join(', ')} for partition id ${partition}.`);
    }
    const unknown = replicas.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unknown broker(s) in replica assignment: ${unknown.join(', ')}.`);
    }
  }
  // A given replication factor is the topic's, that is its partition 0's, as Kafka's message says.
  const reference = options.replicationFactor === undefined ? firstPartition : 0;
  const replicationFactor = options.replicationFactor ?? assignment.get(firstPartition)!.length;
  const inconsistent = partitions.filter((partition) => assignment.get(partition)!.length !== replicationFactor);
  if (inconsistent.length > 0) {
    throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Inconsistent replication factor between partitions, '
      + `partition ${reference} has ${replicationFactor} while partitions [${inconsistent.join(', ')}] `
      + `have replication factors [${inconsistent.map((p) => assignment.get(p)!.length).join(', ')}], respectively.`);
  }
  return replicationFactor;
}

/** CreatePartitions may only grow a topic (ZkAdminManager.createPartitions). */
export function checkPartitionIncrease(currentCount: number, requestedCount: number): void {
  if (requestedCount < currentCount) {
    throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${currentCount} partitions, which is higher than the requested ${requestedCount}.`);
  }
  if (requestedCount === currentCount) {
    throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${currentCount} partitions.`);
  }
}

/**
 * CreatePartitions' manual assignments (one replica list per new partition, in order) checked
 * against the topic: one list per added partition, the topic's replication factor, known brokers.
 * Returns them numbered from the current partition count.
 */
export function newPartitionsManualAssignment(
  assignments: readonly (readonly number[])[],
  topic: { readonly partitionCount: number; readonly replicationFactor: number },
  requestedCount: number,
  brokerIds: Iterable<number>,
): Map<number, readonly number[]> {
  checkPartitionIncrease(topic.partitionCount, requestedCount);
  const increment = requestedCount - topic.partitionCount;
  if (assignments.length !== increment) {
    throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${increment} but ${assignments.length} assignments provided.`);
  }
  const numbered = new Map(assignments.map((replicas, index) => [topic.partitionCount + index, replicas]));
  validateReplicaAssignment(numbered, { brokerIds, firstPartition: topic.partitionCount, replicationFactor: topic.replicationFactor });
  return numbered;
}
