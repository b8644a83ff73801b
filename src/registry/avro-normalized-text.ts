import type avro from 'avsc';
import {
  FIELD_RESERVED, isObject, javaDoubleText, javaSchemaText, NAMED, nameOf, parseSchemaJson, PRIMITIVES, RAW_JSON, resolvedName, SCHEMA_RESERVED,
  type Json, type JsonObject,
} from './avro-schema-text.ts';

/**
 * An Avro schema normalized as Confluent's registry normalizes it (`normalize=true`, or its
 * serializers' `normalize.schemas=true`): AvroSchema.normalize() writes the schema out with
 * AvroSchemaUtils' own writer (adapted from Avro's SchemaNormalization), parses that text again,
 * and the registry stores and compares what Java's Schema.toString makes of it. So this writes the
 * same intermediate text and hands it to javaSchemaText. What the intermediate changes:
 * - custom properties in key order (String order), with every object inside them sorted too; a
 *   logical type Java Avro knows and accepts for the schema (Confluent adds "map" and "variant")
 *   puts its "logicalType" first (and a decimal's "precision", and "scale" unless 0);
 * - a field's default re-typed by the field's schema, as Avro's JacksonUtils.toObject does, then
 *   written by Jackson: `1` on a double field is `1.0`, on a float field what Float.toString
 *   prints; objects (records, maps) sorted by key; a union takes its first non-null branch that
 *   fits. A default Java cannot type (1.0 on an int, which avsc accepts) would be dropped there,
 *   but Confluent refuses such a schema before it normalizes, so it is kept here as given;
 * - aliases sorted (by full name for named types), each once; an empty doc on a named type dropped;
 * - names written in full without a namespace key, and an "error" written as a "record"; read
 *   again, a name without a namespace inside a namespaced type lands in the enclosing namespace,
 *   as it does in Confluent;
 * - field order, symbols, doc, order, defaults otherwise kept as given.
 * References are written by name (every named type the references define).
 */

const ENUM_RESERVED: ReadonlySet<string> = new Set([...SCHEMA_RESERVED, 'default']);
// Java Avro's LogicalType.INCOMPATIBLE_PROPS: a logical type next to one of these is ignored.
const LOGICAL_INCOMPATIBLE = ['avro.java.string', 'java-class', 'java-key-class', 'java-element-class'];
const INT_RANGE = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const LONG_RANGE = [-(2n ** 63n), 2n ** 63n - 1n] as const;

interface Walk {
  space: string | null;
  /** Full names written so far (and those the references define): later uses are written by name. */
  readonly known: Set<string>;
  /** avsc's named types by full name, for the field types defaults are converted by. */
  readonly named: ReadonlyMap<string, avro.Type>;
}

/** The schema `text` (accepted by avsc) as Confluent's registry stores it normalized. */
export function normalizedSchemaText(text: string, referencedNames: Iterable<string>, named: ReadonlyMap<string, avro.Type>): string {
  const intermediate = build(parseSchemaJson(text), { space: null, known: new Set(referencedNames), named });
  return javaSchemaText(JSON.stringify(intermediate), referencedNames);
}

function literalOf(value: Json): string | undefined {
  return RAW_JSON.isRawJSON(value) ? (value as unknown as { rawJSON: string }).rawJSON : typeof value === 'number' ? String(value) : undefined;
}

/** The Jackson node a number literal reads as: IntNode, LongNode, BigIntegerNode or DoubleNode. */
function numberKind(literal: string): 'int' | 'long' | 'big' | 'double' {
  if (/[.eE]/.test(literal)) return 'double';
  const value = BigInt(literal);
  if (value >= INT_RANGE[0] && value <= INT_RANGE[1]) return 'int';
  return value >= LONG_RANGE[0] && value <= LONG_RANGE[1] ? 'long' : 'big';
}

/**
 * A float as Java's Float.toString prints it, then read back as a double and printed by
 * Double.toString (which is what the stored text holds): the shortest decimal that reads back as
 * the float, two digits when two do.
 */
function javaFloatText(value: number, literal: string): string {
  const float = Math.fround(value);
  if (!Number.isFinite(float)) return literal;
  if (float === 0) return javaDoubleText(float);
  for (let digits = 1; digits <= 9; digits++) {
    const shortest = float.toPrecision(digits);
    if (Math.fround(Number(shortest)) !== float) continue;
    const two = float.toPrecision(2);
    return javaDoubleText(Number(digits === 1 && Math.fround(Number(two)) === float ? two : shortest));
  }
  return javaDoubleText(float);
}

/** A number literal as JacksonUtils.toObject types it for `kind` (undefined: Java's null, no value). */
function javaNumber(literal: string, kind: string | null): Json | undefined {
  const node = numberKind(literal);
  if (node === 'big') return RAW_JSON.rawJSON(literal); // Java has no value for it; kept as written
  if (kind === 'float') return RAW_JSON.rawJSON(javaFloatText(Number(literal), literal));
  if (node === 'double') return kind === null || kind === 'double' ? RAW_JSON.rawJSON(literal) : undefined;
  if (kind === 'double') return RAW_JSON.rawJSON(javaDoubleText(Number(literal)));
  return kind === null || kind === 'int' || kind === 'long' ? RAW_JSON.rawJSON(BigInt(literal).toString()) : undefined;
}

