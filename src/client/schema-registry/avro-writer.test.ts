import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import avro from 'avsc';
import fc from 'fast-check';
import { pick, randomValue, SchemaGenerator, seeded } from './avro-random-test-harness.ts';
import type { Random } from './avro-random-test-harness.ts';
import { AvroDeserializer, AvroSerializer } from './avro-serde.ts';
import { compileAvroWriter } from './avro-writer.ts';
import { SchemaRegistryClient } from './registry-client.ts';
import { startStubRegistry } from './stub-registry-test-harness.ts';
import type { StubRegistry } from './stub-registry-test-harness.ts';

/** The compiled writer's bytes for `value` behind a 5-byte header, checked to be avsc's toBuffer bytes. */
function writeBoth(schema: unknown, value: unknown): Buffer {
  const type = avro.Type.forSchema(schema as avro.Schema);
  const write = compileAvroWriter(type);
  assert.ok(write, 'the schema compiles');
  const expected = type.toBuffer(value);
  const bytes = Buffer.alloc(5 + expected.length + 64);
  const end = write(value, bytes, 5);
  assert.equal(end, 5 + expected.length, `writes ${JSON.stringify(value)}`);
  assert.deepEqual(bytes.subarray(5, end), expected);
  return expected;
}

function writerFor(schema: unknown) {
  const write = compileAvroWriter(avro.Type.forSchema(schema as avro.Schema));
  assert.ok(write);
  return write;
}

test("strings: avsc's bytes for ASCII, multi-byte UTF-8 and lone surrogates, at and around 64 bytes (where avsc switches encoders)", () => {
  const strings = ['', 'a', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(65), 'é', `${'a'.repeat(62)}é`, `${'a'.repeat(63)}é`, '中文', '😀',
    '\ud800', 'a\udc00b', `${'a'.repeat(61)}\ud800`, `${'a'.repeat(62)}\ud800`, `${'a'.repeat(70)}\ud800`, `${'é'.repeat(40)}`, '\u0000\u007f\u0080'];
  for (const s of strings) writeBoth('string', s);
  writeBoth({ type: 'map', values: 'int' }, { é: 1, '\ud800': 2, ['k'.repeat(100)]: 3 });
});

test("ints and longs: avsc's zig-zag bytes on both sides of 2^30 (its integer and floating point paths) and up to 2^53", () => {
  for (const n of [0, -0, 1, -1, 63, -64, 64, -65, 2 ** 30 - 1, 2 ** 30, -(2 ** 30), -(2 ** 30) - 1, 2 ** 31 - 1, -(2 ** 31)]) writeBoth('int', n);
  for (const n of [2 ** 31, -(2 ** 40) - 3, 1_700_000_000_000, 2 ** 52 + 1, 9007199254740990, -9007199254740990]) writeBoth('long', n);
  for (const [schema, bad] of [['int', 1.5], ['int', 2 ** 31], ['int', '1'], ['long', 9007199254740991], ['long', NaN], ['long', 2.5], ['long', 1n]] as const) {
    assert.equal(writerFor(schema)(bad, Buffer.alloc(20), 0), -1, `${schema} ${String(bad)} goes to avsc`);
  }
});

test("floats, doubles, booleans, bytes, fixed, enums: avsc's bytes; a value avsc would refuse goes to avsc (-1)", () => {
  for (const d of [0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, Math.PI]) { writeBoth('double', d); writeBoth('float', d); }
  writeBoth('boolean', true);
  writeBoth('boolean', false);
  writeBoth('bytes', Buffer.from([0, 255]));
  writeBoth('bytes', Buffer.alloc(200, 3));
  writeBoth({ type: 'fixed', name: 'F', size: 3 }, Buffer.from('abc'));
  const suit = { type: 'enum', name: 'Suit', symbols: ['SPADES', 'HEARTS'] };
  writeBoth(suit, 'HEARTS');
  for (const [schema, bad] of [['boolean', 1], ['double', '1'], ['bytes', new Uint8Array(2)], [{ type: 'fixed', name: 'G', size: 3 }, Buffer.from('ab')],
    [suit, 'CLUBS'], [suit, 'constructor'], ['null', undefined], ['string', 5]] as const) {
    assert.equal(writerFor(schema)(bad, Buffer.alloc(300), 0), -1);
  }
});

