/**
 * Avro's binary decoding, compiled once per writer schema into one JavaScript function, for the
 * deserializer's common case: the record read with the schema it was written with (no reader
 * schema). avsc's own decode walks a tree of type objects (a call per field through `_read`) and
 * makes every string with a C++ call; with it our deserializer could not go past avsc's speed, short
 * of the 2x @kafkajs/confluent-schema-registry that bench/schema-registry-serde.ts asks for. The
 * generated function reads straight from the bytes, fields in local variables, the varints'
 * shortest cases inline, and makes short ASCII strings in JavaScript (avro-string.ts).
 *
 * What must stay true: the values are avsc's, exactly (the same record objects, made by avsc's
 * record constructors; unions unwrapped as avsc's default; longs as numbers, with avsc's 'potential
 * precision loss' beyond 2^53; avsc's errors for a bad union or enum index), and bytes that are not
 * a whole record throw (SerializationError 'Avro payload truncated', as avsc's decode reports them)
 * before anything is read past the end. Schemas with what is not compiled here (logical types,
 * wrapped unions, types a typeHook made) get no compiled reader: the caller decodes with avsc.
 * As avsc, an array of values that take no bytes (nulls) is read for whatever count it declares.
 */
import type avro from 'avsc';
import { GeneratedSource } from './avro-generated-source.ts';
import { decodeAvroString } from './avro-string.ts';
import { SerializationError } from './wire-format.ts';

/** Decodes the Avro value that starts at `offset` in `bytes` (bytes after it are ignored, as avsc does). */
export type AvroBinaryReader = (bytes: Buffer, offset: number) => unknown;

/** The parts of avsc's type objects a reader or writer is compiled from. */
export interface AvroTypeView {
  readonly typeName: string;
  readonly name?: string;
  readonly fields?: readonly { readonly name: string; readonly type: AvroTypeView; defaultValue(): unknown }[];
  readonly recordConstructor?: unknown;
  readonly types?: readonly AvroTypeView[];
  readonly itemsType?: AvroTypeView;
  readonly valuesType?: AvroTypeView;
  readonly symbols?: readonly string[];
  readonly size?: number;
}

/** Where a generated function left off, handed between the functions of one reader. */
interface Cursor {
  pos: number;
}

const COMPILED_TYPES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'string', 'bytes', 'fixed',
  'enum', 'union:unwrapped', 'array', 'map', 'record', 'error']);

/** A reader for values written with `type`, or undefined when the schema holds a type not compiled here. */
export function compileAvroReader(type: avro.Type): AvroBinaryReader | undefined {
  const root = type as unknown as AvroTypeView;
  if (!isCompilableAvroType(root)) return undefined;
  return new ReaderCompiler().compile(root);
}

/** Whether the schema holds only types the compiled reader and writer handle as avsc does. */
export function isCompilableAvroType(type: AvroTypeView): boolean {
  return compilable(type, new Set());
}

function compilable(type: AvroTypeView, seen: Set<AvroTypeView>): boolean {
  if (seen.has(type)) return true;
  seen.add(type);
  if (!COMPILED_TYPES.has(type.typeName)) return false;
  switch (type.typeName) {
    case 'record': case 'error':
      return typeof type.recordConstructor === 'function' && type.fields!.every((field) => compilable(field.type, seen));
    case 'union:unwrapped': return type.types!.every((branch) => compilable(branch, seen));
    case 'array': return compilable(type.itemsType!, seen);
    case 'map': return compilable(type.valuesType!, seen);
    case 'fixed': return Number.isSafeInteger(type.size) && type.size! >= 0;
    default: return true;
  }
}

/** Whether every value of `type` takes at least one byte: then a block count beyond the bytes left is truncation. */
function takesBytes(type: AvroTypeView, visiting: Set<AvroTypeView>): boolean {
  switch (type.typeName) {
    case 'null': return false;
    case 'fixed': return type.size! > 0;
    case 'record': case 'error': {
      if (visiting.has(type)) return false;
      visiting.add(type);
      const any = type.fields!.some((field) => takesBytes(field.type, visiting));
      visiting.delete(type);
      return any;
    }
    default: return true;
  }
}

