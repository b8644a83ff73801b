import { parseSchemaType } from './formats.ts';
import { httpError, invalidSchema, invalidVersion, schemaNotFound } from './registry-errors.ts';
import type { SchemaById } from './registry-state.ts';
import type { SchemaReference, SchemaTypeName } from './schema-type.ts';
import type { SchemaValue } from './schemas-records.ts';

const MAX_VERSION = 2 ** 31 - 1;

/** `?name=true` as Confluent's resources read a boolean query parameter: anything else is false. */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  return (query.get(name) ?? '').toLowerCase() === 'true';
}

/** A version in a path: a number in [1, 2^31-1], or "latest" (or -1, its other spelling); else 42202. */
export function versionParam(text: string): number | 'latest' {
  if (text === 'latest' || text === '-1') return 'latest';
  if (!/^\d{1,10}$/.test(text)) throw invalidVersion(text);
  const version = Number(text);
  if (version < 1 || version > MAX_VERSION) throw invalidVersion(text);
  return version;
}

/** A schema id in a path; one that is not a number names no schema (40403). */
export function idParam(text: string): number {
  if (!/^\d{1,10}$/.test(text)) throw schemaNotFound();
  return Number(text);
}

/** The body as an object, or Confluent's 422 for any other JSON (a list, a string, null). */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw httpError(422, 'Unrecognized request body: a JSON object is expected');
  return body as Record<string, unknown>;
}

export interface SchemaRequestBody {
  readonly schemaType: SchemaTypeName;
  readonly schema: string;
  readonly references: SchemaReference[];
  readonly id: number | undefined;
  readonly version: number | undefined;
}

function optionalInt(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  // Confluent sends -1 / 0 for "not given" in some clients.
  if (typeof value !== 'number' || !Number.isInteger(value)) throw httpError(422, `Unrecognized field value: '${name}' must be an integer`);
  return value > 0 ? value : undefined;
}

/** The body of a register, lookup or compatibility request: {schema, schemaType?, references?, id?, version?}. */
export function schemaRequestBody(body: unknown): SchemaRequestBody {
  const object = bodyObject(body);
  if (typeof object.schema !== 'string' || object.schema.trim() === '') throw invalidSchema('Empty schema');
  const schemaType = parseSchemaType(object.schemaType);
  if (schemaType === undefined) throw invalidSchema(`Invalid schema type ${JSON.stringify(object.schemaType)}: AVRO, JSON and PROTOBUF are supported`);
  const references = object.references ?? [];
  if (!Array.isArray(references)) throw httpError(422, "Unrecognized field value: 'references' must be a list");
  const checked = references.map((r: unknown): SchemaReference => {
    const ref = r as Record<string, unknown> | null;
    if (typeof ref !== 'object' || ref === null || typeof ref.name !== 'string' || typeof ref.subject !== 'string'
      || typeof ref.version !== 'number' || !Number.isInteger(ref.version)) {
      throw invalidSchema('Invalid schema: a reference needs a name, a subject and a version');
    }
    return { name: ref.name, subject: ref.subject, version: ref.version };
  });
  return { schemaType, schema: object.schema, references: checked, id: optionalInt(object, 'id'), version: optionalInt(object, 'version') };
}

/**
 * A version as Confluent's Schema entity writes it: schemaType left out for AVRO and references
 * when there are none (its NON_EMPTY inclusion); clients read both as absent.
 */
export function schemaEntity(v: SchemaValue): Record<string, unknown> {
  return {
    subject: v.subject, version: v.version, id: v.id,
    ...(v.schemaType === 'AVRO' ? {} : { schemaType: v.schemaType }),
    ...(v.references.length === 0 ? {} : { references: v.references }),
    schema: v.schema,
  };
}

/** GET /schemas/ids/{id}: the schema without subject or version. */
export function schemaStringEntity(s: SchemaById): Record<string, unknown> {
  return {
    ...(s.schemaType === 'AVRO' ? {} : { schemaType: s.schemaType }),
    ...(s.references.length === 0 ? {} : { references: s.references }),
    schema: s.schema,
  };
}
