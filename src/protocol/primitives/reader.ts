import { DecodeError } from './decode-error.ts';
import { uuidFromBytes, UUID_BYTES } from './uuid.ts';
import { zigzagDecode32, zigzagDecode64 } from './varint.ts';

export { DecodeError } from './decode-error.ts';

/**
 * Reads Kafka's primitive types from a buffer, big-endian, advancing a position.
 *
 * Invariants: a read never looks outside [start, end) of the frame it was given, and every failure
 * is a DecodeError. Lengths and counts are checked against the bytes remaining before anything is
 * allocated, so an input can never make us allocate more than it actually contains.
 * bytes/records values are zero-copy subarrays of the input: they stay valid only as long as the
 * caller keeps that buffer unchanged.
 */
export class Reader {
  readonly buffer: Buffer;
  readonly end: number;
  #position: number;

  constructor(buffer: Buffer, start = 0, end = buffer.length) {
    if (start < 0 || end > buffer.length || start > end) {
      throw new RangeError(`bad frame [${start}, ${end}) of a ${buffer.length}-byte buffer`);
    }
    this.buffer = buffer;
    this.#position = start;
    this.end = end;
  }

  get position(): number {
    return this.#position;
  }

  get remaining(): number {
    return this.end - this.#position;
  }

  isAtEnd(): boolean {
    return this.#position === this.end;
  }

