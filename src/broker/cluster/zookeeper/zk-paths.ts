/**
 * Kafka's znode layout in ZooKeeper mode (Kafka 3.x, kafka.zk.ZkData), so a cluster's state reads
 * in zkCli as a Kafka cluster's does. Paths are relative to zookeeper.connect's chroot. The names of
 * topics and config entities are used as they are: Kafka's topic names (letters, digits, '.', '_',
 * '-') need no escaping in a znode path.
 */
export const ZkPaths = Object.freeze({
  brokers: '/brokers',
  brokerIds: '/brokers/ids',
  /** Ephemeral: one live broker's registration (BrokerRegistration in zk-data.ts). */
  brokerId: (brokerId: number): string => `/brokers/ids/${brokerId}`,
  /** Persistent; its version numbers generated broker ids in Kafka. */
  brokerSequenceId: '/brokers/seqid',
  topics: '/brokers/topics',
  /** A topic's replica assignment and topic id (TopicAssignment). */
  topic: (topic: string): string => `/brokers/topics/${topic}`,
  topicPartitions: (topic: string): string => `/brokers/topics/${topic}/partitions`,
  topicPartition: (topic: string, partition: number): string => `/brokers/topics/${topic}/partitions/${partition}`,
  /** Leader, ISR and epochs (PartitionState); written only conditionally on its znode version. */
  partitionState: (topic: string, partition: number): string => `/brokers/topics/${topic}/partitions/${partition}/state`,
  /** Ephemeral: the controller's broker id (ControllerRegistration). */
  controller: '/controller',
  /** The controller epoch, a decimal number bumped at every election. */
  controllerEpoch: '/controller_epoch',
  config: '/config',
  configEntityType: (entityType: ConfigEntityType): string => `/config/${entityType}`,
  /** An entity's dynamic config overrides (EntityConfig). */
  configEntity: (entityType: ConfigEntityType, name: string): string => `/config/${entityType}/${name}`,
  configTopics: '/config/topics',
  configBrokers: '/config/brokers',
  /** Sequential znodes announcing a config change (ConfigChangeNotification). */
  configChanges: '/config/changes',
  configChangePrefix: '/config/changes/config_change_',
  admin: '/admin',
  /** A child per topic being deleted (no data). */
  deleteTopics: '/admin/delete_topics',
  deleteTopic: (topic: string): string => `/admin/delete_topics/${topic}`,
  /** Sequential znodes by which leaders announced ISR changes (IsrChangeNotification). */
  isrChangeNotification: '/isr_change_notification',
  isrChangePrefix: '/isr_change_notification/isr_change_',
  logDirEventNotification: '/log_dir_event_notification',
  /** The latest block of producer ids the controller handed out (ProducerIdBlockZnode); empty before the first. */
  latestProducerIdBlock: '/latest_producer_id_block',
  cluster: '/cluster',
  /** The cluster id, created once by the first broker (ClusterId). */
  clusterId: '/cluster/id',
});

/** Kafka's config entity types (kafka.server.ConfigType). */
export type ConfigEntityType = 'topics' | 'clients' | 'users' | 'brokers' | 'ips';
export const CONFIG_ENTITY_TYPES: readonly ConfigEntityType[] = ['topics', 'clients', 'users', 'brokers', 'ips'];

/**
 * The persistent znodes a broker makes sure exist when it starts (Kafka's PersistentZkPaths plus a
 * path per config entity type), parents before children.
 */
export const PERSISTENT_PATHS: readonly string[] = Object.freeze([
  ZkPaths.brokerIds,
  ZkPaths.topics,
  ZkPaths.configChanges,
  ZkPaths.deleteTopics,
  ZkPaths.brokerSequenceId,
  ZkPaths.isrChangeNotification,
  ZkPaths.latestProducerIdBlock,
  ZkPaths.logDirEventNotification,
  ...CONFIG_ENTITY_TYPES.map((type) => ZkPaths.configEntityType(type)),
]);

/** The sequence number ZooKeeper appended to a sequential znode's name (its last 10 digits). */
export function sequenceNumberOf(path: string): number {
  const match = /(\d{10})$/.exec(path);
  if (match === null) throw new Error(`not a sequential znode: ${path}`);
  return Number(match[1]);
}
