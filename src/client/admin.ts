import { ErrorCode } from '../protocol/errors.ts';
import { ZERO_UUID } from '../protocol/primitives/uuid.ts';
import { Apis } from './apis.ts';
import { Cluster, type BrokerNode, type ClusterOptions, type TopicMetadata } from './cluster.ts';
import { KafkaClientError, throwIfError } from './errors.ts';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets, type IsolationLevel, type OffsetAnswer } from './list-offsets.ts';
import { GroupAdmin } from './admin-groups.ts';
import {
  activeController, alterPartitionReassignments, electLeaders, listPartitionReassignments,
  type ElectionType, type OngoingPartitionReassignment, type PartitionReassignmentRequest, type PartitionResult,
} from './admin-reassignments.ts';
import type { TopicPartition } from './topic-partition.ts';
import { alterReplicaLogDirs, type ReplicaLogDirAssignment, type ReplicaLogDirResult } from './admin-log-dirs.ts';
import {
  abortTransaction, describeProducers, describeTransactions, listTransactions,
  type AbortTransactionSpec, type ListTransactionsOptions, type PartitionProducerState, type TransactionDescription, type TransactionListing,
} from './admin-transactions.ts';
import {
  alterUserScramCredentials, describeUserScramCredentials,
  type UserScramCredentialAlteration, type UserScramCredentialAlterationResult, type UserScramCredentialsDescription,
} from './admin-scram.ts';
import { retryCall, retryQuotaViolations } from './retry-call.ts';
import { createAcls, deleteAcls, describeAcls, type AclBinding, type AclBindingFilter } from './admin-acls.ts';
import {
  alterClientQuotas, describeClientQuotas,
  type ClientQuotaAlteration, type ClientQuotaAlterationResult, type ClientQuotaDescription, type ClientQuotaFilter,
} from './admin-client-quotas.ts';

export interface NewTopic {
  readonly topic: string;
  /** -1: the broker's num.partitions. */
  readonly numPartitions?: number;
  readonly replicationFactor?: number;
  readonly replicaAssignment?: ReadonlyArray<{ partition: number; replicas: number[] }>;
  readonly configs?: Readonly<Record<string, string>>;
}

export type ConfigResourceType = 'topic' | 'broker' | 'broker_logger';
const RESOURCE_TYPES: Record<ConfigResourceType, number> = { topic: 2, broker: 4, broker_logger: 8 };

export interface ConfigResource { readonly type: ConfigResourceType; readonly name: string; readonly keys?: readonly string[] }

export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  readonly readOnly: boolean;
  readonly isDefault: boolean;
  /** Kafka's ConfigSource id: 1 DYNAMIC_TOPIC, 2 DYNAMIC_BROKER, 4 STATIC_BROKER, 5 DEFAULT, ... */
  readonly source: number;
  readonly isSensitive: boolean;
  /** Where the value may come from, the one in force first (asked for with includeSynonyms). */
  readonly synonyms: ReadonlyArray<{ name: string; value: string | null; source: number }>;
  /** The config's type, from DescribeConfigs v3; UNKNOWN from older brokers. */
  readonly type: ConfigEntryType;
  /** One line on what the config does (asked for with includeDocumentation; v3+), else null. */
  readonly documentation: string | null;
}

/** Kafka's ConfigEntry.ConfigType names, by DescribeConfigs' configType code (0 UNKNOWN). */
const CONFIG_ENTRY_TYPES = ['UNKNOWN', 'BOOLEAN', 'STRING', 'INT', 'SHORT', 'LONG', 'DOUBLE', 'LIST', 'CLASS', 'PASSWORD'] as const;
export type ConfigEntryType = (typeof CONFIG_ENTRY_TYPES)[number];

export type AlterOperation = 'set' | 'delete' | 'append' | 'subtract';
const ALTER_OPERATIONS: Record<AlterOperation, number> = { set: 0, delete: 1, append: 2, subtract: 3 };

export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

export interface LogDirDescription {
  readonly brokerId: number;
  readonly logDir: string;
  readonly errorCode: number;
  readonly totalBytes: number;
  readonly usableBytes: number;
  readonly partitions: ReadonlyArray<{ topic: string; partition: number; size: number; offsetLag: number; isFuture: boolean }>;
}

/** Kafka's Admin client: topics, configs, cluster, log dirs, records and offsets; groups via `this` too. */
export class Admin extends GroupAdmin {
  constructor(options: ClusterOptions) {
    super(new Cluster(options));
  }

