import { randomInt } from 'node:crypto';
import os from 'node:os';
import { randomUuid } from '../protocol/primitives/uuid.ts';
import { LogManager } from '../storage/log-manager.ts';
import { lockLogDirs, type LogDirLocks } from '../storage/log-dir-lock.ts';
import { LocalClusterView, type ClusterView } from './cluster/cluster-view.ts';
import { openMetadata, type BrokerMetadata } from './cluster/open-metadata.ts';
import { TopicAdmin } from './cluster/topic-admin.ts';
import { GroupCoordinator } from './coordinator/group/group-coordinator.ts';
import { TransactionCoordinator, TRANSACTION_STATE_TOPIC_NAME } from './coordinator/txn/transaction-coordinator.ts';
import { InterBrokerSender } from './coordinator/txn/inter-broker-sender.ts';
import { TransactionVerifier } from './replica/transaction-verification.ts';
import { BlockProducerIdManager, PRODUCER_ID_BLOCK_WAIT_MS } from './coordinator/txn/producer-id-manager.ts';
import { partitionSettings } from './cluster/topic-settings.ts';
import { parseBrokerConfig, resolveAdvertisedListeners, type BrokerConfig, type BrokerConfigInput } from './config.ts';
import { ignoredConfigs } from './config-ignored.ts';
import type { BrokerContext } from './broker-context.ts';
import { openBrokerSecurity } from './security/broker-security.ts';
import { followDynamicListenerSsl } from './security/dynamic-listener-ssl.ts';
import { servedHandlers } from './handlers/index.ts';
import { supportedApiVersions } from './handlers/api-versions.ts';
import { createProcessLogger, type Logger } from './logger.ts';
import { ReplicaManager } from './replica/replica-manager.ts';
import { shutDownBroker, stopServing, type ServingParts } from './broker-shutdown.ts';
import { startLogMaintenance } from './log-maintenance.ts';
import { FetchManager } from './replica/fetch-manager.ts';
import { FetchSessionCache, MIN_SESSION_EVICTION_MS } from './replica/fetch-session-cache.ts';
import { ReplicaFetcherManager } from './replica/replica-fetcher-manager.ts';
import { replicaAlterLogDirsThrottle, replicationThrottles } from './cluster/replication-throttles.ts';
import { replicaSelectorFor } from './replica/replica-selector.ts';
import { alterPartitionRequestForVersion } from './replica/alter-partition-manager.ts';
import { InterBrokerApis } from './cluster/inter-broker-apis.ts';
import { InvalidRequestError, RequestDispatcher } from './request-dispatcher.ts';
import { CloseConnectionError } from './server/connection.ts';
import { Listener } from './server/listener.ts';
import { AcceptGate } from './server/accept-gate.ts';
import { ConnectionQuotas, connectionQuotasConfig } from './server/connection-quotas.ts';
import { QuotaManagers } from './security/quotas/quota-managers.ts';
import { entityConfigQuotas } from './security/quotas/entity-config-quotas.ts';
import { systemTime, type Time } from './time.ts';
import { interBrokerListenerName, interBrokerSecurity } from './security/inter-broker-security.ts';
import { freeBytesKeptFor, ReadBufferPool } from '../storage/read-buffer-pool.ts';
import { BrokerMetrics } from '../metrics/broker-metrics.ts';

