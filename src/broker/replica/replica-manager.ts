import type { LogDirInfo, LogManager } from '../../storage/log-manager.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { Time } from '../time.ts';
import type { TopicMetadata } from '../cluster/metadata-store.ts';
import { DelayedOperationPurgatory } from './delayed-operation-purgatory.ts';
import { Partition, type PartitionSettings } from './partition.ts';
import type { RetentionTarget } from '../../storage/log-retention.ts';
import type { CleanerLogEntry } from '../../storage/cleaner/log-cleaner.ts';

export type { PartitionSettings } from './partition.ts';

/**
 * The partitions this broker hosts, and the purgatory where fetches wait for data.
 * Every change a waiting fetch must see wakes the fetches on that partition: appends, records
 * deleted (DeleteRecords, retention), a new leader epoch, the partition itself deleted. A woken
 * fetch reads again and answers what it finds, an error included (Kafka's DelayedFetch.tryComplete).
 */
export class ReplicaManager {
  readonly fetchPurgatory: DelayedOperationPurgatory;
  private readonly logManager: LogManager;
  private readonly time: Time;
  private readonly partitions = new Map<string, Partition>();

  constructor(logManager: LogManager, time: Time) {
    this.logManager = logManager;
    this.time = time;
    this.fetchPurgatory = new DelayedOperationPurgatory(time);
  }

  /** Opens (or creates) the logs of a topic's partitions [0, partitionCount). */
  async openPartitions(topic: TopicMetadata, settings: PartitionSettings): Promise<void> {
    for (let index = 0; index < topic.partitionCount; index++) {
      const key = `${topic.name}-${index}`;
      const existing = this.partitions.get(key);
      if (existing !== undefined) {
        existing.applySettings(settings);
        continue;
      }
      const log = await this.logManager.getOrCreateLog(topic.name, index, settings.log);
      this.partitions.set(key, new Partition(topic.name, index, log, settings, this.time));
    }
  }

  async deletePartitions(topicName: string): Promise<void> {
    for (const [key, partition] of [...this.partitions]) {
      if (partition.topic !== topicName) continue;
      this.partitions.delete(key);
      this.fetchPurgatory.checkAndComplete(key);
      await this.logManager.deleteLog(topicName, partition.index);
    }
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.partitions.get(`${topic}-${index}`);
  }

  /** The partition, or UNKNOWN_TOPIC_OR_PARTITION as Kafka answers for one it does not host. */
  leaderPartition(topic: string, index: number): Partition {
    const partition = this.partitions.get(`${topic}-${index}`);
    if (partition === undefined) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host ${topic}-${index}`);
    }
    return partition;
  }

  appendRecords(topic: string, index: number, records: Buffer) {
    const partition = this.leaderPartition(topic, index);
    const result = partition.appendRecordsAsLeader(records);
    this.fetchPurgatory.checkAndComplete(partition.key);
    // With flush.messages the high watermark moves when the fsync ends: wake the fetches again then.
    result.durable?.then(() => this.fetchPurgatory.checkAndComplete(partition.key), () => undefined);
    return result;
  }

  /** DeleteRecords: moves the partition's log start offset; returns the new low watermark. */
  deleteRecords(topic: string, index: number, offset: number): number {
    const partition = this.leaderPartition(topic, index);
    const lowWatermark = partition.deleteRecordsBefore(offset);
    this.fetchPurgatory.checkAndComplete(partition.key);
    return lowWatermark;
  }

  /**
   * The partition's leader epoch moves to `leaderEpoch` (Kafka's Partition.makeLeader, from the
   * controller's LeaderAndIsr). Fetches waiting with the old epoch complete, fenced.
   */
  makeLeader(topic: string, index: number, leaderEpoch: number): void {
    const partition = this.leaderPartition(topic, index);
    partition.makeLeader(leaderEpoch);
    this.fetchPurgatory.checkAndComplete(partition.key);
  }

  /** DescribeLogDirs: every log dir, its space and the partitions in it. */
  logDirsInfo(): LogDirInfo[] {
    return this.logManager.logDirsInfo();
  }

  /** What the periodic retention check walks: every hosted log with its topic's retention settings. */
  *retentionTargets(): Iterable<RetentionTarget> {
    for (const partition of this.partitions.values()) {
      yield {
        log: partition.log,
        config: partition.retention,
        highWatermark: partition.highWatermark,
        onSegmentsDeleted: () => this.fetchPurgatory.checkAndComplete(partition.key),
      };
    }
  }

  /** What the log cleaner picks from: every hosted log with its topic's compaction settings. */
  *cleanerEntries(): Iterable<CleanerLogEntry> {
    for (const partition of this.partitions.values()) yield { log: partition.log, config: partition.cleaner };
  }

  async close(): Promise<void> {
    this.fetchPurgatory.completeAll();
    this.partitions.clear();
    await this.logManager.closeAll();
  }
}
