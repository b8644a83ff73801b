import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/**
 * Encoder and decoder of one message (all its versions), as generated from Kafka's JSON specs.
 * `encode` throws a plain Error for a programming error (unsupported version, a value the version
 * cannot carry); `decode` throws only DecodeError. Methods, not function properties, so that a
 * MessageCodec<ProduceRequest> can be held as a MessageCodec<unknown> in the API table.
 */
export interface MessageCodec<T> {
  readonly name: string;
  /** The API key; -1 for headers and data specs. */
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The first flexible (compact, tagged) version; Infinity when the message is never flexible. */
  readonly flexibleMinVersion: number;
  encode(w: Writer, value: T, version: number): void;
  decode(r: Reader, version: number): T;
}