export interface Broker {
  readonly config: BrokerConfig;
  readonly nodeId: number;
  readonly clusterId: string;
  /** Host and port of the first listener, as bound (port 0 in the config becomes the real port). */
  readonly host: string;
  readonly port: number;
  /** Every listener, by name, as bound. */
  readonly listeners: ReadonlyMap<string, { readonly host: string; readonly port: number }>;
  /**
   * The partitions this broker hosts. The controller's LeaderAndIsr moves their leader epochs; in
   * the single-node mode nothing does, so tests of epoch fencing move them here.
   */
  readonly replicaManager: ReplicaManager;
  /** The incremental fetch sessions this broker keeps (KIP-227), as tests and metrics look at them. */
  readonly fetchSessions: FetchSessionCache;
  /** Live brokers, the controller and partition leaders, as this broker sees them. */
  readonly cluster: ClusterView;
  /** The czxid of this broker's registration in ZooKeeper (Kafka's broker epoch); -1 on a single node. */
  readonly brokerEpoch: bigint;
  /** Whether this broker is the active controller (a single node always is). */
  readonly isController: boolean;
  /** Where GET /metrics is served, as bound; undefined without metrics.listener. */
  readonly metricsListener: { readonly host: string; readonly port: number } | undefined;
  /** Stops accepting, answers nothing more, flushes and closes every log. */
  close(): Promise<void>;
}

export interface BrokerDependencies {
  readonly logger?: Logger;
  readonly time?: Time;
}

/**
 * The composition root: builds storage, metadata, the replica manager, the handlers and the
 * listeners from one parsed config, and starts them in that order. Nothing else wires parts
 * together, and nothing but this file imports broker/server.
 */
export async function startBroker(input: BrokerConfigInput = {}, dependencies: BrokerDependencies = {}): Promise<Broker> {
  const config = parseBrokerConfig(input);
  const time = dependencies.time ?? systemTime;
  const logger = (dependencies.logger ?? createProcessLogger({ name: 'samsa', configuredFormat: config.logFormat })).child({
    nodeId: config.nodeId,
  });
  for (const { key, because } of ignoredConfigs(config)) {
    logger.warn({ config: key }, `${key} is set but has no effect: ${because}`);
  }
  // Before anything reads or writes a log dir: a second broker on it is refused, as in Kafka.
  const logDirLocks = await lockLogDirs(config.logDirs);
  try {
    return await startLocked(config, logDirLocks, time, logger);
  } catch (error) {
    await logDirLocks.release();
    throw error;
  }
}

async function startLocked(config: BrokerConfig, logDirLocks: LogDirLocks, time: Time, logger: Logger): Promise<Broker> {
  const opened = await openMetadata(config, logger, time);
  try {
    return await startWithMetadata(config, { logDirLocks, time, logger, ...opened });
  } catch (error) {
    await (opened.zooKeeper?.close() ?? opened.metadata.close());
    throw error;
  }
}

