import fs from 'node:fs';
import { BatchHeader, RECORD_BATCH_OVERHEAD } from '../protocol/records/batch-header.ts';
import { CorruptRecordError } from './errors.ts';
import type { Scheduler } from './scheduler.ts';

/**
 * Removal of deleted segments' `.deleted` files after file.delete.delay.ms (Kafka's async delete:
 * a reader that found the segment before the delete keeps a window to finish). On close the
 * pending removals run at once, since nothing can read the files any more.
 */
export class DeletedFileRemover {
  private readonly scheduler: Scheduler;
  private readonly pending = new Map<() => void, readonly string[]>();

  constructor(scheduler: Scheduler) {
    this.scheduler = scheduler;
  }

  get pendingFiles(): number {
    let count = 0;
    for (const files of this.pending.values()) count += files.length;
    return count;
  }

  removeLater(files: readonly string[], delayMs: number): void {
    if (files.length === 0) return;
    let cancel: () => void = () => undefined;
    const remove = (): void => {
      this.pending.delete(cancel);
      for (const file of files) fs.rmSync(file, { force: true });
    };
    cancel = this.scheduler.schedule(delayMs, remove);
    this.pending.set(cancel, files);
  }

  removeAllNow(): void {
    for (const [cancel, files] of this.pending) {
      cancel();
      for (const file of files) fs.rmSync(file, { force: true });
    }
    this.pending.clear();
  }
}

/**
 * Checks batches a follower appends: whole v2 batches with offsets strictly after `logEndOffset`.
 * Returns their first and last offset.
 */
export function followerBatchRange(batches: Buffer, logEndOffset: number, name: string): { firstOffset: number; lastOffset: number } {
  let expected = logEndOffset;
  let firstOffset = -1;
  let lastOffset = -1;
  for (let position = 0; position < batches.length;) {
    const header = new BatchHeader(batches, position);
    if (batches.length - position < RECORD_BATCH_OVERHEAD || header.sizeInBytes < RECORD_BATCH_OVERHEAD
      || position + header.sizeInBytes > batches.length || header.magic !== 2 || header.lastOffsetDelta < 0) {
      throw new CorruptRecordError(`malformed record batch at byte ${position} of an append to ${name}`);
    }
    if (header.baseOffset < expected) {
      throw new CorruptRecordError(`batch at offset ${header.baseOffset} does not follow offset ${expected - 1} in ${name}`);
    }
    if (firstOffset < 0) firstOffset = header.baseOffset;
    lastOffset = header.lastOffset;
    expected = lastOffset + 1;
    position += header.sizeInBytes;
  }
  return { firstOffset, lastOffset };
}

/** Index of the last item whose baseOffset <= offset (0 when none is); items sorted by baseOffset. */
export function floorIndex(items: readonly { readonly baseOffset: number }[], offset: number): number {
  let low = 0;
  let high = items.length - 1;
  let found = 0;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (items[mid].baseOffset <= offset) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}
