import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import fc from 'fast-check';
import { compileAvroReader } from './avro-reader.ts';
import { SerializationError } from './wire-format.ts';

/**
 * The compiled reader against avsc's decode over random schemas and values: the same value for
 * every record avsc writes, truncation at every cut, and for mutated bytes either avsc's value or an
 * error where avsc fails too. Schemas and values come from a seeded generator, so a failure's seed
 * (printed by fast-check) replays it.
 */

type Random = () => number;

function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'string', 'bytes'];
/** Union branches avsc tells apart by the value alone (so it leaves the union unwrapped): one per bucket. */
const BUCKETS: Record<string, readonly string[]> = {
  null: ['null'], boolean: ['boolean'], number: ['int', 'long', 'float', 'double'], string: ['string', 'enum'],
  bytes: ['bytes', 'fixed'], array: ['array'], object: ['map', 'record'],
};

class SchemaGenerator {
  readonly #random: Random;
  #names = 0;

  constructor(random: Random) {
    this.#random = random;
  }

  schema(depth: number, kind = this.#kind(depth)): unknown {
    const random = this.#random;
    switch (kind) {
      case 'enum': return { type: 'enum', name: this.#name(), symbols: Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => `S${i}`) };
      case 'fixed': return { type: 'fixed', name: this.#name(), size: Math.floor(random() * 6) };
      case 'array': return { type: 'array', items: this.#sized(depth + 1) };
      case 'map': return { type: 'map', values: this.#sized(depth + 1) };
      case 'record': {
        const extra = Array.from({ length: Math.floor(random() * 4) }, (_, i) => ({ name: `f${i + 1}`, type: this.schema(depth + 1) }));
        return { type: 'record', name: this.#name(), fields: [{ name: 'f0', type: this.#sized(depth + 1) }, ...extra] };
      }
      case 'union': {
        const buckets = Object.keys(BUCKETS).filter(() => random() < 0.5);
        if (buckets.length === 0) buckets.push('null', 'string');
        return buckets.map((bucket) => this.schema(depth + 1, pick(random, BUCKETS[bucket]!)));
      }
      default: return kind;
    }
  }

  #kind(depth: number): string {
    if (depth >= 3 || this.#random() < 0.5) return pick(this.#random, PRIMITIVES);
    return pick(this.#random, ['enum', 'fixed', 'array', 'map', 'record', 'union']);
  }

  /** A type whose values take at least a byte (arrays of nothing could declare any count). */
  #sized(depth: number): unknown {
    const schema = this.schema(depth);
    return schema === 'null' ? 'int' : schema;
  }

  #name(): string {
    return `T${this.#names++}`;
  }
}

const CHARACTERS = ['a', 'Z', '0', ' ', '/', '\u0000', '\u007f', 'é', 'ß', '中', '€', '😀'];

/** A value of `type` (avsc's type object), plain objects for records. */
function randomValue(type: avro.Type, random: Random): unknown {
  const t = type as unknown as Record<string, never> & { typeName: string };
  const magnitude = (bits: number) => Math.floor(random() * 2 ** Math.floor(random() * bits)) * (random() < 0.5 ? -1 : 1);
  switch (t.typeName) {
    case 'null': return null;
    case 'boolean': return random() < 0.5;
    case 'int': return magnitude(31);
    case 'long': return magnitude(52);
    case 'float': case 'double':
      return random() < 0.2 ? pick(random, [NaN, Infinity, -Infinity, -0, 0]) : magnitude(40) / 7;
    case 'string': {
      const length = random() < 0.1 ? 40 + Math.floor(random() * 100) : Math.floor(random() * 30);
      const ascii = random() < 0.6;
      return Array.from({ length }, () => pick(random, ascii ? CHARACTERS.slice(0, 7) : CHARACTERS)).join('');
    }
    case 'bytes': return Buffer.from(Array.from({ length: Math.floor(random() * 20) }, () => Math.floor(random() * 256)));
    case 'fixed': return Buffer.from(Array.from({ length: t.size }, () => Math.floor(random() * 256)));
    case 'enum': return pick(random, t.symbols as string[]);
    case 'array': return Array.from({ length: Math.floor(random() * 5) }, () => randomValue(t.itemsType, random));
    case 'map': return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, (_, i) => [`k${i}${randomValue(avro.Type.forSchema('string'), random)}`, randomValue(t.valuesType, random)]));
    case 'record': return Object.fromEntries((t.fields as { name: string; type: avro.Type }[]).map((field) => [field.name, randomValue(field.type, random)]));
    case 'union:unwrapped': return randomValue(pick(random, t.types as avro.Type[]), random);
    default: throw new Error(`no value for ${t.typeName}`);
  }
}

function randomCase(seed: number) {
  const random = seeded(seed);
  const schema = new SchemaGenerator(random).schema(0, random() < 0.7 ? 'record' : undefined);
  const type = avro.Type.forSchema(schema as avro.Schema);
  const read = compileAvroReader(type);
  assert.ok(read, `compiles ${JSON.stringify(schema)}`);
  const value = randomValue(type, random);
  return { random, schema, type, read, bytes: type.toBuffer(value) };
}

/** avsc's value, or undefined when it reports the bytes truncated or throws. */
function avscDecode(type: avro.Type, bytes: Buffer, offset: number): { value: unknown } | undefined {
  try {
    const { value, offset: end } = type.decode(bytes, offset);
    return end < 0 ? undefined : { value };
  } catch {
    return undefined;
  }
}

test("random schemas and values: avsc's value after a header and before trailing bytes, truncation at every cut", () => {
  fc.assert(fc.property(fc.integer(), (seed) => {
    const { type, read, bytes } = randomCase(seed);
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), bytes, Buffer.from([0xff, 0x80, 7])]);
    const theirs = avscDecode(type, framed, 5);
    assert.ok(theirs, 'avsc reads what it wrote');
    assert.deepStrictEqual(read(framed, 5), theirs.value);
    for (let cut = 5; cut < 5 + bytes.length; cut++) {
      const view = framed.subarray(0, cut);
      assert.throws(() => read(view, 5), (e: unknown) => e instanceof SerializationError && e.message === `Avro payload truncated: ${cut} bytes`);
      assert.equal(avscDecode(type, view, 5), undefined);
    }
  }), { numRuns: 400 });
});