async function startWithMetadata(
  config: BrokerConfig,
  { logDirLocks, time, logger, clusterId, metadata, zooKeeper, producerIdBlocks, localProducerIdBlocks }: BrokerMetadata & {
    logDirLocks: LogDirLocks; time: Time; logger: Logger;
  },
): Promise<Broker> {
  // First, so that a bad security setting (a keystore, a JWKS) stops the start before anything runs.
  // Users' configs (SCRAM credentials, quotas), ACLs, and each listener's TLS and SASL.
  const security = await openBrokerSecurity({ config, zooKeeper, logger, time });
  // Log reads and Produce frames share one pool: connections give the memory back once written.
  const readBuffers = new ReadBufferPool(freeBytesKeptFor(os.totalmem()));
  // metrics.listener set: counts from the start (log flushes), served once the broker is built.
  const metrics = config.metricsListener === null ? undefined : new BrokerMetrics();
  // Built after the logs it hosts; the log manager asks it for high watermarks only when it writes their checkpoint.
  let replicaManager: ReplicaManager | undefined;
  const logManager = await LogManager.open({
    logDirs: config.logDirs,
    readBuffers,
    nodeId: config.nodeId,
    clusterId,
    configForTopic: (topic) => {
      const known = metadata.topic(topic);
      return known === undefined ? undefined : partitionSettings(config, known.configs).log;
    },
    now: () => time.now(),
    onLogDirFailure: (logDir, error) =>
      logger.error({ logDir, err: error }, 'log dir failed; its partitions are offline (KAFKA_STORAGE_ERROR) until a restart'),
    highWatermarkOf: (topic, partition) => replicaManager?.partition(topic, partition)?.highWatermark,
    onLogFlushed: metrics?.logFlushed,
  });
  // Replication throttles (reassignments): rates from the dynamic broker configs, replicas from topic configs.
  const throttles = zooKeeper === undefined ? undefined : replicationThrottles({
    config,
    brokerConfigs: zooKeeper.brokerConfigs,
    topicConfigs: (topic) => zooKeeper.store.cachedTopicConfigs(topic),
    onTopicConfigsChanged: (listener) => zooKeeper.store.onTopicConfigsChanged((topic) => listener(topic)),
  });
  // Followers copy their leaders through the fetchers; the replica manager tells them which to follow.
  const fetchers = zooKeeper === undefined ? undefined : new ReplicaFetcherManager({
    brokerId: config.nodeId,
    brokerEpoch: () => zooKeeper.brokerEpoch,
    config,
    logger,
    time,
    partitions: (topic, partition) => replicaManager?.followerPartition(topic, partition),
    endpoint: (brokerId) => zooKeeper.cache.interBrokerEndpoint(brokerId) ?? replicaManager?.leaderEndpoint(brokerId),
    frameMemory: readBuffers,
    followerQuota: throttles?.follower,
    onPartitionUpdated: (topic, partition) => replicaManager?.completeDelayedFetches(topic, partition),
    onReplicated: metrics?.replicated,
  });
  replicaManager = new ReplicaManager(logManager, time, {
    brokerId: config.nodeId,
    replicaLagTimeMaxMs: config.replicaLagTimeMaxMs,
    replicaSelector: replicaSelectorFor(config.replicaSelectorClass),
    alterLogDirsQuota: replicaAlterLogDirsThrottle(config, zooKeeper?.brokerConfigs),
    readBuffers,
    brokerTopicMetrics: metrics?.brokerTopics,
    settingsFor: (topic) => partitionSettings(config, zooKeeper?.store.cachedTopicConfigs(topic) ?? metadata.topic(topic)?.configs ?? {}),
    logger,
    ...(zooKeeper === undefined ? {} : {
      brokerEpoch: () => zooKeeper.brokerEpoch,
      sendAlterPartition: (request) => zooKeeper.controllerChannel.send(
        InterBrokerApis.AlterPartition,
        (version) => alterPartitionRequestForVersion(request, version, (topicId) => zooKeeper.cache.topicNameById(topicId)),
      ),
      isReplicaIsrEligible: (brokerId) => zooKeeper.cache.isAlive(brokerId),
      leaders: zooKeeper.cache,
      fetchers,
      leaderQuota: throttles?.leader,
    }),
  });
  const topicAdmin = new TopicAdmin({ metadata, replicaManager, config, logger, newTopicId: randomUuid, ...(zooKeeper === undefined ? {} : { cache: zooKeeper.cache }) });
  zooKeeper?.store.onTopicConfigsChanged((topic, configs) => topicAdmin.applyTopicConfigs(topic, configs));
  // In a cluster the controller's LeaderAndIsr opens the partitions this broker hosts.
  if (zooKeeper === undefined) await topicAdmin.loadTopics();
  // Filled once every listener is bound (a port 0 is known only then).
  let advertisedEndpoints = new Map<string, { host: string; port: number }>();
  const cluster: ClusterView = zooKeeper?.cache ?? new LocalClusterView({
    nodeId: config.nodeId, rack: config.brokerRack, endpoints: () => advertisedEndpoints, metadata, replicaManager,
  });
  const groupCoordinator = new GroupCoordinator({ config, metadata, cluster, topicAdmin, replicaManager, time, logger });
  topicAdmin.onPartitionsDeleted((partitions) => groupCoordinator.onPartitionsDeleted(partitions));
  // The coordinator moves with the leadership of __consumer_offsets partitions (LeaderAndIsr, StopReplica).
  replicaManager.onLeadershipChange((change) => groupCoordinator.onLeadershipChange(change));
  groupCoordinator.startup();
  const producerIdManager = new BlockProducerIdManager({ nextBlock: producerIdBlocks, logger, time, maxWaitMs: PRODUCER_ID_BLOCK_WAIT_MS });
  // Like the group coordinator, it moves with the leadership of its topic's partitions (__transaction_state).
  const transactionCoordinator = new TransactionCoordinator({ config, metadata, cluster, topicAdmin, replicaManager, producerIds: producerIdManager, time, logger });
  replicaManager.onLeadershipChange((change) => transactionCoordinator.onLeadershipChange(change));
  transactionCoordinator.startup();
  // KIP-890: a leader asks a transactional id's coordinator before the first batch of its transaction on a partition.
  const interBrokerListener = interBrokerListenerName(config);
  const verificationSender = new InterBrokerSender({
    clientId: `broker-${config.nodeId}-txn-verification`, endpointOf: (id) => cluster.aliveBroker(id, interBrokerListener), requestTimeoutMs: config.requestTimeoutMs,
    security: interBrokerSecurity(config),
  });
  const transactionVerifier = new TransactionVerifier({
    api: InterBrokerApis.AddPartitionsToTxn,
    send: (brokerId, api, body) => verificationSender.send(brokerId, api, body),
    coordinatorOf: (transactionalId) => {
      const leader = cluster.partitionLeadership(TRANSACTION_STATE_TOPIC_NAME, transactionCoordinator.partitionFor(transactionalId))?.leader;
      return leader === undefined || leader < 0 ? undefined : leader;
    },
  });

  const endpoints = config.listeners;
  const served = servedHandlers(zooKeeper !== undefined);
  const fetchManager = new FetchManager(
    new FetchSessionCache({ maxEntries: config.maxIncrementalFetchSessionCacheSlots, evictionMs: MIN_SESSION_EVICTION_MS, randomInt }),
    () => time.now(),
  );
  const context: BrokerContext = {
    config,
    nodeId: config.nodeId,
    apiVersions: supportedApiVersions(served),
    metadata,
    cluster,
    metadataCache: zooKeeper?.cache,
    get controller() {
      return zooKeeper?.controller;
    },
    controllerChannel: zooKeeper?.controllerChannel,
    brokerConfigs: zooKeeper?.brokerConfigs,
    get brokerEpoch() {
      return zooKeeper?.brokerEpoch ?? -1n;
    },
    topicAdmin,
    replicaManager,
    fetchManager,
    groupCoordinator,
    transactionCoordinator,
    transactionVerifier,
    producerIdManager,
    localProducerIdBlocks,
    logger,
    time,
    readBuffers,
    authorizer: security.authorizer,
    acls: security.acls,
    entityConfigs: security.entityConfigs,
    // Client quotas from the users' and client ids' configs, followed as they change.
    quotas: new QuotaManagers({ quotaWindowNum: config.quotaWindowNum, quotaWindowSizeSeconds: config.quotaWindowSizeSeconds, configs: entityConfigQuotas(security.entityConfigs) }),
    metrics,
  };
  const dispatcher = new RequestDispatcher(served, context);
  // max.connections, max.connections.per.ip (and overrides), max.connection.creation.rate: shared by all listeners.
  const connectionQuotas = new ConnectionQuotas(connectionQuotasConfig(config, interBrokerListener), time);
  let listeners: Listener[] = [];
  const serving = (): ServingParts => ({ listeners, groupCoordinator, transactionCoordinator, verificationSender, replicaManager, security, metrics });
  let metricsListener: { host: string; port: number } | undefined;
  // What a start that fails part way undoes.
  const undoStart = (): Promise<void> => stopServing(serving());
  try {
    listeners = endpoints.map(
      (endpoint) =>
        new Listener({
          listenerName: endpoint.name,
          securityProtocol: endpoint.securityProtocol,
          ...security.listener(endpoint),
          host: endpoint.host,
          port: endpoint.port,
          // A request Kafka would not answer closes its connection quietly; anything else is a bug, logged as one.
          handler: (frame, connection, times) =>
            dispatcher.dispatch(frame, connection, times).then(
              (response) => {
                if (dispatcher.requestFreedOnAnswer(frame)) readBuffers.release(frame);
                return response;
              },
              (error: unknown) => {
                throw error instanceof InvalidRequestError ? new CloseConnectionError(error.message, { cause: error }) : error;
              },
            ),
          logger,
          maxRequestBytes: config.socketRequestMaxBytes,
          maxInFlightRequests: Math.min(config.queuedMaxRequests, 100),
          // Fetched log bytes go out by reference; once written, their read buffers serve the next reads.
          allocateFrame: (size) => readBuffers.acquire(size),
          acceptGate: new AcceptGate({ quotas: connectionQuotas, listenerName: endpoint.name, logger, backlog: config.socketListenBacklogSize }),
          onResponseWritten: (chunks) => {
            for (const chunk of chunks) readBuffers.releaseWritten(chunk);
          },
          requestTimer: metrics?.requests,
        }),
    );
    for (const listener of listeners) await listener.listen();
    const connectionCounts = () => new Map(listeners.map((listener) => [listener.listenerName, listener.connections.size]));
    metricsListener = await metrics?.serve({ context, connectionCounts, sendToBroker: (brokerId, api, body) => verificationSender.send(brokerId, api, body) }, config.metricsListener!, logger);
  } catch (error) {
    await undoStart();
    throw error;
  }
  // KIP-226: a TLS listener's keystore replaced through AlterConfigs serves new connections.
  if (zooKeeper !== undefined) followDynamicListenerSsl({ config, brokerConfigs: zooKeeper.brokerConfigs, listeners, logger });
  const boundPorts = new Map(listeners.map((listener) => [listener.listenerName, listener.port]));
  const advertised = resolveAdvertisedListeners(config, boundPorts);
  advertisedEndpoints = new Map(advertised.map((endpoint) => [endpoint.name, { host: endpoint.host, port: endpoint.port }]));
  // Set once the broker is built: what a lost registration calls.
  let stopOnce: (() => Promise<void>) | undefined;
  if (zooKeeper !== undefined) {
    // Registered only once the listeners accept: the controller connects as soon as it sees the broker.
    try {
      // Kafka exits when another live broker took its id while its session was gone: two brokers
      // must never serve as one. This one stops serving; its process is left to its owner.
      await zooKeeper.register(advertised, (error) => {
        logger.error({ err: error }, 'another live broker registered this broker id after the ZooKeeper session expired; stopping');
        void stopOnce?.().catch((closeError: unknown) => logger.error({ err: closeError }, 'stopping after the lost registration failed'));
      });
      await zooKeeper.startController(metrics?.controllerStats);
    } catch (error) {
      await undoStart();
      throw error;
    }
  }

  const maintenance = startLogMaintenance({ config, logManager, replicaManager, time, logger });

  logger.info(
    { clusterId, listeners: listeners.map((l) => `${l.listenerName}://${l.host}:${l.port}`), logDirs: config.logDirs, nodeFlags: process.execArgv },
    'broker started',
  );

  let closing: Promise<void> | undefined;
  const broker: Broker = {
    config,
    nodeId: config.nodeId,
    clusterId,
    host: listeners[0]!.host,
    port: listeners[0]!.port,
    listeners: new Map(listeners.map((listener) => [listener.listenerName, { host: listener.host, port: listener.port }])),
    replicaManager,
    fetchSessions: fetchManager.cache,
    cluster,
    get brokerEpoch() {
      return zooKeeper?.brokerEpoch ?? -1n;
    },
    metricsListener: metricsListener === undefined ? undefined : { host: metricsListener.host, port: metricsListener.port },
    get isController() {
      return zooKeeper?.controller?.isActive ?? true;
    },
    close() {
      closing ??= shutDownBroker({ ...serving(), config, time, logger, zooKeeper, metadata, fetchers, maintenance, logDirLocks });
      return closing;
    },
  };
  stopOnce = () => broker.close();
  return broker;
}