  async #ensureMetadata(): Promise<void> {
    if (this.cluster.metadata.fetchedAtMs === 0) await retryCall(this.cluster, () => this.cluster.refreshMetadata());
  }

  async #controller(): Promise<number> {
    return activeController(this.cluster);
  }

  async createTopics(topics: readonly NewTopic[], { timeoutMs = 30_000, validateOnly = false } = {}): Promise<void> {
    // A retry resends only the topics not created yet (THROTTLING_QUOTA_EXCEEDED refuses some of a
    // request's topics, and the broker's throttle on the connection spaces the retries), as Java's admin.
    let pending = topics;
    // No metadata refresh after, as Java's admin: tracking every created topic made each later
    // refresh (and so each creation) ask for all of them. A later call fetches what it needs.
    await retryQuotaViolations(this.cluster, () => this.#createTopics(pending, timeoutMs, validateOnly, (left) => { pending = left; }));
  }

  /** Creates what it can; `onLeft` is told the topics a retriable refusal left, before that refusal is thrown. */
  async #createTopics(topics: readonly NewTopic[], timeoutMs: number, validateOnly: boolean, onLeft: (left: readonly NewTopic[]) => void): Promise<void> {
    if (topics.length === 0) return;
    const response = await this.cluster.send(await this.#controller(), 'admin', Apis.CreateTopics, {
      timeoutMs, validateOnly,
      topics: topics.map((t) => ({
        name: t.topic, numPartitions: t.replicaAssignment ? -1 : t.numPartitions ?? -1,
        replicationFactor: t.replicaAssignment ? -1 : t.replicationFactor ?? -1,
        assignments: (t.replicaAssignment ?? []).map((a) => ({ partitionIndex: a.partition, brokerIds: a.replicas })),
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
    let retriable: KafkaClientError | undefined;
    const left = new Set<string>();
    for (const t of response.topics) {
      try {
        throwIfError(t.errorCode, `CreateTopics ${t.name}`, t.errorMessage);
      } catch (error) {
        if (!(error instanceof KafkaClientError) || !error.retriable) throw error;
        retriable ??= error;
        left.add(t.name);
      }
    }
    onLeft(topics.filter((t) => left.has(t.topic)));
    if (retriable !== undefined) throw retriable;
  }

  async deleteTopics(topics: readonly string[], { timeoutMs = 30_000 } = {}): Promise<void> {
    let pending = topics;
    await retryQuotaViolations(this.cluster, () => this.#deleteTopics(pending, timeoutMs, (left) => { pending = left; }));
  }

  async #deleteTopics(topics: readonly string[], timeoutMs: number, onLeft: (left: readonly string[]) => void): Promise<void> {
    if (topics.length === 0) return;
    const connection = await this.cluster.connection(await this.#controller(), 'admin');
    const version = connection.versionFor(Apis.DeleteTopics);
    const response = await connection.send(Apis.DeleteTopics, version >= 6
      ? { timeoutMs, topics: topics.map((name) => ({ name, topicId: ZERO_UUID })) }
      : { timeoutMs, topicNames: [...topics] });
    onLeft(response.responses.filter((t) => t.errorCode === ErrorCode.THROTTLING_QUOTA_EXCEEDED).map((t) => t.name ?? ''));
    for (const t of response.responses) throwIfError(t.errorCode, `DeleteTopics ${t.name}`, t.errorMessage);
  }

  /** Topic names; internal topics only when asked. */
  async listTopics({ includeInternal = false } = {}): Promise<string[]> {
    const meta = await retryCall(this.cluster, () => this.cluster.fetchAllTopics());
    return [...meta.topics.values()].filter((t) => includeInternal || !t.isInternal).map((t) => t.name).sort();
  }

  async describeTopics(topics: readonly string[]): Promise<TopicMetadata[]> {
    const meta = await retryCall(this.cluster, () => this.cluster.refreshMetadata(topics));
    return topics.map((name) => {
      const t = meta.topics.get(name);
      if (t === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `describeTopics ${name}`);
      throwIfError(t.errorCode, `describeTopics ${name}`);
      return t;
    });
  }

  /** Grows topics to `count` partitions each. */
  async createPartitions(topics: ReadonlyArray<{ topic: string; count: number; assignments?: number[][] }>, { timeoutMs = 30_000, validateOnly = false } = {}): Promise<void> {
    await retryCall(this.cluster, async () => {
      const response = await this.cluster.send(await this.#controller(), 'admin', Apis.CreatePartitions, {
        timeoutMs, validateOnly,
        topics: topics.map((t) => ({ name: t.topic, count: t.count, assignments: t.assignments?.map((brokerIds) => ({ brokerIds })) ?? null })),
      });
      for (const r of response.results) throwIfError(r.errorCode, `CreatePartitions ${r.name}`, r.errorMessage);
    });
    await this.cluster.refreshMetadata(topics.map((t) => t.topic)).catch(() => {});
  }

  /** Broker resources go to that broker; everything else to any broker. */
  #configTarget(resource: { type: ConfigResourceType; name: string }): number | undefined {
    return resource.type === 'topic' || resource.name === '' ? undefined : Number(resource.name);
  }

  async describeConfigs(
    resources: readonly ConfigResource[],
    { includeSynonyms = false, includeDocumentation = false } = {},
  ): Promise<Array<{ resource: ConfigResource; configs: ConfigEntry[] }>> {
    await this.#ensureMetadata();
    return Promise.all(resources.map(async (resource) => {
      const response = await retryCall(this.cluster, () => this.cluster.send(this.#configTarget(resource), 'admin', Apis.DescribeConfigs, {
        includeSynonyms,
        includeDocumentation,
        resources: [{ resourceType: RESOURCE_TYPES[resource.type], resourceName: resource.name, configurationKeys: resource.keys ? [...resource.keys] : null }],
      }));
      const result = response.results[0]!;
      throwIfError(result.errorCode, `DescribeConfigs ${resource.type} ${resource.name}`, result.errorMessage);
      return {
        resource,
        configs: result.configs.map((c) => ({
          name: c.name, value: c.value, readOnly: c.readOnly,
          // v0 says isDefault; from v1 the source says it (5 = DEFAULT_CONFIG) and isDefault is absent.
          isDefault: (c.configSource ?? -1) === -1 ? c.isDefault === true : c.configSource === 5, source: c.configSource ?? -1,
          isSensitive: c.isSensitive, synonyms: (c.synonyms ?? []).map((s) => ({ name: s.name, value: s.value, source: s.source })),
          type: CONFIG_ENTRY_TYPES[c.configType ?? 0] ?? 'UNKNOWN', documentation: c.documentation ?? null,
        })),
      };
    }));
  }

  /** The legacy whole-set AlterConfigs: keys left out return to their defaults. */
  async alterConfigs(resources: ReadonlyArray<{ type: ConfigResourceType; name: string; configs: Readonly<Record<string, string | null>> }>, { validateOnly = false } = {}): Promise<void> {
    await this.#ensureMetadata();
    for (const resource of resources) {
      const response = await retryCall(this.cluster, () => this.cluster.send(this.#configTarget(resource), 'admin', Apis.AlterConfigs, {
        validateOnly,
        resources: [{ resourceType: RESOURCE_TYPES[resource.type], resourceName: resource.name, configs: Object.entries(resource.configs).map(([name, value]) => ({ name, value })) }],
      }));
      for (const r of response.responses) throwIfError(r.errorCode, `AlterConfigs ${resource.type} ${resource.name}`, r.errorMessage);
    }
  }

  async incrementalAlterConfigs(resources: ReadonlyArray<{ type: ConfigResourceType; name: string; ops: ReadonlyArray<{ name: string; op: AlterOperation; value?: string | null }> }>, { validateOnly = false } = {}): Promise<void> {
    await this.#ensureMetadata();
    for (const resource of resources) {
      const response = await retryCall(this.cluster, () => this.cluster.send(this.#configTarget(resource), 'admin', Apis.IncrementalAlterConfigs, {
        validateOnly,
        resources: [{
          resourceType: RESOURCE_TYPES[resource.type], resourceName: resource.name,
          configs: resource.ops.map((o) => ({ name: o.name, configOperation: ALTER_OPERATIONS[o.op], value: o.value ?? null })),
        }],
      }));
      for (const r of response.responses) throwIfError(r.errorCode, `IncrementalAlterConfigs ${resource.type} ${resource.name}`, r.errorMessage);
    }
  }

  async describeCluster(): Promise<{ clusterId: string; controllerId: number; brokers: BrokerNode[] }> {
    const response = await retryCall(this.cluster, () => this.cluster.send(undefined, 'admin', Apis.DescribeCluster, { includeClusterAuthorizedOperations: false }));
    throwIfError(response.errorCode, 'DescribeCluster', response.errorMessage);
    return {
      clusterId: response.clusterId, controllerId: response.controllerId,
      brokers: response.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })),
    };
  }

  /** Every broker's log dirs (or only `brokerIds`), with partition sizes; topics filter optional. */
  async describeLogDirs({ brokerIds, topics }: { brokerIds?: number[]; topics?: ReadonlyArray<{ topic: string; partitions: number[] }> } = {}): Promise<LogDirDescription[]> {
    const meta = await retryCall(this.cluster, () => this.cluster.refreshMetadata());
    const ids = brokerIds ?? [...meta.brokers.keys()];
    const all = await Promise.all(ids.map(async (brokerId) => {
      const response = await retryCall(this.cluster, () =>
        this.cluster.send(brokerId, 'admin', Apis.DescribeLogDirs, { topics: topics ? topics.map((t) => ({ topic: t.topic, partitions: t.partitions })) : null }));
      throwIfError(response.errorCode ?? 0, `DescribeLogDirs on broker ${brokerId}`);
      return response.results.map((r) => ({
        brokerId, logDir: r.logDir, errorCode: r.errorCode, totalBytes: Number(r.totalBytes ?? -1n), usableBytes: Number(r.usableBytes ?? -1n),
        partitions: r.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, size: Number(p.partitionSize), offsetLag: Number(p.offsetLag), isFuture: p.isFutureKey }))),
      }));
    }));
    return all.flat();
  }

  /**
   * Moves replicas between the log dirs of the brokers that host them (KIP-113), each request sent
   * to the broker named; DescribeLogDirs shows the move (isFuture) until it completes.
   */
  async alterReplicaLogDirs(assignments: readonly ReplicaLogDirAssignment[]): Promise<ReplicaLogDirResult[]> {
    await this.#ensureMetadata();
    return alterReplicaLogDirs(this.cluster, assignments);
  }

  /** Moves log start offsets up to `offset` (-1: the high watermark); returns the new low watermarks. */
  async deleteRecords(partitions: ReadonlyArray<{ topic: string; partition: number; offset: number }>, { timeoutMs = 30_000 } = {}): Promise<Array<{ topic: string; partition: number; lowWatermark: number }>> {
    return retryCall(this.cluster, () => this.#deleteRecords(partitions, timeoutMs));
  }

  async #deleteRecords(partitions: ReadonlyArray<{ topic: string; partition: number; offset: number }>, timeoutMs: number): Promise<Array<{ topic: string; partition: number; lowWatermark: number }>> {
    const byLeader = new Map<number, Array<{ topic: string; partition: number; offset: number }>>();
    for (const p of partitions) {
      const leader = await this.cluster.leaderFor(p.topic, p.partition);
      let list = byLeader.get(leader);
      if (list === undefined) byLeader.set(leader, list = []);
      list.push(p);
    }
    const results = await Promise.all([...byLeader].map(async ([leader, list]) => {
      const topics = new Map<string, { name: string; partitions: Array<{ partitionIndex: number; offset: bigint }> }>();
      for (const p of list) {
        let t = topics.get(p.topic);
        if (t === undefined) topics.set(p.topic, t = { name: p.topic, partitions: [] });
        t.partitions.push({ partitionIndex: p.partition, offset: BigInt(p.offset) });
      }
      const response = await this.cluster.send(leader, 'admin', Apis.DeleteRecords, { timeoutMs, topics: [...topics.values()] });
      return response.topics.flatMap((t) => t.partitions.map((p) => {
        throwIfError(p.errorCode, `DeleteRecords ${t.name}-${p.partitionIndex}`);
        return { topic: t.name, partition: p.partitionIndex, lowWatermark: Number(p.lowWatermark) };
      }));
    }));
    return results.flat();
  }

  /** Offsets by spec: 'earliest' (log start), 'latest' (high watermark / LSO), or the first at a timestamp. */
  async listOffsets(partitions: ReadonlyArray<{ topic: string; partition: number; spec: OffsetSpec }>, isolationLevel: IsolationLevel = 'read_uncommitted'): Promise<OffsetAnswer[]> {
    return listOffsets(this.cluster, partitions.map((p) => ({
      topic: p.topic, partition: p.partition,
      timestamp: p.spec === 'earliest' ? EARLIEST_TIMESTAMP : p.spec === 'latest' ? LATEST_TIMESTAMP : p.spec.timestamp,
    })), isolationLevel);
  }

  /**
   * Starts (replicas) or cancels (null) partition reassignments on the controller; each partition's
   * own result, as Java's alterPartitionReassignments().values() (error null: accepted).
   */
  async alterPartitionReassignments(reassignments: readonly PartitionReassignmentRequest[], { timeoutMs = 30_000 } = {}): Promise<PartitionResult[]> {
    return alterPartitionReassignments(this.cluster, reassignments, timeoutMs);
  }

  /** The ongoing reassignments (of `partitions`, or all), with their adding and removing replicas. */
  async listPartitionReassignments(partitions?: readonly TopicPartition[], { timeoutMs = 30_000 } = {}): Promise<OngoingPartitionReassignment[]> {
    return listPartitionReassignments(this.cluster, partitions, timeoutMs);
  }

  /** Preferred or unclean leader election (null: every partition); ELECTION_NOT_NEEDED comes back as a result. */
  async electLeaders(electionType: ElectionType, partitions: readonly TopicPartition[] | null, { timeoutMs = 30_000 } = {}): Promise<PartitionResult[]> {
    return electLeaders(this.cluster, electionType, partitions, timeoutMs);
  }

  /** Every coordinator's transactional ids (filtered by state, producer id, or running longer than a duration), by broker id. */
  async listTransactions(options: ListTransactionsOptions = {}): Promise<Map<number, TransactionListing[]>> {
    return listTransactions(this.cluster, options);
  }

  /** Each transactional id's state, producer id and epoch, and the partitions of its open transaction, from its coordinator. */
  async describeTransactions(transactionalIds: readonly string[]): Promise<TransactionDescription[]> {
    return describeTransactions(this.cluster, transactionalIds);
  }

  /** The producers each partition's leader (or `brokerId`) keeps state for, with their open transactions' start offsets. */
  async describeProducers(partitions: readonly TopicPartition[], options: { brokerId?: number } = {}): Promise<PartitionProducerState[]> {
    await this.#ensureMetadata();
    return describeProducers(this.cluster, partitions, options);
  }

  /** Aborts a hanging transaction on one partition by writing its ABORT marker there (needs cluster authorization). */
  async abortTransaction(spec: AbortTransactionSpec): Promise<void> {
    await this.#ensureMetadata();
    return abortTransaction(this.cluster, spec);
  }

  /** Sets (upsertions, passwords salted and hashed here) or deletes users' SCRAM credentials, on the controller; one answer per user. */
  async alterUserScramCredentials(alterations: readonly UserScramCredentialAlteration[]): Promise<UserScramCredentialAlterationResult[]> {
    return alterUserScramCredentials(this.cluster, alterations);
  }

  /** The named users' SCRAM credentials (mechanisms and iterations), or every user's that has one when none are named. */
  async describeUserScramCredentials(users?: readonly string[]): Promise<UserScramCredentialsDescription[]> {
    return describeUserScramCredentials(this.cluster, users);
  }

  /** Stores ACLs (needs ALTER on the cluster); fails naming the first that was refused. */
  async createAcls(bindings: readonly AclBinding[]): Promise<void> {
    return createAcls(this.cluster, bindings);
  }

  /** The ACLs a filter matches (needs DESCRIBE on the cluster). */
  async describeAcls(filter: AclBindingFilter): Promise<AclBinding[]> {
    return describeAcls(this.cluster, filter);
  }

  /** Removes the ACLs each filter matches; what each filter removed (needs ALTER on the cluster). */
  async deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    return deleteAcls(this.cluster, filters);
  }

  /** The quotas of the users and client ids a filter matches (needs DESCRIBE_CONFIGS on the cluster). */
  async describeClientQuotas(filter: ClientQuotaFilter): Promise<ClientQuotaDescription[]> {
    return describeClientQuotas(this.cluster, filter);
  }

  /** Sets and removes users' and client ids' quotas (needs ALTER_CONFIGS on the cluster); one answer per entity. */
  async alterClientQuotas(alterations: readonly ClientQuotaAlteration[], options: { validateOnly?: boolean } = {}): Promise<ClientQuotaAlterationResult[]> {
    return alterClientQuotas(this.cluster, alterations, options);
  }

  async close(): Promise<void> {
    this.cluster.close();
  }
}
