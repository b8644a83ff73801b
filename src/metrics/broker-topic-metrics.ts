import type { Registry } from 'prom-client';
import { ErrorCode, KafkaError } from '../protocol/errors.ts';
import type { FetchResponse } from '../protocol/generated/fetch.ts';
import { BROKER_TOPIC_METRICS } from './kafka-metric-definitions.ts';
import { counterFamily, type Sample } from './metric-families.ts';

/** One topic's BrokerTopicMetrics (or all topics'): plain numbers the produce and fetch paths add to. */
export class TopicCounts {
  messagesIn = 0;
  bytesIn = 0;
  bytesOut = 0;
  bytesRejected = 0;
  totalProduceRequests = 0;
  failedProduceRequests = 0;
  totalFetchRequests = 0;
  failedFetchRequests = 0;
}

/**
 * Errors Kafka's ReplicaManager does not count as a failed produce (appendToLocalLog): the client
 * was sent elsewhere, or the batch itself was refused; only other failures (validation, sequence,
 * too few in-sync replicas...) mark FailedProduceRequestsPerSec.
 */
const NOT_FAILED_PRODUCE: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.MESSAGE_TOO_LARGE,
  ErrorCode.RECORD_LIST_TOO_LARGE, ErrorCode.CORRUPT_MESSAGE, ErrorCode.KAFKA_STORAGE_ERROR,
]);

/** Likewise for a partition's read (Kafka's readFromLocalLog). */
const NOT_FAILED_FETCH: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_ID, ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.REPLICA_NOT_AVAILABLE, ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.OFFSET_OUT_OF_RANGE,
  ErrorCode.INCONSISTENT_TOPIC_ID,
]);

/** A batch too large for the broker or its topic: its bytes count as rejected (Kafka's BytesRejectedPerSec). */
const REJECTED_FOR_SIZE: ReadonlySet<number> = new Set([ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.RECORD_LIST_TOO_LARGE]);

/**
 * Kafka's BrokerTopicMetrics: per topic and for all topics, counted per partition and batch as the
 * produce and fetch handlers go (never per record: record counts come from the offsets an append
 * took). A topic's counts are dropped once the topic is gone, as Kafka removes its metrics.
 */
export class BrokerTopicMetrics {
  readonly allTopics = new TopicCounts();
  /** Bytes appended as follower and sent to followers: Kafka counts these for all topics only. */
  replicationBytesIn = 0;
  replicationBytesOut = 0;
  readonly #topics = new Map<string, TopicCounts>();

  topic(name: string): TopicCounts {
    let counts = this.#topics.get(name);
    if (counts === undefined) this.#topics.set(name, (counts = new TopicCounts()));
    return counts;
  }

  /** A Produce's batch for a partition of `topic` is about to be appended (it passed authorization and names a known topic). */
  produceAttempted(topic: TopicCounts): void {
    topic.totalProduceRequests += 1;
    this.allTopics.totalProduceRequests += 1;
  }

  /** The batch was appended: `records` records (the offsets it took) of `bytes` bytes. */
  appended(topic: TopicCounts, records: number, bytes: number): void {
    topic.messagesIn += records;
    topic.bytesIn += bytes;
    this.allTopics.messagesIn += records;
    this.allTopics.bytesIn += bytes;
  }

  /** The append failed with `errorCode`. */
  produceFailed(topic: TopicCounts, errorCode: number, bytes: number): void {
    if (REJECTED_FOR_SIZE.has(errorCode)) {
      topic.bytesRejected += bytes;
      this.allTopics.bytesRejected += bytes;
    }
    if (NOT_FAILED_PRODUCE.has(errorCode)) return;
    topic.failedProduceRequests += 1;
    this.allTopics.failedProduceRequests += 1;
  }

  /**
   * A coordinator appends `bytes` to a partition of `topic` (its internal topic, or a transaction
   * marker): `append` does it. Kafka's ReplicaManager.appendToLocalLog counts these as it counts
   * a Produce's batches, so __consumer_offsets and __transaction_state have messages and bytes in.
   */
  countAppend<T extends { readonly baseOffset: number; readonly lastOffset: number }>(topic: string, bytes: number, append: () => T): T {
    const counts = this.topic(topic);
    this.produceAttempted(counts);
    let result: T;
    try {
      result = append();
    } catch (error) {
      this.produceFailed(counts, KafkaError.codeOf(error), bytes);
      throw error;
    }
    this.appended(counts, result.lastOffset - result.baseOffset + 1, bytes);
    return result;
  }

  /** A Fetch reads a partition of `topic` (consumers and followers alike, as Kafka counts). */
  fetchAttempted(topic: TopicCounts): void {
    topic.totalFetchRequests += 1;
    this.allTopics.totalFetchRequests += 1;
  }

  fetchFailed(topic: TopicCounts, errorCode: number): void {
    if (NOT_FAILED_FETCH.has(errorCode)) return;
    topic.failedFetchRequests += 1;
    this.allTopics.failedFetchRequests += 1;
  }

  /** A Fetch's answer goes out: its record bytes are BytesOut per topic, or ReplicationBytesOut for a follower. */
  fetchAnswered(response: FetchResponse, fromFollower: boolean): void {
    for (const topic of response.responses) {
      let bytes = 0;
      for (const partition of topic.partitions) bytes += partition.records?.length ?? 0;
      if (bytes === 0) continue;
      if (fromFollower) {
        this.replicationBytesOut += bytes;
      } else {
        // Answers carry the topic's name even when the wire names topics by id (fetch.ts).
        if (topic.topic !== undefined && topic.topic !== '') this.topic(topic.topic).bytesOut += bytes;
        this.allTopics.bytesOut += bytes;
      }
    }
  }

  /** Drops the counts of topics that no longer exist, as Kafka removes a deleted topic's metrics. */
  forgetDeletedTopics(exists: (topic: string) => boolean): void {
    for (const topic of this.#topics.keys()) if (!exists(topic)) this.#topics.delete(topic);
  }

  register(registry: Registry): void {
    const perTopic = (field: keyof TopicCounts) => (): Sample[] => {
      const samples: Sample[] = [{ labels: {}, value: this.allTopics[field] }];
      for (const [topic, counts] of this.#topics) samples.push({ labels: { topic }, value: counts[field] });
      return samples;
    };
    const definitions = BROKER_TOPIC_METRICS;
    counterFamily(registry, definitions.messagesIn, perTopic('messagesIn'));
    counterFamily(registry, definitions.bytesIn, perTopic('bytesIn'));
    counterFamily(registry, definitions.bytesOut, perTopic('bytesOut'));
    counterFamily(registry, definitions.bytesRejected, perTopic('bytesRejected'));
    counterFamily(registry, definitions.totalProduceRequests, perTopic('totalProduceRequests'));
    counterFamily(registry, definitions.failedProduceRequests, perTopic('failedProduceRequests'));
    counterFamily(registry, definitions.totalFetchRequests, perTopic('totalFetchRequests'));
    counterFamily(registry, definitions.failedFetchRequests, perTopic('failedFetchRequests'));
    counterFamily(registry, definitions.replicationBytesIn, () => [{ labels: {}, value: this.replicationBytesIn }]);
    counterFamily(registry, definitions.replicationBytesOut, () => [{ labels: {}, value: this.replicationBytesOut }]);
  }
}
