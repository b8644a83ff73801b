import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import avro from 'avsc';
import { compileAvroReader } from './avro-reader.ts';
import { SHORT_STRING_BYTES } from './avro-string.ts';
import { AvroDeserializer, AvroSerializer } from './avro-serde.ts';
import { SchemaRegistryClient } from './registry-client.ts';
import { startStubRegistry } from './stub-registry-test-harness.ts';
import type { StubRegistry } from './stub-registry-test-harness.ts';
import { SerializationError } from './wire-format.ts';

/** The compiled reader's value for `bytes`, checked against avsc's decode of the same bytes. */
function readBoth(schema: unknown, bytes: Buffer, options?: Parameters<typeof avro.Type.forSchema>[1]): unknown {
  const type = avro.Type.forSchema(schema as avro.Schema, options);
  const read = compileAvroReader(type);
  assert.ok(read, 'the schema compiles');
  const theirs = type.decode(bytes, 0);
  assert.ok(theirs.offset >= 0, 'avsc reads the bytes');
  const ours = read(bytes, 0);
  assert.deepStrictEqual(ours, theirs.value);
  return ours;
}

/** Encodes `value` with avsc and reads it back with the compiled reader: the value itself, as avsc reads it. */
function roundTrip(schema: unknown, value: unknown): unknown {
  const type = avro.Type.forSchema(schema as avro.Schema);
  return readBoth(schema, type.toBuffer(value));
}

/** A zig-zag varint of any size, as Java's encoder writes longs (for bytes avsc's encoder refuses to write). */
function zigzag(value: bigint): number[] {
  let v = value >= 0n ? value << 1n : ((-value) << 1n) - 1n;
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function readerFor(schema: unknown) {
  const read = compileAvroReader(avro.Type.forSchema(schema as avro.Schema));
  assert.ok(read);
  return read;
}

test('strings: empty, ASCII around the short-string limit, multi-byte UTF-8 short and long, malformed UTF-8 as avsc decodes it', () => {
  const strings = ['', 'a', 'NL', 'x'.repeat(SHORT_STRING_BYTES - 1), 'y'.repeat(SHORT_STRING_BYTES), 'z'.repeat(SHORT_STRING_BYTES + 1),
    `${'a'.repeat(SHORT_STRING_BYTES - 2)}é`, 'é', 'héllo', '中文字', '😀', `${'a'.repeat(20)}é`, 'ü'.repeat(30), `${'a'.repeat(100)}😀${'b'.repeat(100)}`, 'a\u0000b', '\u007f'];
  for (const s of strings) assert.equal(roundTrip('string', s), s);
  // 0x80 and 0xff alone are not UTF-8: both readers make U+FFFD of them, never Latin-1 characters.
  for (const bad of [[0x80], [0x61, 0xff, 0x62], [0xc3], [0xe4, 0xb8]]) {
    const value = readBoth('string', Buffer.from([...zigzag(BigInt(bad.length)), ...bad]));
    assert.ok((value as string).includes('\ufffd'));
  }
});

test('ints and longs: zero, ±1, the int32 limits, every varint length, the largest longs avsc reads; past them its precision-loss error', () => {
  const ints = [0, 1, -1, 63, -64, 64, 8191, 8192, -8193, 1 << 20, 2 ** 31 - 1, -(2 ** 31)];
  for (const n of ints) assert.equal(roundTrip('int', n), n);
  const longs = [...ints, 2 ** 32, -(2 ** 35) - 7, 1_700_000_000_000, -1_700_000_000_001, 2 ** 50 + 1, -(2 ** 50) - 3];
  for (const n of longs) assert.equal(roundTrip('long', n), n);
  // Near 2^53 avsc's own encoder rounds; the exact bytes Java writes read as avsc reads them.
  for (const n of [9007199254740990n, -9007199254740990n, 2n ** 52n + 1n, -(2n ** 52n) - 3n]) readBoth('long', Buffer.from(zigzag(n)));
  const readLong = readerFor('long');
  for (const beyond of [9007199254740993n, -9007199254740993n, 2n ** 62n]) {
    const bytes = Buffer.from(zigzag(beyond));
    assert.throws(() => avro.Type.forSchema('long').decode(bytes, 0), /potential precision loss/);
    assert.throws(() => readLong(bytes, 0), /potential precision loss/);
  }
  // An int written with more bytes than an int needs: avsc reads it as a number all the same, and so do we.
  readBoth('int', Buffer.from(zigzag(2n ** 40n)));
});

test('floats and doubles: NaN, ±Infinity, -0, the smallest subnormal, float rounding', () => {
  for (const d of [0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, Math.PI, -1e-300]) {
    assert.ok(Object.is(roundTrip('double', d), d));
  }
  for (const f of [0, -0, NaN, Infinity, -Infinity, 1.5, Math.fround(Math.PI), 3.4e38]) {
    assert.ok(Object.is(roundTrip('float', f), Math.fround(f)));
  }
});

test('arrays and maps: empty, several blocks, negative block counts followed by the block size in bytes', () => {
  assert.deepStrictEqual(roundTrip({ type: 'array', items: 'string' }, []), []);
  assert.deepStrictEqual(roundTrip({ type: 'map', values: 'long' }, {}), {});
  assert.deepStrictEqual(roundTrip({ type: 'array', items: { type: 'array', items: 'int' } }, [[], [1, -2], []]), [[], [1, -2], []]);
  // Java's BufferedBinaryEncoder writes blocks as -count, byteSize, items; later blocks append.
  const items = Buffer.from([...zigzag(-2n), ...zigzag(2n), ...zigzag(5n), ...zigzag(-6n), ...zigzag(1n), ...zigzag(7n), 0]);
  assert.deepStrictEqual(readBoth({ type: 'array', items: 'int' }, items), [5, -6, 7]);
  const entries = Buffer.from([...zigzag(-1n), ...zigzag(3n), ...zigzag(1n), 0x61, 0x01, ...zigzag(1n), ...zigzag(1n), 0x62, 0x00, 0]);
  assert.deepStrictEqual(readBoth({ type: 'map', values: 'boolean' }, entries), { a: true, b: false });
  // Items of no bytes at all (null) in a block of many.
  assert.deepStrictEqual(readBoth({ type: 'array', items: 'null' }, Buffer.from([...zigzag(1000n), 0])), new Array(1000).fill(null));
});

test("records: nested, recursive (a list and a tree), each an instance of avsc's record class as avsc's own decode returns", () => {
  const list = { type: 'record', name: 'Cell', namespace: 'com.example', fields: [{ name: 'head', type: 'int' }, { name: 'tail', type: ['null', 'Cell'] }] };
  const value = { head: 1, tail: { head: 2, tail: { head: 3, tail: null } } };
  const read = roundTrip(list, value) as { constructor: { name: string }; toBuffer(): Buffer };
  assert.deepEqual(JSON.parse(JSON.stringify(read)), value);
  assert.equal(read.constructor.name, 'Cell');
  assert.deepEqual(read.toBuffer(), avro.Type.forSchema(list as avro.Schema).toBuffer(value));
  const tree = { type: 'record', name: 'Tree', fields: [{ name: 'label', type: 'string' }, { name: 'children', type: { type: 'array', items: 'Tree' } }] };
  roundTrip(tree, { label: 'root', children: [{ label: 'a', children: [] }, { label: 'b', children: [{ label: 'c', children: [] }] }] });
  const nested = {
    type: 'record', name: 'Outer', fields: [
      { name: 'inner', type: { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'double' }, { name: 'empty', type: { type: 'record', name: 'Empty', fields: [] } }] } },
      { name: 'again', type: 'Inner' }, { name: 'byName', type: { type: 'map', values: 'Inner' } }],
  };
  roundTrip(nested, { inner: { x: 1.5, empty: {} }, again: { x: -0, empty: {} }, byName: { k: { x: NaN, empty: {} } } });
});

