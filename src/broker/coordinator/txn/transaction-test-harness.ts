import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ErrorCode } from '../../../protocol/errors.ts';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../../protocol/generated/write-txn-markers.ts';
import { decodeRecordBatches } from '../../../protocol/records/record-batch.ts';
import { buildRecordBatch } from '../../../protocol/records/record-batch-builder.ts';
import type { ClusterView, PartitionLeadership } from '../../cluster/cluster-view.ts';
import type { MetadataStore, TopicMetadata } from '../../cluster/metadata-store.ts';
import type { TopicAdmin } from '../../cluster/topic-admin.ts';
import { parseBrokerConfig, type BrokerConfigInput } from '../../config.ts';
import { createSilentLogger, type Logger } from '../../logger.ts';
import type { ReplicaManager } from '../../replica/replica-manager.ts';
import type { CoordinatorRecord } from '../runtime/coordinator-runtime.ts';
import { InMemoryCoordinatorLog } from '../runtime/in-memory-coordinator-log.ts';
import { ManualTime } from '../runtime/manual-time.ts';
import { TransactionCoordinator, TRANSACTION_STATE_TOPIC_NAME } from './transaction-coordinator.ts';
import { TransactionCoordinatorShard } from './transaction-coordinator-shard.ts';
import { transactionRecord } from './transaction-log.ts';
import type { TransactionMetadata } from './transaction-metadata.ts';
import { ShardTimer } from '../runtime/shard-timer.ts';

/** A WriteTxnMarkers the coordinator sent, and how the test answers it. */
export interface SentMarkers {
  readonly brokerId: number;
  readonly request: WriteTxnMarkersRequest;
  /** Answers every partition with `errorCode` (NONE by default), or per partition with `codeOf`. */
  answer(codeOf?: number | ((topic: string, partition: number) => number)): void;
  fail(error?: Error): void;
}

export interface TransactionTestOptions {
  readonly partitions?: number;
  readonly config?: BrokerConfigInput;
  readonly transactionVersionLevel?: number;
  /** Data topics and their partition counts: their leader is broker 1 unless `leaders` says otherwise. */
  readonly topics?: Readonly<Record<string, number>>;
  /** Answer every WriteTxnMarkers at once with NONE (default true); false leaves them to the test. */
  readonly autoAnswerMarkers?: boolean;
  /** Metadata records already in the log, as a previous coordinator left them. */
  readonly seed?: readonly TransactionMetadata[];
  readonly logger?: Logger;
}

export interface TransactionTest {
  readonly coordinator: TransactionCoordinator;
  readonly time: ManualTime;
  readonly log: InMemoryCoordinatorLog;
  /** Every WriteTxnMarkers sent, in order. */
  readonly sent: SentMarkers[];
  /** The leader of a data partition: a broker id, -1 for none; a missing entry means broker 1. Deleting a topic from `topics` drops it. */
  readonly leaders: Map<string, number>;
  readonly topics: Map<string, number>;
  shard(partition?: number): TransactionCoordinatorShard;
  metadata(transactionalId: string): TransactionMetadata | undefined;
  /** A shard built from the partition's log alone: the state a restart would load. */
  replayFresh(partition?: number): TransactionCoordinatorShard;
  records(partition?: number): CoordinatorRecord[];
  /** Lets queued operations, responses and timers' operations run. */
  settle(): Promise<void>;
  /** Lets what is under way settle, moves the clock, and lets what that started run. */
  advance(ms: number): Promise<void>;
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await yieldToEventLoop();
}

/**
 * A TransactionCoordinator over an in-memory __transaction_state log and a manual clock, every
 * partition loaded, its markers "sent" to a recorder the test answers: for the coordinator's unit
 * tests. The data topics live in a map the test changes (leaders, deletions).
 */
