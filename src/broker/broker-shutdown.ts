import type { LogDirLocks } from '../storage/log-dir-lock.ts';
import type { MetadataStore } from './cluster/metadata-store.ts';
import type { ZooKeeperCluster } from './cluster/zookeeper-cluster.ts';
import type { GroupCoordinator } from './coordinator/group/group-coordinator.ts';
import type { InterBrokerSender } from './coordinator/txn/inter-broker-sender.ts';
import type { TransactionCoordinator } from './coordinator/txn/transaction-coordinator.ts';
import type { BrokerConfig } from './config.ts';
import type { LogMaintenance } from './log-maintenance.ts';
import type { Logger } from './logger.ts';
import { handOverLeaderships } from './replica/leadership-handover.ts';
import type { ReplicaFetcherManager } from './replica/replica-fetcher-manager.ts';
import type { ReplicaManager } from './replica/replica-manager.ts';
import type { BrokerSecurity } from './security/broker-security.ts';
import type { Time } from './time.ts';

/** What serves clients, stopped listeners first so that no request arrives while the rest closes. */
export interface ServingParts {
  /** The listeners (broker/server's, seen only as something to close). */
  readonly listeners: ReadonlyArray<{ close(): Promise<void> }>;
  readonly groupCoordinator: GroupCoordinator;
  readonly transactionCoordinator: TransactionCoordinator;
  readonly verificationSender: InterBrokerSender;
  readonly replicaManager: ReplicaManager;
  readonly security: BrokerSecurity;
  /** The metrics listener, when metrics.listener is set. */
  readonly metrics?: { close(): Promise<void> } | undefined;
}

/** Stops serving: what a start that fails part way undoes, and the middle of every close. */
export async function stopServing(parts: ServingParts): Promise<void> {
  await Promise.all([...parts.listeners.map((listener) => listener.close()), parts.metrics?.close()]);
  parts.groupCoordinator.shutdown();
  parts.transactionCoordinator.shutdown();
  parts.verificationSender.close();
  await parts.replicaManager.close();
  await parts.security.close();
}

export interface BrokerParts extends ServingParts {
  readonly config: BrokerConfig;
  readonly time: Time;
  readonly logger: Logger;
  readonly zooKeeper: ZooKeeperCluster | undefined;
  readonly metadata: MetadataStore;
  readonly fetchers: ReplicaFetcherManager | undefined;
  readonly maintenance: LogMaintenance;
  readonly logDirLocks: LogDirLocks;
}

/**
 * A broker's close, in Kafka's order: leaderships handed over while it still serves, replication
 * and background work stopped, then serving, then the metadata (ZooKeeper: deregistered), and the
 * log dirs freed whatever failed before.
 */
export async function shutDownBroker(parts: BrokerParts): Promise<void> {
  const { config, time, logger, zooKeeper } = parts;
  try {
    // Leaderships move away while this broker still serves (controlled.shutdown.enable).
    if (zooKeeper?.controlledShutdownEnabled === true) {
      const ledWithOtherInSyncReplicas = await handOverLeaderships(parts.replicaManager, {
        controlledShutdown: () => zooKeeper.controlledShutdown(),
        drainTimeoutMs: config.replicaLagTimeMaxMs,
        moveTimeoutMs: config.controlledShutdownRetryBackoffMs,
        time,
        logger,
      });
      // Any partition named here is offline to clients until the controller sees this broker gone.
      logger.info({ ledWithOtherInSyncReplicas }, 'stopping: leaderships handed over');
    }
    await parts.fetchers?.shutdown();
    parts.maintenance.stop();
    await stopServing(parts);
    // Deregisters and ends the ZooKeeper session too.
    await (zooKeeper?.close() ?? parts.metadata.close());
  } finally {
    // Nothing writes any more, even after a failed close: the directory is free for the next broker.
    await parts.logDirLocks.release();
  }
  logger.info('broker stopped');
}
