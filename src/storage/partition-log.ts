import { assignOffsets } from '../protocol/records/batch-validator.ts';
import { FileIoError, OffsetOutOfRangeError, StorageError } from './errors.ts';
import { FileHandlePool } from './file-handle-pool.ts';
import type { CleanableSegment, CleanerView, SegmentSwap } from './cleaner/cleanable-log.ts';
import { LeaderEpochFileCache } from './leader-epoch-cache.ts';
import { logConfig, type FullLogConfig, type LogConfig } from './log-config.ts';
import { LogFlusher } from './log-flusher.ts';
import { loadSegments, type LoadedSegments } from './log-loader.ts';
import { LogSegment, type SegmentContext } from './log-segment.ts';
import type { FetchDataInfo, LeaderAppendOptions, LogAppendInfo, PartitionLogOptions, SegmentSummary } from './partition-log-types.ts';
import { LogTransactions } from './producer-state/log-transactions.ts';
import { RecentAppends, recentAppendWindow } from './recent-appends.ts';
import { timerScheduler } from './scheduler.ts';
import {
  batchEpochsOf, cleanerViewOf, DeletedFileRemover, floorIndex, followerBatchRange, maxTimestampAndOffsetOf, offsetForTimestampIn,
  RecentSegments, recoveredEpochsOf, shouldRoll, summarizeSegments, swapInCleaned,
} from './segment-files.ts';
import type { TimestampAndOffset } from './timestamp-search.ts';

