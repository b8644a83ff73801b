import {
  BATCH_LENGTH_OFFSET, BatchHeader, DELETE_HORIZON_FLAG_MASK, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD,
} from '../../protocol/records/batch-header.ts';
import { CorruptRecordError } from '../errors.ts';
import { decodeRecordBatch } from '../../protocol/records/record-batch.ts';
import { readInt64 } from '../file-io.ts';
import { filterBatch, type BatchRetention, type FilterContext } from './batch-filter.ts';
import type { CleanableLog, CleanableSegment } from './cleanable-log.ts';
import { cleanableRange, groupSegments, isCleanable, type CleanableRange } from './cleanable-range.ts';
import { CleanedTransactions, isLastRecordOfProducer, lastRecordsOfProducers, type LastRecordOfProducer } from './cleaned-transactions.ts';
import type { CleanerConfig } from './cleaner-config.ts';
import { OffsetMap } from './offset-map.ts';
import { CleanedSegmentWriter } from './segment-swap.ts';

export interface CleanResult {
  readonly topic: string;
  readonly partition: number;
  readonly firstDirtyOffset: number;
  /** The new cleaner checkpoint: everything below it has been deduplicated. */
  readonly endOffset: number;
  readonly recordsRead: number;
  readonly recordsRemoved: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly segmentsSwapped: number;
  /** Earliest time a tombstone or removable transaction marker kept by this pass may be removed; -1 if it kept none. */
  readonly deleteHorizonMs: number;
  /** The log closed or its segments changed under the job: nothing was checkpointed. */
  readonly aborted: boolean;
}

/** Reads the batches of consecutive segments from startOffset on, about ioBufferSize at a time. */
class BatchReader {
  private readonly segments: readonly CleanableSegment[];
  private readonly ioBufferSize: number;
  private index = 0;
  private offset: number;
  bytesRead = 0;

  constructor(segments: readonly CleanableSegment[], startOffset: number, ioBufferSize: number) {
    this.segments = segments;
    this.offset = startOffset;
    this.ioBufferSize = ioBufferSize;
  }

  /** The next whole batches, each its own buffer; undefined once every segment is read. */
  next(): Buffer[] | undefined {
    while (this.index < this.segments.length) {
      const segment = this.segments[this.index];
      const chunk = segment.read(Math.max(this.offset, segment.baseOffset), this.ioBufferSize);
      if (chunk === undefined || chunk.length === 0) {
        this.index += 1;
        continue;
      }
      this.bytesRead += chunk.length;
      const batches: Buffer[] = [];
      for (let p = 0; p < chunk.length;) {
        const size = chunk.length - p < RECORD_BATCH_OVERHEAD ? 0 : LOG_OVERHEAD + chunk.readInt32BE(p + BATCH_LENGTH_OFFSET);
        if (size < RECORD_BATCH_OVERHEAD || p + size > chunk.length) {
          throw new CorruptRecordError(`malformed batch in segment ${segment.baseOffset} near offset ${this.offset}`);
        }
        batches.push(chunk.subarray(p, p + size));
        p += size;
      }
      this.offset = lastOffsetOf(batches[batches.length - 1]) + 1;
      return batches;
    }
    return undefined;
  }
}

/**
 * One cleaning of one log, done in small steps so the broker's event loop is never held for long:
 * each `step()` reads about one I/O buffer of batches. First the offset map is built over the
 * dirty section (until it ends or the map is full), then the segments from the log start to where
 * the map ended are rewritten group by group, each group swapped in as soon as it is written.
 * Both phases follow the transactions they read (cleaned-transactions.ts): aborted records stay
 * out of the map and are removed, markers go once their transactions have no data left, and each
 * swap carries the aborted-transaction index of the markers it kept.
 * Interrupting it at any step (abort, crash) leaves a consistent log: the checkpoint moves only
 * when the job completes, and a rerun over already-cleaned segments changes nothing more. (A crash
 * inside a swap may lose the cleaned segment's .txnindex; its entries only name transactions whose
 * data this same pass removed, so a read_committed reader is not misled.)
 */
export class CleaningJob {
  readonly log: CleanableLog;
  readonly range: CleanableRange;
  private readonly config: CleanerConfig;
  private readonly map: OffsetMap;
  private readonly nowMs: number;
  private readonly ioBufferSize: number;
  private readonly segments: readonly CleanableSegment[];
  private phase: 'map' | 'clean' | 'done' = 'map';
  private reader: BatchReader;
  private mapEndOffset: number;
  private groups: CleanableSegment[][] = [];
  private group = -1;
  private groupEndOffset = 0;
  private groupChanged = false;
  private writer: CleanedSegmentWriter | undefined;
  /** The transactions of the phase under way: the map's, then the cleaning's (across all its groups). */
  private transactions = new CleanedTransactions();
  /** The batches producer states rest on, as of the current group's start. */
  private lastRecords = new Map<number, LastRecordOfProducer>();
  private stats = { recordsRead: 0, recordsRemoved: 0, bytesRead: 0, bytesWritten: 0, segmentsSwapped: 0, deleteHorizonMs: -1 };
  private wasAborted = false;

