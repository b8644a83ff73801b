import { ErrorCode } from '../protocol/errors.ts';
import { Apis } from './apis.ts';
import type { Cluster } from './cluster.ts';
import { KafkaClientError, throwIfError } from './errors.ts';
import { retryCall } from './retry-call.ts';
import { tpKey, type TopicPartition } from './topic-partition.ts';

/** A partition's new replicas, or null to cancel its ongoing reassignment (Kafka's Optional.empty()). */
export interface PartitionReassignmentRequest extends TopicPartition { readonly replicas: readonly number[] | null }

/** An ongoing reassignment: `replicas` holds both the adding and the removing replicas until it completes. */
export interface OngoingPartitionReassignment extends TopicPartition {
  readonly replicas: number[];
  readonly addingReplicas: number[];
  readonly removingReplicas: number[];
}

/** One partition's answer: error null on success. */
export interface PartitionResult extends TopicPartition { readonly error: KafkaClientError | null }

export type ElectionType = 'preferred' | 'unclean';
const ELECTION_TYPES: Record<ElectionType, number> = { preferred: 0, unclean: 1 };

/**
 * The active controller, as Kafka's AdminClient finds it in ZooKeeper mode: Metadata's
 * controllerId. With none known yet any broker is asked; it answers NOT_CONTROLLER, which
 * retryCall meets with a metadata refresh and another try.
 */
export async function activeController(cluster: Cluster): Promise<number> {
  const meta = cluster.metadata.fetchedAtMs === 0 ? await cluster.refreshMetadata() : cluster.metadata;
  return meta.controllerId >= 0 ? meta.controllerId : [...meta.brokers.keys()][0]!;
}

/** Partitions grouped by topic in first-seen order, as the requests list them. */
function byTopic<T extends TopicPartition>(partitions: readonly T[]): Map<string, T[]> {
  const topics = new Map<string, T[]>();
  for (const p of partitions) {
    let list = topics.get(p.topic);
    if (list === undefined) topics.set(p.topic, list = []);
    list.push(p);
  }
  return topics;
}

/**
 * AlterPartitionReassignments to the controller. Like Java's AdminClient, every partition gets
 * its own answer: a top-level error (other than NOT_CONTROLLER, which is retried) becomes each
 * partition's, and a partition the controller left out of its answer fails rather than passing
 * silently.
 */
export async function alterPartitionReassignments(
  cluster: Cluster, reassignments: readonly PartitionReassignmentRequest[], timeoutMs: number,
): Promise<PartitionResult[]> {
  const answers = await retryCall(cluster, async () => {
    const response = await cluster.send(await activeController(cluster), 'admin', Apis.AlterPartitionReassignments, {
      timeoutMs,
      topics: [...byTopic(reassignments)].map(([name, list]) => ({
        name, partitions: list.map((r) => ({ partitionIndex: r.partition, replicas: r.replicas === null ? null : [...r.replicas] })),
      })),
    }, { extraTimeoutMs: timeoutMs });
    if (response.errorCode === ErrorCode.NOT_CONTROLLER) throwIfError(response.errorCode, 'AlterPartitionReassignments', response.errorMessage);
    return response;
  });
  const byPartition = new Map<string, { errorCode: number; errorMessage: string | null }>();
  for (const t of answers.responses) for (const p of t.partitions) byPartition.set(tpKey(t.name, p.partitionIndex), p);
  return reassignments.map(({ topic, partition }) => {
    const operation = `AlterPartitionReassignments ${topic}-${partition}`;
    const answer = answers.errorCode !== ErrorCode.NONE
      ? { errorCode: answers.errorCode, errorMessage: answers.errorMessage }
      : byPartition.get(tpKey(topic, partition)) ?? { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'the controller did not answer for this partition' };
    return { topic, partition, error: answer.errorCode === ErrorCode.NONE ? null : new KafkaClientError(answer.errorCode, operation, answer.errorMessage) };
  });
}

/** ListPartitionReassignments to the controller: the ongoing reassignments among `partitions`, or all. */
export async function listPartitionReassignments(
  cluster: Cluster, partitions: readonly TopicPartition[] | undefined, timeoutMs: number,
): Promise<OngoingPartitionReassignment[]> {
  const response = await retryCall(cluster, async () => {
    const answer = await cluster.send(await activeController(cluster), 'admin', Apis.ListPartitionReassignments, {
      timeoutMs,
      topics: partitions === undefined ? null : [...byTopic(partitions)].map(([name, list]) => ({ name, partitionIndexes: list.map((p) => p.partition) })),
    });
    throwIfError(answer.errorCode, 'ListPartitionReassignments', answer.errorMessage);
    return answer;
  });
  return response.topics.flatMap((t) => t.partitions.map((p) => ({
    topic: t.name, partition: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas,
  })));
}

/**
 * ElectLeaders to the controller; null partitions asks for every partition that needs one.
 * ELECTION_NOT_NEEDED is one partition's result like any other error, for the caller to read as
 * "already led by that replica" (kafka-leader-election does); a top-level error fails the call.
 */
export async function electLeaders(
  cluster: Cluster, electionType: ElectionType, partitions: readonly TopicPartition[] | null, timeoutMs: number,
): Promise<PartitionResult[]> {
  const response = await retryCall(cluster, async () => {
    const answer = await cluster.send(await activeController(cluster), 'admin', Apis.ElectLeaders, {
      electionType: ELECTION_TYPES[electionType],
      topicPartitions: partitions === null ? null : [...byTopic(partitions)].map(([topic, list]) => ({ topic, partitions: list.map((p) => p.partition) })),
      timeoutMs,
    }, { extraTimeoutMs: timeoutMs });
    throwIfError(answer.errorCode ?? ErrorCode.NONE, 'ElectLeaders');
    return answer;
  });
  return response.replicaElectionResults.flatMap((t) => t.partitionResult.map((p) => ({
    topic: t.topic, partition: p.partitionId,
    error: p.errorCode === ErrorCode.NONE ? null : new KafkaClientError(p.errorCode, `ElectLeaders ${t.topic}-${p.partitionId}`, p.errorMessage),
  })));
}
