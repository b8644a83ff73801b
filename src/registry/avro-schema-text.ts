/**
 * An Avro schema written as Java Avro's Schema.toString writes it, which is the text Confluent's
 * registry compares (without normalize) to decide that two registrations are the same schema. So
 * every spelling Java reads as one schema gets one text here, and one id:
 * - names: a named type's name is split into name and namespace (`"name":"ns.N"` and
 *   `"name":"N","namespace":"ns"` are one name); the namespace key is written only where it differs
 *   from the enclosing one (`""` when a nameless namespace sits inside a named one);
 * - a named type written a second time, or one defined by a reference, is written as its name,
 *   short when it is in the enclosing namespace, full otherwise; aliases likewise, relative to
 *   the type's own namespace;
 * - keys in Java's order: record type, name, namespace, doc, fields, custom properties, aliases;
 *   enum ... symbols, default, properties, aliases; fixed ... size, properties, aliases; field
 *   name, type, doc, default, order (only when not "ascending"), aliases, properties; array and map
 *   type, items/values, properties; a primitive with no properties is its bare name;
 * - numbers (in defaults and properties) as Jackson writes back the node it read: Java Avro keeps
 *   a default as the JsonNode of its text, whatever the field's type, so `"default":1` on a
 *   double field stays `1` while `1.0` stays `1.0`, and `1e21` becomes `1.0E21` (see
 *   jacksonNumberJson). JSON.parse would make `1` and `1.0` one number, and two schemas Java
 *   tells apart one schema here.
 * The input has already been accepted by avsc, so its shape is a valid Avro schema.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const PRIMITIVES: ReadonlySet<string> = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
export const NAMED: ReadonlySet<string> = new Set(['record', 'error', 'enum', 'fixed']);
// Java's Schema.SCHEMA_RESERVED and Field's reserved keys: everything else is a custom property.
export const SCHEMA_RESERVED: ReadonlySet<string> = new Set(['doc', 'fields', 'items', 'name', 'namespace', 'size', 'symbols', 'values', 'type', 'aliases']);
export const FIELD_RESERVED: ReadonlySet<string> = new Set(['default', 'doc', 'name', 'order', 'type', 'aliases']);
// Node 24 has ES2025's JSON.rawJSON and JSON.isRawJSON; TypeScript's lib does not declare them yet.
export const RAW_JSON = JSON as JSON & { rawJSON(text: string): Json; isRawJSON(value: unknown): boolean };

export interface Name {
  name: string;
  space: string | null;
  full: string;
}

/** Java's Schema.Name: a dotted name carries its own namespace; "" means none. */
export function nameOf(name: string, space: string | null): Name {
  const dot = name.lastIndexOf('.');
  const ownSpace = dot >= 0 ? name.slice(0, dot) : space;
  const short = dot >= 0 ? name.slice(dot + 1) : name;
  const normalizedSpace = ownSpace === '' || ownSpace === null ? null : ownSpace;
  return { name: short, space: normalizedSpace, full: normalizedSpace === null ? short : `${normalizedSpace}.${short}` };
}

/** Java's Name.getQualified: the short name within `space`, the full name elsewhere. */
function qualified(name: Name, space: string | null): string {
  return name.space === null || name.space === space ? name.name : name.full;
}

interface Names {
  space: string | null;
  readonly known: Set<string>;
}

export function isObject(value: Json): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !RAW_JSON.isRawJSON(value);
}

/**
 * A JSON number literal as Jackson writes back the node it parsed it into. An integer literal is an
 * IntNode, LongNode or BigIntegerNode: its digits, exactly ("-0" is the int 0). A literal with a
 * fraction or an exponent is a DoubleNode, written as Java's Double.toString writes the double.
 * One that overflows a double stays as written: Jackson would write the string "Infinity", which
 * Java Avro reads back as a double default but avsc does not, and the text must parse again.
 */
export function jacksonNumberJson(literal: string): string {
  if (!/[.eE]/.test(literal)) return literal === '-0' ? '0' : literal;
  const value = Number(literal);
  return Number.isFinite(value) ? javaDoubleText(value) : literal;
}

/**
 * Java's Double.toString (JDK 19 and later, whose digits are specified): the shortest decimal that
 * reads back as the double, but two digits rather than one when a two-digit decimal is closer (so
 * Double.MIN_VALUE is 4.9E-324); plain notation with at least one fractional digit when
 * 10^-3 <= |d| < 10^7, else d.dddE±n.
 */
