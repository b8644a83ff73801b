import { schemaFormat } from './formats.ts';
import { invalidSchema } from './registry-errors.ts';
import type { RegistryState } from './registry-state.ts';
import { InvalidSchemaError, type ParsedSchema, type ResolvedReference, type SchemaReference, type SchemaTypeName } from './schema-type.ts';

/** How deep references may nest: deeper is a cycle or an abuse, refused as an invalid schema. */
const MAX_REFERENCE_DEPTH = 32;

/**
 * The schemas `references` name, each with its own references, from the registry's state. A
 * reference to a version that does not exist makes the schema invalid (42201), as in Confluent.
 */
export function resolveReferences(state: RegistryState, references: readonly SchemaReference[], depth = 0): ResolvedReference[] {
  if (depth > MAX_REFERENCE_DEPTH) throw invalidSchema(`Invalid schema: references nest deeper than ${MAX_REFERENCE_DEPTH}`);
  return references.map((reference) => {
    const versions = state.versions(reference.subject, true);
    const target = reference.version === -1 ? state.versions(reference.subject).at(-1) : versions.find((v) => v.version === reference.version);
    if (target === undefined) {
      throw invalidSchema(`Invalid schema: reference '${reference.name}' names subject '${reference.subject}' version ${reference.version}, which does not exist`);
    }
    return { name: reference.name, schema: target.schema, references: resolveReferences(state, target.references, depth + 1) };
  });
}

/** Parses a schema a client sent: 42201 with the format's message when it is not valid. */
export function parseSchema(
  state: RegistryState, type: SchemaTypeName, schema: string, references: readonly SchemaReference[], normalize: boolean,
): ParsedSchema {
  const resolved = resolveReferences(state, references);
  try {
    return schemaFormat(type).parse(schema, resolved, normalize);
  } catch (error) {
    // The format's parser may throw its library's own error as well as InvalidSchemaError: both are the client's schema.
    const message = error instanceof InvalidSchemaError || error instanceof Error ? error.message : String(error);
    throw invalidSchema(message.startsWith('Invalid schema') ? message : `Invalid schema: ${message}`);
  }
}

/**
 * Parses a stored version, for comparison with a candidate; null when this registry cannot parse
 * it (written by a registry whose format library accepts more), which a check then leaves out.
 */
export function parseStored(
  state: RegistryState, stored: { schemaType: SchemaTypeName; schema: string; references: readonly SchemaReference[] },
): ParsedSchema | null {
  try {
    return schemaFormat(stored.schemaType).parse(stored.schema, resolveReferences(state, stored.references), false);
  } catch {
    return null;
  }
}

/** Whether a stored version is the candidate: same type, same canonical text, same references. */
export function sameSchema(
  state: RegistryState,
  stored: { schemaType: SchemaTypeName; schema: string; references: readonly SchemaReference[] },
  candidate: ParsedSchema, candidateReferences: readonly SchemaReference[], normalize: boolean,
): boolean {
  if (stored.schemaType !== candidate.type) return false;
  const references = (list: readonly SchemaReference[]) => normalize ? normalizedReferences(list) : list;
  if (!sameReferences(references(stored.references), references(candidateReferences))) return false;
  if (stored.schema === candidate.canonical) return true;
  // Stored by another registry (or before normalize was asked for): compare in this one's canonical form.
  try {
    return schemaFormat(stored.schemaType).parse(stored.schema, resolveReferences(state, stored.references), normalize).canonical === candidate.canonical;
  } catch {
    return false;
  }
}

/**
 * References as Confluent's normalize() leaves them: sorted by subject, then version (its
 * SchemaReference order; the sort is stable, so names do not reorder), each one once. The order a
 * client lists references in then makes no other schema.
 */
export function normalizedReferences(references: readonly SchemaReference[]): readonly SchemaReference[] {
  const sorted = [...references].sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version));
  return sorted.filter((r, i) => sorted.findIndex((o) => o.name === r.name && o.subject === r.subject && o.version === r.version) === i);
}

function sameReferences(a: readonly SchemaReference[], b: readonly SchemaReference[]): boolean {
  return a.length === b.length && a.every((r, i) => r.name === b[i]!.name && r.subject === b[i]!.subject && r.version === b[i]!.version);
}
