/**
 * Seeded random Avro schemas and values for the compiled reader's and writer's property tests:
 * records, unions avsc leaves unwrapped (one branch per value bucket), arrays, maps, enums, fixed
 * and every primitive, with values that reach multi-byte UTF-8, large longs and NaN. A seed replays
 * a case.
 */
import avro from 'avsc';

export type Random = () => number;

export function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'string', 'bytes'];
/** Union branches avsc tells apart by the value alone (so it leaves the union unwrapped): one per bucket. */
const BUCKETS: Record<string, readonly string[]> = {
  null: ['null'], boolean: ['boolean'], number: ['int', 'long', 'float', 'double'], string: ['string', 'enum'],
  bytes: ['bytes', 'fixed'], array: ['array'], object: ['map', 'record'],
};

export class SchemaGenerator {
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
        const extra = Array.from({ length: Math.floor(random() * 4) }, (_, i) => this.#field(`f${i + 1}`, this.schema(depth + 1)));
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

  /** A field, with a default now and then (which a value may then leave out). */
  #field(name: string, type: unknown): unknown {
    const defaults: Record<string, unknown> = { string: 'dflt', int: 7, long: -70, boolean: true, double: 0.5, null: null };
    if (typeof type === 'string' && type in defaults && this.#random() < 0.4) return { name, type, default: defaults[type] };
    if (Array.isArray(type) && type[0] === 'null' && this.#random() < 0.4) return { name, type, default: null };
    return { name, type };
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

const CHARACTERS = ['a', 'Z', '0', ' ', '/', '\u0000', '\u007f', 'é', 'ß', '中', '€', '😀', '\ud800', '\udc00'];

/** A value of `type` (avsc's type object), plain objects for records. */
export function randomValue(type: avro.Type, random: Random): unknown {
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
    case 'record': {
      const fields = t.fields as { name: string; type: avro.Type; defaultValue(): unknown }[];
      // A field with a default is left out now and then: avsc writes the default.
      return Object.fromEntries(fields.filter((field) => field.defaultValue() === undefined || random() < 0.7)
        .map((field) => [field.name, randomValue(field.type, random)]));
    }
    case 'union:unwrapped': return randomValue(pick(random, t.types as avro.Type[]), random);
    default: throw new Error(`no value for ${t.typeName}`);
  }
}