export function javaDoubleText(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  // toExponential() without digits gives the shortest round-tripping decimal; toExponential(1) the closest with two.
  let text = magnitude.toExponential();
  const twoDigits = magnitude.toExponential(1);
  if (!text.includes('.') && Number(twoDigits) === magnitude) text = twoDigits;
  const [mantissa = '', exponentText = '0'] = text.split('e');
  const exponent = Number(exponentText);
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  if (exponent >= 7 || exponent < -3) return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${exponent}`;
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const integer = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  return `${sign}${integer}.${digits.slice(exponent + 1) || '0'}`;
}

function props(schema: JsonObject, reserved: ReadonlySet<string>, out: JsonObject): void {
  for (const [key, value] of Object.entries(schema)) if (!reserved.has(key)) out[key] = value;
}

/** A name used as a type: Java's Names.get looks in the enclosing namespace, then in none. */
export function resolvedName(text: string, space: string | null, known: ReadonlySet<string>): Name {
  const inSpace = nameOf(text, space);
  return known.has(inSpace.full) ? inSpace : nameOf(text, null);
}

function reference(text: string, names: Names): string {
  if (PRIMITIVES.has(text)) return text;
  return qualified(resolvedName(text, names.space, names.known), names.space);
}

function writeName(name: Name, names: Names, out: JsonObject): void {
  out['name'] = name.name;
  if (name.space !== null) {
    if (name.space !== names.space) out['namespace'] = name.space;
  } else if (names.space !== null) {
    out['namespace'] = '';
  }
}

function namedType(schema: JsonObject, type: string, names: Names): Json {
  const given = typeof schema['namespace'] === 'string' ? schema['namespace'] : names.space;
  const name = nameOf(String(schema['name']), given);
  if (names.known.has(name.full)) return qualified(name, names.space);
  names.known.add(name.full);
  const out: JsonObject = { type };
  writeName(name, names, out);
  if (schema['doc'] !== undefined) out['doc'] = schema['doc'];
  if (type === 'record' || type === 'error') {
    const saved = names.space;
    names.space = name.space;
    out['fields'] = (Array.isArray(schema['fields']) ? schema['fields'] : []).map((field) => (isObject(field) ? writeField(field, names) : field));
    names.space = saved;
  } else if (type === 'enum') {
    out['symbols'] = schema['symbols'] ?? [];
    if (schema['default'] !== undefined) out['default'] = schema['default'];
  } else {
    out['size'] = schema['size'] ?? null;
  }
  props(schema, type === 'enum' ? new Set([...SCHEMA_RESERVED, 'default']) : SCHEMA_RESERVED, out);
  if (Array.isArray(schema['aliases']) && schema['aliases'].length > 0) {
    out['aliases'] = schema['aliases'].map((alias) => qualified(nameOf(String(alias), name.space), name.space));
  }
  return out;
}

function writeField(field: JsonObject, names: Names): Json {
  const out: JsonObject = { name: field['name'] ?? null, type: write(field['type'] ?? null, names) };
  if (field['doc'] !== undefined) out['doc'] = field['doc'];
  if (field['default'] !== undefined) out['default'] = field['default'];
  if (field['order'] !== undefined && field['order'] !== 'ascending') out['order'] = field['order'];
  if (Array.isArray(field['aliases']) && field['aliases'].length > 0) out['aliases'] = field['aliases'];
  props(field, FIELD_RESERVED, out);
  return out;
}

function write(schema: Json, names: Names): Json {
  if (typeof schema === 'string') return reference(schema, names);
  if (Array.isArray(schema)) return schema.map((branch) => write(branch, names));
  if (!isObject(schema)) return schema;
  const type = schema['type'];
  if (typeof type !== 'string') return write(type ?? null, names);
  if (NAMED.has(type)) return namedType(schema, type, names);
  if (type === 'array' || type === 'map') {
    const key = type === 'array' ? 'items' : 'values';
    const out: JsonObject = { type, [key]: write(schema[key] ?? null, names) };
    props(schema, SCHEMA_RESERVED, out);
    return out;
  }
  if (!PRIMITIVES.has(type)) return reference(type, names);
  const out: JsonObject = { type };
  props(schema, SCHEMA_RESERVED, out);
  return Object.keys(out).length === 1 ? type : out;
}

/** The schema `text` (valid JSON) as Java's Schema.toString(referencedSchemas, false) writes it. */
export function javaSchemaText(text: string, referencedNames: Iterable<string>): string {
  return JSON.stringify(write(parseSchemaJson(text), { space: null, known: new Set(referencedNames) }));
}

/** `text` parsed as Jackson reads it: each number keeps its literal (the reviver sees its source text), as Jackson writes it back. */
export function parseSchemaJson(text: string): Json {
  return JSON.parse(text, (_key, value: Json, context?: { source?: string }) => (
    typeof value === 'number' && context?.source !== undefined ? RAW_JSON.rawJSON(jacksonNumberJson(context.source)) : value
  )) as Json;
}