  constructor(log: CleanableLog, config: CleanerConfig, map: OffsetMap, range: CleanableRange, nowMs: number, ioBufferSize: number) {
    this.log = log;
    this.config = config;
    this.map = map;
    this.range = range;
    this.nowMs = nowMs;
    this.ioBufferSize = ioBufferSize;
    this.segments = log.cleanerView().segments;
    map.clear();
    this.mapEndOffset = range.firstDirtyOffset;
    const dirty = this.segments.filter((s) => s.nextOffset > range.firstDirtyOffset && isCleanable(s, range.firstUncleanableOffset));
    this.reader = new BatchReader(dirty, range.firstDirtyOffset, ioBufferSize);
    this.transactions.addAborted(log.transactions.abortedTransactions(range.firstDirtyOffset, range.firstUncleanableOffset));
  }

  get isDone(): boolean { return this.phase === 'done'; }

  /** Does one step; returns true once the job is over (completed or aborted). */
  step(): boolean {
    if (this.phase === 'done') return true;
    if (this.log.isClosed) {
      this.abort();
      return true;
    }
    try {
      if (this.phase === 'map') this.mapStep();
      else this.cleanStep();
    } catch (error) {
      this.abort();
      // Segments deleted or truncated under the job make reads fail: not the log's fault, retry later.
      if (this.log.isClosed || !this.stillSegmentsOfLog(this.segments)) return true;
      throw error;
    }
    return this.isDone;
  }

  /** Runs the remaining steps at once (tests, tools). */
  runToCompletion(): CleanResult {
    while (!this.step());
    return this.result;
  }

  /** Gives up: removes a half-written cleaned segment; the log keeps what was swapped so far. */
  abort(): void {
    this.writer?.abort();
    this.writer = undefined;
    if (this.phase !== 'done') this.wasAborted = true;
    this.phase = 'done';
  }

  get result(): CleanResult {
    return {
      topic: this.log.topic,
      partition: this.log.partition,
      firstDirtyOffset: this.range.firstDirtyOffset,
      endOffset: this.mapEndOffset,
      ...this.stats,
      bytesRead: this.stats.bytesRead + this.reader.bytesRead,
      aborted: this.wasAborted,
    };
  }

  private mapStep(): void {
    const batches = this.reader.next();
    if (batches === undefined) {
      this.mapEndOffset = Math.max(this.mapEndOffset, this.range.firstUncleanableOffset);
      this.startCleaning();
      return;
    }
    for (const batch of batches) {
      const header = new BatchHeader(batch, 0);
      const lastOffset = header.lastOffset;
      // Markers never enter the map, nor do records of aborted transactions: they must not
      // supersede a committed value of their key.
      let mapped = false;
      if (header.isControl) this.transactions.onControlBatch(batch, header);
      else mapped = !this.transactions.onDataBatch(header);
      if (lastOffset < this.range.firstDirtyOffset) continue;
      if (mapped) {
        for (const record of decodeRecordBatch(batch).records) {
          if (record.key === null || record.offset < this.range.firstDirtyOffset) continue;
          if (!this.map.put(record.key, record.offset)) {
            // The map is full: this pass covers the dirty records before this one only.
            this.mapEndOffset = record.offset;
            this.startCleaning();
            return;
          }
        }
      }
      this.map.updateLatestOffset(lastOffset);
      this.mapEndOffset = lastOffset + 1;
    }
  }

  private startCleaning(): void {
    const cleanable = this.segments.filter((s) => s.baseOffset < this.mapEndOffset && isCleanable(s, this.range.firstUncleanableOffset));
    this.groups = groupSegments(cleanable, this.config);
    this.transactions = new CleanedTransactions();
    this.phase = 'clean';
    this.nextGroup();
  }

  private nextGroup(): void {
    this.stats.bytesRead += this.reader.bytesRead;
    this.reader.bytesRead = 0;
    this.group += 1;
    if (this.group >= this.groups.length) {
      this.phase = 'done';
      return;
    }
    const group = this.groups[this.group];
    this.reader = new BatchReader(group, group[0].baseOffset, this.ioBufferSize);
    this.groupEndOffset = group[group.length - 1].nextOffset;
    this.groupChanged = group.length > 1;
    this.writer = new CleanedSegmentWriter(this.log.dir, group[0].baseOffset);
    // Every aborted transaction reaching into the group: its batches there go, wherever its marker is.
    this.transactions.addAborted(this.log.transactions.abortedTransactions(group[0].baseOffset, this.groupEndOffset));
    this.lastRecords = lastRecordsOfProducers(this.log.transactions.producerState.activeProducers());
  }

