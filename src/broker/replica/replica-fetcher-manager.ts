import type { BrokerConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Time } from '../time.ts';
import { fetcherIdFor, topicPartitionKey, type FollowerPartitionAccess } from './replica-fetch-state.ts';
import { ReplicaFetcher, type FrameMemory, type ReplicaFetcherSettings } from './replica-fetcher.ts';
import type { ReplicationQuota } from './replication-quota.ts';
import type { ClientSecurity } from '../../client/client-security.ts';
import { interBrokerSecurity } from '../security/inter-broker-security.ts';

export type { FollowerPartitionAccess } from './replica-fetch-state.ts';

export interface ReplicaFetcherManagerOptions {
  readonly brokerId: number;
  /** This broker's epoch (the czxid of its registration), sent with every fetch from v15; it changes when it registers again. */
  readonly brokerEpoch: () => bigint;
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly time: Time;
  /** The replica manager's follower partitions (ReplicaManager.followerPartition). */
  readonly partitions: (topic: string, partition: number) => FollowerPartitionAccess | undefined;
  /** A broker's inter-broker endpoint, from the metadata cache; undefined when it is not alive. */
  readonly endpoint: (brokerId: number) => { host: string; port: number } | undefined;
  /** Memory the fetchers read the leaders' answers into (the broker's ReadBufferPool). */
  readonly frameMemory?: FrameMemory;
  /** See ReplicaFetcherOptions.followerQuota. */
  readonly followerQuota?: ReplicationQuota | undefined;
  /** See ReplicaFetcherOptions.onPartitionUpdated. */
  readonly onPartitionUpdated?: (topic: string, partition: number) => void;
  /** See ReplicaFetcherOptions.onReplicated. */
  readonly onReplicated?: ((bytes: number) => void) | undefined;
}

/**
 * Kafka's ReplicaFetcherManager: the fetchers of this broker, num.replica.fetchers per source
 * broker, each partition given to one of its leader's by a hash of its name. LeaderAndIsr
 * (through the replica manager) adds the partitions this broker follows and removes those it now
 * leads or no longer hosts. A fetcher left with no partitions is shut down, after the current
 * turn of the event loop, so a remove followed by an add (a new leader epoch) keeps its connection.
 */
export class ReplicaFetcherManager {
  readonly #options: ReplicaFetcherManagerOptions;
  readonly #settings: ReplicaFetcherSettings;
  /** The inter-broker listener's TLS and SASL, read once. */
  readonly #security: ClientSecurity | undefined;
  readonly #logger: Logger;
  /** By `${sourceBrokerId}-${fetcherId}`. */
  readonly #fetchers = new Map<string, ReplicaFetcher>();
  /** Which fetcher copies each partition, by topic-partition key. */
  readonly #assigned = new Map<string, string>();
  readonly #stopping = new Set<Promise<void>>();
  #idleCheckScheduled = false;
  #shutDown = false;

