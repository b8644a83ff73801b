import {
  ATTRIBUTES_OFFSET, BatchHeader, CRC_OFFSET, DELETE_HORIZON_FLAG_MASK,
} from '../../protocol/records/batch-header.ts';
import { buildRecordBatch, type RecordInput } from '../../protocol/records/record-batch-builder.ts';
import { computeBatchCrc } from '../../protocol/records/crc32c.ts';
import { decodeRecordBatch } from '../../protocol/records/record-batch.ts';
import type { OffsetMap } from './offset-map.ts';

/** What one cleaning pass decides by. */
export interface FilterContext {
  readonly map: OffsetMap;
  /** Records at or past this offset were not seen by the map: they are kept untouched. */
  readonly mapEndOffset: number;
  readonly nowMs: number;
  readonly deleteRetentionMs: number;
}

/** What the pass decided for the batch as a whole, before its records are looked at (Kafka's BatchRetention). */
export interface BatchRetention {
  /** Kept even when no record stays: the group's last batch, or one a producer's state rests on. */
  readonly keepEmpty: boolean;
  /** Every record goes: data of an aborted transaction, or a removable marker past its delete horizon. */
  readonly discardRecords: boolean;
  /** A transaction marker whose transaction has no data left: kept until its delete horizon. */
  readonly removableMarker: boolean;
}

export interface FilteredBatch {
  /** The batch to write, or undefined to drop it. */
  readonly batch: Buffer | undefined;
  readonly recordsRead: number;
  readonly recordsRemoved: number;
  /** When the tombstones or removable marker kept in this batch may go; -1 when it keeps none (or was not looked into). */
  readonly deleteHorizonMs: number;
}

/**
 * Cleans one v2 batch against the offset map, as Kafka's cleaner does:
 * - a record below mapEndOffset stays only if its key's latest offset in the map is not above its
 *   own (a key the map does not know has no later record in the dirty range);
 * - a record without a key goes (the broker refuses them on compacted topics);
 * - a tombstone (null value) stays until its batch's delete horizon has passed. The horizon is
 *   KIP-534's: the first pass that keeps a tombstone sets the batch's delete-horizon attribute
 *   (bit 6) and makes its baseTimestamp now + delete.retention.ms (record timestamps are deltas
 *   from baseTimestamp, so they keep their values); a later pass past that time removes it. So a
 *   tombstone is served for at least delete.retention.ms after it was first cleaned.
 * Transactions decide first (cleaned-transactions.ts): an aborted batch loses every record
 * wherever it lies; a marker keeps its record, and a removable one gets a delete horizon as a
 * tombstone would, and goes once it has passed.
 * A batch that keeps every record and needs no new horizon is copied byte for byte; otherwise it
 * is rebuilt with the survivors, their offsetDeltas, the batch's lastOffsetDelta (so its last
 * offset, and the log's offsets, do not move), producer fields, control and transactional flags,
 * timestamp type and compression codec. A batch left empty is dropped unless `keepEmpty`.
 */
export function filterBatch(batch: Buffer, context: FilterContext, retention: BatchRetention): FilteredBatch {
  const header = new BatchHeader(batch, 0);
  const hasHorizon = (header.attributes & DELETE_HORIZON_FLAG_MASK) !== 0;
  if (!retention.discardRecords && (header.isControl ? !retention.removableMarker || hasHorizon : header.baseOffset >= context.mapEndOffset)) {
    return { batch, recordsRead: 0, recordsRemoved: 0, deleteHorizonMs: header.isControl && retention.removableMarker ? header.baseTimestamp : -1 };
  }
  const decoded = decodeRecordBatch(batch);
  const { map, mapEndOffset, nowMs } = context;
  const horizonPassed = decoded.hasDeleteHorizon && nowMs >= decoded.baseTimestamp;
  const kept: RecordInput[] = [];
  let tombstones = 0;
  for (const record of decoded.records) {
    let keep = !retention.discardRecords;
    if (keep && !decoded.isControl && record.offset < mapEndOffset) {
      if (record.key === null) keep = false;
      else if (record.offset < map.get(record.key)) keep = false;
      else if (record.value === null && horizonPassed) keep = false;
    }
    if (!keep) continue;
    if (record.value === null) tombstones += 1;
    kept.push({ key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp, offsetDelta: record.offsetDelta });
  }
  const removed = decoded.records.length - kept.length;
  const needsHorizon = tombstones > 0 || (decoded.isControl && kept.length > 0);
  const deleteHorizonMs = !needsHorizon ? -1 : decoded.hasDeleteHorizon ? decoded.baseTimestamp : nowMs + context.deleteRetentionMs;
  const stats = { recordsRead: decoded.records.length, recordsRemoved: removed, deleteHorizonMs };
  // An empty batch left by an earlier pass goes too, once it is no longer needed.
  if (kept.length === 0 && !retention.keepEmpty) return { batch: undefined, ...stats };
  if (removed === 0 && (!needsHorizon || decoded.hasDeleteHorizon)) return { batch, ...stats };

  const logAppendTime = decoded.timestampType === 'LogAppendTime';
  const rebuilt = buildRecordBatch(kept, {
    baseOffset: decoded.baseOffset,
    compression: decoded.compression,
    producerId: decoded.producerId,
    producerEpoch: decoded.producerEpoch,
    baseSequence: decoded.baseSequence,
    isTransactional: decoded.isTransactional,
    isControl: decoded.isControl,
    timestampType: decoded.timestampType,
    partitionLeaderEpoch: decoded.partitionLeaderEpoch,
    lastOffsetDelta: decoded.lastOffsetDelta,
    // Without a horizon any base works (records carry deltas); a stale horizon must not stay the base.
    baseTimestamp: deleteHorizonMs >= 0 ? deleteHorizonMs
      : decoded.hasDeleteHorizon ? kept[0]?.timestamp ?? decoded.baseTimestamp : decoded.baseTimestamp,
    // An empty batch, or one whose records all carry the append time, keeps the batch's time.
    maxTimestamp: kept.length === 0 || logAppendTime ? decoded.maxTimestamp : undefined,
  });
  if (deleteHorizonMs >= 0) {
    rebuilt.writeInt16BE(rebuilt.readInt16BE(ATTRIBUTES_OFFSET) | DELETE_HORIZON_FLAG_MASK, ATTRIBUTES_OFFSET);
    rebuilt.writeUInt32BE(computeBatchCrc(rebuilt, 0, rebuilt.length), CRC_OFFSET);
  }
  return { batch: rebuilt, ...stats };
}