/** The error avsc's decode reports as offset -1: the bytes end before the value does. */
export function truncated(bytes: Uint8Array): SerializationError {
  return new SerializationError(`Avro payload truncated: ${bytes.length} bytes`);
}

/**
 * A zig-zag varint of more than one byte, read as avsc's Tap.readLong reads it (integer arithmetic
 * for the first 28 bits, floating point after), so that even a malformed int decodes to avsc's
 * number. Unrolled for the 2 to 4 byte cases; leaves the position after it in `cursor`. A byte
 * past the end is undefined, which fails `< 128`: the checks for it sit on the continuing path only.
 */
function readVarint(bytes: Uint8Array, pos: number, cursor: Cursor): number {
  let b = bytes[pos++]!;
  let n = b & 0x7f;
  if (b === undefined) throw truncated(bytes);
  b = bytes[pos++]!;
  n |= (b & 0x7f) << 7;
  if (b < 128) return zigzag(n, pos, cursor);
  b = bytes[pos++]!;
  n |= (b & 0x7f) << 14;
  if (b < 128) return zigzag(n, pos, cursor);
  b = bytes[pos++]!;
  n |= (b & 0x7f) << 21;
  if (b < 128) return zigzag(n, pos, cursor);
  if (b === undefined) throw truncated(bytes);
  let f = n;
  let fk = 268435456;
  do {
    b = bytes[pos++]!;
    if (b === undefined) throw truncated(bytes);
    f += (b & 0x7f) * fk;
    fk *= 128;
  } while (b >= 128);
  cursor.pos = pos;
  // avsc's `f % 2` is fmod on a double, a C call: below 2^53 the parity is the first byte's low bit;
  // above, every double is even (and Infinity or NaN give NaN, falsy too).
  return ((f < 9007199254740992 ? n & 1 : 0) ? -(f + 1) : f) / 2;
}

function zigzag(n: number, pos: number, cursor: Cursor): number {
  cursor.pos = pos;
  return (n >> 1) ^ -(n & 1);
}

/** A long as avsc reads one: a number, refused beyond what a double holds exactly (avsc's isSafeLong). */
function readLongVarint(bytes: Uint8Array, pos: number, cursor: Cursor): number {
  const n = readVarint(bytes, pos, cursor);
  if (!(n >= -9007199254740990 && n <= 9007199254740990)) throw new Error('potential precision loss');
  return n;
}

/** Avro bytes and fixed as avsc returns them: a Buffer of their own. */
function copyBytes(bytes: Buffer, start: number, length: number): Buffer {
  const copy = Buffer.allocUnsafe(length);
  bytes.copy(copy, 0, start, start + length);
  return copy;
}

/**
 * Writes the reader's source: every named record gets a function (recursive schemas call it again);
 * the root record's fields are read inline in the entry function. Each function keeps the position in
 * a local `pos` and the bytes' length in `end`; calls hand the position over in the cursor `c`.
 * Everything that is not code (record constructors, enum symbols and names) is passed in as an
 * argument `k<n>`, never written into the source.
 */
class ReaderCompiler {
  readonly #source = new GeneratedSource();

