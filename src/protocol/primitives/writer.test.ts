import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unsignedVarintSize, varintSize, varlongSize } from './varint.ts';
import { BY_REFERENCE_THRESHOLD, Writer } from './writer.ts';

const bytesOf = (w: Writer): string => w.toBuffer().toString('hex');

test('fixed-width values are big-endian', () => {
  const w = new Writer();
  w.int8(-1).int16(258).int32(-2).int64(1n).uint16(65535).uint32(0xffffffff).float64(1).bool(true).bool(false);
  assert.equal(bytesOf(w), 'ff' + '0102' + 'fffffffe' + '0000000000000001' + 'ffff' + 'ffffffff' + '3ff0000000000000' + '0100');
  assert.equal(w.length, 31);
});

test('out-of-range values are programming errors, not silent truncation', () => {
  assert.throws(() => new Writer().int8(128));
  assert.throws(() => new Writer().int16(40000));
  assert.throws(() => new Writer().unsignedVarint(-1));
  assert.throws(() => new Writer().unsignedVarint(2 ** 32));
  assert.throws(() => new Writer().varint(2 ** 31));
  assert.throws(() => new Writer().varlong(2n ** 63n));
  assert.throws(() => new Writer().uuid('not-a-uuid'));
  assert.throws(() => new Writer().string('x'.repeat(40000)));
});

test('varints: sizes and encodings at the bounds', () => {
  const cases: Array<[number, string]> = [[0, '00'], [127, '7f'], [128, '8001'], [16383, 'ff7f'], [16384, '808001'],
    [0xffffffff, 'ffffffff0f']];
  for (const [value, encoded] of cases) {
    assert.equal(bytesOf(new Writer().unsignedVarint(value)), encoded);
    assert.equal(unsignedVarintSize(value), encoded.length / 2);
  }
  assert.equal(bytesOf(new Writer().varint(-1)), '01');
  assert.equal(bytesOf(new Writer().varint(-2147483648)), 'ffffffff0f');
  assert.equal(varintSize(-2147483648), 5);
  assert.equal(bytesOf(new Writer().varlong(-(2n ** 63n))), 'ffffffffffffffffff01');
  assert.equal(varlongSize(-(2n ** 63n)), 10);
  assert.equal(varlongSize(0n), 1);
});

test('strings and bytes: null, empty and compact forms', () => {
  assert.equal(bytesOf(new Writer().nullableString(null)), 'ffff');
  assert.equal(bytesOf(new Writer().string('')), '0000');
  assert.equal(bytesOf(new Writer().compactNullableString(null)), '00');
  assert.equal(bytesOf(new Writer().compactString('')), '01');
  assert.equal(bytesOf(new Writer().compactString('é')), '03c3a9');
  assert.equal(bytesOf(new Writer().nullableBytes(null)), 'ffffffff');
  assert.equal(bytesOf(new Writer().compactNullableBytes(null)), '00');
  assert.equal(bytesOf(new Writer().compactBytes(Buffer.from([1]))), '0201');
  assert.equal(bytesOf(new Writer().nullableArray(null, (w, x: number) => w.int8(x))), 'ffffffff');
  assert.equal(bytesOf(new Writer().compactArray([1, 2], (w, x) => w.int8(x))), '030102');
});

test('large byte values are appended by reference, small ones copied', () => {
  const big = Buffer.alloc(BY_REFERENCE_THRESHOLD, 7);
  const small = Buffer.alloc(10, 8);
  const w = new Writer();
  w.int32(1).bytes(big).bytes(small).int8(0);
  const chunks = w.toBuffers();
  assert.ok(chunks.includes(big) || chunks.some((c) => c.buffer === big.buffer && c.length === big.length));
  assert.ok(!chunks.some((c) => c.buffer === small.buffer));
  assert.equal(w.length, 4 + 4 + big.length + 4 + 10 + 1);
  const all = w.toBuffer();
  assert.equal(all.length, w.length);
  assert.deepEqual(all.subarray(8, 8 + big.length), big);
  assert.equal(all.readInt32BE(8 + big.length), 10);
});

test('growing keeps earlier chunks intact', () => {
  const w = new Writer(16);
  for (let i = 0; i < 10000; i++) w.int32(i);
  const all = w.toBuffer();
  assert.equal(all.length, 40000);
  for (let i = 0; i < 10000; i++) assert.equal(all.readInt32BE(i * 4), i);
  assert.equal(w.toBuffers().reduce((n, c) => n + c.length, 0), 40000);
});

test('a value that straddles a chunk boundary is written whole', () => {
  const w = new Writer(16);
  w.int32(1).int32(2).int32(3).int64(-1n).string('hello world, this is longer than a chunk');
  const r = w.toBuffer();
  assert.equal(r.readBigInt64BE(12), -1n);
  assert.equal(r.toString('utf8', 22), 'hello world, this is longer than a chunk');
});

test('tagged fields carry their size', () => {
  const w = new Writer();
  w.taggedFields([[0, (t) => t.int32(42)], [3, (t) => t.compactString('ab')]]);
  assert.equal(bytesOf(w), '02' + '00' + '04' + '0000002a' + '03' + '03' + '036162');
  assert.equal(bytesOf(new Writer().taggedFields([])), '00');
});
