import { gunzipSync, gzipSync } from 'node:zlib';
import { corrupt } from './limits.ts';

export function gzipCompress(data: Buffer): Buffer {
  return gzipSync(data);
}

/** zlib stops at maxOutputLength itself, so a bomb never gets past maxBytes of output. */
export function gzipDecompress(data: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (error) {
    throw corrupt('gzip', error);
  }
}