  private cleanStep(): void {
    const writer = this.writer as CleanedSegmentWriter;
    const batches = this.reader.next();
    if (batches === undefined) {
      this.finishGroup(writer);
      return;
    }
    const context: FilterContext = {
      map: this.map, mapEndOffset: this.mapEndOffset, nowMs: this.nowMs, deleteRetentionMs: this.config.deleteRetentionMs,
    };
    const kept: Buffer[] = [];
    for (const batch of batches) {
      const filtered = filterBatch(batch, context, this.retentionOf(batch, new BatchHeader(batch, 0)));
      this.stats.recordsRead += filtered.recordsRead;
      this.stats.recordsRemoved += filtered.recordsRemoved;
      if (filtered.deleteHorizonMs >= 0 && (this.stats.deleteHorizonMs < 0 || filtered.deleteHorizonMs < this.stats.deleteHorizonMs)) {
        this.stats.deleteHorizonMs = filtered.deleteHorizonMs;
      }
      if (filtered.batch !== batch) this.groupChanged = true;
      if (filtered.batch !== undefined) kept.push(filtered.batch);
    }
    if (kept.length > 0) writer.append(kept.length === 1 ? kept[0] : Buffer.concat(kept));
  }

  /** What the transactions make of a batch as a whole, before its records are looked at (Kafka's checkBatchRetention). */
  private retentionOf(batch: Buffer, header: BatchHeader): BatchRetention {
    // The group's last batch stays, even empty, so the swap ends where the replaced segments did;
    // so does a batch that a producer's state rests on.
    const keepEmpty = header.lastOffset + 1 >= this.groupEndOffset || isLastRecordOfProducer(header, this.lastRecords);
    if (!header.isControl) return { keepEmpty, discardRecords: this.transactions.onDataBatch(header), removableMarker: false };
    const removable = this.transactions.onControlBatch(batch, header);
    const horizonPassed = (header.attributes & DELETE_HORIZON_FLAG_MASK) !== 0 && this.nowMs >= header.baseTimestamp;
    return { keepEmpty, discardRecords: removable && horizonPassed, removableMarker: removable };
  }

  private finishGroup(writer: CleanedSegmentWriter): void {
    this.writer = undefined;
    const group = this.groups[this.group];
    const abortedTransactions = this.transactions.takeKept();
    if (!this.groupChanged || writer.size === 0) {
      writer.abort();
    } else if (!this.stillSegmentsOfLog(group)) {
      writer.abort();
      this.abort();
      return;
    } else {
      this.stats.bytesWritten += writer.size;
      this.log.replaceWithCleaned(group, writer.commit(abortedTransactions));
      this.stats.segmentsSwapped += 1;
    }
    this.nextGroup();
  }

  /** Retention or a truncation may have removed segments since the job began. */
  private stillSegmentsOfLog(group: readonly CleanableSegment[]): boolean {
    const current = new Set(this.log.cleanerView().segments.map((s) => s.handle));
    return group.every((s) => current.has(s.handle));
  }
}

/** Cleans logs with one offset map, allocated once: the cleaner's whole memory. */
export class Cleaner {
  readonly map: OffsetMap;
  private readonly ioBufferSize: number;

  constructor(options: { dedupeBufferSize: number; loadFactor: number; ioBufferSize: number }) {
    this.map = new OffsetMap(options.dedupeBufferSize, options.loadFactor);
    this.ioBufferSize = options.ioBufferSize;
  }

  /**
   * A job over the log's dirty section from `checkpoint`, to run step by step; nothing from the
   * segment holding `lastStableOffset` on is touched (the broker's partition knows it; without it,
   * the log's oldest open transaction bounds the job).
   */
  startCleaning(log: CleanableLog, config: CleanerConfig, checkpoint: number | undefined, nowMs: number, lastStableOffset?: number): CleaningJob {
    const range = cleanableRange(log, checkpoint, config, nowMs, lastStableOffset);
    return new CleaningJob(log, config, this.map, range, nowMs, this.ioBufferSize);
  }

  /** One whole cleaning at once. */
  clean(log: CleanableLog, config: CleanerConfig, checkpoint: number | undefined, nowMs: number, lastStableOffset?: number): CleanResult {
    return this.startCleaning(log, config, checkpoint, nowMs, lastStableOffset).runToCompletion();
  }
}

function lastOffsetOf(batch: Buffer): number {
  return readInt64(batch, 0) + batch.readInt32BE(LAST_OFFSET_DELTA_OFFSET);
}
