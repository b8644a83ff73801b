import { BatchHeader } from '../../../protocol/records/batch-header.ts';
import type { CoordinatorLog } from './coordinator-log.ts';

/**
 * A coordinator log in memory, for tests: batches get offsets as a leader would give them, and
 * `failNextAppends` makes the next appends throw (an append failure leaves the log as it was);
 * `durableWhen` makes the next appends durable only when a promise settles, as flush.messages does.
 */
export class InMemoryCoordinatorLog implements CoordinatorLog {
  private readonly batches = new Map<number, Buffer[]>();
  private readonly endOffsets = new Map<number, number>();
  private failures: Error[] = [];
  private durable: Promise<void> | undefined;
  private readonly hosted: Set<number>;

  constructor(partitions: Iterable<number>) {
    this.hosted = new Set(partitions);
  }

  hosts(partition: number): boolean {
    return this.hosted.has(partition);
  }

  failNextAppends(...errors: Error[]): void {
    this.failures.push(...errors);
  }

  /** Appends from now on are on disk when `fsync` settles (undefined: at once, no flush asked for). */
  durableWhen(fsync: Promise<void> | undefined): void {
    this.durable = fsync;
  }

  append(partition: number, batch: Buffer): { baseOffset: number; lastOffset: number; durable?: Promise<void> } {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    if (!this.hosted.has(partition)) throw new Error(`partition ${partition} is not hosted`);
    const copy = Buffer.from(batch);
    const header = new BatchHeader(copy);
    const baseOffset = this.logEndOffset(partition);
    copy.writeBigInt64BE(BigInt(baseOffset), 0);
    const lastOffset = baseOffset + header.lastOffsetDelta;
    const list = this.batches.get(partition) ?? [];
    list.push(copy);
    this.batches.set(partition, list);
    this.endOffsets.set(partition, lastOffset + 1);
    return this.durable === undefined ? { baseOffset, lastOffset } : { baseOffset, lastOffset, durable: this.durable };
  }

  logStartOffset(_partition: number): number {
    return 0;
  }

  logEndOffset(partition: number): number {
    return this.endOffsets.get(partition) ?? 0;
  }

  read(partition: number, fetchOffset: number, maxBytes: number): Buffer {
    const out: Buffer[] = [];
    let size = 0;
    for (const batch of this.batches.get(partition) ?? []) {
      const header = new BatchHeader(batch);
      if (header.baseOffset + header.lastOffsetDelta < fetchOffset) continue;
      if (out.length > 0 && size + batch.length > maxBytes) break;
      out.push(batch);
      size += batch.length;
    }
    return Buffer.concat(out);
  }

  /** Every batch of a partition, in order: what a fresh shard replays. */
  allBatches(partition: number): Buffer {
    return Buffer.concat(this.batches.get(partition) ?? []);
  }
}
