/**
 * What the cleaner needs from a partition log, and nothing more: PartitionLog implements it in its
 * `// --- compaction hooks ---` block. Keeping it this narrow lets the log's internals change
 * without the cleaner noticing, and lets the cleaner's tests run on real PartitionLogs.
 */
import type { ProducerStateEntry } from '../producer-state/producer-state-entry.ts';
import type { AbortedTxn } from '../producer-state/producer-state-manager.ts';

/** A read-only view of one non-active segment, valid until the log changes its segments. */
export interface CleanableSegment {
  readonly baseOffset: number;
  /** Bytes of the segment's .log file. */
  readonly size: number;
  /** The offset after the segment's last batch (its lastOffset + 1); baseOffset when empty. */
  readonly nextOffset: number;
  /** Largest batch maxTimestamp in the segment; -1 when empty. */
  readonly maxTimestamp: number;
  /** Entries in its offset index: grouping keeps a cleaned segment's index within its limit. */
  readonly indexEntries: number;
  /** Whole batches from the one containing startOffset, about maxBytes (at least one batch); undefined past its end. */
  read(startOffset: number, maxBytes: number): Buffer | undefined;
  /** The segment object itself: lets the log check, at swap time, that the segments are still the same. */
  readonly handle: object;
}

export interface CleanerView {
  /** Every segment but the active one, in offset order. */
  readonly segments: readonly CleanableSegment[];
  readonly activeBaseOffset: number;
}

/** What the cleaner reads of a log's transactions (PartitionLog's LogTransactions). */
export interface CleanableTransactions {
  /** The aborted transactions whose range reaches into [fetchOffset, upperBoundOffset), from the .txnindex files. */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): readonly AbortedTxn[];
  readonly producerState: {
    /** Open transactions, oldest first: nothing from the first one on may be cleaned. */
    ongoingTransactions(): readonly { readonly producerId: number; readonly firstOffset: number }[];
    /** Each producer's last batches and epoch: the batch holding its last sequence stays, even emptied. */
    activeProducers(): readonly ProducerStateEntry[];
  };
}

export interface CleanableLog {
  readonly topic: string;
  readonly partition: number;
  /** The partition's directory; its parent is the log dir holding cleaner-offset-checkpoint. */
  readonly dir: string;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly isClosed: boolean;
  readonly transactions: CleanableTransactions;
  cleanerView(): CleanerView;
  /**
   * Replaces `old` (consecutive, non-active segments of this log) by the cleaned segment of
   * `swap`, which starts at old[0].baseOffset: deletes the old segments, `install()`s the swap
   * (its file becomes `<baseOffset>.log`) and opens it; the old segments' aborted-transaction
   * indexes give way to the swap's `abortedTransactions`. Throws, after `discard()`ing the swap, if
   * `old` are no longer this log's segments (retention or a truncation got there first).
   */
  replaceWithCleaned(old: readonly CleanableSegment[], swap: SegmentSwap): void;
}

/** A committed cleaned segment (`<baseOffset>.log.swap`), waiting for the log to take it. */
export interface SegmentSwap {
  readonly baseOffset: number;
  /** The aborted transactions whose ABORT markers the cleaned segment kept, in marker order: its .txnindex. */
  readonly abortedTransactions: readonly AbortedTxn[];
  /** Renames the swap file to `<baseOffset>.log`, durably. */
  install(): void;
  /** Removes the swap file: the log keeps its old segments. */
  discard(): void;
}
