/**
 * Cluster state as the broker sees it: topics, their ids, partition counts and configs.
 * In the embedded single-node mode the store is a file in the data directory (LocalMetadataStore);
 * in a cluster it will be ZooKeeper. Handlers only see this interface.
 */

export interface TopicMetadata {
  readonly name: string;
  /** Kafka's display form of the topic's Uuid (URL-safe base64, 22 characters). */
  readonly topicId: string;
  readonly partitionCount: number;
  readonly replicationFactor: number;
  /** Topic-level overrides only (keys as Kafka names them: retention.ms, cleanup.policy, ...). */
  readonly configs: Readonly<Record<string, string>>;
}

export interface MetadataStore {
  readonly clusterId: string;
  topics(): readonly TopicMetadata[];
  topic(name: string): TopicMetadata | undefined;
  topicById(topicId: string): TopicMetadata | undefined;
  createTopic(topic: TopicMetadata): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  setPartitionCount(name: string, partitionCount: number): Promise<void>;
  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<void>;
  close(): Promise<void>;
}
