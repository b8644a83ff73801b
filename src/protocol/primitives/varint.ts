/**
 * Varints as Kafka uses them. Protocol lengths and tags are unsigned base-128 varints (no zigzag,
 * at most 5 bytes, value fits 32 bits). Record fields use zigzag varints (int32, <= 5 bytes) and
 * varlongs (int64, <= 10 bytes).
 */

export const MAX_VARINT_BYTES = 5;
export const MAX_VARLONG_BYTES = 10;

/** Bytes the unsigned varint encoding of `value` (0 .. 2^32-1) takes. */
export function unsignedVarintSize(value: number): number {
  let v = value >>> 0;
  let size = 1;
  while (v >= 0x80) {
    v >>>= 7;
    size++;
  }
  return size;
}

export function zigzagEncode32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

export function zigzagDecode32(value: number): number {
  return (value >>> 1) ^ -(value & 1);
}

const MASK64 = (1n << 64n) - 1n;

export function zigzagEncode64(value: bigint): bigint {
  return ((value << 1n) ^ (value >> 63n)) & MASK64;
}

export function zigzagDecode64(value: bigint): bigint {
  return (value >> 1n) ^ -(value & 1n);
}

/** Bytes the zigzag varint encoding of an int32 takes. */
export function varintSize(value: number): number {
  return unsignedVarintSize(zigzagEncode32(value));
}

/** Bytes the zigzag varlong encoding of an int64 takes. */
export function varlongSize(value: bigint): number {
  let v = zigzagEncode64(value);
  let size = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    size++;
  }
  return size;
}
