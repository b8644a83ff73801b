import { decodeRecordBatches } from '../../../protocol/records/record-batch.ts';
import type { BrokerConfigInput } from '../../config.ts';
import { createSilentLogger, type Logger } from '../../logger.ts';
import { groupConfigWith } from '../group/group-config.ts';
import { GroupCoordinatorShard } from '../group/group-coordinator-shard.ts';
import { CoordinatorRuntime, type CoordinatorRecord, type CoordinatorShard, type ShardContext, type TopicsView } from './coordinator-runtime.ts';
import { replayBatches } from './coordinator-loader.ts';
import { InMemoryCoordinatorLog } from './in-memory-coordinator-log.ts';
import { ManualTime } from './manual-time.ts';
import { ShardTimer } from './shard-timer.ts';

export interface TestTopic {
  readonly name: string;
  readonly partitions: number;
  readonly topicId?: string;
}

export interface TestRuntimeOptions<S extends CoordinatorShard> {
  /** __consumer_offsets partitions hosted (and loaded): [0, partitions). Default 1. */
  readonly partitions?: number;
  /** Broker config keys, e.g. { 'group.initial.rebalance.delay.ms': 0 }. */
  readonly config?: BrokerConfigInput;
  /** The cluster's topics, as TopicsView shows them. */
  readonly topics?: readonly TestTopic[];
  readonly shardFactory?: (context: ShardContext) => S;
  readonly logger?: Logger;
}

export interface TestRuntime<S extends CoordinatorShard> {
  readonly runtime: CoordinatorRuntime<S>;
  readonly log: InMemoryCoordinatorLog;
  readonly time: ManualTime;
  readonly topics: TestTopic[];
  /** The shard of a loaded partition (throws if not loaded). */
  shard(partition?: number): S;
  /** Every record of the partition's log, in order (transaction markers left out). */
  records(partition?: number): CoordinatorRecord[];
  /** A new shard built from the partition's log alone (its timers inert): the state a restart would load. */
  replayFresh(partition?: number): S;
}

/**
 * A runtime over an in-memory log and a manual clock, every partition loaded: for unit tests of
 * the runtime and the group managers. By default the shards are GroupCoordinatorShards.
 */
export async function createTestRuntime<S extends CoordinatorShard = GroupCoordinatorShard>(
  options: TestRuntimeOptions<S> = {},
): Promise<TestRuntime<S>> {
  const partitions = options.partitions ?? 1;
  const time = new ManualTime();
  const logger = options.logger ?? createSilentLogger();
  const config = groupConfigWith({ 'offsets.topic.num.partitions': partitions, ...options.config });
  const topics: TestTopic[] = [...(options.topics ?? [])];
  // A topic without an id gets a fixed one from its position: Kafka's Uuid form, 22 base64url characters.
  const idOf = (t: TestTopic): string => t.topicId ?? Buffer.alloc(16, topics.indexOf(t) + 1).toString('base64url');
  const metadata: TopicsView = {
    partitionCount: (name) => topics.find((t) => t.name === name)?.partitions,
    topicId: (name) => { const t = topics.find((x) => x.name === name); return t === undefined ? undefined : idOf(t); },
    topicName: (topicId) => topics.find((t) => idOf(t) === topicId)?.name,
    topicNames: () => topics.map((t) => t.name),
  };
  const shardFactory = options.shardFactory ?? ((context: ShardContext) => new GroupCoordinatorShard(context) as unknown as S);
  const log = new InMemoryCoordinatorLog(Array.from({ length: partitions }, (_, i) => i));
  const runtime = new CoordinatorRuntime<S>({ log, shardFactory, time, logger, config, metadata });
  for (let partition = 0; partition < partitions; partition++) await runtime.loadPartition(partition);
  const records = (partition = 0): CoordinatorRecord[] =>
    decodeRecordBatches(log.allBatches(partition)).flatMap((batch) =>
      batch.isControl ? [] : batch.records.filter((r) => r.key !== null).map((r) => ({ key: r.key!, value: r.value })));
  return {
    runtime,
    log,
    time,
    topics,
    shard(partition = 0) {
      const shard = runtime.shard(partition);
      if (shard === undefined) throw new Error(`partition ${partition} is not loaded`);
      return shard;
    },
    records,
    replayFresh(partition = 0) {
      const inertTime = new ManualTime(time.now());
      const timer = new ShardTimer(inertTime, async () => undefined, logger);
      const shard = shardFactory({ partition, time: inertTime, timer, logger, config, metadata });
      replayBatches(log.allBatches(partition), 0, {
        replay: (record, context) => shard.replay(record, context),
        replayEndTransactionMarker: (producerId, producerEpoch, commit) => shard.replayEndTransactionMarker?.(producerId, producerEpoch, commit),
      });
      return shard;
    },
  };
}