test("enums, fixed, bytes and unions read as avsc reads them; a bad union or enum index is avsc's error", () => {
  const suit = { type: 'enum', name: 'Suit', symbols: ['SPADES', 'HEARTS', 'DIAMONDS'] };
  assert.equal(roundTrip(suit, 'DIAMONDS'), 'DIAMONDS');
  assert.deepStrictEqual(roundTrip({ type: 'fixed', name: 'Md5', size: 16 }, Buffer.alloc(16, 7)), Buffer.alloc(16, 7));
  assert.deepStrictEqual(roundTrip({ type: 'fixed', name: 'Nothing', size: 0 }, Buffer.alloc(0)), Buffer.alloc(0));
  for (const bytes of [Buffer.alloc(0), Buffer.from([0, 1, 0xff]), Buffer.alloc(300, 1)]) assert.deepStrictEqual(roundTrip('bytes', bytes), bytes);
  const union = ['null', 'string', 'long', { type: 'array', items: 'int' }, { type: 'map', values: 'string' }, 'boolean', 'bytes'];
  for (const v of [null, 'x', 42, [1, 2], { a: 'b' }, true, Buffer.from([1])]) assert.deepStrictEqual(roundTrip(union, v), v);
  assert.equal(roundTrip(['string', 'null'], null), null);
  assert.throws(() => readerFor(['null', 'string'])(Buffer.from(zigzag(2n)), 0), /invalid union index: 2/);
  assert.throws(() => readerFor(['null', 'string'])(Buffer.from(zigzag(-1n)), 0), /invalid union index: -1/);
  assert.throws(() => readerFor(suit)(Buffer.from(zigzag(3n)), 0), /invalid Suit enum index: 3/);
  assert.throws(() => avro.Type.forSchema(suit as avro.Schema).decode(Buffer.from(zigzag(3n)), 0), /invalid Suit enum index: 3/);
});