/** A string through `getBytes(ISO_8859_1)` and back: what is not Latin-1 becomes '?'. */
function latin1(text: string): string {
  let out = '';
  for (const char of text) out += char.codePointAt(0)! <= 0xff ? char : '?';
  return out;
}

function sortedObject(entries: [string, Json][]): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[key] = value;
  return out;
}

/**
 * `value` (a default, or with `type` null a property) as Avro's JacksonUtils.toObject makes it a
 * Java value for `type` and AvroSchemaUtils writes it back through a key-sorting Jackson tree.
 */
function javaValue(value: Json, type: avro.Type | null): Json | undefined {
  if (value === null) return null;
  const kind = type?.typeName ?? null;
  if (kind !== null && kind.startsWith('union')) {
    for (const branch of (type as avro.types.UnwrappedUnionType).types) {
      if (branch.typeName === 'null') continue;
      const converted = javaValue(value, branch);
      if (converted !== undefined) return converted;
    }
    return undefined;
  }
  if (typeof value === 'boolean') return value;
  const literal = literalOf(value);
  if (literal !== undefined) return javaNumber(literal, kind);
  if (typeof value === 'string') {
    if (kind === null || kind === 'string' || kind === 'enum') return value;
    return kind === 'bytes' || kind === 'fixed' ? latin1(value) : undefined;
  }
  if (Array.isArray(value)) {
    const items = kind === 'array' ? (type as avro.types.ArrayType).itemsType : null;
    return value.map((item) => javaValue(item, items) ?? null);
  }
  const fields = kind === 'record' || kind === 'error' ? (type as avro.types.RecordType).fields : [];
  return sortedObject(Object.entries(value as JsonObject).map(([key, item]) => {
    const itemType = kind === 'map' ? (type as avro.types.MapType).valuesType as avro.Type : fields.find((field) => field.name === key)?.type ?? null;
    return [key, javaValue(item, itemType) ?? null];
  }));
}

function intProperty(schema: JsonObject, key: string): number | undefined {
  const literal = schema[key] === undefined ? undefined : literalOf(schema[key]);
  return literal !== undefined && numberKind(literal) === 'int' ? Number(literal) : undefined;
}

function fieldsOf(fullName: string, walk: Walk): { name: string; kind: string }[] | undefined {
  const type = walk.named.get(fullName);
  return type?.typeName === 'record' ? (type as avro.types.RecordType).fields.map((f) => ({ name: f.name, kind: f.type.typeName })) : undefined;
}

function fullNameOf(schema: Json, walk: Walk): string | undefined {
  if (typeof schema === 'string') return resolvedName(schema, walk.space, walk.known).full;
  if (!isObject(schema) || typeof schema['name'] !== 'string') return undefined;
  return nameOf(schema['name'], typeof schema['namespace'] === 'string' ? schema['namespace'] : walk.space).full;
}

/** Java's LogicalTypes.fromSchemaIgnoreInvalid: the keys AvroSchemaUtils writes first, none when Java has no valid logical type. */
function logicalKeys(schema: JsonObject, type: string, fullName: string | undefined, walk: Walk): string[] {
  const name = schema['logicalType'];
  if (typeof name !== 'string' || LOGICAL_INCOMPATIBLE.some((key) => typeof schema[key] === 'string')) return [];
  const size = intProperty(schema, 'size');
  let valid: boolean;
  switch (name) {
    case 'decimal': {
      const precision = intProperty(schema, 'precision');
      const scale = schema['scale'] === undefined ? 0 : intProperty(schema, 'scale');
      const max = type === 'bytes' ? Infinity : type === 'fixed' && size !== undefined ? Math.floor(Math.log10(2) * (8 * size - 1)) : 0;
      if (precision === undefined || scale === undefined || precision <= 0 || precision > max || scale < 0 || scale > precision) return [];
      return scale === 0 ? ['logicalType', 'precision'] : ['logicalType', 'precision', 'scale'];
    }
    case 'big-decimal': valid = type === 'bytes'; break;
    case 'uuid': valid = type === 'string' || (type === 'fixed' && size === 16); break;
    case 'duration': valid = type === 'fixed' && size === 12; break;
    case 'date': case 'time-millis': valid = type === 'int'; break;
    case 'time-micros': case 'timestamp-millis': case 'timestamp-micros': case 'timestamp-nanos':
    case 'local-timestamp-millis': case 'local-timestamp-micros': case 'local-timestamp-nanos':
      valid = type === 'long'; break;
    case 'map': {
      const itemsName = type === 'array' ? fullNameOf(schema['items'] ?? null, walk) : undefined;
      const fields = itemsName === undefined ? undefined : fieldsOf(itemsName, walk);
      valid = fields?.length === 2 && fields[0]!.name === 'key' && fields[1]!.name === 'value';
      break;
    }
    case 'variant': {
      const fields = type === 'record' && fullName !== undefined ? fieldsOf(fullName, walk) : undefined;
      valid = fields?.length === 2 && ['metadata', 'value'].every((n) => fields.find((f) => f.name === n)?.kind === 'bytes');
      break;
    }
    default: valid = false;
  }
  return valid ? ['logicalType'] : [];
}

