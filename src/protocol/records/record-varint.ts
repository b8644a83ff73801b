import { ErrorCode, KafkaError } from '../errors.ts';

/**
 * The zigzag varints of records inside a batch (ByteUtils.java in Kafka): zigzag, then unsigned
 * base-128, at most 5 bytes for a varint and 10 for a varlong. Varlongs are JavaScript numbers:
 * exact below 2^53, which offsets and timestamp deltas never reach. These sit here rather than in
 * primitives/ because record bodies are read straight from Buffers, off the request Reader.
 */

export function sizeOfVarint(value: number): number {
  return sizeOfUnsigned(((value << 1) ^ (value >> 31)) >>> 0);
}

export function sizeOfVarlong(value: number): number {
  return sizeOfUnsigned(zigzagLong(value));
}

/** Writes a zigzag varint at `position`; returns the position after it. */
export function writeVarint(buffer: Buffer, position: number, value: number): number {
  return writeUnsigned(buffer, position, ((value << 1) ^ (value >> 31)) >>> 0);
}

export function writeVarlong(buffer: Buffer, position: number, value: number): number {
  return writeUnsigned(buffer, position, zigzagLong(value));
}

function zigzagLong(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function sizeOfUnsigned(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

function writeUnsigned(buffer: Buffer, position: number, value: number): number {
  while (value >= 0x80) {
    buffer[position++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  buffer[position++] = value;
  return position;
}

/**
 * A cursor over one bounded region of a buffer: every read checks `end`, so a record that lies
 * about its lengths fails with CORRUPT_MESSAGE instead of reading its neighbour's bytes.
 */
export class RecordCursor {
  readonly buffer: Buffer;
  position: number;
  end: number;

  constructor(buffer: Buffer, position: number, end: number) {
    this.buffer = buffer;
    this.position = position;
    this.end = end;
  }

  get remaining(): number { return this.end - this.position; }

  readInt8(): number {
    this.require(1);
    return (this.buffer[this.position++]! << 24) >> 24;
  }

  readVarint(): number {
    // Most varints in a record are one byte (small deltas, -1 for null, lengths under 64) or two
    // (lengths under 8 KiB): read those without the general loop.
    const buffer = this.buffer;
    const position = this.position;
    const available = this.end - position;
    if (available >= 1) {
      const first = buffer[position]!;
      if (first < 0x80) {
        this.position = position + 1;
        return (first >>> 1) ^ -(first & 1);
      }
      const second = available >= 2 ? buffer[position + 1]! : 0x80;
      if (second < 0x80) {
        this.position = position + 2;
        const value = (first & 0x7f) | (second << 7);
        return (value >>> 1) ^ -(value & 1);
      }
    }
    return this.#readLongVarint();
  }

  #readLongVarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.require(1);
      const byte = this.buffer[this.position++]!;
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        if (shift === 28 && byte > 0x0f) break;
        return (value >>> 1) ^ -(value & 1);
      }
    }
    throw corruptRecord('varint is too long');
  }

  readVarlong(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      this.require(1);
      const byte = this.buffer[this.position++]!;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      scale *= 0x80;
    }
    throw corruptRecord('varlong is too long');
  }

  /** A varint length then that many bytes; -1 reads as null. The bytes are a view, not a copy. */
  readNullableBytes(): Buffer | null {
    const length = this.readVarint();
    if (length === -1) return null;
    const start = this.position;
    if (length < 0 || length > this.end - start) throw corruptRecord(length < 0 ? `negative length ${length}` : 'record ends before its fields do');
    this.position = start + length;
    return this.buffer.subarray(start, start + length);
  }

  private require(bytes: number): void {
    if (this.end - this.position < bytes) throw corruptRecord('record ends before its fields do');
  }
}

export function corruptRecord(reason: string): KafkaError {
  return new KafkaError(ErrorCode.CORRUPT_MESSAGE, `corrupt record: ${reason}`);
}