test('bytes that end early throw SerializationError at every cut, also in a view of larger memory that goes on with the record', () => {
  const schema = {
    type: 'record', name: 'Everything', fields: [
      { name: 'id', type: 'long' }, { name: 'name', type: 'string' }, { name: 'score', type: 'double' }, { name: 'ratio', type: 'float' },
      { name: 'ok', type: 'boolean' }, { name: 'tags', type: { type: 'array', items: 'string' } }, { name: 'attrs', type: { type: 'map', values: 'int' } },
      { name: 'blob', type: 'bytes' }, { name: 'hash', type: { type: 'fixed', name: 'H', size: 4 } }, { name: 'maybe', type: ['null', 'string'] },
      { name: 'big', type: 'long' }],
  };
  const type = avro.Type.forSchema(schema as avro.Schema);
  const bytes = type.toBuffer({ id: 300, name: 'tést', score: 2.5, ratio: 0.5, ok: true, tags: ['a', 'bb'], attrs: { k: 1 },
    blob: Buffer.from([9, 9]), hash: Buffer.from('abcd'), maybe: 'yes', big: 1_700_000_000_000 });
  const read = compileAvroReader(type)!;
  assert.deepStrictEqual(read(bytes, 0), type.decode(bytes, 0).value);
  for (let cut = 0; cut < bytes.length; cut++) {
    const view = bytes.subarray(0, cut);
    assert.throws(() => read(view, 0), (e: unknown) => e instanceof SerializationError && e.message === `Avro payload truncated: ${cut} bytes`);
    const theirs = (() => { try { return type.decode(view, 0).offset; } catch { return -1; } })();
    assert.equal(theirs, -1, `avsc also refuses ${cut} bytes`);
  }
  // Lengths and counts beyond the bytes left, and negative lengths: truncation, not a huge allocation or a loop.
  for (const [itemSchema, garbage] of [['string', zigzag(2n ** 40n)], ['bytes', zigzag(-5n)], [{ type: 'array', items: 'long' }, zigzag(2n ** 31n)],
    [{ type: 'map', values: 'null' }, zigzag(-(2n ** 31n))]] as const) {
    assert.throws(() => readerFor(itemSchema)(Buffer.from([...garbage, 1, 2, 3]), 0), SerializationError);
  }
});

test('schemas with logical types, wrapped unions or a custom long are not compiled: the deserializer decodes those with avsc', () => {
  assert.equal(compileAvroReader(avro.Type.forSchema({ type: 'int', logicalType: 'date' } as avro.Schema, { logicalTypes: { date: DateType } })), undefined);
  assert.equal(compileAvroReader(avro.Type.forSchema(['int', 'long'] as avro.Schema, { wrapUnions: 'auto' })), undefined);
  assert.equal(compileAvroReader(avro.Type.forSchema(['null', 'string'] as avro.Schema, { wrapUnions: true })), undefined);
  const withLogical = { type: 'record', name: 'R', fields: [{ name: 'n', type: 'string' }, { name: 'when', type: { type: 'long', logicalType: 'custom' } }] };
  assert.equal(compileAvroReader(avro.Type.forSchema(withLogical as avro.Schema, { logicalTypes: { custom: DateType } })), undefined);
  // An unknown logicalType is its underlying type (the Avro spec), which compiles.
  assert.ok(compileAvroReader(avro.Type.forSchema(withLogical as avro.Schema)));
});

class DateType extends avro.types.LogicalType {
  override _fromValue(value: number): Date { return new Date(value * 86_400_000); }
  override _toValue(date: Date): number { return Math.floor(date.getTime() / 86_400_000); }
}

let registry: StubRegistry;
before(async () => { registry = await startStubRegistry(); });
after(() => registry.close());

test("through the deserializer: the compiled reader's records, avsc's for logical types and reader schemas, truncation one error for all", async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const schema = { type: 'record', name: 'Reading', fields: [{ name: 'sensor', type: 'string' }, { name: 'day', type: { type: 'int', logicalType: 'date' } }] };
  const avroOptions = { logicalTypes: { date: DateType } };
  const day = new Date(19_000 * 86_400_000);
  const data = await new AvroSerializer(client, { schema, avroOptions }).serialize('readings', { sensor: 's1', day });
  assert.deepEqual({ ...await new AvroDeserializer(client, { avroOptions }).deserialize('readings', data) as object }, { sensor: 's1', day });
  assert.deepEqual({ ...await new AvroDeserializer(client).deserialize('readings', data) as object }, { sensor: 's1', day: 19_000 });
  const reader = { type: 'record', name: 'Reading', fields: [{ name: 'sensor', type: 'string' }] };
  for (const deserializer of [new AvroDeserializer(client), new AvroDeserializer(client, { readerSchema: reader })]) {
    await assert.rejects(deserializer.deserialize('readings', data.subarray(0, 7)), (e: unknown) => e instanceof SerializationError && /truncated: 7 bytes/.test(e.message));
  }
});
