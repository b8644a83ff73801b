import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import { ATTRIBUTES_OFFSET } from './batch-header.ts';

/**
 * CRC-32C (Castagnoli), the checksum of a magic v2 record batch. `initial` continues a running CRC,
 * so crc32c(b, crc32c(a)) === crc32c(concat(a, b)). Returns an unsigned 32-bit number.
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  return nativeCrc32c(data, initial) >>> 0;
}

/** The CRC a magic v2 batch at `position` should carry: CRC-32C from attributes to the batch end. */
export function computeBatchCrc(buffer: Buffer, position: number, sizeInBytes: number): number {
  return crc32c(buffer.subarray(position + ATTRIBUTES_OFFSET, position + sizeInBytes));
}
