import { consumerGroupCurrentMemberAssignmentKey } from '../../../protocol/generated/records/consumer-group-current-member-assignment-key.ts';
import { consumerGroupCurrentMemberAssignmentValue } from '../../../protocol/generated/records/consumer-group-current-member-assignment-value.ts';
import { consumerGroupMemberMetadataKey } from '../../../protocol/generated/records/consumer-group-member-metadata-key.ts';
import { consumerGroupMemberMetadataValue } from '../../../protocol/generated/records/consumer-group-member-metadata-value.ts';
import { consumerGroupMetadataKey } from '../../../protocol/generated/records/consumer-group-metadata-key.ts';
import { consumerGroupMetadataValue } from '../../../protocol/generated/records/consumer-group-metadata-value.ts';
import { consumerGroupPartitionMetadataKey } from '../../../protocol/generated/records/consumer-group-partition-metadata-key.ts';
import { consumerGroupPartitionMetadataValue } from '../../../protocol/generated/records/consumer-group-partition-metadata-value.ts';
import { consumerGroupTargetAssignmentMemberKey } from '../../../protocol/generated/records/consumer-group-target-assignment-member-key.ts';
import { consumerGroupTargetAssignmentMemberValue } from '../../../protocol/generated/records/consumer-group-target-assignment-member-value.ts';
import { consumerGroupTargetAssignmentMetadataKey } from '../../../protocol/generated/records/consumer-group-target-assignment-metadata-key.ts';
import { consumerGroupTargetAssignmentMetadataValue } from '../../../protocol/generated/records/consumer-group-target-assignment-metadata-value.ts';
import { groupMetadataKey } from '../../../protocol/generated/records/group-metadata-key.ts';
import { groupMetadataValue } from '../../../protocol/generated/records/group-metadata-value.ts';
import { offsetCommitKey } from '../../../protocol/generated/records/offset-commit-key.ts';
import { offsetCommitValue } from '../../../protocol/generated/records/offset-commit-value.ts';
import type { MessageCodec } from '../../../protocol/primitives/message-codec.ts';
import { DecodeError, Reader } from '../../../protocol/primitives/reader.ts';
import { Writer } from '../../../protocol/primitives/writer.ts';
import type { CoordinatorRecord } from '../runtime/coordinator-runtime.ts';

/**
 * __consumer_offsets record format (Kafka's GroupCoordinatorRecordSerde): the key is an int16
 * version followed by the key struct, and that version IS the record type (0-1 offset commits,
 * 2 classic group metadata, 3-8 KIP-848 consumer groups, 9-15 share groups); the value is an int16
 * version followed by the value struct, or null for a tombstone.
 */
export const RecordType = {
  OFFSET_COMMIT_V0: 0,
  OFFSET_COMMIT: 1,
  GROUP_METADATA: 2,
  CONSUMER_GROUP_METADATA: 3,
  CONSUMER_GROUP_PARTITION_METADATA: 4,
  CONSUMER_GROUP_MEMBER_METADATA: 5,
  CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA: 6,
  CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER: 7,
  CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT: 8,
} as const;

/** Share group records (types 9-15) are Kafka's; Samsa has no share groups and skips them on load. */
export const FIRST_SHARE_GROUP_RECORD_TYPE = 9;
export const LAST_SHARE_GROUP_RECORD_TYPE = 15;

interface RecordCodecs {
  readonly key: MessageCodec<any>;
  readonly value: MessageCodec<any>;
}

const CODECS: ReadonlyMap<number, RecordCodecs> = new Map<number, RecordCodecs>([
  [RecordType.OFFSET_COMMIT_V0, { key: offsetCommitKey, value: offsetCommitValue }],
  [RecordType.OFFSET_COMMIT, { key: offsetCommitKey, value: offsetCommitValue }],
  [RecordType.GROUP_METADATA, { key: groupMetadataKey, value: groupMetadataValue }],
  [RecordType.CONSUMER_GROUP_METADATA, { key: consumerGroupMetadataKey, value: consumerGroupMetadataValue }],
  [RecordType.CONSUMER_GROUP_PARTITION_METADATA, { key: consumerGroupPartitionMetadataKey, value: consumerGroupPartitionMetadataValue }],
  [RecordType.CONSUMER_GROUP_MEMBER_METADATA, { key: consumerGroupMemberMetadataKey, value: consumerGroupMemberMetadataValue }],
  [RecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA, { key: consumerGroupTargetAssignmentMetadataKey, value: consumerGroupTargetAssignmentMetadataValue }],
  [RecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER, { key: consumerGroupTargetAssignmentMemberKey, value: consumerGroupTargetAssignmentMemberValue }],
  [RecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT, { key: consumerGroupCurrentMemberAssignmentKey, value: consumerGroupCurrentMemberAssignmentValue }],
]);

export interface DecodedRecord {
  readonly type: number;
  readonly key: unknown;
  /** null: a tombstone. */
  readonly value: unknown | null;
  readonly valueVersion: number;
}

/** The record type (the key's version) without decoding the rest. */
export function recordType(record: CoordinatorRecord): number {
  if (record.key.length < 2) throw new DecodeError('coordinator record key shorter than its version');
  return record.key.readInt16BE(0);
}

export function isKnownRecordType(type: number): boolean {
  return CODECS.has(type);
}

/** Decodes a record of a known type; throws DecodeError for bytes that are not one. */
export function decodeRecord(record: CoordinatorRecord): DecodedRecord {
  const type = recordType(record);
  const codecs = CODECS.get(type);
  if (codecs === undefined) throw new DecodeError(`unknown coordinator record type ${type}`);
  const keyReader = new Reader(record.key, 2);
  const key = codecs.key.decode(keyReader, type);
  if (record.value === null) return { type, key, value: null, valueVersion: -1 };
  if (record.value.length < 2) throw new DecodeError('coordinator record value shorter than its version');
  const valueVersion = record.value.readInt16BE(0);
  if (valueVersion < codecs.value.minVersion || valueVersion > codecs.value.maxVersion) {
    throw new DecodeError(`${codecs.value.name} version ${valueVersion} is unknown`);
  }
  const value = codecs.value.decode(new Reader(record.value, 2), valueVersion);
  return { type, key, value, valueVersion };
}

/** A record of `type` (= the key's version); a null value makes a tombstone. */
export function encodeRecord<K, V>(
  type: number,
  keyCodec: MessageCodec<K>,
  key: K,
  valueCodec: MessageCodec<V>,
  valueVersion: number,
  value: V | null,
): CoordinatorRecord {
  const keyWriter = new Writer();
  keyWriter.int16(type);
  keyCodec.encode(keyWriter, key, type);
  if (value === null) return { key: keyWriter.toBuffer(), value: null };
  const valueWriter = new Writer();
  valueWriter.int16(valueVersion);
  valueCodec.encode(valueWriter, value, valueVersion);
  return { key: keyWriter.toBuffer(), value: valueWriter.toBuffer() };
}
