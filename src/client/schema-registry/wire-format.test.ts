import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeMessageIndexes, encodeMessageIndexes, header, readSchemaId, SerializationError } from './wire-format.ts';

test('the header is magic byte 0 and the schema id as a big-endian int32', () => {
  assert.deepEqual([...header(0x01020304)], [0, 1, 2, 3, 4]);
  assert.equal(readSchemaId(Buffer.from([0, 0, 0, 1, 0x2c, 99])), 300);
});

test('bytes that are not in the wire format throw SerializationError: a magic byte other than 0, fewer than 5 bytes', () => {
  assert.throws(() => readSchemaId(Buffer.from([1, 0, 0, 0, 1])), (e: unknown) => e instanceof SerializationError && /unknown magic byte 1/.test(e.message));
  assert.throws(() => readSchemaId(Buffer.from([0, 0, 1])), SerializationError);
});

test("message indexes as Confluent writes them: [0] is the single byte 0, others a zigzag count then zigzag indexes", () => {
  assert.deepEqual([...encodeMessageIndexes([0])], [0]);
  assert.deepEqual([...encodeMessageIndexes([1])], [2, 2]);
  assert.deepEqual([...encodeMessageIndexes([1, 0])], [4, 2, 0]);
  assert.deepEqual([...encodeMessageIndexes([0, 64])], [4, 0, 0x80, 0x01]);
  assert.deepEqual(decodeMessageIndexes(Buffer.from([9, 0, 0x0a]), 1), { indexes: [0], offset: 2 });
  assert.deepEqual(decodeMessageIndexes(Buffer.from([4, 2, 0, 0x0a]), 0), { indexes: [1, 0], offset: 3 });
});

test('message indexes round-trip', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 30 }), { minLength: 1, maxLength: 20 }), (indexes) => {
    const bytes = encodeMessageIndexes(indexes);
    assert.deepEqual(decodeMessageIndexes(bytes, 0), { indexes, offset: bytes.length });
  }));
});

test('message index decoding of random bytes throws only SerializationError and never reads past the end', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
    try {
      const { indexes, offset } = decodeMessageIndexes(bytes, 0);
      assert.ok(offset <= bytes.length);
      assert.ok(indexes.length <= Math.max(1, bytes.length));
    } catch (error) {
      assert.ok(error instanceof SerializationError, String(error));
    }
  }));
});
