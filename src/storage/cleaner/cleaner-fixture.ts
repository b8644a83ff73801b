/** Test support for the cleaner's tests: real PartitionLogs in temp dirs, keyed records in and out. */
import path from 'node:path';
import { CompressionType } from '../../protocol/records/batch-header.ts';
import { buildRecordBatch } from '../../protocol/records/record-batch-builder.ts';
import { decodeRecordBatches, type RecordBatch } from '../../protocol/records/record-batch.ts';
import { logConfig } from '../log-config.ts';
import { PartitionLog } from '../partition-log.ts';
import { recoverCleanerFiles } from './segment-swap.ts';
import { tempDirSync } from '../../../test/helpers/temp-dir.ts';

export interface KeyedRecord {
  readonly key: string | null;
  /** null: a tombstone */
  readonly value: string | null;
  readonly timestamp?: number;
}

export interface ReadRecord {
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly timestamp: number;
}

/** Removed when the test process exits. */
export function tempDir(prefix = 'samsa-cleaner-'): string {
  return tempDirSync(prefix);
}

/** A log in `<logDir>/t-0`; recoverCleanerFiles runs first, as the storage does on open. */
export function openLog(logDir: string, segmentBytes: number, now?: () => number): PartitionLog {
  const dir = path.join(logDir, 't-0');
  recoverCleanerFiles(dir);
  return PartitionLog.open({
    dir, topic: 't', partition: 0, now,
    config: logConfig({ segmentBytes, indexIntervalBytes: 128 }),
  });
}

/** Appends the records as one batch; returns the first offset. */
export function append(log: PartitionLog, records: readonly KeyedRecord[], compression: CompressionType = CompressionType.none, timestamp = 1_000): number {
  const batch = buildRecordBatch(records.map((r) => ({
    key: r.key === null ? null : Buffer.from(r.key),
    value: r.value === null ? null : Buffer.from(r.value),
    timestamp: r.timestamp ?? timestamp,
  })), { compression });
  return log.appendAsLeader(batch, 0).firstOffset;
}

export function readBatches(log: PartitionLog): RecordBatch[] {
  const batches: RecordBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { records } = log.read(offset, 1 << 20);
    if (records.length === 0) break;
    const decoded = decodeRecordBatches(records);
    batches.push(...decoded);
    offset = decoded[decoded.length - 1].lastOffset + 1;
  }
  return batches;
}

export function readAll(log: PartitionLog): ReadRecord[] {
  return readBatches(log).flatMap((batch) => batch.records.map((r) => ({
    offset: r.offset,
    key: r.key === null ? null : r.key.toString(),
    value: r.value === null ? null : r.value.toString(),
    timestamp: r.timestamp,
  })));
}

/** The last value per key, in the order a consumer reading the log would build it. */
export function lastValues(records: readonly ReadRecord[]): Map<string, string | null> {
  const map = new Map<string, string | null>();
  for (const r of records) if (r.key !== null) map.set(r.key, r.value);
  return map;
}
