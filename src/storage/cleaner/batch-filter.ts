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

export interface FilteredBatch {
  /** The batch to write, or undefined to drop it. */
  readonly batch: Buffer | undefined;
  readonly recordsRead: number;
  readonly recordsRemoved: number;
  /** When the tombstones kept in this batch may go; -1 when it keeps none (or was not looked into). */
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
 * Control batches (transaction markers) are kept as they are. A batch that keeps every record and
 * needs no horizon is copied byte for byte; otherwise it is rebuilt with the survivors, their
 * offsetDeltas, the batch's lastOffsetDelta (so its last offset, and the log's offsets, do not
 * move), producer fields, timestamp type and compression codec. A batch left empty is dropped
 * unless `keepEmpty`.
 */
export function filterBatch(batch: Buffer, context: FilterContext, keepEmpty: boolean): FilteredBatch {
  const header = new BatchHeader(batch, 0);
  if (header.baseOffset >= context.mapEndOffset || header.isControl) {
    return { batch, recordsRead: 0, recordsRemoved: 0, deleteHorizonMs: -1 };
  }
  const decoded = decodeRecordBatch(batch);
  const { map, mapEndOffset, nowMs } = context;
  const horizonPassed = decoded.hasDeleteHorizon && nowMs >= decoded.baseTimestamp;
  const kept: RecordInput[] = [];
  let tombstones = 0;
  for (const record of decoded.records) {
    let keep = true;
    if (record.offset < mapEndOffset) {
      if (record.key === null) keep = false;
      else if (record.offset < map.get(record.key)) keep = false;
      else if (record.value === null && horizonPassed) keep = false;
    }
    if (!keep) continue;
    if (record.value === null) tombstones += 1;
    kept.push({ key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp, offsetDelta: record.offsetDelta });
  }
  const removed = decoded.records.length - kept.length;
  const deleteHorizonMs = tombstones === 0 ? -1
    : decoded.hasDeleteHorizon ? decoded.baseTimestamp : nowMs + context.deleteRetentionMs;
  const stats = { recordsRead: decoded.records.length, recordsRemoved: removed, deleteHorizonMs };
  if (removed === 0 && (tombstones === 0 || decoded.hasDeleteHorizon)) return { batch, ...stats };
  if (kept.length === 0 && !keepEmpty) return { batch: undefined, ...stats };

  const logAppendTime = decoded.timestampType === 'LogAppendTime';
  const rebuilt = buildRecordBatch(kept, {
    baseOffset: decoded.baseOffset,
    compression: decoded.compression,
    producerId: decoded.producerId,
    producerEpoch: decoded.producerEpoch,
    baseSequence: decoded.baseSequence,
    isTransactional: decoded.isTransactional,
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
