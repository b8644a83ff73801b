/**
 * Builds an uncompressed magic v2 record batch by hand, independently of the broker's own builder,
 * for tests that send raw Produce requests (and can then corrupt the bytes on purpose).
 */
import { crc32c } from '@node-rs/crc32';

export interface TestRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Array<[string, Buffer | null]>;
}

function zigzagVarint(value: number): Buffer {
  const bytes: number[] = [];
  let zigzag = BigInt.asUintN(64, (BigInt(value) << 1n) ^ (BigInt(value) >> 63n));
  do {
    let byte = Number(zigzag & 0x7fn);
    zigzag >>= 7n;
    if (zigzag !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (zigzag !== 0n);
  return Buffer.from(bytes);
}

function lengthPrefixed(bytes: Buffer | null): Buffer {
  return bytes === null ? zigzagVarint(-1) : Buffer.concat([zigzagVarint(bytes.length), bytes]);
}

function encodeRecord(record: TestRecord, offsetDelta: number, timestampDelta: number): Buffer {
  const headers = record.headers ?? [];
  const body = Buffer.concat([
    Buffer.from([0]), // attributes
    zigzagVarint(timestampDelta),
    zigzagVarint(offsetDelta),
    lengthPrefixed(record.key),
    lengthPrefixed(record.value),
    zigzagVarint(headers.length),
    ...headers.flatMap(([key, value]) => [lengthPrefixed(Buffer.from(key, 'utf8')), lengthPrefixed(value)]),
  ]);
  return Buffer.concat([zigzagVarint(body.length), body]);
}

/** A valid, uncompressed, non-transactional batch with baseOffset 0 and CreateTime timestamps. */
export function buildRecordBatch(records: TestRecord[], baseTimestamp = Date.now()): Buffer {
  const encoded = Buffer.concat(records.map((record, i) => encodeRecord(record, i, 0)));
  const batch = Buffer.alloc(61 + encoded.length);
  batch.writeBigInt64BE(0n, 0); // baseOffset
  batch.writeInt32BE(batch.length - 12, 8); // batchLength
  batch.writeInt32BE(-1, 12); // partitionLeaderEpoch
  batch.writeInt8(2, 16); // magic
  batch.writeInt16BE(0, 21); // attributes
  batch.writeInt32BE(records.length - 1, 23); // lastOffsetDelta
  batch.writeBigInt64BE(BigInt(baseTimestamp), 27);
  batch.writeBigInt64BE(BigInt(baseTimestamp), 35);
  batch.writeBigInt64BE(-1n, 43); // producerId
  batch.writeInt16BE(-1, 51); // producerEpoch
  batch.writeInt32BE(-1, 53); // baseSequence
  batch.writeInt32BE(records.length, 57);
  encoded.copy(batch, 61);
  batch.writeUInt32BE(crc32c(batch.subarray(21)) >>> 0, 17);
  return batch;
}
