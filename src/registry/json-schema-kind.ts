/**
 * What kind of schema a JSON Schema is, as Confluent's diff sees it (everit's schema classes): a
 * `$ref` is followed to what it names; `true` and `{}` accept anything ("empty"); `false` nothing;
 * a `type` (or, without one, the keywords of one type) makes a typed schema; enum, const, not and
 * allOf/anyOf/oneOf are kinds of their own; a list of types is an anyOf of one schema per type, and
 * a schema with several of these at once an allOf of them.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Where `$ref`s resolve: the document a schema sits in and the registry references by name. */
export interface Scope {
  readonly document: Json;
  readonly references: ReadonlyMap<string, Json>;
}

export type Kind = 'empty' | 'false' | 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array' | 'enum' | 'const' | 'not' | 'combined';
export type Criterion = 'allOf' | 'anyOf' | 'oneOf';

export interface SchemaNode {
  readonly kind: Kind;
  /** The schema object itself after following $refs: the identity recursion is detected by. */
  readonly raw: Json;
  readonly scope: Scope;
  readonly annotations: JsonObject;
  readonly keywords: JsonObject;
  /** Kafka Connect's marker that two differently typed schemas both carry bytes (Confluent treats them as one). */
  readonly connectBytes: boolean;
  readonly integer: boolean;
  readonly values: readonly Json[];
  readonly criterion: Criterion;
  readonly subschemas: readonly Json[];
}

const KEYWORDS_OF: readonly [Kind, readonly string[]][] = [
  ['object', ['properties', 'required', 'additionalProperties', 'patternProperties', 'minProperties', 'maxProperties', 'dependencies', 'dependentRequired', 'dependentSchemas', 'propertyNames', 'unevaluatedProperties']],
  ['array', ['items', 'prefixItems', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems', 'contains', 'unevaluatedItems']],
  ['string', ['minLength', 'maxLength', 'pattern']],
  ['number', ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']],
];
const TYPES: Readonly<Record<string, Kind>> = { string: 'string', number: 'number', integer: 'number', boolean: 'boolean', null: 'null', object: 'object', array: 'array' };
const MAX_REF_HOPS = 64;

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function pointer(document: Json, fragment: string): Json | undefined {
  let at: Json | undefined = document;
  for (const raw of fragment.split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at)) at = at[Number(key)];
    else if (isObject(at)) at = at[key];
    else return undefined;
  }
  return at;
}

/** The schema a `$ref` names: in the same document (#/...), or in a reference by its name. */
function resolve(ref: string, scope: Scope): { raw: Json; scope: Scope } | undefined {
  const hash = ref.indexOf('#');
  const location = hash < 0 ? ref : ref.slice(0, hash);
  const fragment = hash < 0 ? '' : ref.slice(hash + 1);
  let document = scope.document;
  let references = scope.references;
  if (location !== '') {
    const base = location.slice(location.lastIndexOf('/') + 1);
    // By name, as given or resolved against a base URI; else by the reference's own $id.
    const names = [...scope.references.keys()];
    const name =
      names.find((k) => k === location || k === base || k.endsWith(`/${base}`)) ??
      names.find((k) => {
        const id = scope.references.get(k);
        return isObject(id) && typeof id['$id'] === 'string' && (id['$id'] === location || id['$id'].endsWith(`/${base}`));
      });
    if (name === undefined) return undefined;
    document = scope.references.get(name)!;
    references = scope.references;
  }
  const raw = fragment === '' ? document : pointer(document, fragment);
  return raw === undefined ? undefined : { raw, scope: { document, references } };
}

function node(kind: Kind, raw: Json, scope: Scope, extra: Partial<SchemaNode> = {}): SchemaNode {
  const object = isObject(raw) ? raw : {};
  const annotations: JsonObject = {};
  for (const key of ['$id', 'title', 'description', 'default']) {
    const value = object[key] ?? (key === '$id' ? object['id'] : undefined);
    if (value !== undefined) annotations[key] = value;
  }
  return {
    kind, raw, scope, annotations, keywords: object,
    connectBytes: object['connect.type'] === 'bytes',
    integer: false, values: [], criterion: 'allOf', subschemas: [],
    ...extra,
  };
}

/** Classifies `raw` (following $refs), for the diff. */
export function jsonSchemaKind(raw: Json, scope: Scope): SchemaNode {
  for (let hops = 0; isObject(raw) && typeof raw['$ref'] === 'string' && hops < MAX_REF_HOPS; hops++) {
    const target = resolve(raw['$ref'], scope);
    // The parser refused unresolvable $refs; one here (a reference's own) accepts anything.
    if (target === undefined) return node('empty', raw, scope);
    ({ raw, scope } = target);
  }
  if (raw === false) return node('false', raw, scope);
  if (!isObject(raw)) return node('empty', raw, scope);
  const parts: JsonObject[] = [];
  const type = raw['type'];
  const typed = (t: string): JsonObject => {
    const part: JsonObject = { type: t };
    const kind = TYPES[t];
    for (const [k, keys] of KEYWORDS_OF) if (k === kind) for (const key of keys) if (raw[key] !== undefined) part[key] = raw[key]!;
    return part;
  };
  if (typeof type === 'string') parts.push(typed(type));
  else if (Array.isArray(type)) {
    const types = type.filter((t): t is string => typeof t === 'string');
    parts.push(types.length === 1 ? typed(types[0]!) : { anyOf: types.map(typed) });
  } else {
    for (const [kind, keys] of KEYWORDS_OF) {
      if (keys.some((key) => raw[key] !== undefined)) parts.push(typed(kind === 'number' ? 'number' : kind));
    }
  }
  if (Array.isArray(raw['enum'])) parts.push({ enum: raw['enum'] });
  if (raw['const'] !== undefined) parts.push({ const: raw['const'] });
  for (const criterion of ['allOf', 'anyOf', 'oneOf'] as const) if (Array.isArray(raw[criterion])) parts.push({ [criterion]: raw[criterion] });
  if (raw['not'] !== undefined) parts.push({ not: raw['not'] });
  if (parts.length === 0) return node('empty', raw, scope);
  if (parts.length > 1) return node('combined', raw, scope, { criterion: 'allOf', subschemas: parts });
  const part = parts[0]!;
  // The node keeps `raw` (its identity and annotations) but reads its keywords from the part.
  const only = (kind: Kind, extra: Partial<SchemaNode> = {}) => ({ ...node(kind, raw, scope, extra), keywords: { ...raw, ...part } });
  if (typeof part['type'] === 'string') return only(TYPES[part['type']] ?? 'empty', { integer: part['type'] === 'integer' });
  if (part['enum'] !== undefined) return only('enum', { values: part['enum'] as Json[] });
  if (part['const'] !== undefined) return only('const');
  if (part['not'] !== undefined) return only('not');
  const criterion = (['allOf', 'anyOf', 'oneOf'] as const).find((c) => part[c] !== undefined)!;
  return only('combined', { criterion, subschemas: part[criterion] as Json[] });
}
