import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError, Reader } from './reader.ts';
import { Writer } from './writer.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const reader = (text: string): Reader => new Reader(hex(text));

test('fixed-width integers are big-endian; int64 is a bigint', () => {
  const r = reader('ff 7fff ffffffff 8000000000000000 ffff 80000000 3ff0000000000000 02');
  assert.equal(r.int8(), -1);
  assert.equal(r.int16(), 32767);
  assert.equal(r.int32(), -1);
  assert.equal(r.int64(), -(2n ** 63n));
  assert.equal(r.uint16(), 65535);
  assert.equal(r.uint32(), 2 ** 31);
  assert.equal(r.float64(), 1);
  assert.equal(r.bool(), true);
  assert.ok(r.isAtEnd());
});

test('reading past the end throws DecodeError', () => {
  assert.throws(() => reader('0000').int32(), DecodeError);
  assert.throws(() => reader('').int8(), DecodeError);
  assert.throws(() => reader('00').uuid(), DecodeError);
  const r = reader('00010203');
  r.skip(3);
  assert.throws(() => r.int16(), DecodeError);
  assert.equal(r.position, 3, 'a failed read does not move the position');
});

test('a reader never looks past the end of its frame', () => {
  const buffer = hex('00000005 0102030405');
  assert.throws(() => new Reader(buffer, 0, 6).bytes(), DecodeError);
  assert.deepEqual(new Reader(buffer, 0, 9).bytes(), hex('0102030405'));
});

test('unsigned varint bounds', () => {
  assert.equal(reader('00').unsignedVarint(), 0);
  assert.equal(reader('7f').unsignedVarint(), 127);
  assert.equal(reader('8001').unsignedVarint(), 128);
  assert.equal(reader('ffffffff0f').unsignedVarint(), 0xffffffff);
  assert.throws(() => reader('ffffffff1f').unsignedVarint(), DecodeError);
  assert.throws(() => reader('ffffffffff01').unsignedVarint(), DecodeError);
  assert.throws(() => reader('80').unsignedVarint(), DecodeError);
});

test('zigzag varint and varlong bounds', () => {
  assert.equal(reader('01').varint(), -1);
  assert.equal(reader('02').varint(), 1);
  assert.equal(reader('feffffff0f').varint(), 2147483647);
  assert.equal(reader('ffffffff0f').varint(), -2147483648);
  assert.equal(reader('ffffffffffffffffff01').varlong(), -(2n ** 63n));
  assert.equal(reader('feffffffffffffffff01').varlong(), 2n ** 63n - 1n);
  assert.throws(() => reader('ffffffffffffffffff02').varlong(), DecodeError);
  assert.throws(() => reader('ffffffffffffffffffff01').varlong(), DecodeError);
});

test('strings: null, empty, compact, and lengths that lie', () => {
  assert.equal(reader('ffff').nullableString(), null);
  assert.throws(() => reader('ffff').string(), DecodeError);
  assert.equal(reader('0000').string(), '');
  assert.equal(reader('0002 6869').string(), 'hi');
  assert.equal(reader('00').compactNullableString(), null);
  assert.throws(() => reader('00').compactString(), DecodeError);
  assert.equal(reader('01').compactString(), '');
  assert.equal(reader('03 6869').compactString(), 'hi');
  assert.throws(() => reader('fffe').nullableString(), DecodeError, 'negative other than -1');
  assert.throws(() => reader('0005 6869').string(), DecodeError, 'longer than the input');
  assert.throws(() => reader('ffffffff0f').compactString(), DecodeError);
  assert.equal(reader('0001 ff').string(), '\ufffd', 'invalid UTF-8 decodes leniently');
});

test('bytes are zero-copy views; null and negative lengths', () => {
  const buffer = hex('00000003 010203');
  const bytes = new Reader(buffer).bytes();
  assert.equal(bytes.buffer, buffer.buffer);
  assert.deepEqual(bytes, hex('010203'));
  assert.equal(reader('ffffffff').nullableBytes(), null);
  assert.throws(() => reader('ffffffff').bytes(), DecodeError);
  assert.throws(() => reader('fffffffe').nullableBytes(), DecodeError);
  assert.throws(() => reader('7fffffff 00').bytes(), DecodeError);
  assert.equal(reader('00').compactNullableBytes(), null);
  assert.deepEqual(reader('02 aa').compactBytes(), hex('aa'));
});

test('array counts must fit in the remaining input before anything is allocated', () => {
  assert.deepEqual(reader('00000002 00000001 00000002').array((r) => r.int32(), 4), [1, 2]);
  assert.throws(() => reader('00000003 00000001 00000002').array((r) => r.int32(), 4), DecodeError);
  assert.throws(() => reader('7fffffff').array((r) => r.int8()), DecodeError);
  assert.equal(reader('ffffffff').nullableArray((r) => r.int8()), null);
  assert.throws(() => reader('ffffffff').array((r) => r.int8()), DecodeError);
  assert.throws(() => reader('fffffff0').nullableArray((r) => r.int8()), DecodeError);
  assert.deepEqual(reader('03 01 02').compactArray((r) => r.int8()), [1, 2]);
  assert.equal(reader('00').compactNullableArray((r) => r.int8()), null);
  assert.throws(() => reader('ffffffff0f').compactArray((r) => r.int8()), DecodeError);
});

test('tagged fields: known tags read, unknown skipped, sizes enforced', () => {
  const seen: number[] = [];
  const r = reader('02 00 04 0000002a 05 02 abcd');
  r.taggedFields((field, tag) => {
    if (tag !== 0) return false;
    seen.push(field.int32());
    return true;
  });
  assert.deepEqual(seen, [42]);
  assert.ok(r.isAtEnd());
  assert.throws(() => reader('01 00 05 0000002a 00').taggedFields((f) => (f.int32(), true)), DecodeError);
  assert.throws(() => reader('01 00 02 0000002a').taggedFields((f) => (f.int32(), true)), DecodeError);
  assert.throws(() => reader('01 00 09 00').skipTaggedFields(), DecodeError);
  assert.throws(() => reader('05 00 00').skipTaggedFields(), DecodeError);
});

test('uuid: 16 bytes shown as unpadded URL-safe base64', () => {
  assert.equal(reader('00000000000000000000000000000000').uuid(), 'AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(reader('ffffffffffffffffffffffffffffffff').uuid(), '_____________________w');
});

test('writer output reads back (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -2147483648, max: 2147483647 }),
      fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.option(fc.string({ unit: 'binary', maxLength: 30 }), { nil: null }),
      fc.uint8Array({ maxLength: 5000 }),
      (int, long, unsigned, text, bytes) => {
        const w = new Writer(16);
        w.varint(int).varlong(long).unsignedVarint(unsigned).int64(long).int32(int);
        w.compactNullableString(text).nullableString(text).compactBytes(bytes).bytes(bytes);
        const r = new Reader(w.toBuffer());
        assert.equal(r.varint(), int);
        assert.equal(r.varlong(), long);
        assert.equal(r.unsignedVarint(), unsigned);
        assert.equal(r.int64(), long);
        assert.equal(r.int32(), int);
        assert.equal(r.compactNullableString(), text);
        assert.equal(r.nullableString(), text);
        assert.deepEqual(r.compactBytes(), Buffer.from(bytes));
        assert.deepEqual(r.bytes(), Buffer.from(bytes));
        assert.ok(r.isAtEnd());
      },
    ),
    { numRuns: 300 },
  );
});
