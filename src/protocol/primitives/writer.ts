import { uuidToBytes, UUID_BYTES } from './uuid.ts';
import { zigzagEncode32, zigzagEncode64 } from './varint.ts';

/** Byte and records values at least this large are appended by reference instead of copied. */
export const BY_REFERENCE_THRESHOLD = 4096;

const FIRST_CHUNK_SIZE = 256;
const MAX_CHUNK_SIZE = 64 * 1024;

/**
 * Writes Kafka's primitive types big-endian into a list of chunks. Growing starts a new chunk
 * instead of copying the old one, and large byte values become chunks of their own, so the record
 * batches of a Produce or Fetch are never copied on their way to the socket (toBuffers()).
 * A value appended by reference must not change until the writer's output has been sent.
 */
export class Writer {
  readonly #chunks: Buffer[] = [];
  #current: Buffer;
  #start = 0;
  #position = 0;
  #flushedLength = 0;

  constructor(initialSize = FIRST_CHUNK_SIZE) {
    this.#current = Buffer.allocUnsafe(Math.max(initialSize, 16));
  }

  get length(): number {
    return this.#flushedLength + this.#position - this.#start;
  }

  /** Ends the current chunk so that what follows goes after it. */
  #flush(): void {
    if (this.#position > this.#start) {
      this.#chunks.push(this.#current.subarray(this.#start, this.#position));
      this.#flushedLength += this.#position - this.#start;
      this.#start = this.#position;
    }
  }

  /** Makes room for `size` more bytes and returns where they go. */
  #reserve(size: number): number {
    if (this.#current.length - this.#position < size) {
      this.#flush();
      const next = Math.max(size, Math.min(this.#current.length * 2, MAX_CHUNK_SIZE));
      this.#current = Buffer.allocUnsafe(next);
      this.#start = 0;
      this.#position = 0;
    }
    const at = this.#position;
    this.#position += size;
    return at;
  }

  #byte(value: number): void {
    const at = this.#reserve(1);
    this.#current[at] = value;
  }

  int8(value: number): this {
    const at = this.#reserve(1);
    this.#current.writeInt8(value, at);
    return this;
  }

  int16(value: number): this {
    const at = this.#reserve(2);
    this.#current.writeInt16BE(value, at);
    return this;
  }

  int32(value: number): this {
    const at = this.#reserve(4);
    this.#current.writeInt32BE(value, at);
    return this;
  }

  int64(value: bigint): this {
    const at = this.#reserve(8);
    this.#current.writeBigInt64BE(value, at);
    return this;
  }

  uint8(value: number): this {
    const at = this.#reserve(1);
    this.#current.writeUInt8(value, at);
    return this;
  }

  uint16(value: number): this {
    const at = this.#reserve(2);
    this.#current.writeUInt16BE(value, at);
    return this;
  }

  uint32(value: number): this {
    const at = this.#reserve(4);
    this.#current.writeUInt32BE(value, at);
    return this;
  }

  float64(value: number): this {
    const at = this.#reserve(8);
    this.#current.writeDoubleBE(value, at);
    return this;
  }

  bool(value: boolean): this {
    this.#byte(value ? 1 : 0);
    return this;
  }

  uuid(value: string): this {
    const bytes = uuidToBytes(value);
    const at = this.#reserve(UUID_BYTES);
    bytes.copy(this.#current, at);
    return this;
  }

  /** Unsigned base-128 varint; `value` must be an integer in 0 .. 2^32-1. */
  unsignedVarint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RangeError(`unsigned varint out of range: ${value}`);
    }
    let v = value;
    while (v >= 0x80) {
      this.#byte((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.#byte(v);
    return this;
  }

  /** Zigzag varint of an int32. */
  varint(value: number): this {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new RangeError(`varint out of int32 range: ${value}`);
    }
    return this.unsignedVarint(zigzagEncode32(value));
  }

  /** Zigzag varlong of an int64. */
  varlong(value: bigint): this {
    if (value < -(1n << 63n) || value >= 1n << 63n) throw new RangeError(`varlong out of int64 range: ${value}`);
    let v = zigzagEncode64(value);
    while (v >= 0x80n) {
      this.#byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#byte(Number(v));
    return this;
  }

  /** Appends raw bytes: copied when small, by reference when >= BY_REFERENCE_THRESHOLD. */
  raw(value: Uint8Array): this {
    if (value.length >= BY_REFERENCE_THRESHOLD) {
      this.#flush();
      this.#chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      this.#flushedLength += value.length;
    } else if (value.length > 0) {
      const at = this.#reserve(value.length);
      this.#current.set(value, at);
    }
    return this;
  }

  /** Appends everything another writer holds, by reference. */
  append(other: Writer): this {
    this.#flush();
    for (const chunk of other.toBuffers()) {
      this.#chunks.push(chunk);
      this.#flushedLength += chunk.length;
    }
    return this;
  }

  #utf8(value: string, lengthPrefix: (length: number) => void): this {
    const length = Buffer.byteLength(value, 'utf8');
    lengthPrefix(length);
    if (length > 0) {
      const at = this.#reserve(length);
      this.#current.write(value, at, length, 'utf8');
    }
    return this;
  }

  string(value: string): this {
    return this.#utf8(value, (length) => {
      if (length > 0x7fff) throw new RangeError(`string of ${length} bytes does not fit an int16 length`);
      this.int16(length);
    });
  }

  nullableString(value: string | null): this {
    return value === null ? this.int16(-1) : this.string(value);
  }

  compactString(value: string): this {
    return this.#utf8(value, (length) => this.unsignedVarint(length + 1));
  }

  compactNullableString(value: string | null): this {
    return value === null ? this.unsignedVarint(0) : this.compactString(value);
  }

  bytes(value: Uint8Array): this {
    return this.int32(value.length).raw(value);
  }

  nullableBytes(value: Uint8Array | null): this {
    return value === null ? this.int32(-1) : this.bytes(value);
  }

  compactBytes(value: Uint8Array): this {
    return this.unsignedVarint(value.length + 1).raw(value);
  }

  compactNullableBytes(value: Uint8Array | null): this {
    return value === null ? this.unsignedVarint(0) : this.compactBytes(value);
  }

  array<T>(items: readonly T[], writeItem: (w: Writer, item: T) => void): this {
    this.int32(items.length);
    for (const item of items) writeItem(this, item);
    return this;
  }

  nullableArray<T>(items: readonly T[] | null, writeItem: (w: Writer, item: T) => void): this {
    return items === null ? this.int32(-1) : this.array(items, writeItem);
  }

  compactArray<T>(items: readonly T[], writeItem: (w: Writer, item: T) => void): this {
    this.unsignedVarint(items.length + 1);
    for (const item of items) writeItem(this, item);
    return this;
  }

  compactNullableArray<T>(items: readonly T[] | null, writeItem: (w: Writer, item: T) => void): this {
    return items === null ? this.unsignedVarint(0) : this.compactArray(items, writeItem);
  }

  /**
   * Writes a tagged-field section. `fields` must be in ascending tag order; each value is written
   * into its own writer first because its size precedes it on the wire.
   */
  taggedFields(fields: ReadonlyArray<readonly [tag: number, write: (w: Writer) => void]>): this {
    this.unsignedVarint(fields.length);
    for (const [tag, write] of fields) {
      const value = new Writer(64);
      write(value);
      this.unsignedVarint(tag).unsignedVarint(value.length).append(value);
    }
    return this;
  }

  /** The chunks written so far, in order. They share memory with the writer and appended values. */
  toBuffers(): Buffer[] {
    const chunks = this.#chunks.slice();
    if (this.#position > this.#start) chunks.push(this.#current.subarray(this.#start, this.#position));
    return chunks;
  }

  toBuffer(): Buffer {
    const chunks = this.toBuffers();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.length);
  }
}
