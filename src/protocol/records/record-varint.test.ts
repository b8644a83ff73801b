import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode, KafkaError } from '../errors.ts';
import { RecordCursor, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './record-varint.ts';

const isCorrupt = (e: unknown): boolean => e instanceof KafkaError && e.code === ErrorCode.CORRUPT_MESSAGE;

// The cursor reads one- and two-byte varints without its general loop: every width must read the
// same, and a varint cut by the end of its region must fail, never read the byte beyond it.
test('varints of every width read back, and one cut short is CORRUPT_MESSAGE', () => {
  fc.assert(fc.property(fc.oneof(fc.integer({ min: -64, max: 63 }), fc.integer({ min: -8192, max: 8191 }), fc.integer()), fc.nat({ max: 3 }),
    (value, after) => {
      const size = sizeOfVarint(value);
      // Bytes after the varint that look like its continuation: a read must stop where the varint does.
      const buffer = Buffer.alloc(size + after, 0x81);
      assert.equal(writeVarint(buffer, 0, value), size);
      const cursor = new RecordCursor(buffer, 0, buffer.length);
      assert.equal(cursor.readVarint(), value);
      assert.equal(cursor.position, size);
      assert.throws(() => new RecordCursor(buffer, 0, size - 1).readVarint(), isCorrupt);
    }), { numRuns: 2000 });
});

// Varlongs are JavaScript numbers: exact while the zigzag value (twice the magnitude) is below 2^53.
test('varlongs read back, and one cut short is CORRUPT_MESSAGE', () => {
  fc.assert(fc.property(fc.integer({ min: -(2 ** 52) + 1, max: 2 ** 52 - 1 }), (value) => {
    const size = sizeOfVarlong(value);
    const buffer = Buffer.alloc(size + 1, 0x81);
    assert.equal(writeVarlong(buffer, 0, value), size);
    const cursor = new RecordCursor(buffer, 0, buffer.length);
    assert.equal(cursor.readVarlong(), value);
    assert.equal(cursor.position, size);
    assert.throws(() => new RecordCursor(buffer, 0, size - 1).readVarlong(), isCorrupt);
  }), { numRuns: 2000 });
});

test('nullable bytes: -1 is null, the bytes are a view of the input, a length past the end is CORRUPT_MESSAGE', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 3 }), (bytes, after) => {
    const size = sizeOfVarint(bytes.length);
    const buffer = Buffer.alloc(size + bytes.length + after, 7);
    writeVarint(buffer, 0, bytes.length);
    buffer.set(bytes, size);
    const read = new RecordCursor(buffer, 0, buffer.length).readNullableBytes();
    assert.deepEqual(read, Buffer.from(bytes));
    assert.equal(read!.buffer, buffer.buffer, 'a view, not a copy');
    assert.throws(() => new RecordCursor(buffer, 0, size + bytes.length - 1).readNullableBytes(), isCorrupt);
  }), { numRuns: 1000 });
  const nothing = Buffer.alloc(1);
  writeVarint(nothing, 0, -1);
  assert.equal(new RecordCursor(nothing, 0, 1).readNullableBytes(), null);
  const negative = Buffer.alloc(1);
  writeVarint(negative, 0, -2);
  assert.throws(() => new RecordCursor(negative, 0, 1).readNullableBytes(), isCorrupt);
});