  compile(root: AvroTypeView): AvroBinaryReader {
    const cursor: Cursor = { pos: 0 };
    return this.#source.build<AvroBinaryReader>([
      'return function readAvro(bytes, offset) {',
      '  const end = bytes.length;',
      '  let pos = offset, b = 0, value;',
      ...this.#read(root, 'value', true).map((line) => `  ${line}`),
      '  return value;',
      '};',
    ], { c: cursor, readVarint, readLongVarint, decodeString: decodeAvroString, copyBytes, truncated });
  }

  #constant(value: unknown): string {
    return this.#source.constant(value);
  }

  #name(prefix: string): string {
    return this.#source.name(prefix);
  }

  /** Statements that read one value of `type` at `pos` into the declared variable `target`. */
  #read(type: AvroTypeView, target: string, inline = false): string[] {
    switch (type.typeName) {
      case 'null': return [`${target} = null;`];
      case 'boolean': return ['if (pos >= end) throw truncated(bytes);', `${target} = bytes[pos++] !== 0;`];
      case 'int': return this.#varint(target, 'readVarint', 3);
      case 'long': return this.#varint(target, 'readLongVarint', 3);
      case 'float': return ['if (pos + 4 > end) throw truncated(bytes);', `${target} = bytes.readFloatLE(pos);`, 'pos += 4;'];
      case 'double': return this.#double(target);
      case 'string': return this.#sized(target, 'decodeString');
      case 'bytes': return this.#sized(target, 'copyBytes');
      case 'fixed': {
        const size = Number(type.size);
        return [`if (pos + ${size} > end) throw truncated(bytes);`, `${target} = copyBytes(bytes, pos, ${size});`, `pos += ${size};`];
      }
      case 'enum': return this.#enum(type, target);
      case 'union:unwrapped': return this.#union(type, target);
      case 'array': return this.#array(type, target);
      case 'map': return this.#map(type, target);
      case 'record': case 'error':
        if (inline) return this.#recordFields(type, target);
        return ['c.pos = pos;', `${target} = ${this.#recordFunction(type)}(bytes);`, 'pos = c.pos;'];
      default: throw new TypeError(`no compiled reader for Avro type ${type.typeName}`);
    }
  }

  /**
   * The 8 bytes copied into a Float64Array's and read back: what Buffer's readDoubleLE does, without
   * its call and second bounds check. Float64Array reads in the machine's byte order; Avro's is
   * little-endian, so a big-endian machine gets readDoubleLE.
   */
  #double(target: string): string[] {
    const lines = ['if (pos + 8 > end) throw truncated(bytes);'];
    const double = new Float64Array(1);
    const octets = new Uint8Array(double.buffer);
    double[0] = 1;
    if (octets[7] !== 0x3f) return [...lines, `${target} = bytes.readDoubleLE(pos);`, 'pos += 8;'];
    const [d, o] = [this.#constant(double), this.#constant(octets)];
    for (let i = 0; i < 8; i++) lines.push(`${o}[${i}] = bytes[pos + ${i}];`);
    return [...lines, `${target} = ${d}[0];`, 'pos += 8;'];
  }

  /**
   * A zig-zag varint with its shortest cases inline (`inlineBytes`: 1 for indexes, 2 for lengths, 3
   * for int and long values, which are often larger) and the rest in `slowPath`. Past the end
   * `bytes[pos]` is undefined, which fails every `< 128`: the slow path reports the truncation.
   */
  #varint(target: string, slowPath: string, inlineBytes: 1 | 2 | 3): string[] {
    const zigzag = `${target} = (b >> 1) ^ -(b & 1);`;
    return [
      'b = bytes[pos++];',
      `if (b < 128) ${zigzag}`,
      ...inlineBytes >= 2 ? [`else if (bytes[pos] < 128) { b = (b & 127) | (bytes[pos++] << 7); ${zigzag} }`] : [],
      ...inlineBytes >= 3 ? [`else if (bytes[pos + 1] < 128) { b = (b & 127) | ((bytes[pos] & 127) << 7) | (bytes[pos + 1] << 14); pos += 2; ${zigzag} }`] : [],
      `else { ${target} = ${slowPath}(bytes, pos - 1, c); pos = c.pos; }`,
    ];
  }

  /** A length-prefixed string or bytes; a negative length or one past the end is truncation (avsc: offset -1). */
  #sized(target: string, make: string): string[] {
    const length = this.#name('n');
    return [
      `let ${length};`,
      ...this.#varint(length, 'readVarint', 2),
      `if (!(${length} >= 0 && ${length} <= end - pos)) throw truncated(bytes);`,
      `${target} = ${make}(bytes, pos, ${length});`,
      `pos += ${length};`,
    ];
  }

  #enum(type: AvroTypeView, target: string): string[] {
    const index = this.#name('e');
    const symbols = this.#constant(type.symbols);
    const name = this.#constant(type.name);
    return [
      `let ${index};`,
      ...this.#varint(index, 'readVarint', 1),
      `${target} = ${symbols}[${index}];`,
      `if (${target} === undefined) throw new Error('invalid ' + ${name} + ' enum index: ' + ${index});`,
    ];
  }

  /** An unwrapped union (avsc's default): the branch's value itself, null for the null branch. */
  #union(type: AvroTypeView, target: string): string[] {
    const index = this.#name('u');
    const lines = [`let ${index};`, ...this.#varint(index, 'readVarint', 1), `switch (${index}) {`];
    type.types!.forEach((branch, i) => {
      lines.push(`  case ${i}: {`, ...this.#read(branch, target).map((line) => `    ${line}`), '    break;', '  }');
    });
    lines.push(`  default: throw new Error('invalid union index: ' + ${index});`, '}');
    return lines;
  }

  /**
   * A block count as avsc's readArraySize reads it: zero ends the blocks (so does NaN, falsy there
   * too), a negative count is followed by the block's size in bytes, which is skipped.
   */
  #blockCount(count: string, itemsTakeBytes: boolean): string[] {
    return [
      ...this.#varint(count, 'readVarint', 2),
      `if (!${count}) break;`,
      `if (${count} < 0) {`,
      `  ${count} = -${count};`,
      '  do { b = bytes[pos++]; if (b === undefined) throw truncated(bytes); } while (b >= 128);',
      '}',
      // Items of at least a byte each cannot outnumber the bytes left: no loop or array of a made-up size.
      ...itemsTakeBytes ? [`if (!(${count} <= end - pos)) throw truncated(bytes);`] : [],
    ];
  }

  /** avsc sizes the array by its first block and appends later blocks' items after it. */
  #array(type: AvroTypeView, target: string): string[] {
    const [count, index, items, item] = [this.#name('n'), this.#name('i'), this.#name('a'), this.#name('x')];
    return [
      `let ${count} = 0, ${index} = 0, ${items};`,
      'for (;;) {',
      ...this.#blockCount(count, takesBytes(type.itemsType!, new Set())).map((line) => `  ${line}`),
      `  if (${items} === undefined) ${items} = new Array(${count});`,
      `  for (; ${count} > 0; ${count}--) {`,
      `    let ${item};`,
      ...this.#read(type.itemsType!, item).map((line) => `    ${line}`),
      `    ${items}[${index}++] = ${item};`,
      '  }',
      '}',
      `${target} = ${items} === undefined ? [] : ${items};`,
    ];
  }

  /** A map as avsc makes one: a plain object, each key assigned in the order written. */
  #map(type: AvroTypeView, target: string): string[] {
    const [count, entries, key, value] = [this.#name('n'), this.#name('m'), this.#name('key'), this.#name('x')];
    return [
      `let ${count} = 0;`,
      `const ${entries} = {};`,
      'for (;;) {',
      ...this.#blockCount(count, true).map((line) => `  ${line}`),
      `  for (; ${count} > 0; ${count}--) {`,
      `    let ${key}, ${value};`,
      ...this.#read({ typeName: 'string' }, key).map((line) => `    ${line}`),
      ...this.#read(type.valuesType!, value).map((line) => `    ${line}`),
      `    ${entries}[${key}] = ${value};`,
      '  }',
      '}',
      `${target} = ${entries};`,
    ];
  }

  /** The record's fields in schema order, then avsc's record constructor over them (as avsc's own reader calls it). */
  #recordFields(type: AvroTypeView, target: string): string[] {
    const values = type.fields!.map(() => this.#name('f'));
    const lines = values.length === 0 ? [] : [`let ${values.join(', ')};`];
    type.fields!.forEach((field, i) => lines.push(...this.#read(field.type, values[i]!)));
    lines.push(`${target} = new ${this.#constant(type.recordConstructor)}(${values.join(', ')});`);
    return lines;
  }

  /** The function reading a record of this type, written on first use (named before its body, for recursion). */
  #recordFunction(type: AvroTypeView): string {
    return this.#source.recordFunction(type, 'read', (name) => {
      const value = this.#name('r');
      return [
        `function ${name}(bytes) {`,
        '  const end = bytes.length;',
        `  let pos = c.pos, b = 0, ${value};`,
        ...this.#recordFields(type, value).map((line) => `  ${line}`),
        '  c.pos = pos;',
        `  return ${value};`,
        '}',
      ];
    });
  }
}
