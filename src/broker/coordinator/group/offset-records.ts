import { offsetCommitKey } from '../../../protocol/generated/records/offset-commit-key.ts';
import { offsetCommitValue, type OffsetCommitValue } from '../../../protocol/generated/records/offset-commit-value.ts';
import type { CoordinatorRecord } from '../runtime/coordinator-runtime.ts';
import { encodeRecord, RecordType } from './group-records.ts';

/** A committed offset as the coordinator keeps it (Kafka's OffsetAndMetadata). */
export interface OffsetAndMetadata {
  readonly committedOffset: number;
  /** -1: none given. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /** -1: none; set only by OffsetCommit v2-4 with an explicit retention time. */
  readonly expireTimestampMs: number;
}

/**
 * The OffsetCommit record as Kafka 3.x/4.0 writes it: key version 1; value version 3, or version 1
 * when the commit carries an expire timestamp (the only version with that field).
 */
export function offsetCommitRecord(groupId: string, topic: string, partition: number, offset: OffsetAndMetadata): CoordinatorRecord {
  const hasExpire = offset.expireTimestampMs >= 0;
  const value: OffsetCommitValue = {
    offset: BigInt(offset.committedOffset),
    leaderEpoch: offset.leaderEpoch,
    metadata: offset.metadata,
    commitTimestamp: BigInt(offset.commitTimestampMs),
    expireTimestamp: BigInt(offset.expireTimestampMs),
  };
  return encodeRecord(RecordType.OFFSET_COMMIT, offsetCommitKey, { group: groupId, topic, partition }, offsetCommitValue, hasExpire ? 1 : 3, value);
}

export function offsetCommitTombstone(groupId: string, topic: string, partition: number): CoordinatorRecord {
  return encodeRecord(RecordType.OFFSET_COMMIT, offsetCommitKey, { group: groupId, topic, partition }, offsetCommitValue, 3, null);
}

export function offsetFromRecord(value: OffsetCommitValue): OffsetAndMetadata {
  return {
    committedOffset: Number(value.offset),
    leaderEpoch: value.leaderEpoch ?? -1,
    metadata: value.metadata,
    commitTimestampMs: Number(value.commitTimestamp),
    expireTimestampMs: Number(value.expireTimestamp ?? -1n),
  };
}