/** The custom properties of `schema` into `out`: `first` keys first, then the rest in key order. */
function writeProperties(schema: JsonObject, reserved: ReadonlySet<string>, first: readonly string[], out: JsonObject): void {
  const keys = Object.keys(schema).filter((key) => !reserved.has(key)).sort();
  for (const key of new Set([...first, ...keys])) out[key] = javaValue(schema[key] ?? null, null) ?? schema[key] ?? null;
}

/** Aliases in String order, each once: a named type's by full name (in its `space`), a field's (`space` undefined) as given. */
function sortedAliases(aliases: Json | undefined, space: string | null | undefined): string[] | undefined {
  if (!Array.isArray(aliases) || aliases.length === 0) return undefined;
  const full = aliases.map((alias) => (space === undefined ? String(alias) : nameOf(String(alias), space).full));
  return [...new Set(full)].sort(); // UTF-16 code unit order, Java's String order
}

function build(schema: Json, walk: Walk): Json {
  if (typeof schema === 'string') return PRIMITIVES.has(schema) ? schema : resolvedName(schema, walk.space, walk.known).full;
  if (Array.isArray(schema)) return schema.map((branch) => build(branch, walk));
  if (!isObject(schema)) return schema;
  const type = schema['type'];
  if (typeof type !== 'string') return build(type ?? null, walk);
  if (NAMED.has(type)) return namedType(schema, type, walk);
  if (type === 'array' || type === 'map') {
    const key = type === 'array' ? 'items' : 'values';
    const out: JsonObject = { type, [key]: build(schema[key] ?? null, walk) };
    writeProperties(schema, SCHEMA_RESERVED, logicalKeys(schema, type, undefined, walk), out);
    return out;
  }
  if (!PRIMITIVES.has(type)) return resolvedName(type, walk.space, walk.known).full;
  const out: JsonObject = { type };
  writeProperties(schema, SCHEMA_RESERVED, logicalKeys(schema, type, undefined, walk), out);
  return Object.keys(out).length === 1 ? type : out;
}

function namedType(schema: JsonObject, type: string, walk: Walk): Json {
  const name = nameOf(String(schema['name']), typeof schema['namespace'] === 'string' ? schema['namespace'] : walk.space);
  if (walk.known.has(name.full)) return name.full;
  walk.known.add(name.full);
  const out: JsonObject = { name: name.full, type: type === 'error' ? 'record' : type };
  if (type === 'enum') {
    out['symbols'] = schema['symbols'] ?? [];
    if (typeof schema['default'] === 'string') out['default'] = schema['default'];
  } else if (type === 'fixed') {
    out['size'] = schema['size'] ?? null;
  } else {
    const saved = walk.space;
    walk.space = name.space;
    const record = walk.named.get(name.full);
    const fields = Array.isArray(schema['fields']) ? schema['fields'] : [];
    out['fields'] = fields.map((field) => (isObject(field) ? buildField(field, record, walk) : field));
    walk.space = saved;
  }
  if (typeof schema['doc'] === 'string' && schema['doc'] !== '') out['doc'] = schema['doc'];
  const aliases = sortedAliases(schema['aliases'], name.space);
  if (aliases !== undefined) out['aliases'] = aliases;
  writeProperties(schema, type === 'enum' ? ENUM_RESERVED : SCHEMA_RESERVED, logicalKeys(schema, type, name.full, walk), out);
  return out;
}

function buildField(field: JsonObject, record: avro.Type | undefined, walk: Walk): Json {
  const out: JsonObject = { name: field['name'] ?? null, type: build(field['type'] ?? null, walk) };
  const order = typeof field['order'] === 'string' ? field['order'].toLowerCase() : 'ascending';
  if (order !== 'ascending') out['order'] = order;
  if (typeof field['doc'] === 'string') out['doc'] = field['doc'];
  const aliases = sortedAliases(field['aliases'], undefined);
  if (aliases !== undefined) out['aliases'] = aliases;
  if (field['default'] !== undefined) {
    const fieldType = record?.typeName === 'record' || record?.typeName === 'error'
      ? (record as avro.types.RecordType).fields.find((f) => f.name === field['name'])?.type ?? null
      : null;
    out['default'] = javaValue(field['default'], fieldType) ?? field['default'];
  }
  writeProperties(field, FIELD_RESERVED, [], out);
  return out;
}
