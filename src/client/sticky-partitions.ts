import type { TopicPartition } from './fetcher.ts';

/** A TopicPartition as a map key (topic names cannot contain NUL). */
export const tpKey = (tp: TopicPartition): string => `${tp.topic}\0${tp.partition}`;

/** Every partition of the given topics, topics in name order, then by partition number. */
export function allPartitions(partitionsPerTopic: ReadonlyMap<string, number>, topicOrder?: (a: string, b: string) => number): TopicPartition[] {
  const topics = [...partitionsPerTopic.keys()].sort(topicOrder ?? ((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  return topics.flatMap((topic) => Array.from({ length: partitionsPerTopic.get(topic)! }, (_, partition) => ({ topic, partition })));
}
