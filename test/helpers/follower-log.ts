/**
 * A follower's partition for fetcher tests: a real PartitionLog in a temp dir behind the
 * FollowerPartitionAccess the replica fetcher writes through (what ReplicaManager.followerPartition
 * gives in a broker), with the follower's high watermark kept as Kafka keeps it.
 */
import { join } from 'node:path';
import type { FollowerPartitionAccess } from '../../src/broker/replica/replica-fetcher-manager.ts';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.ts';
import { logConfig } from '../../src/storage/log-config.ts';
import { PartitionLog } from '../../src/storage/partition-log.ts';
import { ManualScheduler } from '../../src/storage/scheduler.ts';
import { batchOf } from './kafka-apis.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';

export class FollowerLog implements FollowerPartitionAccess {
  readonly log: PartitionLog;
  readonly topicId: string;
  leaderEpoch: number;
  highWatermark = 0;
  readonly #dataDir: string;

  private constructor(log: PartitionLog, dataDir: string, topicId: string, leaderEpoch: number) {
    this.log = log;
    this.#dataDir = dataDir;
    this.topicId = topicId;
    this.leaderEpoch = leaderEpoch;
  }

  /** An empty log for `topic`-`partition` in a fresh temp dir. */
  static async open(topic: string, partition: number, { topicId, leaderEpoch = 0 }: { topicId: string; leaderEpoch?: number }): Promise<FollowerLog> {
    const dataDir = await makeTempDir('samsa-follower-');
    const log = PartitionLog.open({
      dir: join(dataDir, `${topic}-${partition}`), topic, partition, config: logConfig({}), scheduler: new ManualScheduler(),
    });
    return new FollowerLog(log, dataDir, topicId, leaderEpoch);
  }

  get topic(): string { return this.log.topic; }
  get partition(): number { return this.log.partition; }
  get logStartOffset(): number { return this.log.logStartOffset; }
  get logEndOffset(): number { return this.log.logEndOffset; }

  latestEpoch(): number | undefined {
    const epoch = this.log.leaderEpochCache.latestEpoch;
    return epoch < 0 ? undefined : epoch;
  }

  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.log.leaderEpochCache.endOffsetFor(epoch, this.log.logEndOffset);
  }

  appendAsFollower(records: Buffer): void { this.log.appendAsFollower(records); }

  truncateTo(offset: number): void {
    this.log.truncateTo(offset);
    this.highWatermark = Math.min(this.highWatermark, this.log.logEndOffset);
  }

  truncateFullyAndStartAt(offset: number): void {
    this.log.truncateFullyAndStartAt(offset);
    this.highWatermark = offset;
  }

  updateHighWatermark(leaderHighWatermark: number): void {
    this.highWatermark = Math.min(leaderHighWatermark, this.log.logEndOffset);
  }

  maybeIncrementLogStartOffset(leaderLogStartOffset: number): void {
    this.log.maybeIncrementLogStartOffset(Math.min(leaderLogStartOffset, this.highWatermark), 'leader log start offset moved');
  }

  /** Records written as this replica's own, when it led in `epoch` (the tail a returning leader brings back). */
  appendAsLeader(values: readonly string[], epoch: number): void {
    this.log.appendAsLeader(batchOf(values), epoch);
  }

  /** The stored bytes from the log start to the end (one segment). */
  storedBytes(): Buffer {
    return this.log.read(this.log.logStartOffset, 64 * 1024 * 1024).records;
  }

  /** Every record's value in offset order, with its offset. */
  records(): { offset: number; value: string }[] {
    return decodeRecordBatches(this.storedBytes()).flatMap((batch) => batch.records.map((r) => ({ offset: r.offset, value: r.value?.toString('utf8') ?? '' })));
  }

  epochs(): readonly { epoch: number; startOffset: number }[] { return this.log.leaderEpochCache.entries; }

  async remove(): Promise<void> {
    this.log.close();
    await removeTempDir(this.#dataDir);
  }
}
