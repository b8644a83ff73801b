import { ErrorCode } from '../../protocol/errors.ts';
import type { MetadataStore } from '../cluster/metadata-store.ts';

/** The key of a partition's answer in an offset commit's error map. */
export function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

/**
 * The topics of an OffsetCommit or TxnOffsetCommit with only the partitions that exist; each one
 * that does not is answered UNKNOWN_TOPIC_OR_PARTITION in `errors` before the coordinator is asked,
 * as Kafka's KafkaApis filters them.
 */
export function knownPartitions<P extends { readonly partitionIndex: number }, T extends { readonly name: string; readonly partitions: readonly P[] }>(
  topics: readonly T[],
  metadata: MetadataStore,
  errors: Map<string, number>,
): T[] {
  const known: T[] = [];
  for (const topic of topics) {
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