export async function createTransactionTest(options: TransactionTestOptions = {}): Promise<TransactionTest> {
  const partitions = options.partitions ?? 1;
  const time = new ManualTime();
  const logger = options.logger ?? createSilentLogger();
  const config = parseBrokerConfig({ 'transaction.state.log.num.partitions': partitions, ...options.config });
  const log = new InMemoryCoordinatorLog(Array.from({ length: partitions }, (_, i) => i));
  const topics = new Map(Object.entries(options.topics ?? {}));
  topics.set(TRANSACTION_STATE_TOPIC_NAME, partitions);
  const leaders = new Map<string, number>();
  const sent: SentMarkers[] = [];
  const auto = options.autoAnswerMarkers ?? true;
  let nextProducerId = 1000n;

  for (const m of options.seed ?? []) {
    const record = transactionRecord(m);
    log.append(0, buildRecordBatch([{ key: record.key, value: record.value, timestamp: time.now() }]));
  }

  const topicMetadata = (name: string): TopicMetadata | undefined => {
    const count = topics.get(name);
    return count === undefined ? undefined : { name, topicId: `id-${name}`, partitionCount: count, replicationFactor: 1, configs: {} };
  };
  const metadata = {
    clusterId: 'test', topics: () => [...topics.keys()].map((name) => topicMetadata(name)!), topic: topicMetadata, topicById: () => undefined,
  } as unknown as MetadataStore;
  const cluster = {
    controllerId: 1,
    aliveBrokerIds: () => [1, 2, 3],
    isAlive: () => true,
    aliveBrokers: () => [],
    aliveBroker: (id: number) => (id > 0 ? { id, host: 'localhost', port: 9000 + id, rack: null } : undefined),
    partitionLeadership: (topic: string, partition: number): PartitionLeadership | undefined => {
      const count = topics.get(topic);
      if (count === undefined || partition >= count) return undefined;
      const leader = leaders.get(`${topic}-${partition}`) ?? 1;
      return { topic, partition, leader, leaderEpoch: 0, isr: [leader], replicas: [leader], offlineReplicas: [] };
    },
  } as ClusterView;
  const replicaManager = { partition: () => undefined } as unknown as ReplicaManager;

  const coordinator = new TransactionCoordinator({
    config, metadata, cluster, topicAdmin: {} as TopicAdmin, replicaManager, time, logger, log,
    transactionVersionLevel: options.transactionVersionLevel ?? 0,
    producerIds: { generateProducerId: async () => nextProducerId++ },
    sendMarkers: (brokerId, request) => new Promise<WriteTxnMarkersResponse>((resolve, reject) => {
      const marker: SentMarkers = {
        brokerId, request,
        answer: (codeOf = ErrorCode.NONE) => resolve({
          markers: request.markers.map((m) => ({
            producerId: m.producerId,
            topics: m.topics.map((t) => ({
              name: t.name,
              partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, errorCode: typeof codeOf === 'number' ? codeOf : codeOf(t.name, p) })),
            })),
          })),
        }),
        fail: (error = new Error('connection closed')) => reject(error),
      };
      sent.push(marker);
      if (auto) marker.answer();
    }),
  });
  coordinator.startup();
  await settle();

  const records = (partition = 0): CoordinatorRecord[] =>
    decodeRecordBatches(log.allBatches(partition)).flatMap((batch) => batch.records.filter((r) => r.key !== null).map((r) => ({ key: r.key!, value: r.value })));
  const shard = (partition = 0): TransactionCoordinatorShard => {
    const s = coordinator.runtime.shard(partition);
    if (s === undefined) throw new Error(`partition ${partition} is not loaded`);
    return s;
  };
  return {
    coordinator, time, log, sent, leaders, topics, shard, records,
    metadata: (transactionalId) => shard(coordinator.partitionFor(transactionalId)).get(transactionalId),
    replayFresh(partition = 0) {
      const inert = new ManualTime(time.now());
      const fresh = new TransactionCoordinatorShard({
        partition, time: inert, timer: new ShardTimer(inert, async () => undefined, logger), logger, config: coordinator.config,
        metadata: { partitionCount: () => undefined, topicId: () => undefined, topicName: () => undefined, topicNames: () => [] },
      });
      for (const record of records(partition)) fresh.replay(record);
      return fresh;
    },
    settle,
    async advance(ms) {
      // What is under way first (answers, retries being scheduled), so their timers are set before the clock moves.
      await settle();
      time.advance(ms);
      await settle();
    },
  };
}
