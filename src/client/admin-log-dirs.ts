import { ErrorCode } from '../protocol/errors.ts';
import { Apis } from './apis.ts';
import type { Cluster } from './cluster.ts';
import { KafkaClientError } from './errors.ts';
import { retryCall } from './retry-call.ts';
import { tpKey, type TopicPartition } from './topic-partition.ts';

/** A replica of a partition on one broker, and the log dir it should live in (Kafka's TopicPartitionReplica with its target). */
export interface ReplicaLogDirAssignment extends TopicPartition {
  readonly brokerId: number;
  /** An absolute path among the broker's log.dirs. */
  readonly logDir: string;
}

/** One replica's answer: error null once the broker accepted the move (or the replica is there already). */
export interface ReplicaLogDirResult extends TopicPartition {
  readonly brokerId: number;
  readonly error: KafkaClientError | null;
}

/**
 * AlterReplicaLogDirs (KIP-113), as Java's AdminClient sends it: one request to each broker named,
 * with that broker's replicas grouped by log dir and topic; every replica gets its own answer.
 * REPLICA_NOT_AVAILABLE means the broker does not host the replica yet (it will create it in that
 * dir when it does); a broker that cannot be reached fails its replicas, not the others.
 */
export async function alterReplicaLogDirs(cluster: Cluster, assignments: readonly ReplicaLogDirAssignment[]): Promise<ReplicaLogDirResult[]> {
  const byBroker = new Map<number, ReplicaLogDirAssignment[]>();
  for (const assignment of assignments) {
    let list = byBroker.get(assignment.brokerId);
    if (list === undefined) byBroker.set(assignment.brokerId, list = []);
    list.push(assignment);
  }
  const answers = new Map<string, KafkaClientError | null>();
  const answerKey = (brokerId: number, topic: string, partition: number) => `${brokerId}\0${tpKey(topic, partition)}`;
  await Promise.all([...byBroker].map(async ([brokerId, list]) => {
    const dirs = new Map<string, Map<string, number[]>>();
    for (const { logDir, topic, partition } of list) {
      let topics = dirs.get(logDir);
      if (topics === undefined) dirs.set(logDir, topics = new Map());
      let partitions = topics.get(topic);
      if (partitions === undefined) topics.set(topic, partitions = []);
      partitions.push(partition);
    }
    try {
      const response = await retryCall(cluster, () => cluster.send(brokerId, 'admin', Apis.AlterReplicaLogDirs, {
        dirs: [...dirs].map(([path, topics]) => ({ path, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) })),
      }));
      for (const t of response.results) {
        for (const p of t.partitions) {
          const error = p.errorCode === ErrorCode.NONE ? null : new KafkaClientError(p.errorCode, `AlterReplicaLogDirs ${t.topicName}-${p.partitionIndex} on broker ${brokerId}`);
          answers.set(answerKey(brokerId, t.topicName, p.partitionIndex), error);
        }
      }
    } catch (error) {
      const failure = error instanceof KafkaClientError ? error : new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `AlterReplicaLogDirs on broker ${brokerId}`, String(error), { cause: error });
      for (const { topic, partition } of list) answers.set(answerKey(brokerId, topic, partition), failure);
    }
  }));
  return assignments.map(({ topic, partition, brokerId }) => ({
    topic, partition, brokerId,
    error: answers.has(answerKey(brokerId, topic, partition))
      ? answers.get(answerKey(brokerId, topic, partition))!
      : new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `AlterReplicaLogDirs ${topic}-${partition} on broker ${brokerId}`, 'the broker did not answer for this replica'),
  }));
}
