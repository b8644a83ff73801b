import avro from 'avsc';
import { InvalidSchemaError, type ParsedSchema, type ResolvedReference, type SchemaFormat } from './schema-type.ts';

/**
 * AVRO: avsc parses (named types from references first, so the schema can name them) and decides
 * compatibility with Avro's own schema resolution: `reader.createResolver(writer)` throws exactly
 * when the reader cannot read the writer's data.
 *
 * Where avsc and Java Avro (whose SchemaCompatibility Confluent uses) differ, Java's answer is kept:
 * - Java compares record, enum and fixed names without their namespace (a moved namespace is
 *   compatible), so the resolver ignores namespaces; reader aliases still match renamed types.
 * - avsc stops at the first problem; Java lists all. A refusal here carries one message.
 * - avsc allows records, enums and fixed without a name; Java refuses them, so does this parser.
 *
 * Canonical text: without normalize, the schema as given re-serialized compactly, with the keys of
 * each type in the order Java's Schema.toString writes them (type, name, namespace, doc, ...), so two
 * texts that differ only in key order or whitespace are the same schema, as in Confluent. With
 * normalize, avsc's canonical form with attributes kept (full names, no namespace keys, primitive
 * types collapsed; defaults, order, aliases and doc kept, because Confluent's normalized form keeps
 * what changes resolution, and defaults do).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// Java's Schema.toString writes a named type's and a field's keys in these orders; other keys
// (custom properties such as logicalType or connect.name) follow in the order given.
const TYPE_KEY_ORDER = ['type', 'name', 'namespace', 'doc', 'fields', 'symbols', 'items', 'values', 'size', 'default', 'aliases'];
const FIELD_KEY_ORDER = ['name', 'type', 'doc', 'default', 'order', 'aliases'];

function orderKeys(value: { [key: string]: Json }, order: readonly string[], child: (key: string, v: Json) => Json): Json {
  const out: { [key: string]: Json } = {};
  for (const key of order) if (key in value) out[key] = child(key, value[key]!);
  for (const key of Object.keys(value)) if (!(key in out)) out[key] = child(key, value[key]!);
  return out;
}

/** Reorders keys (recursively through fields, items, values, unions) without changing meaning. */
function compactSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(compactSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const keys = Object.keys(schema);
  // {"type":"string"} is the primitive "string"; Java writes it bare.
  if (keys.length === 1 && keys[0] === 'type' && typeof schema['type'] === 'string') return schema['type'];
  return orderKeys(schema, TYPE_KEY_ORDER, (key, v) => {
    if (key === 'type' || key === 'items' || key === 'values') return compactSchema(v);
    if (key === 'fields' && Array.isArray(v)) {
      return v.map((field) =>
        field !== null && typeof field === 'object' && !Array.isArray(field)
          ? orderKeys(field, FIELD_KEY_ORDER, (k, fv) => (k === 'type' ? compactSchema(fv) : fv))
          : field,
      );
    }
    return v;
  });
}

function parseJson(text: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new InvalidSchemaError(`Invalid schema ${what}: ${(error as Error).message}`);
  }
}

/** Registers each reference's named types (its own references first) in `registry`. */
function registerReferences(references: readonly ResolvedReference[], registry: { [name: string]: avro.Type }, seen: Set<string>): void {
  for (const reference of references) {
    if (seen.has(reference.name)) continue;
    seen.add(reference.name);
    registerReferences(reference.references, registry, seen);
    const schema = parseJson(reference.schema, `reference ${reference.name}`);
    try {
      avro.Type.forSchema(schema as avro.Schema, { registry, noAnonymousTypes: true });
    } catch (error) {
      // A type already registered by another reference of the same schema is not an error.
      if (/duplicate type name/.test(String((error as Error)?.message))) continue;
      throw new InvalidSchemaError(`Invalid schema reference ${reference.name}: ${messageOf(error)}`);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toType(schema: string, references: readonly ResolvedReference[]): { json: Json; type: avro.Type } {
  const json = parseJson(schema, '');
  const registry: { [name: string]: avro.Type } = {};
  registerReferences(references, registry, new Set());
  try {
    return { json, type: avro.Type.forSchema(json as avro.Schema, { registry, noAnonymousTypes: true }) };
  } catch (error) {
    // avsc throws plain Errors (and, on pathological input, RangeError from deep recursion):
    // every one of them means the schema is not one Avro accepts.
    throw new InvalidSchemaError(`Invalid schema: ${messageOf(error)}`);
  }
}

/** avsc's resolver messages, in Confluent's (Java Avro's SchemaIncompatibilityType) words. */
function describe(message: string): string {
  const missingDefault = /^no matching field for default-less (.+)$/.exec(message);
  if (missingDefault) {
    const field = missingDefault[1]!;
    const name = field.slice(field.lastIndexOf('.') + 1);
    return `{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field '${name}' of ${field.slice(0, field.lastIndexOf('.'))} in the reader's schema has no default value and is missing in the writer's schema', additionalInfo:'${name}'}`;
  }
  const alias = /^no alias found for (.+)$/.exec(message);
  if (alias) {
    return `{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (writer's ${alias[1]} is not the reader's name or one of its aliases)', additionalInfo:'expected: ${alias[1]}'}`;
  }
  const cannotRead = /^cannot read (.+) as (.+)$/.exec(message);
  if (cannotRead) {
    return `{errorType:'TYPE_MISMATCH', description:'The reader's schema cannot read ${cannotRead[1]} written by the writer's schema as ${cannotRead[2]} (a type, enum symbol, fixed size or union branch differs)', additionalInfo:'reader type: ${cannotRead[2]} not compatible with writer type: ${cannotRead[1]}'}`;
  }
  return `{errorType:'TYPE_MISMATCH', description:'${message}', additionalInfo:''}`;
}

export const avroFormat: SchemaFormat = {
  type: 'AVRO',
  parse(schema, references, normalize): ParsedSchema {
    const { json, type } = toType(schema, references);
    const canonical = normalize ? JSON.stringify(type.schema({ exportAttrs: true })) : JSON.stringify(compactSchema(json));
    return { type: 'AVRO', canonical, references };
  },
  readerIncompatibilities(reader, writer) {
    const readerType = toType(reader.canonical, reader.references).type;
    const writerType = toType(writer.canonical, writer.references).type;
    try {
      readerType.createResolver(writerType, { ignoreNamespaces: true });
      return [];
    } catch (error) {
      return [describe(messageOf(error))];
    }
  },
};
