import avro from 'avsc';
import { normalizedSchemaText } from './avro-normalized-text.ts';
import { javaSchemaText } from './avro-schema-text.ts';
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
 * Canonical text: without normalize, the schema as Java's Schema.toString writes it (avro-schema-text.ts),
 * so two texts that differ only in key order, whitespace or the spelling of names are the same
 * schema, as in Confluent. With normalize, the text Confluent's AvroSchema.normalize() leads to
 * (avro-normalized-text.ts): custom properties sorted, defaults re-typed by their field's schema,
 * aliases sorted, then written as Schema.toString writes it; doc, order, defaults and field order kept.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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

function toType(schema: string, references: readonly ResolvedReference[]): { type: avro.Type; referencedNames: string[] } {
  const json = parseJson(schema, '');
  const registry: { [name: string]: avro.Type } = {};
  registerReferences(references, registry, new Set());
  const referencedNames = Object.keys(registry);
  try {
    return { type: avro.Type.forSchema(json as avro.Schema, { registry, noAnonymousTypes: true }), referencedNames };
  } catch (error) {
    // avsc throws plain Errors (and, on pathological input, RangeError from deep recursion):
    // every one of them means the schema is not one Avro accepts.
    throw new InvalidSchemaError(`Invalid schema: ${messageOf(error)}`);
  }
}

/** Every named type (record, enum, fixed) reachable from `type`, by full name. */
function namedTypes(type: avro.Type, found = new Map<string, avro.Type>()): Map<string, avro.Type> {
  if (type.name !== undefined) {
    if (found.has(type.name)) return found;
    found.set(type.name, type);
  }
  if (type instanceof avro.types.RecordType) for (const field of type.fields) namedTypes(field.type, found);
  else if (type instanceof avro.types.ArrayType) namedTypes(type.itemsType, found);
  else if (type instanceof avro.types.MapType) namedTypes(type.valuesType as avro.Type, found);
  else if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) for (const branch of type.types) namedTypes(branch, found);
  return found;
}

function incompatibility(errorType: string, description: string, additionalInfo: string): string {
  return `{errorType:'${errorType}', description:'${description}', additionalInfo:'${additionalInfo}'}`;
}

/** avsc's resolver message, in Confluent's (Java Avro's SchemaIncompatibilityType) terms. */
function describe(message: string, reader: avro.Type, writer: avro.Type): string {
  const missingDefault = /^no matching field for default-less (.+)$/.exec(message);
  if (missingDefault) {
    const field = missingDefault[1]!;
    const name = field.slice(field.lastIndexOf('.') + 1);
    const record = field.slice(0, field.lastIndexOf('.'));
    return incompatibility('READER_FIELD_MISSING_DEFAULT_VALUE', `The field '${name}' of '${record}' in the reader's schema has no default value and is missing in the writer's schema`, name);
  }
  const alias = /^no alias found for (.+)$/.exec(message);
  if (alias) return incompatibility('NAME_MISMATCH', `The name of the schema has changed (writer's '${alias[1]}')`, `expected: ${alias[1]}`);
  const cannotRead = /^cannot read (.+) as (.+)$/.exec(message);
  if (!cannotRead) return incompatibility('TYPE_MISMATCH', message, '');
  const [, writerText, readerText] = cannotRead as unknown as [string, string, string];
  if (readerText.startsWith('[')) {
    return incompatibility('MISSING_UNION_BRANCH', `The reader's schema is missing a type inside a union field (${readerText}) for the writer's ${writerText}`, `reader union lacking writer type: ${writerText}`);
  }
  const name = /^"([^"]+)"$/.exec(writerText)?.[1];
  const writerNamed = name === undefined ? undefined : namedTypes(writer).get(name);
  const readerNamed = name === undefined ? undefined : namedTypes(reader).get(name);
  if (writerNamed instanceof avro.types.EnumType && readerNamed instanceof avro.types.EnumType) {
    const missing = writerNamed.symbols.filter((symbol) => !readerNamed.symbols.includes(symbol));
    return incompatibility('MISSING_ENUM_SYMBOLS', `The reader's schema is missing enum symbols '[${missing.join(', ')}]' of '${name}' in the writer's schema`, `[${missing.join(', ')}]`);
  }
  if (writerNamed instanceof avro.types.FixedType && readerNamed instanceof avro.types.FixedType) {
    return incompatibility('FIXED_SIZE_MISMATCH', `The size of FIXED type '${name}' in the reader's schema does not match with the writer's schema`, `expected: ${readerNamed.size}, found: ${writerNamed.size}`);
  }
  return incompatibility('TYPE_MISMATCH', `The type ${readerText} in the reader's schema does not match the writer's ${writerText}`, `reader type: ${readerText} not compatible with writer type: ${writerText}`);
}

export const avroFormat: SchemaFormat = {
  type: 'AVRO',
  parse(schema, references, normalize): ParsedSchema {
    const { type, referencedNames } = toType(schema, references);
    const canonical = normalize ? normalizedSchemaText(schema, referencedNames, namedTypes(type)) : javaSchemaText(schema, referencedNames);
    return { type: 'AVRO', canonical, references };
  },
  readerIncompatibilities(reader, writer) {
    const readerType = toType(reader.canonical, reader.references).type;
    const writerType = toType(writer.canonical, writer.references).type;
    try {
      readerType.createResolver(writerType, { ignoreNamespaces: true });
      return [];
    } catch (error) {
      return [describe(messageOf(error), readerType, writerType)];
    }
  },
};
