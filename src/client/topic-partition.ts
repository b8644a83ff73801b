/** A partition of a topic, as Kafka's TopicPartition. */
export interface TopicPartition { readonly topic: string; readonly partition: number }

/** A partition as a map key (topic names cannot contain NUL). */
export const tpKey = (topic: string, partition: number): string => `${topic}\0${partition}`;

/** tpKey of a TopicPartition. */
export const keyOf = (tp: TopicPartition): string => tpKey(tp.topic, tp.partition);
