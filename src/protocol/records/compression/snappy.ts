import { createRequire } from 'node:module';
import { ErrorCode, KafkaError } from '../../errors.ts';
import { corrupt, tooLarge } from './limits.ts';

/**
 * The snappy codec, loaded at its first use (Node's require cache keeps it): the module starts a
 * tokio runtime with two threads as it loads, which a process that never sees a snappy batch should
 * not carry; a process exiting with those threads idle has been seen to hang (a test file's
 * process in CI that never exited).
 */
const load = createRequire(import.meta.url);
function snappy(): typeof import('snappy') {
  return load('snappy') as typeof import('snappy');
}

/**
 * Kafka's Java client writes snappy as the xerial-snappy stream (snappy-java's SnappyOutputStream):
 *   magic 0x82 'SNAPPY' 0x00 (8 bytes) | version int32 BE | compatibleVersion int32 BE
 *   then blocks: compressedLength int32 BE | raw snappy block
 * Some clients (librdkafka, older KafkaJS codecs) may send one raw snappy block instead, so
 * decompression accepts both and tells them apart by the magic.
 */
export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
export const XERIAL_HEADER_SIZE = 16;
/** snappy-java's default block size: what Kafka's producer feeds per block. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

export function snappyCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let start = 0; start < data.length; start += XERIAL_BLOCK_SIZE) {
    const block = snappy().compressSync(data.subarray(start, Math.min(start + XERIAL_BLOCK_SIZE, data.length)));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_MAGIC.length && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

export function snappyDecompress(data: Buffer, maxBytes: number): Buffer {
  if (!isXerialFramed(data)) return rawSnappyDecompress(data, maxBytes);
  if (data.length < XERIAL_HEADER_SIZE) throw corrupt('snappy', 'truncated xerial header');
  const blocks: Buffer[] = [];
  let produced = 0;
  let position = XERIAL_HEADER_SIZE;
  while (position < data.length) {
    if (data.length - position < 4) throw corrupt('snappy', 'truncated xerial block length');
    const length = data.readInt32BE(position);
    position += 4;
    if (length < 0 || length > data.length - position) throw corrupt('snappy', 'xerial block overruns the data');
    const block = rawSnappyDecompress(data.subarray(position, position + length), maxBytes - produced);
    position += length;
    produced += block.length;
    blocks.push(block);
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, produced);
}

/**
 * A raw snappy block starts with its uncompressed length as an unsigned varint; checking it before
 * decoding is what keeps a bomb from allocating more than maxBytes.
 */
function rawSnappyDecompress(block: Buffer, maxBytes: number): Buffer {
  const declared = readUncompressedLength(block);
  if (declared > maxBytes) throw tooLarge('snappy', maxBytes);
  let output: string | Buffer;
  try {
    output = snappy().uncompressSync(block, { asBuffer: true });
  } catch (error) {
    throw corrupt('snappy', error);
  }
  if (typeof output === 'string' || output.length !== declared) throw corrupt('snappy', 'length mismatch');
  return output;
}

function readUncompressedLength(block: Buffer): number {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= block.length) break;
    const byte = block[i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return value;
  }
  throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'invalid snappy data: bad length preamble');
}
