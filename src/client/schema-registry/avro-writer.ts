/**
 * Avro's binary encoding, compiled once per writer schema into one JavaScript function, for the
 * serializer: avsc's encode calls through a type object per field and makes a Tap per record; the
 * generated function writes fields straight into the serializer's slab, short ASCII strings byte
 * by byte. It keeps bench/schema-registry-serde.ts' serializing well above 2x
 * @kafkajs/confluent-schema-registry (which encodes with avsc) on a noisy machine.
 *
 * What must stay true: for every value it writes, the bytes are avsc's, exactly (its zig-zag
 * arithmetic, its union branch by the value's bucket, its record defaults, its UTF-8 for strings,
 * lone surrogates included). It writes only values whose shape it checks as avsc's `_write`s do,
 * and answers -1 for anything else — a value avsc would refuse, one it is unsure of, or no room left
 * in `bytes` — so that the caller encodes that record with avsc, which writes it or throws avsc's
 * own error: avsc's behaviour, errors included, is kept by construction. Schemas with logical types,
 * wrapped unions or types a typeHook made get no compiled writer.
 */
import type avro from 'avsc';
import { isCompilableAvroType } from './avro-reader.ts';
import type { AvroTypeView } from './avro-reader.ts';
import { GeneratedSource } from './avro-generated-source.ts';

/** Writes `value` at `offset` and answers where it ends; -1 when avsc must write it (see above). */
export type AvroBinaryWriter = (value: unknown, bytes: Buffer, offset: number) => number;

/** A writer for values of `type`, or undefined when the schema holds a type not compiled here. */
export function compileAvroWriter(type: avro.Type): AvroBinaryWriter | undefined {
  const root = type as unknown as AvroTypeView;
  if (!isCompilableAvroType(root)) return undefined;
  return new WriterCompiler().compile(root);
}

interface Utf8Writer {
  utf8Write(s: string, offset: number, length: number): number;
}

/** The most bytes a zig-zag varint of a safe integer takes. */
const MAX_VARINT_BYTES = 10;

/** avsc's Tap.writeLong, exactly (integer arithmetic below 2^30, floating point above); answers the position after. */
function writeVarint(bytes: Uint8Array, pos: number, n: number): number {
  if (n >= -1073741824 && n < 1073741824) {
    let m = n >= 0 ? n << 1 : (~n << 1) | 1;
    while (m > 0x7f) {
      bytes[pos++] = (m & 0x7f) | 0x80;
      m >>= 7;
    }
    bytes[pos++] = m;
    return pos;
  }
  let f = n >= 0 ? n * 2 : (-n * 2) - 1;
  while (f >= 128) {
    bytes[pos++] = (f & 0x7f) | 0x80;
    f /= 128;
  }
  bytes[pos++] = f & 0x7f;
  return pos;
}

/**
 * A string's length and UTF-8 bytes as avsc's Tap.writeString writes them: Buffer.byteLength's
 * count, then Buffer's utf8Write above 64 bytes and avsc's own encoder at or below (which writes a
 * lone surrogate as its 3-byte form where utf8Write writes U+FFFD). -1 when `bytes` has no room.
 */
function writeString(bytes: Buffer, pos: number, s: string): number {
  if (s.length < 64 && pos + 1 + s.length <= bytes.length) {
    // Short ASCII, the common case: the count fits one byte and each character is its byte.
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      bytes[pos + 1 + i] = c;
    }
    if (i === s.length) {
      bytes[pos] = s.length << 1;
      return pos + 1 + s.length;
    }
  }
  const length = Buffer.byteLength(s);
  if (pos + MAX_VARINT_BYTES + length > bytes.length) return -1;
  pos = writeVarint(bytes, pos, length);
  if (length > 64) {
    (bytes as unknown as Utf8Writer).utf8Write(s, pos, length);
    return pos + length;
  }
  let out = pos;
  for (let i = 0; i < s.length; i++) {
    let c1 = s.charCodeAt(i);
    let c2: number;
    if (c1 < 0x80) {
      bytes[out++] = c1;
    } else if (c1 < 0x800) {
      bytes[out++] = (c1 >> 6) | 0xc0;
      bytes[out++] = (c1 & 0x3f) | 0x80;
    } else if ((c1 & 0xfc00) === 0xd800 && ((c2 = s.charCodeAt(i + 1)) & 0xfc00) === 0xdc00) {
      c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (c2 & 0x03ff);
      i++;
      bytes[out++] = (c1 >> 18) | 0xf0;
      bytes[out++] = ((c1 >> 12) & 0x3f) | 0x80;
      bytes[out++] = ((c1 >> 6) & 0x3f) | 0x80;
      bytes[out++] = (c1 & 0x3f) | 0x80;
    } else {
      bytes[out++] = (c1 >> 12) | 0xe0;
      bytes[out++] = ((c1 >> 6) & 0x3f) | 0x80;
      bytes[out++] = (c1 & 0x3f) | 0x80;
    }
  }
  return pos + length;
}

