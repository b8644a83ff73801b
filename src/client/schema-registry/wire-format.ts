/**
 * Confluent's wire format for a key or value: magic byte 0, the schema id as a 4-byte big-endian
 * int, then the payload. Protobuf payloads start with the message indexes (which message of the
 * schema's file wrote them): a zigzag varint count, then each index as a zigzag varint, where the
 * common case [0] (the file's first message) is written as the single byte 0 (a count of 0).
 */

export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;

/** Bytes that are not a record in Confluent's wire format (Confluent's SerializationException). */
export class SerializationError extends Error {
  override readonly name = 'SerializationError';
}

/** The schema id of a record in the wire format; throws SerializationError when it is not one. */
export function readSchemaId(data: Uint8Array): number {
  if (data.length < HEADER_SIZE) throw new SerializationError(`not in Confluent's wire format: ${data.length} bytes, fewer than the 5-byte header`);
  if (data[0] !== MAGIC_BYTE) throw new SerializationError(`unknown magic byte ${data[0]}: not in Confluent's wire format`);
  return ((data[1]! << 24) | (data[2]! << 16) | (data[3]! << 8) | data[4]!);
}

/** A 5-byte header for `schemaId`, built once per id and copied in front of each payload. */
export function header(schemaId: number): Buffer {
  const bytes = Buffer.allocUnsafe(HEADER_SIZE);
  bytes[0] = MAGIC_BYTE;
  bytes.writeInt32BE(schemaId, 1);
  return bytes;
}

/** The message-index bytes Confluent writes for the message at `indexes` in its file. */
export function encodeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const bytes: number[] = [];
  writeZigzagVarint(bytes, indexes.length);
  for (const index of indexes) writeZigzagVarint(bytes, index);
  return Buffer.from(bytes);
}

/** The message indexes at `offset` and where the protobuf message starts after them. */
export function decodeMessageIndexes(data: Uint8Array, offset: number): { indexes: number[]; offset: number } {
  const count = readZigzagVarint(data, offset);
  offset = count.offset;
  if (count.value === 0) return { indexes: [0], offset };
  // Each index takes at least one byte: a count beyond what is left is not a count.
  if (count.value < 0 || count.value > data.length - offset) throw new SerializationError(`invalid message index count ${count.value}`);
  const indexes: number[] = [];
  for (let i = 0; i < count.value; i++) {
    const index = readZigzagVarint(data, offset);
    if (index.value < 0) throw new SerializationError(`invalid message index ${index.value}`);
    indexes.push(index.value);
    offset = index.offset;
  }
  return { indexes, offset };
}

function writeZigzagVarint(bytes: number[], value: number): void {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
}

function readZigzagVarint(data: Uint8Array, offset: number): { value: number; offset: number } {
  let raw = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (offset >= data.length) throw new SerializationError('message indexes run past the end of the record');
    const byte = data[offset++]!;
    raw |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: (raw >>> 1) ^ -(raw & 1), offset };
  }
  throw new SerializationError('message index varint longer than 5 bytes');
}
