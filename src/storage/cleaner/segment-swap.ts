import fs from 'node:fs';
import path from 'node:path';
import { BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, RECORD_BATCH_OVERHEAD } from '../../protocol/records/batch-header.ts';
import { ioError } from '../errors.ts';
import type { AbortedTxn } from '../producer-state/producer-state-manager.ts';
import type { SegmentSwap } from './cleanable-log.ts';
import { offsetFileName, openReadWrite, readFully, readInt64, syncDirectory, writeFully } from '../file-io.ts';

/**
 * The files of a segment swap, Kafka's names and protocol:
 *   1. the cleaner writes `<baseOffset>.log.cleaned` and fsyncs it;
 *   2. renames it to `<baseOffset>.log.swap` and fsyncs the directory: the commit point;
 *   3. the log deletes the segments the swap replaces and renames the swap to `<baseOffset>.log`.
 * `<baseOffset>` is the first replaced segment's. The swap always ends with the replaced segments'
 * last batch (kept even when all its records were cleaned away), so its last offset + 1 is the
 * replaced range's end and recovery knows exactly which segments it replaces.
 *
 * After a crash, `recoverCleanerFiles` (called before the log's segments are listed) deletes
 * `.cleaned` files (step 1 never committed: the old segments are whole) and completes every
 * `.swap` (step 2 committed): the old segments in its range go, the swap becomes the segment.
 */

const CLEANED_SUFFIX = '.cleaned';
const SWAP_SUFFIX = '.swap';
const SWAP_FILE = /^(\d{20})\.log\.swap$/;
/** Files that belong to a segment: Kafka's suffixes, so indexes the storage adds later go with it. */
const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex|txnindex)$/;

/** Writes the batches of one cleaned segment to `<baseOffset>.log.cleaned`. */
export class CleanedSegmentWriter {
  readonly baseOffset: number;
  readonly path: string;
  private fd: number;
  private bytes = 0;
  private last = -1;

  constructor(dir: string, baseOffset: number) {
    this.baseOffset = baseOffset;
    this.path = path.join(dir, offsetFileName(baseOffset, '.log' + CLEANED_SUFFIX));
    fs.rmSync(this.path, { force: true });
    this.fd = openReadWrite(this.path);
  }

  get size(): number { return this.bytes; }
  /** Last offset of the last batch written; -1 before the first. */
  get lastOffset(): number { return this.last; }

  append(batch: Buffer): void {
    writeFully(this.fd, batch, this.bytes, this.path);
    this.bytes += batch.length;
    this.last = readInt64(batch, 0) + batch.readInt32BE(LAST_OFFSET_DELTA_OFFSET);
  }

  /**
   * fsyncs, closes and renames the file to `.swap` (the commit point); the log then installs it,
   * with `abortedTransactions` (those whose markers the cleaned batches kept) as its .txnindex.
   */
  commit(abortedTransactions: readonly AbortedTxn[]): SegmentSwap {
    const dir = path.dirname(this.path);
    const swapPath = this.path.slice(0, -CLEANED_SUFFIX.length) + SWAP_SUFFIX;
    try {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = -1;
      fs.renameSync(this.path, swapPath);
    } catch (cause) {
      this.abort();
      throw ioError('commit cleaned segment', this.path, cause);
    }
    syncDirectory(dir);
    const baseOffset = this.baseOffset;
    return {
      baseOffset,
      abortedTransactions,
      install(): void {
        try {
          fs.renameSync(swapPath, path.join(dir, offsetFileName(baseOffset, '.log')));
        } catch (cause) {
          throw ioError('install cleaned segment', swapPath, cause);
        }
        syncDirectory(dir);
      },
      discard(): void {
        fs.rmSync(swapPath, { force: true });
      },
    };
  }

  /** Closes and removes the file (the cleaning was given up). */
  abort(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    fs.rmSync(this.path, { force: true });
  }
}

/**
 * Finishes or undoes an interrupted swap in the partition directory `dir`; must run before the
 * log lists its segments. Returns the base offsets of the swaps completed.
 */
export function recoverCleanerFiles(dir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError('list', dir, cause);
  }
  let changed = false;
  for (const name of names) {
    if (name.endsWith(CLEANED_SUFFIX)) {
      fs.rmSync(path.join(dir, name), { force: true });
      changed = true;
    }
  }
  const completed: number[] = [];
  for (const name of names.filter((n) => SWAP_FILE.test(n)).sort()) {
    const baseOffset = Number((SWAP_FILE.exec(name) as RegExpExecArray)[1]);
    const swapPath = path.join(dir, name);
    const endOffset = nextOffsetOf(swapPath, baseOffset);
    for (const other of fs.readdirSync(dir)) {
      const match = SEGMENT_FILE.exec(other);
      if (match === null) continue;
      const otherBase = Number(match[1]);
      if (otherBase >= baseOffset && otherBase < endOffset) fs.rmSync(path.join(dir, other), { force: true });
    }
    try {
      fs.renameSync(swapPath, path.join(dir, offsetFileName(baseOffset, '.log')));
    } catch (cause) {
      throw ioError('complete swap', swapPath, cause);
    }
    completed.push(baseOffset);
    changed = true;
  }
  if (changed) syncDirectory(dir);
  return completed;
}

/** The offset after the last whole batch of a segment file, reading batch headers only. */
function nextOffsetOf(file: string, baseOffset: number): number {
  const fd = openReadWrite(file);
  const header = Buffer.alloc(LAST_OFFSET_DELTA_OFFSET + 4);
  let next = baseOffset;
  try {
    const size = fs.fstatSync(fd).size;
    for (let position = 0; position + RECORD_BATCH_OVERHEAD <= size;) {
      readFully(fd, header, position, header.length, file);
      const batchSize = LOG_OVERHEAD + header.readInt32BE(BATCH_LENGTH_OFFSET);
      if (batchSize < RECORD_BATCH_OVERHEAD || position + batchSize > size || header.readInt8(MAGIC_OFFSET) !== 2) break;
      next = readInt64(header, 0) + header.readInt32BE(LAST_OFFSET_DELTA_OFFSET) + 1;
      position += batchSize;
    }
  } finally {
    fs.closeSync(fd);
  }
  return next;
}

