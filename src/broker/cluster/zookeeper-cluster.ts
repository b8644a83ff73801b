import { InconsistentClusterIdError } from '../../storage/errors.ts';
import type { BrokerConfig, ListenerEndpoint } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Time } from '../time.ts';
import { BrokerToControllerChannel } from './broker-to-controller-channel.ts';
import { requestControlledShutdown } from './controlled-shutdown-client.ts';
import { KafkaController } from './controller/kafka-controller.ts';
import type { ControllerStats } from '../../metrics/controller-stats.ts';
import { ensurePersistentPaths, getOrCreateClusterId, registerBroker, type RegisteredBroker } from './broker-registration.ts';
import { TopicConfigs } from './config-change-listener.ts';
import { DynamicBrokerConfigs } from './dynamic-broker-configs.ts';
import { MetadataCache } from './metadata-cache.ts';
import { ZooKeeperMetadataStore } from './zookeeper-metadata-store.ts';
import { ZooKeeperClient } from './zookeeper/zookeeper-client.ts';
import { interBrokerListenerName, interBrokerSecurity } from '../security/inter-broker-security.ts';

/**
 * A cluster broker's ties to ZooKeeper, in the order Kafka's KafkaServer.startup makes them: the
 * session (zookeeper.connect with its chroot), the persistent paths, the cluster id (/cluster/id,
 * which a log dir of another cluster refuses), the metadata cache and the topic configs; and, once
 * the listeners are bound, the registration under /brokers/ids. close() undoes them in reverse.
 */
export class ZooKeeperCluster {
  readonly client: ZooKeeperClient;
  readonly clusterId: string;
  readonly cache: MetadataCache;
  readonly store: ZooKeeperMetadataStore;
  /** Dynamic broker configs (KIP-226): this broker's and the cluster default, followed in ZooKeeper. */
  readonly brokerConfigs: DynamicBrokerConfigs;
  /** Follows /config/changes: topic configs, and the notifications of other entities for their stores (onEntityChange). */
  readonly configChanges: TopicConfigs;
  readonly #config: BrokerConfig;
  readonly #logger: Logger;
  readonly #time: Time;
  #registration: RegisteredBroker | undefined;
  #controller: KafkaController | undefined;
  /** Another live broker registered this broker's id after a session expiry (BrokerIdInUseError). */
  #registrationLost = false;
  /** This broker's requests to the controller (AlterPartition, ControlledShutdown). */
  readonly controllerChannel: BrokerToControllerChannel;

  /**
   * `storedClusterId` is the one in the log dirs' meta.properties, if any: ZooKeeper's must match it.
   * `proposedClusterId` (a random one, as Kafka's) is written to /cluster/id by the cluster's first broker.
   */
  static async connect(options: {
    config: BrokerConfig;
    logger: Logger;
    time: Time;
    storedClusterId: string | undefined;
    proposedClusterId: string;
  }): Promise<ZooKeeperCluster> {
    const { config, logger } = options;
    const client = await ZooKeeperClient.connect({
      connect: config.zookeeperConnect!,
      sessionTimeoutMs: config.zookeeperSessionTimeoutMs,
      ...(config.zookeeperConnectionTimeoutMs === null ? {} : { connectionTimeoutMs: config.zookeeperConnectionTimeoutMs }),
      logger,
    });
    try {
      await ensurePersistentPaths(client);
      const clusterId = await getOrCreateClusterId(client, config.clusterId ?? options.proposedClusterId);
      for (const [what, expected] of [['meta.properties', options.storedClusterId], ['cluster.id', config.clusterId]] as const) {
        if (expected !== undefined && expected !== null && expected !== clusterId) {
          throw new InconsistentClusterIdError(`The Cluster ID ${clusterId} doesn't match the ${what} cluster id ${expected}. `
            + 'The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong.');
        }
      }
      const cache = new MetadataCache({
        interBrokerListenerName: interBrokerListenerName(config),
        time: options.time,
      });
      const configs = await TopicConfigs.start(client, logger, () => options.time.now());
      const brokerConfigs = await DynamicBrokerConfigs.start(client, config.nodeId, configs, logger);
      const store = new ZooKeeperMetadataStore({ clusterId, client, cache, configs });
      return new ZooKeeperCluster(client, clusterId, cache, store, brokerConfigs, configs, config, logger, options.time);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  private constructor(
    client: ZooKeeperClient, clusterId: string, cache: MetadataCache, store: ZooKeeperMetadataStore, brokerConfigs: DynamicBrokerConfigs,
    configChanges: TopicConfigs, config: BrokerConfig, logger: Logger, time: Time,
  ) {
    this.client = client;
    this.brokerConfigs = brokerConfigs;
    this.configChanges = configChanges;
    this.clusterId = clusterId;
    this.cache = cache;
    this.store = store;
    this.#config = config;
    this.#logger = logger;
    this.#time = time;
    // The controller as the metadata cache knows it (Kafka's MetadataCacheControllerNodeProvider).
    this.controllerChannel = new BrokerToControllerChannel({
      brokerId: config.nodeId,
      controllerNode: () => {
        const id = cache.controllerId;
        const endpoint = id < 0 ? undefined : cache.interBrokerEndpoint(id);
        return endpoint === undefined ? undefined : { id, host: endpoint.host, port: endpoint.port };
      },
      requestTimeoutMs: config.controllerSocketTimeoutMs,
      security: interBrokerSecurity(config),
      logger,
      now: () => time.now(),
    });
  }

  /** This broker's controller, once started: active when it won the election. */
  get controller(): KafkaController | undefined {
    return this.#controller;
  }

  /** Takes part in the controller election (after registering, as Kafka's KafkaServer.startup); `stats` with metrics on. */
  async startController(stats?: ControllerStats): Promise<void> {
    this.#controller = await KafkaController.start({
      client: this.client, brokerId: this.#config.nodeId, config: this.#config, logger: this.#logger, time: this.#time, stats,
    });
  }

