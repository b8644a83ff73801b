import fs from 'node:fs';
import path from 'node:path';
import { checkpointText, parseCheckpointLines, writeCheckpointLines } from './checkpoint-file.ts';
import { CheckpointWriter, type CheckpointWriteSlots } from './checkpoint-writer.ts';
import { StorageError } from './errors.ts';

/** Kafka's name for the file in each partition directory. */
export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
/** Kafka's OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

/** The first offset written in a leader epoch. */
export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** How the cache's checkpoint writes run. */
export interface CacheWriteOptions {
  readonly onWriteError?: (error: unknown) => void;
  readonly slots?: CheckpointWriteSlots;
}

/** endOffsetFor's answer: the epoch found and where it ends. */
export interface EpochEndOffset {
  readonly epoch: number;
  readonly endOffset: number;
}

/**
 * Kafka's LeaderEpochFileCache: one entry (epoch, startOffset) per leader epoch that wrote to the
 * log, both strictly increasing from entry to entry. A follower that returns (or a consumer that
 * validates its position, KIP-320) asks where an epoch ended on the leader and cuts its log there:
 * what an old leader wrote but never got replicated goes.
 *
 * Kept in `leader-epoch-checkpoint` in the partition directory, in Kafka's checkpoint format:
 *   "0\n" (version), "<count>\n", then "<epoch> <startOffset>\n" per entry, oldest first.
 * Every change rewrites the file atomically, off the event loop (checkpoint-writer.ts: coalesced,
 * the latest entries win), as Kafka does since KAFKA-15046: a new epoch comes with the first append
 * of each new partition, and a broker creating many partitions must not wait on one fsync each.
 * `flush()` writes what is pending synchronously at close. So a crash may lose the newest entries
 * while their records reached the disk: opening the log after a crash re-derives the entries from
 * the batches of the segments it recovered (`recovered`), which hold every record the recovery
 * point does not cover. A crash may also leave entries for records that were lost with an
 * unflushed tail; opening the log cuts the cache back to the recovered log end, as Kafka's
 * LogLoader does.
 */
export class LeaderEpochFileCache {
  readonly file: string;
  readonly #writer: CheckpointWriter;
  #entries: EpochEntry[] = [];
  /** The newest epoch, kept apart so that an append's check is one number compare. */
  #latestEpoch = UNDEFINED_EPOCH;