  /** Advances past `size` bytes and returns where they start. */
  #take(size: number): number {
    const at = this.#position;
    if (size > this.end - at) {
      throw new DecodeError(`need ${size} bytes at offset ${at}, only ${this.end - at} left`);
    }
    this.#position = at + size;
    return at;
  }

  skip(size: number): void {
    if (size < 0) throw new DecodeError(`negative skip ${size}`);
    this.#take(size);
  }

  int8(): number {
    return this.buffer.readInt8(this.#take(1));
  }

  int16(): number {
    return this.buffer.readInt16BE(this.#take(2));
  }

  int32(): number {
    return this.buffer.readInt32BE(this.#take(4));
  }

  int64(): bigint {
    return this.buffer.readBigInt64BE(this.#take(8));
  }

  uint8(): number {
    return this.buffer[this.#take(1)]!;
  }

  uint16(): number {
    return this.buffer.readUInt16BE(this.#take(2));
  }

  uint32(): number {
    return this.buffer.readUInt32BE(this.#take(4));
  }

  float64(): number {
    return this.buffer.readDoubleBE(this.#take(8));
  }

  /** Any non-zero byte is true, as in Kafka's readers. */
  bool(): boolean {
    return this.buffer[this.#take(1)] !== 0;
  }

  uuid(): string {
    const at = this.#take(UUID_BYTES);
    return uuidFromBytes(this.buffer.subarray(at, at + UUID_BYTES));
  }

  /** Unsigned base-128 varint of at most 5 bytes whose value fits in 32 bits. */
  unsignedVarint(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.uint8();
      if (i === 4 && byte > 0x0f) throw new DecodeError('unsigned varint does not fit in 32 bits');
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return value;
    }
    throw new DecodeError('unsigned varint longer than 5 bytes');
  }

  /** Zigzag varint holding an int32. */
  varint(): number {
    return zigzagDecode32(this.unsignedVarint() >>> 0);
  }

  /** Zigzag varlong holding an int64, at most 10 bytes. */
  varlong(): bigint {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      const byte = this.uint8();
      if (i === 9 && byte > 0x01) throw new DecodeError('varlong does not fit in 64 bits');
      value |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) return zigzagDecode64(value);
    }
    throw new DecodeError('varlong longer than 10 bytes');
  }

  /** Length in the classic encoding: -1 is null, any other negative value is an error. */
  #length(length: number, what: string): number | null {
    if (length === -1) return null;
    if (length < 0) throw new DecodeError(`negative ${what} length ${length}`);
    if (length > this.remaining) {
      throw new DecodeError(`${what} length ${length} exceeds the ${this.remaining} bytes left`);
    }
    return length;
  }

  /** Length in the compact encoding (unsigned varint length+1, 0 is null). */
  #compactLength(what: string): number | null {
    return this.#length(this.unsignedVarint() - 1, what);
  }

  #utf8(length: number | null): string | null {
    if (length === null) return null;
    const at = this.#take(length);
    return this.buffer.toString('utf8', at, at + length);
  }

  #slice(length: number | null): Buffer | null {
    if (length === null) return null;
    const at = this.#take(length);
    return this.buffer.subarray(at, at + length);
  }

  nullableString(): string | null {
    return this.#utf8(this.#length(this.int16(), 'string'));
  }

  string(): string {
    return nonNullValue(this.nullableString(), 'string');
  }

  compactNullableString(): string | null {
    return this.#utf8(this.#compactLength('string'));
  }

  compactString(): string {
    return nonNullValue(this.compactNullableString(), 'string');
  }

  nullableBytes(): Buffer | null {
    return this.#slice(this.#length(this.int32(), 'bytes'));
  }

  bytes(): Buffer {
    return nonNullValue(this.nullableBytes(), 'bytes');
  }

  compactNullableBytes(): Buffer | null {
    return this.#slice(this.#compactLength('bytes'));
  }

  compactBytes(): Buffer {
    return nonNullValue(this.compactNullableBytes(), 'bytes');
  }

  /** A count of items of at least `minItemSize` bytes each: it must fit in what is left. */
  #count(count: number, minItemSize: number): number | null {
    if (count === -1) return null;
    if (count < 0) throw new DecodeError(`negative array length ${count}`);
    if (count * Math.max(minItemSize, 1) > this.remaining) {
      throw new DecodeError(`array of ${count} items cannot fit in the ${this.remaining} bytes left`);
    }
    return count;
  }

  #items<T>(count: number | null, readItem: (r: Reader) => T): T[] | null {
    if (count === null) return null;
    const items = new Array<T>(count);
    for (let i = 0; i < count; i++) items[i] = readItem(this);
    return items;
  }

  /**
   * Arrays take the minimum encoded size of one item so that a forged count is rejected up front.
   * Every item is at least one byte: zero-size items would let a tiny input claim billions of them.
   */
  nullableArray<T>(readItem: (r: Reader) => T, minItemSize = 1): T[] | null {
    return this.#items(this.#count(this.int32(), minItemSize), readItem);
  }

  array<T>(readItem: (r: Reader) => T, minItemSize = 1): T[] {
    return nonNullValue(this.nullableArray(readItem, minItemSize), 'array');
  }

  compactNullableArray<T>(readItem: (r: Reader) => T, minItemSize = 1): T[] | null {
    return this.#items(this.#count(this.unsignedVarint() - 1, minItemSize), readItem);
  }

  compactArray<T>(readItem: (r: Reader) => T, minItemSize = 1): T[] {
    return nonNullValue(this.compactNullableArray(readItem, minItemSize), 'array');
  }

  /**
   * Reads a tagged-field section. `readField` is called with the tag for each field; it reads the
   * value and returns true, or returns false for a tag it does not know, which is then skipped.
   * A known field must use exactly the size its header declares.
   */
  taggedFields(readField: (r: Reader, tag: number) => boolean): void {
    const count = this.unsignedVarint();
    for (let i = 0; i < count; i++) {
      const tag = this.unsignedVarint();
      const size = this.unsignedVarint();
      if (size > this.remaining) {
        throw new DecodeError(`tagged field ${tag} of ${size} bytes exceeds the ${this.remaining} left`);
      }
      const fieldEnd = this.#position + size;
      const field = new Reader(this.buffer, this.#position, fieldEnd);
      if (readField(field, tag) && !field.isAtEnd()) {
        throw new DecodeError(`tagged field ${tag} has ${field.remaining} unread bytes`);
      }
      this.#position = fieldEnd;
    }
  }

  /** A tagged-field section none of whose tags we know. */
  skipTaggedFields(): void {
    this.taggedFields(() => false);
  }
}

function nonNullValue<T>(value: T | null, what: string): T {
  if (value === null) throw new DecodeError(`null ${what} where the field is not nullable`);
  return value;
}
