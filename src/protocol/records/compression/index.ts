import { promisify } from 'node:util';
import { gunzip, gzip, zstdCompress as zstdCompressCallback, zstdDecompress as zstdDecompressCallback } from 'node:zlib';
import { compressFrame } from 'lz4-napi';
import { CompressionType } from '../batch-header.ts';
import { ErrorCode, KafkaError } from '../../errors.ts';
import { gzipCompress, gzipDecompress } from './gzip.ts';
import { corrupt } from './limits.ts';
import { lz4Compress, lz4Decompress } from './lz4.ts';
import { snappyCompress, snappyDecompress } from './snappy.ts';
import { zstdCompress, zstdDecompress } from './zstd.ts';

/**
 * The record batch codecs, by the compression id in a batch's attributes. Decompression always
 * takes maxBytes: inflated output past it is refused (CORRUPT_MESSAGE) instead of allocated.
 */

export function compress(type: number, data: Buffer): Buffer {
  switch (type) {
    case CompressionType.none: return data;
    case CompressionType.gzip: return gzipCompress(data);
    case CompressionType.snappy: return snappyCompress(data);
    case CompressionType.lz4: return lz4Compress(data);
    case CompressionType.zstd: return zstdCompress(data);
    default: throw unsupported(type);
  }
}

export function decompress(type: number, data: Buffer, maxBytes: number): Buffer {
  switch (type) {
    case CompressionType.none:
      if (data.length > maxBytes) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `data is over ${maxBytes} bytes`);
      return data;
    case CompressionType.gzip: return gzipDecompress(data, maxBytes);
    case CompressionType.snappy: return snappyDecompress(data, maxBytes);
    case CompressionType.lz4: return lz4Decompress(data, maxBytes);
    case CompressionType.zstd: return zstdDecompress(data, maxBytes);
    default: throw unsupported(type);
  }
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const zstdCompressAsync = promisify(zstdCompressCallback);
const zstdDecompressAsync = promisify(zstdDecompressCallback);

/** Like compress, but gzip, zstd and lz4 run on libuv's thread pool (for producers batching off the event loop). */
export async function compressAsync(type: number, data: Buffer): Promise<Buffer> {
  switch (type) {
    case CompressionType.gzip: return gzipAsync(data);
    case CompressionType.zstd: return zstdCompressAsync(data);
    case CompressionType.lz4: return compressFrame(data);
    default: return compress(type, data);
  }
}

/** Like decompress, with the same maxBytes cap; gzip and zstd run on the thread pool. */
export async function decompressAsync(type: number, data: Buffer, maxBytes: number): Promise<Buffer> {
  const options = { maxOutputLength: Math.max(1, maxBytes) };
  try {
    switch (type) {
      case CompressionType.gzip: return await gunzipAsync(data, options);
      case CompressionType.zstd: return await zstdDecompressAsync(data, options);
      default: return decompress(type, data, maxBytes);
    }
  } catch (error) {
    throw corrupt(compressionName(type), error);
  }
}

export function isKnownCompressionType(type: number): type is CompressionType {
  return type >= CompressionType.none && type <= CompressionType.zstd;
}

export function compressionName(type: number): string {
  switch (type) {
    case CompressionType.none: return 'none';
    case CompressionType.gzip: return 'gzip';
    case CompressionType.snappy: return 'snappy';
    case CompressionType.lz4: return 'lz4';
    case CompressionType.zstd: return 'zstd';
    default: return `unknown(${type})`;
  }
}

function unsupported(type: number): KafkaError {
  return new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `unknown compression type id ${type}`);
}
