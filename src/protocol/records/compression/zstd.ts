import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { corrupt } from './limits.ts';

export function zstdCompress(data: Buffer): Buffer {
  return zstdCompressSync(data);
}

/** zlib stops at maxOutputLength itself, so a bomb never gets past maxBytes of output. */
export function zstdDecompress(data: Buffer, maxBytes: number): Buffer {
  try {
    return zstdDecompressSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (error) {
    throw corrupt('zstd', error);
  }
}