test("mutated bytes: avsc's value when avsc reads them, an Error when it does not", () => {
  fc.assert(fc.property(fc.integer(), (seed) => {
    const { random, schema, type, read, bytes } = randomCase(seed);
    if (bytes.length === 0) return;
    const mutated = Buffer.from(bytes);
    for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips--) {
      mutated[Math.floor(random() * mutated.length)] = random() < 0.3 ? pick(random, [0x00, 0x7f, 0x80, 0xff]) : Math.floor(random() * 256);
    }
    let ours: { value: unknown } | undefined;
    let truncation = false;
    try {
      ours = { value: read(mutated, 0) };
    } catch (error) {
      assert.ok(error instanceof Error);
      truncation = error instanceof SerializationError;
    }
    if (ours !== undefined) {
      const theirs = avscDecode(type, mutated, 0);
      assert.ok(theirs, 'avsc reads what we read');
      assert.deepStrictEqual(ours.value, theirs.value);
    } else if (!truncation || !/"(array|map)"/.test(JSON.stringify(schema))) {
      // A mutated block count can send avsc's reader around a loop billions of times (it checks the
      // end only at the end), where ours refuses a count the bytes left cannot hold: a truncation
      // with arrays or maps is not replayed through avsc. Any other error comes after counts that
      // passed that check, so avsc gets there too.
      assert.equal(avscDecode(type, mutated, 0), undefined, 'avsc refuses what we refuse');
    }
  }), { numRuns: 1000 });
});