test("records, arrays, maps, unions: nested and recursive, defaults for fields left out, each union branch by the value's kind", () => {
  const list = { type: 'record', name: 'Cell', fields: [{ name: 'head', type: 'int' }, { name: 'tail', type: ['null', 'Cell'], default: null }] };
  writeBoth(list, { head: 1, tail: { head: 2, tail: { head: 3 } } });
  const withDefaults = { type: 'record', name: 'D', fields: [{ name: 'a', type: 'string', default: 'x' }, { name: 'b', type: { type: 'array', items: 'long' }, default: [1, 2] }] };
  writeBoth(withDefaults, {});
  writeBoth(withDefaults, { a: 'y', b: [] });
  const union = ['null', 'string', 'long', { type: 'array', items: 'int' }, { type: 'map', values: 'string' }, 'boolean', 'bytes'];
  for (const v of [null, 'x', 42, [1, 2], { a: 'b' }, true, Buffer.from([1])]) writeBoth(union, v);
  assert.equal(writerFor(union)(undefined, Buffer.alloc(20), 0), -1);
  assert.equal(writerFor(['null', 'int'])(1.5, Buffer.alloc(20), 0), -1);
  assert.equal(writerFor(list)({ tail: null }, Buffer.alloc(20), 0), -1, 'a field without a default, left out, goes to avsc (which throws)');
  assert.equal(writerFor(list)('not a record', Buffer.alloc(20), 0), -1);
});

test("random schemas and values: avsc's bytes, and in a buffer of any size either those or -1, never a position past the end", () => {
  fc.assert(fc.property(fc.integer(), (seed) => {
    const random = seeded(seed);
    const schema = new SchemaGenerator(random).schema(0, random() < 0.7 ? 'record' : undefined);
    const type = avro.Type.forSchema(schema as avro.Schema);
    const value = randomValue(type, random);
    const expected = writeBoth(schema, value);
    const write = compileAvroWriter(type)!;
    for (let size = 0; size < expected.length + 12; size++) {
      const bytes = Buffer.alloc(size);
      const end = write(value, bytes, 0);
      if (end === -1) continue;
      assert.equal(end, expected.length);
      assert.deepEqual(bytes, Buffer.concat([expected, Buffer.alloc(size - expected.length)]).subarray(0, size));
    }
  }), { numRuns: 300 });
});

const JUNK: readonly unknown[] = [undefined, null, 1.5, -1, 2 ** 40, 2 ** 31, NaN, 'x', '', true, [], {}, Buffer.from([1]), [1, 'a'], { a: 1 }, 'S0', 0];

/** The value with one slot (the value itself, a field, an item or an entry) replaced by junk. */
function mutate(value: unknown, random: Random): unknown {
  const slots: { parent: Record<string, unknown>; key: string }[] = [];
  const visit = (v: unknown) => {
    if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return;
    for (const key of Object.keys(v)) {
      slots.push({ parent: v as Record<string, unknown>, key });
      visit((v as Record<string, unknown>)[key]);
    }
  };
  visit(value);
  if (slots.length === 0 || random() < 0.1) return pick(random, JUNK);
  const slot = pick(random, slots);
  if (random() < 0.15) delete slot.parent[slot.key];
  else slot.parent[slot.key] = pick(random, JUNK);
  return value;
}

test('random values with a slot replaced by junk: whatever the compiled writer writes, avsc writes the same; the rest it leaves to avsc', () => {
  let written = 0;
  fc.assert(fc.property(fc.integer(), (seed) => {
    const random = seeded(seed);
    const schema = new SchemaGenerator(random).schema(0, random() < 0.7 ? 'record' : undefined);
    const type = avro.Type.forSchema(schema as avro.Schema);
    const value = mutate(randomValue(type, random), random);
    const bytes = Buffer.alloc(4096);
    const end = compileAvroWriter(type)!(value, bytes, 0);
    if (end === -1) return;
    written++;
    assert.deepEqual(bytes.subarray(0, end), type.toBuffer(value), `avsc writes ${JSON.stringify(schema)} the same`);
  }), { numRuns: 1000 });
  assert.ok(written > 100, 'most junk in optional places still writes');
});

let registry: StubRegistry;
before(async () => { registry = await startStubRegistry(); });
after(() => registry.close());

test("through the serializer: avsc's error for a value it refuses, records that cross the slab's end intact", async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const schema = { type: 'record', name: 'Event', fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }, { name: 'tag', type: 'string', default: 't' }] };
  const serializer = new AvroSerializer(client, { schema });
  const refused = { id: 1.5, name: 'x' };
  const avscError = (() => { try { avro.Type.forSchema(schema as avro.Schema).toBuffer(refused); } catch (e) { return (e as Error).message; } })();
  assert.ok(avscError);
  await assert.rejects(serializer.serialize('events', refused), (e: unknown) => e instanceof Error && e.message === avscError);
  const deserializer = new AvroDeserializer(client);
  const values = Array.from({ length: 3000 }, (_, i) => ({ id: i * 1_000_003, name: `event-${'é'.repeat(i % 50)}-${i}`, tag: i % 2 === 0 ? 'even' : 'odd' }));
  const written = [];
  for (const value of values) written.push(await serializer.serialize('events', value));
  for (let i = 0; i < values.length; i++) assert.deepEqual({ ...await deserializer.deserialize('events', written[i]!) as object }, values[i]);
  assert.deepEqual({ ...await deserializer.deserialize('events', await serializer.serialize('events', { id: 5, name: 'n' })) as object }, { id: 5, name: 'n', tag: 't' });
});
