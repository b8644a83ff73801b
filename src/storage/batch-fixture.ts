/**
 * Test support only: builds small valid v2 batches (attributes 0 unless given, correct CRC-32C)
 * so storage tests do not depend on the full batch builder in protocol/records.
 */
import { crc32c } from '@node-rs/crc32';
import { CRC_OFFSET } from '../protocol/records/batch-header.ts';

export interface FixtureRecord {
  readonly value: string;
  readonly timestampDelta?: number;
}

export interface FixtureBatch {
  readonly records: readonly FixtureRecord[];
  readonly baseOffset?: number;
  readonly baseTimestamp?: number;
  readonly attributes?: number;
  /** Pads each record value to make a batch of roughly this many bytes. */
  readonly padTo?: number;
}

export function buildBatch(spec: FixtureBatch): Buffer {
  const baseTimestamp = spec.baseTimestamp ?? 1_700_000_000_000;
  const pad = spec.padTo === undefined ? 0 : Math.max(0, Math.floor((spec.padTo - 61) / spec.records.length) - 12);
  const records = spec.records.map((record, offsetDelta) => {
    const value = Buffer.from(record.value.padEnd(Math.max(record.value.length, pad), '.'));
    const body = Buffer.concat([
      Buffer.from([0]), // record attributes
      varint(record.timestampDelta ?? 0), varint(offsetDelta),
      varint(-1), // null key
      varint(value.length), value,
      varint(0), // no headers
    ]);
    return Buffer.concat([varint(body.length), body]);
  });
  const maxTimestamp = baseTimestamp + Math.max(...spec.records.map((r) => r.timestampDelta ?? 0));
  const header = Buffer.alloc(61);
  header.writeBigInt64BE(BigInt(spec.baseOffset ?? 0), 0);
  const batch = Buffer.concat([header, ...records]);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(-1, 12); // partitionLeaderEpoch
  batch.writeInt8(2, 16); // magic
  batch.writeInt16BE(spec.attributes ?? 0, 21);
  batch.writeInt32BE(spec.records.length - 1, 23);
  batch.writeBigInt64BE(BigInt(baseTimestamp), 27);
  batch.writeBigInt64BE(BigInt(maxTimestamp), 35);
  batch.writeBigInt64BE(-1n, 43); // producerId
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(spec.records.length, 57);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_OFFSET + 4)), CRC_OFFSET);
  return batch;
}

/** Values of every record in `batches` (uncompressed fixture batches), in order, with their offsets. */
export function readRecords(batches: Buffer): { offset: number; value: string }[] {
  const out: { offset: number; value: string }[] = [];
  for (let position = 0; position < batches.length;) {
    const size = 12 + batches.readInt32BE(position + 8);
    const baseOffset = Number(batches.readBigInt64BE(position));
    const count = batches.readInt32BE(position + 57);
    const cursor = { at: position + 61 };
    for (let i = 0; i < count; i++) {
      const length = readVarint(batches, cursor);
      const end = cursor.at + length;
      cursor.at += 1;
      readVarint(batches, cursor);
      const offsetDelta = readVarint(batches, cursor);
      const keyLength = readVarint(batches, cursor);
      if (keyLength > 0) cursor.at += keyLength;
      const valueLength = readVarint(batches, cursor);
      out.push({ offset: baseOffset + offsetDelta, value: batches.toString('utf8', cursor.at, cursor.at + valueLength).replace(/\.+$/, '') });
      cursor.at = end;
    }
    position += size;
  }
  return out;
}

function varint(value: number): Buffer {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  const bytes: number[] = [];
  while (zigzag >= 0x80) {
    bytes.push((zigzag % 0x80) | 0x80);
    zigzag = Math.floor(zigzag / 0x80);
  }
  bytes.push(zigzag);
  return Buffer.from(bytes);
}

function readVarint(buffer: Buffer, cursor: { at: number }): number {
  let raw = 0;
  let multiplier = 1;
  for (;;) {
    const byte = buffer[cursor.at++];
    raw += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) break;
    multiplier *= 128;
  }
  return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
}
