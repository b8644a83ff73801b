import { consumerProtocolAssignment, type ConsumerProtocolAssignment } from '../protocol/generated/consumer-protocol-assignment.ts';
import { consumerProtocolSubscription, type ConsumerProtocolSubscription } from '../protocol/generated/consumer-protocol-subscription.ts';
import type { MessageCodec } from '../protocol/primitives/message-codec.ts';
import { Reader } from '../protocol/primitives/reader.ts';
import { Writer } from '../protocol/primitives/writer.ts';

/**
 * The "consumer" protocol type's member metadata and assignment: an int16 version, then the body
 * of that version. Readers take newer versions than they know by reading the fields they know
 * (Kafka's rule for these two schemas), so decoding caps the version at the codec's max.
 */
function encode<T>(codec: MessageCodec<T>, value: T, version: number): Buffer {
  const w = new Writer();
  w.int16(version);
  codec.encode(w, value, version);
  return w.toBuffer();
}

function decode<T>(codec: MessageCodec<T>, bytes: Buffer): T {
  const r = new Reader(bytes);
  const version = r.int16();
  return codec.decode(r, Math.min(Math.max(version, codec.minVersion), codec.maxVersion));
}

export const SUBSCRIPTION_VERSION = 3;
export const ASSIGNMENT_VERSION = 3;

export function encodeSubscription(value: ConsumerProtocolSubscription, version = SUBSCRIPTION_VERSION): Buffer {
  return encode(consumerProtocolSubscription, value, version);
}
export function decodeSubscription(bytes: Buffer): ConsumerProtocolSubscription {
  return decode(consumerProtocolSubscription, bytes);
}
export function encodeAssignment(value: ConsumerProtocolAssignment, version = ASSIGNMENT_VERSION): Buffer {
  return encode(consumerProtocolAssignment, value, version);
}
export function decodeAssignment(bytes: Buffer): ConsumerProtocolAssignment {
  if (bytes.length === 0) return { assignedPartitions: [], userData: null };
  return decode(consumerProtocolAssignment, bytes);
}