  /**
   * controlled.shutdown.enable, for a broker still registered: a broker whose id another live
   * broker took has nothing left to hand over (its epoch is stale).
   */
  get controlledShutdownEnabled(): boolean {
    return this.#config.controlledShutdownEnable && this.#registration !== undefined && !this.#registrationLost;
  }

  /**
   * Asks the controller to move this broker's leaderships away before it stops, so clients see
   * retriable errors only (see replica/leadership-handover.ts); true when it moved them all. The
   * broker stops either way.
   */
  async controlledShutdown(): Promise<boolean> {
    if (!this.controlledShutdownEnabled) return false;
    return requestControlledShutdown({
      channel: this.controllerChannel,
      brokerId: this.#config.nodeId,
      brokerEpoch: this.brokerEpoch,
      maxRetries: this.#config.controlledShutdownMaxRetries,
      retryBackoffMs: this.#config.controlledShutdownRetryBackoffMs,
      requestTimeoutMs: this.#config.controllerSocketTimeoutMs,
      logger: this.#logger,
    });
  }

  /** The czxid of this broker's registration (Kafka's broker epoch); -1 before it registers. */
  get brokerEpoch(): bigint {
    return this.#registration?.brokerEpoch ?? -1n;
  }

  /** Registers the broker with its advertised endpoints (bound ports) and rack: it is now alive to the controller. */
  async register(advertised: readonly ListenerEndpoint[], onRegistrationLost: (error: Error) => void): Promise<void> {
    this.#registration = await registerBroker({
      client: this.client,
      registration: {
        brokerId: this.#config.nodeId,
        endpoints: advertised.map((endpoint) => ({
          listenerName: endpoint.name, securityProtocol: endpoint.securityProtocol, host: endpoint.host, port: endpoint.port,
        })),
        rack: this.#config.brokerRack,
        jmxPort: -1,
        features: {},
      },
      sessionTimeoutMs: this.#config.zookeeperSessionTimeoutMs,
      logger: this.#logger,
    });
    this.#registration.on('registrationFailed', (error) => {
      this.#registrationLost = true;
      onRegistrationLost(error);
    });
  }

  /** Resigns as controller, deregisters (the controller moves leaderships at once rather than after the session timeout) and ends the session. */
  async close(): Promise<void> {
    this.cache.close();
    this.controllerChannel.close();
    try {
      await this.#controller?.close();
      await this.#registration?.close();
      await this.store.close();
    } finally {
      await this.client.close();
    }
  }
}

