import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { TopicConfigChangeListener, TopicConfigs } from './config-change-listener.ts';
import type { MetadataCache } from './metadata-cache.ts';
import type { MetadataStore, TopicMetadata } from './metadata-store.ts';
import {
  decodeTopicAssignment, encodeTopicAssignment,
} from './zookeeper/zk-data.ts';
import { ZkPaths } from './zookeeper/zk-paths.ts';
import type { ZooKeeperClient } from './zookeeper/zookeeper-client.ts';
import { BadVersionError, NodeExistsError, NoNodeError } from './zookeeper/zookeeper-errors.ts';
import { writeEntityConfig } from './zookeeper/entity-config.ts';

/**
 * The metadata store of a cluster broker. Reads come from the metadata cache (what the controller
 * last told this broker) and the topic configs followed in ZooKeeper; writes go to ZooKeeper as
 * Kafka's AdminZkClient makes them, for the controller to act on:
 * - a new topic: its overrides in /config/topics/T, then its assignment and topic id in
 *   /brokers/topics/T (whose creation is the controller's cue);
 * - a deletion: /admin/delete_topics/T;
 * - new partitions: the assignment rewritten, conditionally on the version read;
 * - new overrides: /config/topics/T, then a /config/changes/config_change_N naming it.
 */
export class ZooKeeperMetadataStore implements MetadataStore {
  readonly clusterId: string;
  readonly #client: ZooKeeperClient;
  readonly #cache: MetadataCache;
  readonly #configs: TopicConfigs;

  constructor(options: { clusterId: string; client: ZooKeeperClient; cache: MetadataCache; configs: TopicConfigs }) {
    this.clusterId = options.clusterId;
    this.#client = options.client;
    this.#cache = options.cache;
    this.#configs = options.configs;
  }

  topics(): readonly TopicMetadata[] {
    return this.#cache.topicNames().map((name) => this.topic(name)!);
  }

  topic(name: string): TopicMetadata | undefined {
    const cached = this.#cache.topic(name);
    return cached === undefined ? undefined : { ...cached, configs: this.#configs.get(name) };
  }

  topicById(topicId: string): TopicMetadata | undefined {
    const name = this.#cache.topicNameById(topicId);
    return name === undefined ? undefined : this.topic(name);
  }

  collidingTopicName(name: string): string | undefined {
    return this.#cache.collidingTopicName(name);
  }

  /** The topic's overrides, read from ZooKeeper when this broker has not read them yet. */
  topicConfigs(name: string): Promise<Readonly<Record<string, string>>> {
    return this.#configs.load(name);
  }

  currentTopicConfigs(name: string): Promise<Readonly<Record<string, string>>> {
    return this.#configs.current(name);
  }

  /** The topic's overrides as last read (topicConfigs), without waiting; undefined when not read yet. */
  cachedTopicConfigs(name: string): Readonly<Record<string, string>> | undefined {
    return this.#configs.cached(name);
  }

  /** Told of overrides changed by any broker (through /config/changes). */
  onTopicConfigsChanged(listener: TopicConfigChangeListener): void {
    this.#configs.onChange(listener);
  }

  async createTopic(topic: TopicMetadata, assignment?: ReadonlyMap<number, readonly number[]>): Promise<void> {
    if (assignment === undefined) throw new Error(`topic ${topic.name}: a cluster topic needs a replica assignment`);
    if (await this.#client.exists(ZkPaths.deleteTopic(topic.name)) !== null) {
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${topic.name}' is marked for deletion.`);
    }
    if (await this.#client.exists(ZkPaths.topic(topic.name)) !== null) throw topicExists(topic.name);
    // Configs first, as Kafka: the controller and the replicas read them once the assignment appears.
    await this.#writeConfigs(topic.name, topic.configs, false);
    try {
      await this.#client.create(ZkPaths.topic(topic.name), encodeTopicAssignment({ topicId: topic.topicId, partitions: assignment }));
    } catch (error) {
      if (error instanceof NodeExistsError) throw topicExists(topic.name);
      throw error;
    }
  }

  async deleteTopic(name: string): Promise<void> {
    try {
      await this.#client.create(ZkPaths.deleteTopic(name));
    } catch (error) {
      // Already marked: Kafka lets a second request wait for the same deletion.
      if (!(error instanceof NodeExistsError)) throw error;
    }
  }

  async setPartitionCount(name: string, partitionCount: number, newAssignment?: ReadonlyMap<number, readonly number[]>): Promise<void> {
    if (newAssignment === undefined) throw new Error(`topic ${name}: new cluster partitions need a replica assignment`);
    let znode;
    try {
      znode = await this.#client.getData(ZkPaths.topic(name));
    } catch (error) {
      if (error instanceof NoNodeError) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist.`);
      throw error;
    }
    const current = decodeTopicAssignment(name, znode.data);
    if (current.addingReplicas.size > 0 || current.removingReplicas.size > 0) {
      throw new KafkaError(ErrorCode.REASSIGNMENT_IN_PROGRESS, `A partition reassignment is in progress for the topic '${name}'.`);
    }
    if (current.partitions.size !== partitionCount - newAssignment.size) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic ${name} has ${current.partitions.size} partitions now, not ${partitionCount - newAssignment.size}.`);
    }
    const partitions = new Map([...current.partitions, ...newAssignment]);
    try {
      await this.#client.setData(ZkPaths.topic(name), encodeTopicAssignment({ ...current, partitions }), znode.stat.version);
    } catch (error) {
      // Another broker changed the assignment since it was read: this request's view was stale.
      if (error instanceof BadVersionError) throw new KafkaError(ErrorCode.REASSIGNMENT_IN_PROGRESS, `The assignment of ${name} changed meanwhile; try again.`);
      throw error;
    }
  }

  async setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<void> {
    await this.#writeConfigs(name, configs, true);
  }

  async close(): Promise<void> {
    this.#configs.close();
  }

  async #writeConfigs(name: string, configs: Readonly<Record<string, string>>, notify: boolean): Promise<void> {
    await writeEntityConfig(this.#client, 'topics', name, configs, notify);
    this.#configs.set(name, configs);
  }
}

function topicExists(name: string): KafkaError {
  return new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
}
