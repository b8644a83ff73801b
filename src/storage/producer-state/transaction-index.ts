import fs from 'node:fs';
import path from 'node:path';
import { ioError } from '../errors.ts';
import { offsetFileName, readInt64 } from '../file-io.ts';
import type { AbortedTxn } from './producer-state-manager.ts';

/**
 * The aborted-transaction indexes of a log, `<segment baseOffset>.txnindex` beside each segment
 * whose range holds an ABORT marker, in Kafka's format: entries of 34 bytes,
 *
 *   version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 | lastStableOffset int64
 *
 * appended in marker order. An entry lives in the index of the segment holding its marker. They
 * are few (one per aborted transaction), so every entry is also kept in memory and a read_committed
 * fetch finds the aborted transactions of its range without touching the disk. A torn entry at a
 * file's end (a crash mid-append) is ignored; the producer state replay at open writes it again.
 */
const VERSION = 0;
const ENTRY_BYTES = 34;
const TXN_INDEX_FILE = /^(\d{20})\.txnindex$/;

export class TransactionIndexes {
  private readonly dir: string;
  /** Segment base offset -> its entries, in marker order. */
  private readonly bySegment = new Map<number, AbortedTxn[]>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Reads every `.txnindex` in `dir`; an index of a segment that is gone is removed. */
  static load(dir: string, segmentBaseOffsets: readonly number[]): TransactionIndexes {
    const indexes = new TransactionIndexes(dir);
    const segments = new Set(segmentBaseOffsets);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (cause) {
      throw ioError('list transaction indexes', dir, cause);
    }
    for (const name of names) {
      const match = TXN_INDEX_FILE.exec(name);
      if (match === null) continue;
      const base = Number(match[1]);
      if (!segments.has(base)) {
        indexes.remove(base);
        continue;
      }
      const entries = decodeEntries(readFile(path.join(dir, name)));
      if (entries.length > 0) indexes.bySegment.set(base, entries);
    }
    return indexes;
  }

  /** Appends an aborted transaction to the index of the segment starting at `segmentBaseOffset`. */
  append(segmentBaseOffset: number, txn: AbortedTxn): void {
    const file = this.path(segmentBaseOffset);
    try {
      fs.appendFileSync(file, encodeEntry(txn));
    } catch (cause) {
      throw ioError('append to transaction index', file, cause);
    }
    let entries = this.bySegment.get(segmentBaseOffset);
    if (entries === undefined) this.bySegment.set(segmentBaseOffset, entries = []);
    entries.push(txn);
  }

  /**
   * The aborted transactions a read_committed fetch of [fetchOffset, upperBoundOffset) must know:
   * those whose range reaches into it (Kafka's collectAbortedTransactions), ordered by first offset.
   * An entry's marker lies in its segment, so segments wholly before the fetch offset hold none;
   * and once an entry's last stable offset reaches the upper bound, no later marker can end a
   * transaction that began below it, so the search ends there (Kafka's TxnIndexSearchResult).
   */
  collect(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    const found: AbortedTxn[] = [];
    const bases = [...this.bySegment.keys()].sort((a, b) => a - b);
    let first = 0;
    while (first + 1 < bases.length && bases[first + 1]! <= fetchOffset) first += 1;
    search: for (const base of bases.slice(first)) {
      for (const txn of this.bySegment.get(base)!) {
        if (txn.lastOffset >= fetchOffset && txn.firstOffset < upperBoundOffset) found.push(txn);
        if (txn.lastStableOffset >= upperBoundOffset) break search;
      }
    }
    return found.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** Every entry whose marker is at or after `offset` goes (a truncation, or a replay that writes them again). */
  truncateTo(offset: number): void {
    for (const [base, entries] of this.bySegment) {
      const kept = entries.filter((txn) => txn.lastOffset < offset);
      if (kept.length === entries.length) continue;
      if (kept.length === 0) this.remove(base);
      else this.rewrite(base, kept);
    }
  }

  /** The index of a deleted segment goes with it. */
  remove(segmentBaseOffset: number): void {
    this.bySegment.delete(segmentBaseOffset);
    const file = this.path(segmentBaseOffset);
    try {
      fs.rmSync(file, { force: true });
    } catch (cause) {
      throw ioError('delete transaction index', file, cause);
    }
  }

  /**
   * Compaction replaced the segments starting at `segmentBaseOffsets` by one cleaned segment starting
   * at `into`: their indexes give way to the cleaned segment's, which holds `kept`, the aborted
   * transactions whose markers the cleaning kept (Kafka rebuilds the cleaned segment's index the same
   * way). A marker removed by cleaning takes its entry with it: a read_committed reader must never be
   * told of an aborted transaction whose marker it will not meet.
   */
  replaceCleaned(segmentBaseOffsets: readonly number[], into: number, kept: readonly AbortedTxn[]): void {
    for (const base of segmentBaseOffsets) if (base !== into) this.remove(base);
    if (kept.length === 0) this.remove(into);
    else this.rewrite(into, [...kept].sort((a, b) => a.lastOffset - b.lastOffset));
  }

  private rewrite(base: number, entries: AbortedTxn[]): void {
    const file = this.path(base);
    try {
      fs.writeFileSync(file, Buffer.concat(entries.map(encodeEntry)));
    } catch (cause) {
      throw ioError('rewrite transaction index', file, cause);
    }
    this.bySegment.set(base, entries);
  }

  private path(base: number): string {
    return path.join(this.dir, offsetFileName(base, '.txnindex'));
  }
}

function readFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (cause) {
    throw ioError('read transaction index', file, cause);
  }
}

function encodeEntry(txn: AbortedTxn): Buffer {
  const buffer = Buffer.alloc(ENTRY_BYTES);
  buffer.writeInt16BE(VERSION, 0);
  buffer.writeBigInt64BE(BigInt(txn.producerId), 2);
  buffer.writeBigInt64BE(BigInt(txn.firstOffset), 10);
  buffer.writeBigInt64BE(BigInt(txn.lastOffset), 18);
  buffer.writeBigInt64BE(BigInt(txn.lastStableOffset), 26);
  return buffer;
}

function decodeEntries(buffer: Buffer): AbortedTxn[] {
  const entries: AbortedTxn[] = [];
  for (let at = 0; at + ENTRY_BYTES <= buffer.length; at += ENTRY_BYTES) {
    if (buffer.readInt16BE(at) !== VERSION) break;
    entries.push({ producerId: readInt64(buffer, at + 2), firstOffset: readInt64(buffer, at + 10), lastOffset: readInt64(buffer, at + 18), lastStableOffset: readInt64(buffer, at + 26) });
  }
  return entries;
}