/** avsc's getValueBucket: which branch of an unwrapped union a value goes to. */
function valueBucket(value: unknown): string {
  if (value === null) return 'null';
  const bucket = typeof value;
  if (bucket === 'object') {
    if (Array.isArray(value)) return 'array';
    if (Buffer.isBuffer(value)) return 'buffer';
  }
  return bucket;
}

/** avsc's getTypeBucket. */
function typeBucket(type: AvroTypeView): string {
  switch (type.typeName) {
    case 'double': case 'float': case 'int': case 'long': return 'number';
    case 'bytes': case 'fixed': return 'buffer';
    case 'enum': return 'string';
    case 'map': case 'record': case 'error': return 'object';
    default: return type.typeName;
  }
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Writes the writer's source: a function per named record, the root's fields inline in the entry
 * function, `pos` local, -1 returned at the first value or room check that fails. Record defaults,
 * enum indexes and scratch arrays are passed in as `k<n>`; field names (Avro names, checked against
 * the spec's pattern) are the only schema text in the source, as in avsc's own generated writers.
 */
class WriterCompiler {
  readonly #source = new GeneratedSource();

  compile(root: AvroTypeView): AvroBinaryWriter {
    return this.#source.build<AvroBinaryWriter>([
      'return function writeAvro(value, bytes, offset) {',
      '  const end = bytes.length;',
      '  let pos = offset;',
      ...this.#write(root, 'value', true).map((line) => `  ${line}`),
      '  return pos;',
      '};',
    ], { writeVarint, writeString, valueBucket });
  }

  #constant(value: unknown): string {
    return this.#source.constant(value);
  }

  #name(prefix: string): string {
    return this.#source.name(prefix);
  }

  /** Statements that write the value in variable `v` of `type` at `pos`, or return -1. */
  #write(type: AvroTypeView, v: string, inline = false): string[] {
    switch (type.typeName) {
      case 'null': return [`if (${v} !== null) return -1;`];
      case 'boolean': return [`if (typeof ${v} !== 'boolean' || pos >= end) return -1;`, `bytes[pos++] = ${v} ? 1 : 0;`];
      case 'int': return [`if (${v} !== (${v} | 0) || pos + 5 > end) return -1;`, ...this.#varint(v)];
      case 'long': return [
        `if (typeof ${v} !== 'number' || ${v} % 1 || !(${v} >= -9007199254740990 && ${v} <= 9007199254740990) || pos + ${MAX_VARINT_BYTES} > end) return -1;`,
        ...this.#varint(v),
      ];
      case 'float': return this.#floating(v, 4);
      case 'double': return this.#floating(v, 8);
      case 'string': return [`if (typeof ${v} !== 'string') return -1;`, `pos = writeString(bytes, pos, ${v});`, 'if (pos < 0) return -1;'];
      case 'bytes': return [
        `if (!Buffer.isBuffer(${v}) || pos + ${MAX_VARINT_BYTES} + ${v}.length > end) return -1;`,
        `pos = writeVarint(bytes, pos, ${v}.length);`, `${v}.copy(bytes, pos);`, `pos += ${v}.length;`,
      ];
      case 'fixed': {
        const size = Number(type.size);
        return [`if (!Buffer.isBuffer(${v}) || ${v}.length !== ${size} || pos + ${size} > end) return -1;`, `${v}.copy(bytes, pos);`, `pos += ${size};`];
      }
      case 'enum': {
        const index = this.#name('e');
        const indexes = this.#constant(new Map(type.symbols!.map((symbol, i) => [symbol, i])));
        return [`const ${index} = ${indexes}.get(${v});`, `if (${index} === undefined || pos + 5 > end) return -1;`, ...this.#varint(index)];
      }
      case 'union:unwrapped': return this.#union(type, v);
      case 'array': return this.#array(type, v);
      case 'map': return this.#map(type, v);
      case 'record': case 'error':
        if (inline) return this.#recordFields(type, v);
        return [`pos = ${this.#recordFunction(type)}(${v}, bytes, pos);`, 'if (pos < 0) return -1;'];
      default: throw new TypeError(`no compiled writer for Avro type ${type.typeName}`);
    }
  }

  /** A zig-zag varint (room checked by the caller): the one-byte case inline. */
  #varint(v: string): string[] {
    return [`if (${v} >= -64 && ${v} < 64) bytes[pos++] = ${v} >= 0 ? ${v} << 1 : (~${v} << 1) | 1;`, `else pos = writeVarint(bytes, pos, ${v});`];
  }

  /** A float or double through a scratch typed array, as Buffer's writeFloatLE / writeDoubleLE do. */
  #floating(v: string, size: 4 | 8): string[] {
    const check = `if (typeof ${v} !== 'number' || pos + ${size} > end) return -1;`;
    const scratch = size === 8 ? new Float64Array(1) : new Float32Array(1);
    const octets = new Uint8Array(scratch.buffer);
    scratch[0] = 1;
    if (octets[size - 1] === 0) return [check, `bytes.${size === 8 ? 'writeDoubleLE' : 'writeFloatLE'}(${v}, pos);`, `pos += ${size};`];
    const [s, o] = [this.#constant(scratch), this.#constant(octets)];
    return [check, `${s}[0] = ${v};`, ...Array.from({ length: size }, (_, i) => `bytes[pos + ${i}] = ${o}[${i}];`), `pos += ${size};`];
  }

  /** avsc's unwrapped union: the branch of the value's bucket, its index, then the value (nothing for null). */
  #union(type: AvroTypeView, v: string): string[] {
    const lines = [`switch (valueBucket(${v})) {`];
    type.types!.forEach((branch, i) => {
      lines.push(`  case '${typeBucket(branch)}': {`, `    if (pos + ${MAX_VARINT_BYTES} > end) return -1;`, i < 64 ? `    bytes[pos++] = ${i << 1};` : `    pos = writeVarint(bytes, pos, ${i});`,
        ...this.#write(branch, v).map((line) => `    ${line}`), '    break;', '  }');
    });
    lines.push('  default: return -1;', '}');
    return lines;
  }

  /** avsc writes an array as one block (its length, its items) and the closing 0. */
  #array(type: AvroTypeView, v: string): string[] {
    const [index, item] = [this.#name('i'), this.#name('x')];
    return [
      `if (!Array.isArray(${v}) || pos + ${MAX_VARINT_BYTES + 1} > end) return -1;`,
      `if (${v}.length > 0) {`,
      `  pos = writeVarint(bytes, pos, ${v}.length);`,
      `  for (let ${index} = 0; ${index} < ${v}.length; ${index}++) {`,
      `    const ${item} = ${v}[${index}];`,
      ...this.#write(type.itemsType!, item).map((line) => `    ${line}`),
      '  }',
      '  if (pos >= end) return -1;',
      '}',
      'bytes[pos++] = 0;',
    ];
  }

  /** avsc writes a map's Object.keys as one block: count, then key and value each, then 0. */
  #map(type: AvroTypeView, v: string): string[] {
    const [keys, index, key, item] = [this.#name('keys'), this.#name('i'), this.#name('key'), this.#name('x')];
    return [
      `if (!${v} || typeof ${v} !== 'object' || Array.isArray(${v}) || pos + ${MAX_VARINT_BYTES + 1} > end) return -1;`,
      `const ${keys} = Object.keys(${v});`,
      `if (${keys}.length > 0) {`,
      `  pos = writeVarint(bytes, pos, ${keys}.length);`,
      `  for (let ${index} = 0; ${index} < ${keys}.length; ${index}++) {`,
      `    const ${key} = ${keys}[${index}];`,
      `    pos = writeString(bytes, pos, ${key});`,
      '    if (pos < 0) return -1;',
      `    const ${item} = ${v}[${key}];`,
      ...this.#write(type.valuesType!, item).map((line) => `    ${line}`),
      '  }',
      '  if (pos >= end) return -1;',
      '}',
      'bytes[pos++] = 0;',
    ];
  }

  /** The fields in schema order; an undefined field with a default writes the default's bytes, as avsc's writer does. */
  #recordFields(type: AvroTypeView, v: string): string[] {
    const lines = [`if (${v} === null || typeof ${v} !== 'object') return -1;`];
    for (const field of type.fields!) {
      if (!FIELD_NAME.test(field.name)) throw new TypeError(`Avro field name ${JSON.stringify(field.name)}`);
      const value = this.#name('f');
      lines.push(`const ${value} = ${v}.${field.name};`);
      const fallback = field.defaultValue();
      if (fallback === undefined) {
        lines.push(...this.#write(field.type, value));
        continue;
      }
      const bytes = this.#constant((field.type as unknown as avro.Type).toBuffer(fallback));
      lines.push(`if (${value} === undefined) {`, `  if (pos + ${bytes}.length > end) return -1;`, `  ${bytes}.copy(bytes, pos);`, `  pos += ${bytes}.length;`,
        '} else {', ...this.#write(field.type, value).map((line) => `  ${line}`), '}');
    }
    return lines;
  }

  #recordFunction(type: AvroTypeView): string {
    return this.#source.recordFunction(type, 'write', (name) => [
      `function ${name}(value, bytes, pos) {`,
      '  const end = bytes.length;',
      ...this.#recordFields(type, 'value').map((line) => `  ${line}`),
      '  return pos;',
      '}',
    ]);
  }
}
