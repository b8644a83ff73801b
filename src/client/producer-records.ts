import { ErrorCode } from '../protocol/errors.ts';
import { CompressionType } from '../protocol/records/batch-header.ts';
import type { RecordHeader } from '../protocol/records/record-batch-builder.ts';
import type { Delivery, RecordMetadata } from './accumulator.ts';
import { KafkaClientError } from './errors.ts';

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export type Bytes = Buffer | Uint8Array | string;

export interface ProducerRecord {
  readonly topic: string;
  readonly key?: Bytes | null;
  readonly value: Bytes | null;
  readonly headers?: Record<string, Bytes | null> | ReadonlyArray<{ key: string; value: Bytes | null }>;
  readonly partition?: number;
  readonly timestamp?: number;
}

/** A record's bytes as they go into a batch, and its size estimate (against batch.size and buffer.memory). */
export interface SerializedRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeader[] | undefined;
  readonly size: number;
}

export function toBuffer(value: Bytes | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return Buffer.from(value);
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

export function toHeaders(headers: ProducerRecord['headers']): RecordHeader[] | undefined {
  if (headers === undefined) return undefined;
  const list = Array.isArray(headers) ? headers as ReadonlyArray<{ key: string; value: Bytes | null }>
    : Object.entries(headers as Record<string, Bytes | null>).map(([key, value]) => ({ key, value }));
  return list.map((h) => ({ key: h.key, value: toBuffer(h.value) }));
}

export const COMPRESSION: Record<CompressionName, CompressionType> = {
  none: CompressionType.none, gzip: CompressionType.gzip, snappy: CompressionType.snappy, lz4: CompressionType.lz4, zstd: CompressionType.zstd,
};

export function closedError(topic: string): KafkaClientError {
  return new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `send to ${topic}`, 'producer is closed', { retriable: false });
}

/** One promise for a whole sendBatch: each record's slot is its index in the call. */
export class AllDelivered implements Delivery {
  readonly promise: Promise<RecordMetadata[]>;
  readonly #results: RecordMetadata[];
  readonly #resolve: (results: RecordMetadata[]) => void;
  readonly #reject: (error: Error) => void;
  #remaining: number;

  constructor(count: number) {
    const { promise, resolve, reject } = Promise.withResolvers<RecordMetadata[]>();
    this.promise = promise;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#results = new Array<RecordMetadata>(count);
    this.#remaining = count;
    if (count === 0) resolve(this.#results);
  }

  resolve(metadata: RecordMetadata, slot: number): void {
    this.#results[slot] = metadata;
    if (--this.#remaining === 0) this.#resolve(this.#results);
  }

  /** The first failure settles the promise; later ones change nothing, as with Promise.all. */
  reject(error: Error): void {
    this.#reject(error);
  }
}
