import { ErrorCode } from '../../protocol/errors.ts';
import type { MetadataStore } from '../cluster/metadata-store.ts';
import type { TopicAuthorization } from '../security/request-authorization.ts';

/** The key of a partition's answer in an offset commit's error map. */
export function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

/**
 * The topics of an OffsetCommit or TxnOffsetCommit with only the partitions the principal may read
 * (READ on the topic) and that exist; each other one is answered TOPIC_AUTHORIZATION_FAILED or
 * UNKNOWN_TOPIC_OR_PARTITION in `errors` before the coordinator is asked, as Kafka's KafkaApis
 * filters them (authorization first).
 */
export function knownPartitions<P extends { readonly partitionIndex: number }, T extends { readonly name: string; readonly partitions: readonly P[] }>(
  topics: readonly T[],
  metadata: MetadataStore,
  errors: Map<string, number>,
  readable: TopicAuthorization,
): T[] {
  const known: T[] = [];
  for (const topic of topics) {
    if (!readable.allows(topic.name)) {
      for (const p of topic.partitions) errors.set(partitionKey(topic.name, p.partitionIndex), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      continue;
    }
    const partitionCount = metadata.topic(topic.name)?.partitionCount ?? 0;
    const partitions = topic.partitions.filter((p) => {
      const exists = p.partitionIndex >= 0 && p.partitionIndex < partitionCount;
      if (!exists) errors.set(partitionKey(topic.name, p.partitionIndex), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      return exists;
    });
    if (partitions.length > 0) known.push({ ...topic, partitions });
  }
  return known;
}

/** An offset commit refused as a whole (Kafka's getErrorResponse): every partition asked for gets the error. */
export function everyPartitionFailed<T extends { readonly name: string; readonly partitions: readonly { readonly partitionIndex: number }[] }>(
  topics: readonly T[],
  errorCode: number,
): { throttleTimeMs: number; topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[] } {
  return {
    throttleTimeMs: 0,
    topics: topics.map((topic) => ({ name: topic.name, partitions: topic.partitions.map(({ partitionIndex }) => ({ partitionIndex, errorCode })) })),
  };
}
