import { ErrorCode, KafkaError } from '../errors.ts';
import { buildRecordBatch } from './record-batch-builder.ts';
import type { Record } from './record-batch.ts';

/**
 * Transaction markers: a control batch holding one record whose key is `version int16 (0),
 * type int16` and whose value is `version int16 (0), coordinatorEpoch int32`
 * (ControlRecordType.java / EndTransactionMarker.java in Kafka).
 */

export interface EndTransactionMarkerOptions {
  type: 0 | 1; // ControlRecordType.ABORT | COMMIT
  coordinatorEpoch: number;
  producerId: number;
  producerEpoch: number;
  timestamp: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
}

export function buildEndTransactionMarker(options: EndTransactionMarkerOptions): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(options.type, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(options.coordinatorEpoch, 2);
  return buildRecordBatch([{ key, value, timestamp: options.timestamp }], {
    baseOffset: options.baseOffset ?? 0,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    isTransactional: true,
    isControl: true,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
  });
}

export function decodeEndTransactionMarker(record: Record): { version: number; coordinatorEpoch: number } {
  if (record.value === null || record.value.length < 6) {
    throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'end transaction marker value is too short');
  }
  return { version: record.value.readInt16BE(0), coordinatorEpoch: record.value.readInt32BE(2) };
}
