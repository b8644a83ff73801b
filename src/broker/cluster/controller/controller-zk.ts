import {
  decodeEntityConfig, decodePartitionState, decodeTopicAssignment, encodePartitionState, encodeTopicAssignment, type TopicAssignment,
} from '../zookeeper/zk-data.ts';
import { ZkPaths } from '../zookeeper/zk-paths.ts';
import type { ZooKeeperClient, ZooKeeperOp } from '../zookeeper/zookeeper-client.ts';
import { NodeExistsError, NoNodeError } from '../zookeeper/zookeeper-errors.ts';
import { checkControllerAndWrite } from './check-controller-and-write.ts';
import { withPartitionEpoch, type LeaderAndIsr } from './leader-and-isr.ts';

/** How many reads the controller keeps in flight at once when it loads many znodes. */
const READ_CONCURRENCY = 64;

/**
 * The controller's reads and writes of ZooKeeper (the controller's part of Kafka's KafkaZkClient).
 * Every write is fenced by the controller epoch's znode version (checkControllerAndWrite): a
 * controller that has been replaced fails with ControllerMovedError instead of writing. Partition
 * states are also written conditionally on their own version, so a stale view fails (BadVersionError).
 */
export class ControllerZk {
  readonly client: ZooKeeperClient;
  readonly #epochZkVersion: number;

  constructor(client: ZooKeeperClient, epochZkVersion: number) {
    this.client = client;
    this.#epochZkVersion = epochZkVersion;
  }

  async topicNames(): Promise<string[]> {
    return (await this.client.getChildren(ZkPaths.topics)).sort();
  }

  /** A topic's assignment; undefined when the topic is gone. */
  async topicAssignment(topic: string): Promise<TopicAssignment | undefined> {
    return ifExists(async () => decodeTopicAssignment(topic, (await this.client.getData(ZkPaths.topic(topic))).data));
  }

  async partitionState(topic: string, partition: number): Promise<LeaderAndIsr | undefined> {
    return ifExists(async () => {
      const { data, stat } = await this.client.getData(ZkPaths.partitionState(topic, partition));
      return decodePartitionState(data, stat.version);
    });
  }

  /** The states of `partitions` that have one. */
  async partitionStates(topic: string, partitions: readonly number[]): Promise<Map<number, LeaderAndIsr>> {
    const states = new Map<number, LeaderAndIsr>();
    await inBatches(partitions, async (partition) => {
      const state = await this.partitionState(topic, partition);
      if (state !== undefined) states.set(partition, state);
    });
    return states;
  }

  /** unclean.leader.election.enable as the topic overrides it; undefined when it does not. */
  async topicUncleanLeaderElection(topic: string): Promise<boolean | undefined> {
    const config = await ifExists(async () => decodeEntityConfig((await this.client.getData(ZkPaths.configEntity('topics', topic))).data));
    const value = config?.['unclean.leader.election.enable'];
    return value === undefined ? undefined : value.trim().toLowerCase() === 'true';
  }

  /**
   * Creates a new partition's state znode (and its parents). When another controller created it
   * first, its state is read and answered instead: the partition is not new any more.
   */
  async createPartitionState(topic: string, partition: number, state: LeaderAndIsr): Promise<LeaderAndIsr> {
    try {
      await this.client.create(ZkPaths.topicPartitions(topic));
    } catch (error) {
      if (!(error instanceof NodeExistsError)) throw error;
    }
    const data = encodePartitionState(state);
    const createState: ZooKeeperOp = { type: 'create', path: ZkPaths.partitionState(topic, partition), data, mode: 'persistent' };
    try {
      await this.#write([{ type: 'create', path: ZkPaths.topicPartition(topic, partition), data: Buffer.alloc(0), mode: 'persistent' }, createState]);
      return withPartitionEpoch(state, 0);
    } catch (error) {
      if (!(error instanceof NodeExistsError)) throw error;
      if (error.failedOp === 1) return this.#existing(topic, partition);
    }
    try {
      await this.#write([createState]);
      return withPartitionEpoch(state, 0);
    } catch (error) {
      if (!(error instanceof NodeExistsError)) throw error;
      return this.#existing(topic, partition);
    }
  }

  /** Writes `state` if the znode's version is still its partitionEpoch; answers it with the new version. */
  async updatePartitionState(topic: string, partition: number, state: LeaderAndIsr): Promise<LeaderAndIsr> {
    const [result] = await this.#write([
      { type: 'setData', path: ZkPaths.partitionState(topic, partition), data: encodePartitionState(state), version: state.partitionEpoch },
    ]);
    if (result?.type !== 'setData') throw new Error('the partition state write did not answer its setData');
    return withPartitionEpoch(state, result.stat.version);
  }

  /** Rewrites a topic's assignment (a reassignment's progress), replacing whatever the znode held. */
  async setTopicAssignment(topic: string, assignment: TopicAssignment): Promise<void> {
    await this.#write([{ type: 'setData', path: ZkPaths.topic(topic), data: encodeTopicAssignment(assignment), version: -1 }]);
  }

  /** Removes everything a deleted topic left: its znodes, its config, its deletion request. */
  async deleteTopic(topic: string): Promise<void> {
    const ops: ZooKeeperOp[] = [];
    const partitions = await ifExists(() => this.client.getChildren(ZkPaths.topicPartitions(topic)));
    if (partitions !== undefined) {
      for (const child of partitions) {
        const partition = Number(child);
        const children = await ifExists(() => this.client.getChildren(ZkPaths.topicPartition(topic, partition))) ?? [];
        for (const grandchild of children) ops.push({ type: 'delete', path: `${ZkPaths.topicPartition(topic, partition)}/${grandchild}` });
        ops.push({ type: 'delete', path: ZkPaths.topicPartition(topic, partition) });
      }
      ops.push({ type: 'delete', path: ZkPaths.topicPartitions(topic) });
    }
    if (await this.client.exists(ZkPaths.topic(topic)) !== null) ops.push({ type: 'delete', path: ZkPaths.topic(topic) });
    if (await this.client.exists(ZkPaths.configEntity('topics', topic)) !== null) ops.push({ type: 'delete', path: ZkPaths.configEntity('topics', topic) });
    if (await this.client.exists(ZkPaths.deleteTopic(topic)) !== null) ops.push({ type: 'delete', path: ZkPaths.deleteTopic(topic) });
    if (ops.length > 0) await this.#write(ops);
  }

  /** A deletion request for a topic that does not exist is dropped, as Kafka does. */
  async deleteTopicDeletion(topic: string): Promise<void> {
    try {
      await this.#write([{ type: 'delete', path: ZkPaths.deleteTopic(topic) }]);
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
    }
  }

  async #existing(topic: string, partition: number): Promise<LeaderAndIsr> {
    const state = await this.partitionState(topic, partition);
    if (state === undefined) throw new Error(`the state of ${topic}-${partition} exists and then does not`);
    return state;
  }

  #write(ops: readonly ZooKeeperOp[]) {
    return checkControllerAndWrite(this.client, this.#epochZkVersion, ops);
  }
}

async function ifExists<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof NoNodeError) return undefined;
    throw error;
  }
}

/** Runs `task` over `items`, READ_CONCURRENCY at a time. */
export async function inBatches<T>(items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += READ_CONCURRENCY) {
    await Promise.all(items.slice(i, i + READ_CONCURRENCY).map(task));
  }
}
