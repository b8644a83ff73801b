import { Ajv, type AnySchema } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import { jsonSchemaIncompatibilities } from './json-schema-diff.ts';
import { InvalidSchemaError, type ParsedSchema, type ResolvedReference, type SchemaFormat } from './schema-type.ts';

/**
 * JSON: JSON Schema, drafts 4, 6, 7, 2019-09 and 2020-12 (by the schema's `$schema`, draft 7 when it
 * names none, as Confluent's default). ajv checks the schema against its draft's meta-schema and
 * compiles it, so unresolvable `$ref`s are refused too; each reference is added under its `name`, the
 * string the schema's `$ref` uses (Confluent's convention), so `"$ref": "customer.json"` resolves.
 *
 * Draft 4 is checked by ajv's draft-7 validator after the two draft-4 spellings draft 7 changed are
 * rewritten (`id` -> `$id`, boolean `exclusiveMinimum/Maximum` -> numbers): ajv 8 has no draft-4
 * meta-schema of its own.
 *
 * Canonical text: the schema re-serialized compactly as given; normalized, with every object's keys
 * sorted, so key order no longer makes two schemas different.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parseJson(text: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new InvalidSchemaError(`Invalid JSON ${what}: ${(error as Error).message}`);
  }
}

function draftOf(schema: Json): '4' | '6' | '7' | '2019' | '2020' {
  const uri = isObject(schema) && typeof schema['$schema'] === 'string' ? schema['$schema'] : '';
  if (uri.includes('draft-04')) return '4';
  if (uri.includes('draft-06')) return '6';
  if (uri.includes('2019-09')) return '2019';
  if (uri.includes('2020-12')) return '2020';
  return '7';
}

/** Draft 4's spellings in draft 7's: `id` and boolean exclusive bounds. */
function fromDraft4(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(fromDraft4);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema') continue;
    if (key === 'id' && typeof value === 'string') out['$id'] = value;
    else if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'boolean') {
      const bound = schema[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'];
      if (value && typeof bound === 'number') out[key] = bound;
    } else if (key === 'properties' || key === 'definitions' || key === 'patternProperties' || key === 'dependencies') {
      out[key] = isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromDraft4(v)])) : value;
    } else out[key] = typeof value === 'object' ? fromDraft4(value) : value;
  }
  // With the bound moved into exclusiveMinimum/Maximum, the inclusive one must go (draft 7 would AND them).
  if (schema['exclusiveMinimum'] === true) delete out['minimum'];
  if (schema['exclusiveMaximum'] === true) delete out['maximum'];
  return out;
}

function validator(draft: ReturnType<typeof draftOf>): Ajv {
  // strict off: JSON Schema allows unknown keywords (Confluent's own connect.* annotations among them).
  const options = { strict: false, allErrors: false, validateFormats: false };
  if (draft === '2019') return new Ajv2019(options);
  if (draft === '2020') return new Ajv2020(options);
  const ajv = new Ajv(options);
  if (draft === '6') ajv.addMetaSchema(draft06);
  return ajv;
}

/**
 * The URIs a `$ref` may use for a reference: its name (Confluent's convention), its name resolved
 * against the referring schema's `$id` (a relative `$ref` in a schema with an absolute id), and the
 * reference's own `$id`.
 */
function referenceUris(name: string, schema: Json, base: string | undefined): string[] {
  const uris = [name];
  if (base !== undefined) {
    try {
      uris.push(new URL(name, base).href);
    } catch {
      // A base that is no URL resolves nothing more.
    }
  }
  if (isObject(schema) && typeof schema['$id'] === 'string') uris.push(schema['$id']);
  return uris;
}

function addReferences(ajv: Ajv, references: readonly ResolvedReference[], base: string | undefined, added: Set<string>): void {
  for (const reference of references) {
    addReferences(ajv, reference.references, base, added);
    let schema = parseJson(reference.schema, `schema reference ${reference.name}`);
    if (draftOf(schema) === '4') schema = fromDraft4(schema);
    for (const uri of referenceUris(reference.name, schema, base)) {
      if (added.has(uri)) continue;
      added.add(uri);
      try {
        // One copy per URI, each its own $id, so ajv indexes each once and none clash.
        ajv.addSchema((isObject(schema) ? { ...schema, $id: uri } : schema) as AnySchema, uri);
      } catch (error) {
        throw new InvalidSchemaError(`Invalid schema reference ${reference.name}: ${messageOf(error)}`);
      }
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys(value[key]!)]));
}

/** Parses and checks a JSON Schema's text: its JSON value, or InvalidSchemaError. */
export function checkJsonSchema(text: string, references: readonly ResolvedReference[]): Json {
  const json = parseJson(text, 'schema');
  if (!isObject(json) && typeof json !== 'boolean') throw new InvalidSchemaError('Invalid schema: a JSON Schema is an object or a boolean');
  const draft = draftOf(json);
  const ajv = validator(draft);
  try {
    const schema = (draft === '4' ? fromDraft4(json) : json) as AnySchema;
    const id = isObject(schema as Json) ? (schema as JsonObject)['$id'] : undefined;
    addReferences(ajv, references, typeof id === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(id) ? id : undefined, new Set());
    if (!ajv.validateSchema(schema)) throw new InvalidSchemaError(`Invalid schema: ${ajv.errorsText(ajv.errors)}`);
    ajv.compile(schema);
  } catch (error) {
    if (error instanceof InvalidSchemaError) throw error;
    throw new InvalidSchemaError(`Invalid schema: ${messageOf(error)}`);
  }
  return json;
}

export const jsonSchemaFormat: SchemaFormat = {
  type: 'JSON',
  parse(schema, references, normalize): ParsedSchema {
    const json = checkJsonSchema(schema, references);
    return { type: 'JSON', canonical: JSON.stringify(normalize ? sortKeys(json) : json), references };
  },
  readerIncompatibilities(reader, writer) {
    const refs = (parsed: ParsedSchema) => new Map(flatten(parsed.references).map((r) => [r.name, JSON.parse(r.schema) as Json]));
    return jsonSchemaIncompatibilities(
      { schema: JSON.parse(reader.canonical) as Json, references: refs(reader) },
      { schema: JSON.parse(writer.canonical) as Json, references: refs(writer) },
    );
  },
};

function flatten(references: readonly ResolvedReference[]): ResolvedReference[] {
  return references.flatMap((r) => [r, ...flatten(r.references)]);
}
