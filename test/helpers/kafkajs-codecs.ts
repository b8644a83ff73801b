/**
 * Registers snappy, lz4 and zstd with KafkaJS, which ships gzip only. snappy comes from npm's
 * kafkajs-snappy. kafkajs-lz4 does not load on Node 24 (its native `lz4` addon fails to register),
 * and there is no maintained zstd plugin, so those two are small codecs over independent
 * implementations (lz4-napi's LZ4 frame format, node:zlib's zstd): the broker's own codec is not
 * used, so a mistake in it cannot cancel itself out.
 */
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { compressFrame, decompressFrame } from 'lz4-napi';
import kafkajs from 'kafkajs';

const require = createRequire(import.meta.url);

interface KafkaJsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

export function lz4Codec(): KafkaJsCodec {
  return {
    compress: async (encoder) => compressFrame(encoder.buffer),
    decompress: async (buffer) => decompressFrame(buffer),
  };
}

export function zstdCodec(): KafkaJsCodec {
  return {
    compress: async (encoder) => zstdCompressSync(encoder.buffer),
    decompress: async (buffer) => zstdDecompressSync(buffer),
  };
}

/** KafkaJS keeps its codecs in a process-wide table; registering twice is harmless. */
export function registerKafkaJsCodecs(): void {
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  // kafkajs-snappy writes raw snappy (no xerial framing), as KafkaJS users send it in practice.
  const snappyCodec = require('kafkajs-snappy') as () => KafkaJsCodec;
  const codecs = CompressionCodecs as unknown as Record<number, () => KafkaJsCodec>;
  codecs[CompressionTypes.Snappy] = snappyCodec;
  codecs[CompressionTypes.LZ4] = lz4Codec;
  codecs[CompressionTypes.ZSTD] = zstdCodec;
}