  /** `onWriteError` hears of a failed asynchronous write (the log goes offline); `slots` bounds the writes in flight across logs. */
  constructor(file: string, entries: readonly EpochEntry[] = [], writes: CacheWriteOptions = {}) {
    this.file = file;
    for (const entry of entries) this.#put(entry);
    this.#writer = new CheckpointWriter(file, () => leaderEpochCheckpointText(this.#entries), writes.onWriteError ?? (() => undefined),
      { action: 'write leader epoch checkpoint', slots: writes.slots });
  }

  /**
   * The cache kept in the partition directory `dir`. When its file is missing or damaged, the
   * entries are rebuilt from the log's batches (`batchEpochs`: each batch's partitionLeaderEpoch
   * and baseOffset, in log order) and written, so the scan happens once (an empty log writes
   * nothing: it has nothing to scan). With `retained`, the entries are then cut to the log's
   * [startOffset, endOffset) as it was recovered. With `recovered` (an unclean start), the entries
   * from `recovered.fromOffset` on are taken from the batches there, not from the file, which may
   * not have caught up with them before the crash (KAFKA-15046).
   */
  static load(dir: string, batchEpochs: () => Iterable<EpochEntry>, retained?: { startOffset: number; endOffset: number },
    options: CacheWriteOptions & { recovered?: { fromOffset: number; batchEpochs: () => Iterable<EpochEntry> } } = {}): LeaderEpochFileCache {
    const file = path.join(dir, LEADER_EPOCH_CHECKPOINT);
    const stored = readLeaderEpochCheckpoint(file);
    const cache = new LeaderEpochFileCache(file, stored ?? [], options);
    if (stored === undefined) {
      cache.#putAll(batchEpochs());
      // A new, empty log needs no file yet (its scan is free): creating a topic costs no fsyncs.
      if (cache.#entries.length > 0 || fs.existsSync(file)) cache.#write();
    } else if (options.recovered !== undefined) {
      const before = leaderEpochCheckpointText(cache.#entries);
      cache.#cutFrom(options.recovered.fromOffset);
      cache.#putAll(options.recovered.batchEpochs());
      if (leaderEpochCheckpointText(cache.#entries) !== before) cache.#write();
    }
    if (retained !== undefined) {
      cache.truncateFromEnd(retained.endOffset);
      cache.truncateFromStart(retained.startOffset);
    }
    return cache;
  }

  /** Writes pending changes now, on the event loop (clean shutdown); throws the write's StorageError. */
  flush(): void { this.#writer.flushSync(); }
  /** Settles once every change so far is on disk (or its write failed and was reported). */
  flushAsync(): Promise<void> { return this.#writer.flush(); }

  /** The log is being deleted: its checkpoint is written no more. */
  abandonWrites(): void { this.#writer.abandon(); }
  /** Changes not yet known to be on disk. */
  get flushPending(): boolean { return this.#writer.pending; }
  /** Checkpoint writes that reached the disk. */
  get writes(): number { return this.#writer.writes; }

  /** The newest epoch with an entry, UNDEFINED_EPOCH (-1) when there is none. */
  get latestEpoch(): number { return this.#latestEpoch; }
  get entries(): readonly EpochEntry[] { return [...this.#entries]; }

  /**
   * Records that `epoch` starts at `startOffset`. As Kafka, a repeat of the newest epoch at a later
   * offset changes nothing; otherwise every entry whose epoch or start offset is not below the new
   * one's is removed first, so both stay strictly increasing. Returns whether the cache changed.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (!(epoch >= 0 && startOffset >= 0)) throw new StorageError(`invalid leader epoch entry (${epoch}, ${startOffset}) in ${this.file}`);
    const latest = this.#entries.at(-1);
    if (latest !== undefined && latest.epoch === epoch && latest.startOffset <= startOffset) return false;
    this.#put({ epoch, startOffset });
    this.#write();
    return true;
  }

  /**
   * Kafka's endOffsetFor: the largest epoch <= `requestedEpoch` and its end, which is the start
   * offset of the next epoch, or `logEndOffset` for the newest. A requested epoch below every
   * entry answers itself with the first entry's start offset (the records before were removed;
   * the follower replicates from there); UNDEFINED_EPOCH asked, an empty cache or an epoch above
   * the newest answer (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    const entries = this.#entries;
    if (requestedEpoch === UNDEFINED_EPOCH || entries.length === 0) return UNDEFINED;
    if (requestedEpoch === this.#latestEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
    let higher = entries.length;
    while (higher > 0 && entries[higher - 1].epoch > requestedEpoch) higher -= 1;
    if (higher === entries.length) return UNDEFINED;
    const endOffset = entries[higher].startOffset;
    return { epoch: higher === 0 ? requestedEpoch : entries[higher - 1].epoch, endOffset };
  }

  /** The log was cut back to `endOffset`: epochs starting at or after it go. */
  truncateFromEnd(endOffset: number): void {
    if (endOffset >= 0 && this.#cutFrom(endOffset)) this.#write();
  }

  /** Removes the entries starting at or after `offset`; returns whether any went. */
  #cutFrom(offset: number): boolean {
    let keep = this.#entries.length;
    while (keep > 0 && this.#entries[keep - 1].startOffset >= offset) keep -= 1;
    if (keep === this.#entries.length) return false;
    this.#entries.length = keep;
    this.#latestEpoch = this.#entries.at(-1)?.epoch ?? UNDEFINED_EPOCH;
    return true;
  }

  /** Batches' (epoch, baseOffset) in log order: each newer epoch starts an entry (Kafka's recovery assigns the same). */
  #putAll(batchEpochs: Iterable<EpochEntry>): void {
    for (const { epoch, startOffset } of batchEpochs) {
      if (epoch > this.#latestEpoch) this.#put({ epoch, startOffset });
    }
  }

  /**
   * The log start moved to `startOffset`: epochs that started at or before it go, except the last
   * of them, which now starts at `startOffset` (Kafka keeps the epoch of the first record left).
   */
  truncateFromStart(startOffset: number): void {
    let removed = 0;
    while (removed < this.#entries.length && this.#entries[removed].startOffset <= startOffset) removed += 1;
    // Nothing changes when the first entry already starts there (every open asks this).
    if (removed === 0 || (removed === 1 && this.#entries[0].startOffset === startOffset)) return;
    const first = { epoch: this.#entries[removed - 1].epoch, startOffset };
    this.#entries.splice(0, removed, first);
    this.#write();
  }

  /** Every entry goes (the log was emptied and restarted at another offset). */
  clear(): void {
    if (this.#entries.length === 0) return;
    this.#entries = [];
    this.#latestEpoch = UNDEFINED_EPOCH;
    this.#write();
  }

  #put(entry: EpochEntry): void {
    const entries = this.#entries;
    while (entries.length > 0 && (entries.at(-1)!.epoch >= entry.epoch || entries.at(-1)!.startOffset >= entry.startOffset)) entries.pop();
    entries.push(entry);
    this.#latestEpoch = entry.epoch;
  }

  #write(): void {
    this.#writer.changed();
  }
}

const UNDEFINED: EpochEndOffset = Object.freeze({ epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET });

export function writeLeaderEpochCheckpoint(file: string, entries: readonly EpochEntry[]): void {
  writeCheckpointLines(file, leaderEpochLines(entries));
}

function leaderEpochCheckpointText(entries: readonly EpochEntry[]): string {
  return checkpointText(leaderEpochLines(entries));
}

function leaderEpochLines(entries: readonly EpochEntry[]): string[] {
  return entries.map(({ epoch, startOffset }) => `${epoch} ${startOffset}`);
}

/**
 * The entries of a leader-epoch-checkpoint; an empty file (what Kafka creates with a new log) has
 * none. Undefined when the file is missing, unreadable or malformed: the log is then scanned.
 */
export function readLeaderEpochCheckpoint(file: string): EpochEntry[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (text === '') return [];
  const lines = parseCheckpointLines(text);
  if (lines === undefined) return undefined;
  const entries: EpochEntry[] = [];
  for (const line of lines) {
    // Kafka splits the line at whitespace and parses two numbers.
    const match = /^(\d+)\s+(\d+)$/.exec(line);
    if (match === null) return undefined;
    const epoch = Number(match[1]);
    const startOffset = Number(match[2]);
    if (epoch > 0x7fff_ffff || !Number.isSafeInteger(startOffset)) return undefined;
    entries.push({ epoch, startOffset });
  }
  return entries;
}
