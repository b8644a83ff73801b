import type { TopicPartition } from './topic-partition.ts';

/** Every partition of the given topics, topics in name order, then by partition number. */
export function allPartitions(partitionsPerTopic: ReadonlyMap<string, number>, topicOrder?: (a: string, b: string) => number): TopicPartition[] {
  const topics = [...partitionsPerTopic.keys()].sort(topicOrder ?? ((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  return topics.flatMap((topic) => Array.from({ length: partitionsPerTopic.get(topic)! }, (_, partition) => ({ topic, partition })));
}