export type { FetchDataInfo, LeaderAppendOptions, LogAppendInfo, PartitionLogOptions, SegmentSummary } from './partition-log-types.ts';

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * The log of one topic-partition: a directory `<topic>-<partition>` of segments (Kafka's layout).
 * logStartOffset starts at the first segment's baseOffset and moves up with retention and
 * DeleteRecords; logEndOffset is the offset the next record gets. Writes are synchronous and
 * positional, so appends are serialized without a lock; fsyncs and fetch reads (readAsync) wait on
 * the disk in libuv's thread pool. Opening (log-loader.ts) recovers the segments after the
 * recovery point; segments open their files and indexes lazily.
 *
 * A failed system call (FileIoError) takes the log offline: it reports to `onIoFailure` (the
 * LogManager takes the whole log dir offline) and every later call throws KAFKA_STORAGE_ERROR.
 */
export class PartitionLog {
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  /** Bytes cut from torn tails (and segments after a cut), segments and batches checked (none after a clean shutdown) at open. */
  readonly truncatedBytesOnOpen: number;
  readonly recoveredSegmentsOnOpen: number;
  readonly recoveredBatchesOnOpen: number;
  private config: FullLogConfig;
  private readonly now: () => number;
  private readonly segmentContext: SegmentContext;
  private readonly rollJitterMs: number;
  private readonly onIoFailure: ((log: PartitionLog, error: Error) => void) | undefined;
  private offline = false;
  private readonly recentlyRead = new RecentSegments(2);
  private readonly onLogStartOffsetChanged: ((log: PartitionLog) => void) | undefined;
  /** Kafka's logStartOffset: never below the first segment's baseOffset, may lie inside it. */
  private startOffset: number;
  private readonly deletedFiles: DeletedFileRemover;
  private readonly segments: LogSegment[];
  private readonly flusher: LogFlusher;
  /** In step with the log: a batch of a newer epoch (one compare per append) adds an entry; truncations and start moves cut it. */
  readonly leaderEpochCache: LeaderEpochFileCache;
  /** What this process appended lately, so a fetch may read it on the event loop or from memory (recent-appends.ts); forgotten at truncations. */
  readonly recentAppends: RecentAppends;
  /** Truncations so far: an asynchronous read during one may have seen bytes from both sides of it. */
  private truncations = 0;
  /** Producer state, its snapshots and the aborted-transaction indexes, in step with every append, roll and truncation. */
  readonly transactions: LogTransactions;
  private closed = false;

  private constructor(options: PartitionLogOptions, loaded: LoadedSegments & { context: SegmentContext }) {
    const segments = loaded.segments;
    this.dir = options.dir;
    this.topic = options.topic;
    this.partition = options.partition;
    this.config = logConfig(options.config);
    this.now = options.now ?? Date.now;
    this.segmentContext = loaded.context;
    this.rollJitterMs = Math.floor((options.random ?? Math.random)() * this.config.segmentJitterMs);
    this.onIoFailure = options.onIoFailure;
    this.deletedFiles = new DeletedFileRemover(options.scheduler ?? timerScheduler);
    this.onLogStartOffsetChanged = options.onLogStartOffsetChanged;
    this.segments = segments;
    this.startOffset = segments[0].baseOffset;
    this.truncatedBytesOnOpen = loaded.truncatedBytes;
    this.recoveredSegmentsOnOpen = loaded.recoveredSegments;
    this.recoveredBatchesOnOpen = loaded.recoveredBatches;
    // As Kafka's LogLoader: no epoch of a tail lost in a crash, nor below a start moved before one;
    // the recovered segments' epochs from their batches, as a crash may have cut their checkpoint short.
    const retained = { startOffset: Math.max(options.logStartOffset ?? 0, this.startOffset), endOffset: this.logEndOffset };
    this.leaderEpochCache = LeaderEpochFileCache.load(this.dir, () => batchEpochsOf(segments), retained, {
      recovered: recoveredEpochsOf(segments, loaded.recoveredSegments), onWriteError: (error) => this.failed(error), slots: options.checkpointWrites });
    this.recentAppends = new RecentAppends(options.recentAppendWindow ?? recentAppendWindow(), this.now, options.tailCache?.tail());
    this.flusher = new LogFlusher({
      dir: this.dir, now: this.now, activeSegment: () => this.activeSegment, logEndOffset: () => this.logEndOffset, onFlushed: options.onFlushed,
      ensureOpen: () => this.ensureOpen(), isClosed: () => this.closed, guard: (work) => this.guard(work), guardAsync: (work) => this.guardAsync(work),
    }, this.logEndOffset);
    this.transactions = new LogTransactions({
      dir: this.dir, name: this.name, segmentBaseOffsets: this.segmentBaseOffsets, logEndOffset: this.logEndOffset, cleanShutdown: options.recover === false,
      read: (offset, maxBytes) => this.read(offset, maxBytes).records, segmentBaseOf: (offset) => this.segments[floorIndex(this.segments, offset)].baseOffset,
    });
  }

  /**
   * Opens the log in `dir` (a first segment at 0 if none). After an unclean stop every segment from the
   * recovery point on (all without one) is checked batch by batch; after a clean one (`recover: false`) none is.
   */
  static open(options: PartitionLogOptions): PartitionLog {
    const recoverFrom = options.recover === false ? undefined : (options.recoveryPoint ?? 0);
    const context = { pool: options.fileHandles ?? new FileHandlePool({ maxOpen: 16 }), now: options.now, readBuffers: options.readBuffers };
    const loaded = { ...loadSegments(options.dir, logConfig(options.config), recoverFrom, context), context };
    const segments = loaded.segments;
    segments[segments.length - 1].onBecomeActive();
    const log = new PartitionLog(options, loaded);
    const checkpointed = options.logStartOffset ?? 0;
    if (checkpointed > log.logEndOffset) {
      // Records up to the checkpointed start were deleted, then the unflushed tail was lost: start
      // empty at the checkpointed offset rather than serve offsets that were deleted.
      log.truncateFullyAndStartAt(checkpointed);
    } else if (checkpointed > log.startOffset) {
      log.startOffset = checkpointed;
    }
    return log;
  }

  get logStartOffset(): number { return this.startOffset; }
  get logEndOffset(): number { return this.activeSegment.nextOffset; }
  /** Bytes of all segments' .log files. */
  get size(): number { return this.segments.reduce((sum, segment) => sum + segment.size, 0); }
  get segmentBaseOffsets(): number[] { return this.segments.map((segment) => segment.baseOffset); }
  get logConfig(): LogConfig { return this.config; }
  /** Offsets below this are fsynced: what recovery-point-offset-checkpoint records. */
  get recoveryPoint(): number { return this.flusher.recoveryPoint; }
  get isClosed(): boolean { return this.closed; }
  get isOffline(): boolean { return this.offline; }

  /** Topic config changes apply to the next roll, append and flush. */
  updateConfig(config: LogConfig): void { this.config = logConfig(config); }

  /** Every segment, oldest first, for retention. */
  segmentSummaries(): SegmentSummary[] {
    this.ensureOpen();
    return this.guard(() => summarizeSegments(this.segments));
  }

  /**
   * Deletes the `count` oldest segments (retention), never the active one: asked for all, the log first rolls when the
   * active one holds data, as Kafka does. logStartOffset moves to the first remaining segment. Returns how many went.
   */
  deleteOldestSegments(count: number, reason: string): number {
    this.ensureOpen();
    let deletable = Math.min(Math.floor(count), this.segments.length);
    if (deletable <= 0) return 0;
    if (deletable === this.segments.length) {
      if (this.activeSegment.size > 0) this.roll(this.logEndOffset);
      else deletable -= 1;
    }
    if (deletable <= 0) return 0;
    this.deleteSegmentsAsync(this.segments.splice(0, deletable), reason);
    this.advanceLogStartOffset(this.segments[0].baseOffset);
    return deletable;
  }

  /** DeleteRecords: moves logStartOffset up to `offset` (never down), deleting the segments wholly below; returns whether it moved. */
  maybeIncrementLogStartOffset(offset: number, reason: string): boolean {
    this.ensureOpen();
    if (offset > this.logEndOffset) throw new OffsetOutOfRangeError(offset, this.logStartOffset, this.logEndOffset, this.name);
    if (offset <= this.startOffset) return false;
    const below = floorIndex(this.segments, offset);
    if (below > 0) this.deleteSegmentsAsync(this.segments.splice(0, below), reason);
    this.advanceLogStartOffset(offset);
    return true;
  }

  /**
   * Appends validated batches as the leader: each batch's baseOffset and partitionLeaderEpoch are patched in place
   * (outside the CRC), so the producer's bytes are what gets stored and served; with LogAppendTime the timestamp type
   * and maxTimestamp change and the CRC is recomputed, as in Kafka. Then the producer state checks: a retried batch
   * already here is answered with its offsets.
   */
  appendAsLeader(batches: Buffer, leaderEpoch: number, logAppendTime = -1, options: LeaderAppendOptions = {}): LogAppendInfo {
    this.ensureOpen();
    const firstOffset = this.logEndOffset;
    const next = assignOffsets(batches, firstOffset, leaderEpoch, logAppendTime >= 0 ? logAppendTime : undefined);
    const duplicate = this.transactions.checkLeaderAppend(batches, options.origin ?? 'client', options.requireVerification === true);
    if (duplicate !== undefined) return { ...duplicate, logAppendTime: logAppendTime >= 0 ? duplicate.timestamp : -1, logStartOffset: this.logStartOffset, duplicate: true };
    if (leaderEpoch > this.leaderEpochCache.latestEpoch && next > firstOffset) this.guard(() => this.leaderEpochCache.assign(leaderEpoch, firstOffset));
    return this.appendToSegments(batches, firstOffset, next - 1, logAppendTime);
  }

  /** Appends batches whose offsets the leader assigned; they must follow the log end. */
  appendAsFollower(batches: Buffer): LogAppendInfo {
    this.ensureOpen();
    if (batches.length === 0) return { firstOffset: -1, lastOffset: -1, logAppendTime: -1, logStartOffset: this.logStartOffset };
    const { firstOffset, lastOffset, epochStarts } = followerBatchRange(batches, this.logEndOffset, this.name, this.leaderEpochCache.latestEpoch);
    if (epochStarts !== undefined) this.guard(() => { for (const { epoch, startOffset } of epochStarts) this.leaderEpochCache.assign(epoch, startOffset); });
    return this.appendToSegments(batches, firstOffset, lastOffset, -1);
  }

  /**
   * Whole batches from the one containing fetchOffset, up to maxBytes (at least one when minOneBatch, KIP-74), from one
   * segment, leaving out batches at or above maxOffset. At logEndOffset reads nothing; outside [logStart, logEnd] throws.
   */
  read(fetchOffset: number, maxBytes: number, minOneBatch = true, maxOffset?: number): FetchDataInfo {
    const { logStartOffset, logEndOffset, limit } = this.readRange(fetchOffset, maxOffset);
    const inMemory = fetchOffset >= limit ? EMPTY : this.recentAppends.tail?.read(fetchOffset, maxBytes, minOneBatch, limit);
    if (inMemory !== undefined) return { records: inMemory, fetchOffset, logStartOffset, logEndOffset };
    return this.guard(() => {
      for (let i = floorIndex(this.segments, fetchOffset); i < this.segments.length; i++) {
        const records = this.segments[i].read(fetchOffset, maxBytes, minOneBatch, limit);
        if (records === undefined) continue;
        this.noteRead(this.segments[i]);
        return { records, fetchOffset, logStartOffset, logEndOffset };
      }
      return { records: EMPTY, fetchOffset, logStartOffset, logEndOffset };
    });
  }

  /** read() off the event loop (may miss the page cache); a segment read keeps its view through appends, rolls and deletions, not truncations. */
  async readAsync(fetchOffset: number, maxBytes: number, minOneBatch = true, maxOffset?: number): Promise<FetchDataInfo> {
    const { logStartOffset, logEndOffset, limit } = this.readRange(fetchOffset, maxOffset);
    const inMemory = fetchOffset >= limit ? EMPTY : this.recentAppends.tail?.read(fetchOffset, maxBytes, minOneBatch, limit);
    if (inMemory !== undefined) return { records: inMemory, fetchOffset, logStartOffset, logEndOffset };
    const truncations = this.truncations;
    for (const segment of this.segments.slice(floorIndex(this.segments, fetchOffset))) {
      if (!segment.indexesLoaded) await this.guardAsync(() => segment.warmIndexes());
      // The segments may have changed during an await: a deleted one is not read (that would make its files again).
      if (!this.segments.includes(segment)) return this.readAsync(fetchOffset, maxBytes, minOneBatch, maxOffset);
      const records = await this.guardAsync(() => segment.readAsync(fetchOffset, maxBytes, minOneBatch, limit));
      if (this.truncations !== truncations) {
        this.segmentContext.readBuffers?.release(records ?? EMPTY); // nobody saw these bytes
        return this.readAsync(fetchOffset, maxBytes, minOneBatch, maxOffset);
      }
      if (records !== undefined) {
        if (this.segments.includes(segment)) this.noteRead(segment);
        return { records, fetchOffset, logStartOffset, logEndOffset };
      }
    }
    return { records: EMPTY, fetchOffset, logStartOffset, logEndOffset };
  }

  /** What a read may return: OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset]; `limit` is where it stops. */
  private readRange(fetchOffset: number, maxOffset: number | undefined): { logStartOffset: number; logEndOffset: number; limit: number } {
    this.ensureOpen();
    const logStartOffset = this.logStartOffset;
    const logEndOffset = this.logEndOffset;
    if (fetchOffset < logStartOffset || fetchOffset > logEndOffset) {
      throw new OffsetOutOfRangeError(fetchOffset, logStartOffset, logEndOffset, this.name);
    }
    return { logStartOffset, logEndOffset, limit: Math.min(maxOffset ?? logEndOffset, logEndOffset) };
  }

  /** ListOffsets by timestamp: the earliest record with timestamp >= target, segment by segment. */
  offsetForTimestamp(targetTimestamp: number): TimestampAndOffset | undefined {
    this.ensureOpen();
    return this.guard(() => offsetForTimestampIn(this.segments, this.startOffset, targetTimestamp, (segment) => this.noteRead(segment)));
  }

  /** ListOffsets MAX_TIMESTAMP: the largest batch maxTimestamp and the last offset of that batch; -1s when empty. */
  maxTimestampAndOffset(): TimestampAndOffset {
    this.ensureOpen();
    return this.guard(() => maxTimestampAndOffsetOf(this.segments));
  }

  /**
   * Removes everything from the batch containing `offset` on (a follower diverged from its leader); below
   * logStartOffset the log restarts empty at `offset`. At or past the end only an epoch begun there with no batch goes (Kafka's).
   */
  truncateTo(offset: number): void {
    this.ensureOpen();
    if (offset >= this.logEndOffset) return this.guard(() => this.leaderEpochCache.truncateFromEnd(this.logEndOffset));
    if (offset < this.startOffset) return this.truncateFullyAndStartAt(offset);
    this.truncations += 1;
    this.recentAppends.reset();
    this.flusher.truncatedTo(offset);
    while (this.segments.length > 0 && this.activeSegment.baseOffset >= offset) {
      this.deleteSegment(this.segments.pop() as LogSegment);
    }
    if (this.segments.length === 0) {
      this.segments.push(LogSegment.create(this.dir, offset, this.config, this.segmentContext));
      this.startOffset = offset;
      this.flusher.directoryChanged();
    } else {
      this.activeSegment.truncateTo(offset);
    }
    this.activeSegment.onBecomeActive();
    this.guard(() => this.leaderEpochCache.truncateFromEnd(this.logEndOffset));
    this.guard(() => this.transactions.truncated(this.logEndOffset, this.segments[0].baseOffset));
  }

  /** fsyncs every unflushed segment (and the directory after a roll); the recovery point moves to the log end. */
  flush(): void {
    this.ensureOpen();
    this.flusher.flush();
  }

  /** flush() off the event loop: settles once everything appended before the call is on disk. */
  flushAsync(): Promise<void> { this.ensureOpen(); return this.flusher.flushAsync(); }

  /** fsyncs, off the event loop, the segments rolled since the last flush (also started by each roll, as in Kafka). */
  flushRolledSegmentsAsync(): Promise<void> { this.ensureOpen(); return this.flusher.flushRolledSegmentsAsync(); }

  /** flush.ms: starts an fsync if there are unflushed records and the last flush is at least flushMs old. */
  flushIfDue(nowMs = this.now()): boolean {
    return !this.closed && !this.offline && this.flusher.flushIfDue(nowMs, this.config.flushMs);
  }

  /** Closes, pending epochs and a producer snapshot first (the clean shutdown marker); a log about to be deleted writes nothing more. */
  close(forDelete = false): void {
    if (this.closed) return;
    if (forDelete) this.leaderEpochCache.abandonWrites();
    else if (!this.offline) try { this.guard(() => { this.leaderEpochCache.flush(); this.transactions.close(this.logEndOffset); }); } catch { /* offline now (guard); the close goes on */ }
    this.closed = true;
    this.recentAppends.reset();
    for (const segment of this.segments) if (this.offline || forDelete) segment.abandon(); else segment.close();
    // Deleted segments need no grace period once nobody can read them.
    this.deletedFiles.removeAllNow();
  }

  /** Removes every segment and starts empty at `offset`, which becomes logStartOffset too. */
  truncateFullyAndStartAt(offset: number): void {
    this.ensureOpen();
    this.truncations += 1;
    this.recentAppends.reset();
    while (this.segments.length > 0) this.deleteSegment(this.segments.pop() as LogSegment);
    this.segments.push(LogSegment.create(this.dir, offset, this.config, this.segmentContext));
    this.activeSegment.onBecomeActive();
    this.flusher.directoryChanged();
    const moved = this.startOffset !== offset;
    this.startOffset = offset;
    this.flusher.truncatedTo(offset);
    this.guard(() => { this.leaderEpochCache.clear(); this.transactions.truncatedFully(); });
    if (moved) this.onLogStartOffsetChanged?.(this);
  }

  private get activeSegment(): LogSegment { return this.segments[this.segments.length - 1]; }
  private get name(): string { return `${this.topic}-${this.partition}`; }

  /** The log dir failed: nothing more is written or read; every call throws KAFKA_STORAGE_ERROR. */
  markOffline(): void {
    this.offline = true;
    this.recentAppends.reset();
    for (const segment of this.segments) segment.abandon();
  }

  /** Appends to the page cache; `durable` is the pending fsync when flush.messages asks for one. */
  private appendToSegments(batches: Buffer, firstOffset: number, lastOffset: number, logAppendTime: number): LogAppendInfo {
    const info = { firstOffset, lastOffset, logAppendTime, logStartOffset: this.logStartOffset };
    if (batches.length === 0) return info;
    this.guard(() => {
      const active = this.activeSegment;
      if (shouldRoll(active, this.config, batches, lastOffset, this.now(), this.rollJitterMs)) this.roll(firstOffset);
      this.activeSegment.append(batches, firstOffset, lastOffset);
      this.transactions.appended(batches, this.activeSegment.baseOffset);
    });
    this.recentAppends.appendedAt(firstOffset, batches.length);
    this.recentAppends.tail?.appended(batches, firstOffset, lastOffset);
    const durable = this.flusher.appended(lastOffset - firstOffset + 1, this.config.flushMessages);
    if (durable === undefined) return info;
    // Handled here so that a caller that does not wait (a follower, the coordinators) leaves no
    // unhandled rejection; the failure itself took the log offline and was reported.
    durable.catch(() => undefined);
    return { ...info, durable };
  }

  /** Runs storage work; a failed system call takes the log offline and is reported before it is rethrown. */
  private guard<T>(work: () => T): T {
    try { return work(); } catch (error) { throw this.failed(error); }
  }

  private async guardAsync<T>(work: () => Promise<T>): Promise<T> {
    try { return await work(); } catch (error) { throw this.failed(error); }
  }

  private failed(error: unknown): unknown {
    if (error instanceof FileIoError && !this.offline) {
      this.markOffline();
      this.onIoFailure?.(this, error);
    }
    return error;
  }

  private noteRead(segment: LogSegment): void {
    if (segment !== this.activeSegment) this.recentlyRead.touch(segment, (idle) => this.segments.includes(idle) && idle !== this.activeSegment);
  }

  /** Starts a new active segment at `baseOffset`; an empty active segment is replaced, not kept. */
  private roll(baseOffset: number): void {
    const previous = this.activeSegment;
    if (previous.size === 0) {
      this.deleteSegment(this.segments.pop() as LogSegment);
    } else {
      previous.onBecomeInactive();
    }
    this.segments.push(LogSegment.create(this.dir, baseOffset, this.config, this.segmentContext));
    this.activeSegment.onBecomeActive();
    this.transactions.rolled(baseOffset);
    if (previous.size === 0) this.flusher.directoryChanged();
    else this.flusher.rolled(previous);
  }

  private advanceLogStartOffset(offset: number): void {
    if (offset <= this.startOffset) return;
    this.startOffset = offset;
    this.guard(() => this.leaderEpochCache.truncateFromStart(offset));
    this.onLogStartOffsetChanged?.(this);
  }

  /** Renames the segments' files to `.deleted` now and removes them after file.delete.delay.ms. */
  private deleteSegmentsAsync(doomed: LogSegment[], reason: string): void {
    void reason; // kept for the caller's log line, as in Kafka's deleteSegments(reason)
    const files: string[] = [];
    for (const segment of doomed) {
      this.flusher.removed(segment);
      files.push(...this.guard(() => segment.renameForDelete()));
    }
    this.deletedFiles.removeLater(files, this.config.fileDeleteDelayMs);
    this.guard(() => this.transactions.segmentsDeleted(doomed.map((segment) => segment.baseOffset), this.segments[0].baseOffset));
  }

  private deleteSegment(segment: LogSegment): void {
    this.flusher.removed(segment);
    segment.delete();
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError(`log ${this.name} is closed`);
    if (this.offline) throw new StorageError(`log ${this.name} is in an offline log dir`);
  }

  // --- compaction hooks: PartitionLog's side of CleanableLog (src/storage/cleaner/). The cleaner reads
  // non-active segments through views and swaps in cleaned ones; the swap's files are its business.

  /** The non-active segments as read-only views, oldest first, and where the active segment starts. */
  cleanerView(): CleanerView {
    this.ensureOpen();
    return cleanerViewOf(this.segments);
  }

  /**
   * Replaces the consecutive non-active segments `old` by the cleaned segment of `swap` (same baseOffset as old[0]).
   * The swap file is durable first, so a crash in here leaves old or new segments once recoverCleanerFiles has run.
   */
  replaceWithCleaned(old: readonly CleanableSegment[], swap: SegmentSwap): void {
    this.ensureOpen();
    // The cleaned segment's index is missing, so opening rebuilds it from the cleaned batches.
    const open = (baseOffset: number) => LogSegment.open(this.dir, baseOffset, this.config, false, this.segmentContext).segment;
    swapInCleaned(this.segments, old, swap, { name: this.name, deleteSegment: (segment) => this.deleteSegment(segment), open });
    this.guard(() => this.transactions.indexes.replaceCleaned(old.map((segment) => segment.baseOffset), swap.baseOffset, swap.abortedTransactions));
    // The tail holds batches as they were appended; reads of the cleaned range must see them cleaned.
    this.recentAppends.tail?.clear();
  }
  // --- end of compaction hooks ---
}
