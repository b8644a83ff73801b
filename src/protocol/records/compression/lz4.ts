import { compressFrameSync, uncompressSync } from 'lz4-napi';
import { corrupt, tooLarge } from './limits.ts';

/**
 * Kafka's lz4 is the LZ4 frame format (lz4_Frame_format.md), which every client writes:
 *   magic 0x184D2204 LE | FLG | BD | [contentSize u64 LE] | [dictId u32 LE] | HC
 *   blocks: size u32 LE (high bit = stored uncompressed, 0 = end mark) | data | [block checksum u32]
 *   then [content checksum u32]; skippable frames (0x184D2A5x) may sit between frames.
 * The frame is walked here and each block decoded on its own, so no block can produce more than
 * BD's block maximum, and the total stops at maxBytes: a bomb is refused before it is inflated.
 * Checksums are not verified: the record batch CRC-32C already covers the compressed bytes.
 */
const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** Linked blocks may refer back this far into earlier output. */
const WINDOW_SIZE = 64 * 1024;

export function lz4Compress(data: Buffer): Buffer {
  return compressFrameSync(data);
}

export function lz4Decompress(data: Buffer, maxBytes: number): Buffer {
  const blocks: Buffer[] = [];
  let produced = 0;
  let position = 0;
  const need = (bytes: number): void => {
    if (data.length - position < bytes) throw corrupt('lz4', 'truncated frame');
  };
  do {
    need(4);
    const magic = data.readUInt32LE(position);
    position += 4;
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(4);
      const size = data.readUInt32LE(position);
      position += 4;
      need(size);
      position += size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt('lz4', 'bad frame magic');
    need(3);
    const flg = data[position]!;
    const bd = data[position + 1]!;
    position += 2;
    if (flg >> 6 !== 1 || (flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corrupt('lz4', 'bad frame descriptor');
    const blockMaxCode = (bd >> 4) & 0x07;
    if (blockMaxCode < 4) throw corrupt('lz4', 'bad block maximum size');
    const blockMaxSize = 1 << (2 * blockMaxCode + 8);
    const independent = (flg & 0x20) !== 0;
    const blockChecksums = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    if ((flg & 0x08) !== 0) {
      need(8);
      const contentSize = Number(data.readBigUInt64LE(position));
      if (contentSize > maxBytes - produced) throw tooLarge('lz4', maxBytes);
      position += 8;
    }
    if ((flg & 0x01) !== 0) position += 4; // dictionary id: Kafka never uses one
    need(1);
    position += 1; // header checksum
    const frameStart = blocks.length;
    for (;;) {
      need(4);
      const word = data.readUInt32LE(position);
      position += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (size > blockMaxSize) throw corrupt('lz4', 'block larger than the frame allows');
      need(size + (blockChecksums ? 4 : 0));
      const payload = data.subarray(position, position + size);
      position += size + (blockChecksums ? 4 : 0);
      const limit = Math.min(blockMaxSize, maxBytes - produced);
      let block: Buffer;
      if (word >>> 31 === 1) {
        if (size > limit) throw tooLarge('lz4', maxBytes);
        block = payload;
      } else {
        if (limit <= 0) throw tooLarge('lz4', maxBytes);
        const dictionary = independent ? undefined : window(blocks, frameStart);
        block = decodeBlock(payload, limit, dictionary);
      }
      produced += block.length;
      blocks.push(block);
    }
    if (contentChecksum) {
      need(4);
      position += 4;
    }
  } while (position < data.length);
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, produced);
}

/** lz4-napi decodes a block behind a u32 LE size prefix and fails rather than write past it. */
function decodeBlock(payload: Buffer, limit: number, dictionary: Buffer | undefined): Buffer {
  const input = Buffer.allocUnsafe(4 + payload.length);
  input.writeUInt32LE(limit, 0);
  payload.copy(input, 4);
  try {
    return uncompressSync(input, dictionary);
  } catch (error) {
    throw corrupt('lz4', error);
  }
}

/** The last WINDOW_SIZE bytes this frame has produced, the dictionary of a linked block. */
function window(blocks: Buffer[], frameStart: number): Buffer | undefined {
  const tail: Buffer[] = [];
  let size = 0;
  for (let i = blocks.length - 1; i >= frameStart && size < WINDOW_SIZE; i--) {
    tail.unshift(blocks[i]!);
    size += blocks[i]!.length;
  }
  if (size === 0) return undefined;
  const joined = Buffer.concat(tail, size);
  return joined.subarray(Math.max(0, size - WINDOW_SIZE));
}
