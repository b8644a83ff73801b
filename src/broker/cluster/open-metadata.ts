import { randomBytes } from 'node:crypto';
import { storedClusterId } from '../../storage/meta-properties.ts';
import type { ProducerIdBlockSource } from '../coordinator/txn/producer-id-manager.ts';
import { generateClusterId, type BrokerConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Time } from '../time.ts';
import { controllerProducerIdBlocks } from './allocate-producer-ids-client.ts';
import { LocalMetadataStore } from './local-metadata-store.ts';
import type { MetadataStore } from './metadata-store.ts';
import { ZooKeeperCluster } from './zookeeper-cluster.ts';

/** Where a broker's cluster state lives, and what follows from that. */
export interface BrokerMetadata {
  readonly clusterId: string;
  readonly metadata: MetadataStore;
  /** A cluster broker's ZooKeeper connection; undefined on a single node. */
  readonly zooKeeper: ZooKeeperCluster | undefined;
  /** Producer id blocks: the controller allocates them in a cluster, the local metadata on a single node. */
  readonly producerIdBlocks: ProducerIdBlockSource;
  /** The single node's own allocation (its AllocateProducerIds answers); undefined in a cluster. */
  readonly localProducerIdBlocks: ProducerIdBlockSource | undefined;
}

/** zookeeper.connect set: a cluster broker, whose metadata lives in ZooKeeper; else the single node's file. */
export async function openMetadata(config: BrokerConfig, logger: Logger, time: Time): Promise<BrokerMetadata> {
  if (config.zookeeperConnect !== null) {
    const zooKeeper = await ZooKeeperCluster.connect({
      config, logger, time, storedClusterId: storedClusterId(config.logDirs), proposedClusterId: generateClusterId(randomBytes),
    });
    return {
      clusterId: zooKeeper.clusterId,
      metadata: zooKeeper.store,
      zooKeeper,
      producerIdBlocks: controllerProducerIdBlocks({ channel: zooKeeper.controllerChannel, brokerId: config.nodeId, brokerEpoch: () => zooKeeper.brokerEpoch }),
      localProducerIdBlocks: undefined,
    };
  }
  const clusterId = config.clusterId ?? storedClusterId(config.logDirs) ?? generateClusterId(randomBytes);
  const local = await LocalMetadataStore.open(config.logDirs[0]!, clusterId, { logger });
  const producerIdBlocks: ProducerIdBlockSource = () => local.allocateProducerIdBlock(config.nodeId);
  return { clusterId, metadata: local, zooKeeper: undefined, producerIdBlocks, localProducerIdBlocks: producerIdBlocks };
}
