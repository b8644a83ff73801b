/**
 * Cluster state as the broker sees it: topics, their ids, partition counts and configs.
 * In the embedded single-node mode the store is a file in the data directory (LocalMetadataStore);
 * in a cluster it is ZooKeeper, read through the metadata cache (ZooKeeperMetadataStore). Handlers only see this interface.
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
  /** An existing topic whose name differs from `name` only in "." against "_" (TopicCollisions). */
  collidingTopicName(name: string): string | undefined;
  /**
   * A topic's overrides, even before this broker's metadata names the topic: in a cluster the
   * controller's LeaderAndIsr can come before its UpdateMetadata, and the partitions it opens need
   * their settings (Kafka reads them from ZooKeeper then).
   */
  topicConfigs(name: string): Promise<Readonly<Record<string, string>>>;
  /** A topic's overrides as the cluster holds them now (ZooKeeper's, read afresh, in a cluster): DescribeConfigs reads its writes, wherever they were made. */
  currentTopicConfigs(name: string): Promise<Readonly<Record<string, string>>>;
  /**
   * `assignment` (partition -> replica ids) is where a cluster's controller places the replicas;
   * the single node, the only replica of everything, has no use for it.
   */
  createTopic(topic: TopicMetadata, assignment?: ReadonlyMap<number, readonly number[]>): Promise<void>;
  /** In a cluster: marks the topic for deletion, which the controller carries out. */
  deleteTopic(name: string): Promise<void>;
  /** `newAssignment` places the added partitions' replicas, as in createTopic. */
  setPartitionCount(name: string, partitionCount: number, newAssignment?: ReadonlyMap<number, readonly number[]>): Promise<void>;
  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<void>;
  close(): Promise<void>;
}