  constructor(options: ReplicaFetcherManagerOptions) {
    this.#options = options;
    const { config } = options;
    this.#security = interBrokerSecurity(config);
    this.#settings = {
      maxWaitMs: config.replicaFetchWaitMaxMs,
      minBytes: config.replicaFetchMinBytes,
      maxBytes: config.replicaFetchResponseMaxBytes,
      partitionMaxBytes: config.replicaFetchMaxBytes,
      backoffMs: config.replicaFetchBackoffMs,
      socketTimeoutMs: config.replicaSocketTimeoutMs,
    };
    this.#logger = options.logger.child({ component: 'replica-fetcher-manager' });
  }

  /** Fetchers running now (for tests and metrics). */
  get fetcherCount(): number { return this.#fetchers.size; }

  /** The source broker a partition is copied from now, or undefined. */
  sourceBrokerOf(topic: string, partition: number): number | undefined {
    const fetcherKey = this.#assigned.get(topicPartitionKey(topic, partition));
    return fetcherKey === undefined ? undefined : this.#fetchers.get(fetcherKey)?.sourceBrokerId;
  }

  /** Whether the partition waits for a LeaderAndIsr (its leader fenced this replica's epoch, or its log failed). */
  isFailed(topic: string, partition: number): boolean {
    const fetcherKey = this.#assigned.get(topicPartitionKey(topic, partition));
    return fetcherKey !== undefined && this.#fetchers.get(fetcherKey)?.isFailed(topic, partition) === true;
  }

  /**
   * Copies each partition from `leaderId` in `leaderEpoch`, from its log's end. A partition already
   * copied from that leader in that epoch goes on where it is; one copied from another leader moves.
   * A leader with no known endpoint is skipped (LeaderAndIsr names only live leaders).
   */
  addFetcherForPartitions(partitions: readonly { topic: string; partition: number; leaderId: number; leaderEpoch: number }[]): void {
    if (this.#shutDown) return;
    const byFetcher = new Map<string, { fetcher: ReplicaFetcher; partitions: { topic: string; partition: number; leaderEpoch: number }[] }>();
    for (const { topic, partition, leaderId, leaderEpoch } of partitions) {
      const fetcher = this.#fetcherFor(leaderId, fetcherIdFor(topic, partition, this.#options.config.numReplicaFetchers));
      if (fetcher === undefined) {
        this.#logger.warn({ topic, partition, leaderId }, 'no endpoint for the leader: not fetching the partition');
        continue;
      }
      const key = topicPartitionKey(topic, partition);
      const fetcherKey = fetcherKeyOf(fetcher.sourceBrokerId, fetcher.fetcherId);
      const previous = this.#assigned.get(key);
      if (previous !== undefined && previous !== fetcherKey) this.#fetchers.get(previous)?.removePartitions([{ topic, partition }]);
      this.#assigned.set(key, fetcherKey);
      let group = byFetcher.get(fetcherKey);
      if (group === undefined) byFetcher.set(fetcherKey, group = { fetcher, partitions: [] });
      group.partitions.push({ topic, partition, leaderEpoch });
    }
    for (const { fetcher, partitions: added } of byFetcher.values()) {
      fetcher.addPartitions(added);
      this.#logger.info({ sourceBrokerId: fetcher.sourceBrokerId, fetcherId: fetcher.fetcherId, partitions: added.length }, 'fetching partitions');
    }
    this.#scheduleIdleCheck();
  }

  removeFetcherForPartitions(partitions: readonly { topic: string; partition: number }[]): void {
    for (const { topic, partition } of partitions) {
      const key = topicPartitionKey(topic, partition);
      const fetcherKey = this.#assigned.get(key);
      if (fetcherKey === undefined) continue;
      this.#assigned.delete(key);
      this.#fetchers.get(fetcherKey)?.removePartitions([{ topic, partition }]);
    }
    this.#scheduleIdleCheck();
  }

  /** Stops every fetcher; later adds are ignored. */
  async shutdown(): Promise<void> {
    this.#shutDown = true;
    for (const fetcher of this.#fetchers.values()) this.#stop(fetcher);
    this.#fetchers.clear();
    this.#assigned.clear();
    while (this.#stopping.size > 0) await Promise.all(this.#stopping);
  }

  /**
   * The fetcher for (leader, fetcher id); a new one if there is none, or if the leader's endpoint
   * changed (it restarted elsewhere), which then takes over the old one's partitions.
   */
  #fetcherFor(leaderId: number, fetcherId: number): ReplicaFetcher | undefined {
    const endpoint = this.#options.endpoint(leaderId);
    if (endpoint === undefined) return undefined;
    const fetcherKey = fetcherKeyOf(leaderId, fetcherId);
    const current = this.#fetchers.get(fetcherKey);
    if (current !== undefined && current.endpoint.host === endpoint.host && current.endpoint.port === endpoint.port) return current;
    const { brokerId, brokerEpoch, logger, time, partitions, frameMemory, followerQuota, onPartitionUpdated, onReplicated } = this.#options;
    const fetcher = new ReplicaFetcher({
      brokerId, brokerEpoch, sourceBrokerId: leaderId, fetcherId, endpoint: { host: endpoint.host, port: endpoint.port },
      settings: this.#settings, logger, time, partitions, frameMemory, followerQuota, onPartitionUpdated, onReplicated, security: this.#security,
    });
    this.#fetchers.set(fetcherKey, fetcher);
    if (current !== undefined) {
      this.#logger.info({ sourceBrokerId: leaderId, fetcherId, host: endpoint.host, port: endpoint.port }, 'the leader\'s endpoint changed: fetching from the new one');
      fetcher.addPartitions(current.partitionEpochs());
      this.#stop(current);
    }
    return fetcher;
  }

  #stop(fetcher: ReplicaFetcher): void {
    const stopping = fetcher.shutdown().finally(() => this.#stopping.delete(stopping));
    this.#stopping.add(stopping);
  }

  #scheduleIdleCheck(): void {
    if (this.#idleCheckScheduled || this.#shutDown) return;
    this.#idleCheckScheduled = true;
    this.#options.time.setTimeout(() => {
      this.#idleCheckScheduled = false;
      for (const [fetcherKey, fetcher] of this.#fetchers) {
        if (fetcher.partitionCount > 0 || [...this.#assigned.values()].includes(fetcherKey)) continue;
        this.#fetchers.delete(fetcherKey);
        this.#stop(fetcher);
      }
    }, 0);
  }
}

function fetcherKeyOf(sourceBrokerId: number, fetcherId: number): string {
  return `${sourceBrokerId}-${fetcherId}`;
}
