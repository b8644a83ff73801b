import type { ApiVersionsResponseApiVersion } from '../protocol/generated/api-versions.ts';
import type { ClusterView } from './cluster/cluster-view.ts';
import type { MetadataCache } from './cluster/metadata-cache.ts';
import type { MetadataStore } from './cluster/metadata-store.ts';
import type { TopicAdmin } from './cluster/topic-admin.ts';
import type { BrokerToControllerChannel } from './cluster/broker-to-controller-channel.ts';
import type { DynamicBrokerConfigs } from './cluster/dynamic-broker-configs.ts';
import type { EntityConfigStore } from './cluster/entity-configs.ts';
import type { KafkaController } from './cluster/controller/kafka-controller.ts';
import type { GroupCoordinator } from './coordinator/group/group-coordinator.ts';
import type { TransactionCoordinator } from './coordinator/txn/transaction-coordinator.ts';
import type { ProducerIdBlockSource, ProducerIdManager } from './coordinator/txn/producer-id-manager.ts';
import type { BrokerConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { FetchManager } from './replica/fetch-manager.ts';
import type { ReplicaManager } from './replica/replica-manager.ts';
import type { TransactionVerifier } from './replica/transaction-verification.ts';
import type { ReadBufferPool } from '../storage/read-buffer-pool.ts';
import type { Time } from './time.ts';
import type { Authorizer } from './security/authorizer.ts';
import type { AclStore } from './security/acl-store.ts';
import type { QuotaManagers } from './security/quotas/quota-managers.ts';
import type { BrokerMetrics } from '../metrics/broker-metrics.ts';

/** Everything a handler may use, built once by broker.ts. */
export interface BrokerContext {
  readonly config: BrokerConfig;
  readonly nodeId: number;
  readonly apiVersions: readonly ApiVersionsResponseApiVersion[];
  readonly metadata: MetadataStore;
  /** Live brokers, the controller, partition leaders: the metadata cache in a cluster, this broker alone otherwise. */
  readonly cluster: ClusterView;
  /** The cache UpdateMetadata feeds; undefined on a single node. */
  readonly metadataCache: MetadataCache | undefined;
  /** The czxid of this broker's registration in ZooKeeper (Kafka's broker epoch); -1 on a single node. */
  readonly brokerEpoch: bigint;
  readonly topicAdmin: TopicAdmin;
  readonly replicaManager: ReplicaManager;
  /** Incremental fetch sessions (KIP-227): max.incremental.fetch.session.cache.slots of them. */
  readonly fetchManager: FetchManager;
  readonly groupCoordinator: GroupCoordinator;
  /** The coordinator of the transactional ids whose __transaction_state partitions this broker leads. */
  readonly transactionCoordinator: TransactionCoordinator;
  /** Fresh producer ids (InitProducerId): blocks from the controller in a cluster, from the local metadata on a single node. */
  readonly producerIdManager: ProducerIdManager;
  /**
   * Single node: the next producer id block from the local metadata, which the node hands out as
   * its own controller (AllocateProducerIds); undefined in a cluster, where the controller does.
   */
  readonly localProducerIdBlocks?: ProducerIdBlockSource | undefined;
  /** Cluster mode: this broker's controller (active or not); undefined on a single node. */
  readonly controller?: KafkaController | undefined;
  /** Cluster mode: requests to whichever broker is the controller (AlterPartition, ControlledShutdown). */
  readonly controllerChannel?: BrokerToControllerChannel | undefined;
  /** Cluster mode: dynamic broker configs (KIP-226); a single node's broker configs are static. */
  readonly brokerConfigs?: DynamicBrokerConfigs | undefined;
  /** KIP-890: asks transaction coordinators whether a partition is in a producer's transaction before its first batch there. */
  readonly transactionVerifier?: TransactionVerifier | undefined;
  /** Users' and client ids' configs (SCRAM credentials, quotas): ZooKeeper in a cluster, the first log dir on a single node. */
  readonly entityConfigs?: EntityConfigStore | undefined;
  /** authorizer.class.name's authorizer; undefined allows everything, as Kafka without one. */
  readonly authorizer?: Authorizer | undefined;
  /** The ACLs CreateAcls, DescribeAcls and DeleteAcls serve (the authorizer's); undefined: SECURITY_DISABLED. */
  readonly acls?: AclStore | undefined;
  /** Client quotas (producer_byte_rate, consumer_byte_rate, request_percentage, controller_mutation_rate); undefined: none enforced. */
  readonly quotas?: QuotaManagers | undefined;
  readonly logger: Logger;
  readonly time: Time;
  /** Pooled read memory: Fetch hands each read's bytes to its response, which gives them back once written. */
  readonly readBuffers?: ReadBufferPool;
  /** Prometheus metrics, with metrics.listener set; absent, nothing is counted. */
  readonly metrics?: BrokerMetrics | undefined;
}
