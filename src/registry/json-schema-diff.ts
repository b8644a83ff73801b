import { compareArrays, compareObjects } from './json-schema-content-diff.ts';
import { jsonSchemaKind, type Json, type JsonObject, type SchemaNode, type Scope } from './json-schema-kind.ts';

/**
 * JSON Schema compatibility as Confluent's registry decides it (io.confluent.kafka.schemaregistry.
 * json.diff, STRICT policy, its default): the writer's schema (the "original") is compared with the
 * reader's (the "update") keyword by keyword, each difference gets one of Confluent's difference
 * types, and the reader can read the writer's data unless some difference is not in the compatible
 * set below. Covered:
 * - type changes (a changed type is incompatible unless the reader accepts anything or the writer
 *   nothing), integer -> number widening (number -> integer narrowing refused), a type becoming a
 *   union (anyOf/oneOf) that has it, and an allOf becoming one of its parts;
 * - objects: properties added or removed under open, closed and partially open content models
 *   (additionalProperties, patternProperties, unevaluatedProperties), required added (with or
 *   without a default) and removed, additionalProperties added, removed, narrowed and extended,
 *   property dependencies, min/maxProperties;
 * - arrays: items (one schema or a tuple) under open and closed content models, additionalItems,
 *   min/maxItems, uniqueItems;
 * - strings (min/maxLength, pattern), numbers (minimum, maximum, exclusive bounds, multipleOf),
 *   enum extended/narrowed/changed, const, not, combined schemas (allOf/anyOf/oneOf, subschemas
 *   matched one to one by a maximum matching), $ref to local definitions and to references.
 *   min/maxContains, unevaluatedItems as a partially open content model.
 * Not covered: Confluent's LENIENT policy, its reserved-properties metadata rules, unevaluatedItems'
 * own ADDED/REMOVED differences.
 */

export interface JsonSchemaWithReferences {
  readonly schema: Json;
  readonly references: ReadonlyMap<string, Json>;
}

/** Difference types a reader tolerates under Confluent's STRICT policy. */
const COMPATIBLE = new Set([
  'ID_CHANGED', 'DESCRIPTION_CHANGED', 'TITLE_CHANGED', 'DEFAULT_CHANGED', 'SCHEMA_REMOVED', 'TYPE_EXTENDED',
  'MAX_LENGTH_INCREASED', 'MAX_LENGTH_REMOVED', 'MIN_LENGTH_DECREASED', 'MIN_LENGTH_REMOVED', 'PATTERN_REMOVED',
  'MAXIMUM_INCREASED', 'MAXIMUM_REMOVED', 'MINIMUM_DECREASED', 'MINIMUM_REMOVED', 'EXCLUSIVE_MAXIMUM_INCREASED',
  'EXCLUSIVE_MAXIMUM_REMOVED', 'EXCLUSIVE_MINIMUM_DECREASED', 'EXCLUSIVE_MINIMUM_REMOVED', 'MULTIPLE_OF_REDUCED',
  'MULTIPLE_OF_REMOVED', 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED', 'REQUIRED_ATTRIBUTE_REMOVED',
  'DEPENDENCY_ARRAY_NARROWED', 'DEPENDENCY_ARRAY_REMOVED', 'DEPENDENCY_SCHEMA_REMOVED', 'MAX_PROPERTIES_INCREASED',
  'MAX_PROPERTIES_REMOVED', 'MIN_PROPERTIES_DECREASED', 'MIN_PROPERTIES_REMOVED', 'ADDITIONAL_PROPERTIES_ADDED',
  'ADDITIONAL_PROPERTIES_EXTENDED', 'UNEVALUATED_PROPERTIES_ADDED', 'UNEVALUATED_PROPERTIES_EXTENDED',
  'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL', 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL', 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', 'MAX_ITEMS_INCREASED', 'MAX_ITEMS_REMOVED',
  'MIN_ITEMS_DECREASED', 'MIN_ITEMS_REMOVED', 'MAX_CONTAINS_INCREASED', 'MAX_CONTAINS_REMOVED', 'MIN_CONTAINS_DECREASED', 'MIN_CONTAINS_REMOVED', 'UNIQUE_ITEMS_REMOVED', 'ADDITIONAL_ITEMS_ADDED', 'ADDITIONAL_ITEMS_EXTENDED',
  'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL', 'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL',
  'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL', 'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ENUM_ARRAY_EXTENDED', 'COMBINED_TYPE_EXTENDED', 'PRODUCT_TYPE_NARROWED', 'SUM_TYPE_EXTENDED', 'NOT_TYPE_NARROWED',
]);

interface Difference {
  readonly type: string;
  readonly path: string;
}

/**
 * What one whole diff shares: the pairs being compared (a recursive $ref meets its own pair again),
 * and each compared pair's differences relative to it, so nested anyOf/oneOf (every subschema tried
 * against every other) cost one comparison per distinct pair rather than one per path to it. A
 * result that relied on a cycle being taken as compatible is not kept: it may not hold elsewhere.
 */
interface Shared {
  readonly inProgress: [Json, Json][];
  readonly memo: Map<Json, Map<Json, readonly Difference[]>>;
  truncations: number;
}

/** One comparison's differences, at a path, within a diff. */
export class Comparison {
  readonly differences: Difference[] = [];
  readonly shared: Shared;
  readonly path: string;
  constructor(shared: Shared, path: string) {
    this.shared = shared;
    this.path = path;
  }
  add(type: string, at = ''): void {
    this.differences.push({ type, path: at === '' ? this.path : `${this.path}/${at}` });
  }
  child(at: string): Comparison {
    return new Comparison(this.shared, `${this.path}/${at}`);
  }
  merge(other: Comparison): void {
    this.differences.push(...other.differences);
  }
  get compatible(): boolean {
    return this.differences.every((d) => COMPATIBLE.has(d.type));
  }
}

export type Side = { readonly raw: Json; readonly scope: Scope };

export function compare(ctx: Comparison, original: Side | undefined, update: Side | undefined): void {
  if (original === undefined && update === undefined) return;
  if (original === undefined) return ctx.add('SCHEMA_ADDED');
  if (update === undefined) return ctx.add('SCHEMA_REMOVED');
  const o = jsonSchemaKind(original.raw, original.scope);
  const u = jsonSchemaKind(update.raw, update.scope);
  const { shared } = ctx;
  const known = shared.memo.get(o.raw)?.get(u.raw);
  if (known === undefined) {
    // A pair already being compared higher up (a recursive $ref) is taken as compatible, as Confluent does.
    if (shared.inProgress.some(([a, b]) => a === o.raw && b === u.raw)) {
      shared.truncations++;
      return;
    }
    const truncations = shared.truncations;
    const pair = new Comparison(shared, '');
    shared.inProgress.push([o.raw, u.raw]);
    try {
      compareTypes(pair, o, u);
    } finally {
      shared.inProgress.pop();
    }
    if (shared.truncations === truncations && typeof o.raw === 'object' && typeof u.raw === 'object') {
      const byUpdate = shared.memo.get(o.raw) ?? new Map<Json, readonly Difference[]>();
      shared.memo.set(o.raw, byUpdate.set(u.raw, pair.differences));
    }
    return rebase(ctx, pair.differences);
  }
  rebase(ctx, known);
}

function rebase(ctx: Comparison, differences: readonly Difference[]): void {
  for (const d of differences) ctx.differences.push({ type: d.type, path: ctx.path + d.path });
}

export function side(node: SchemaNode, raw: Json): Side {
  return { raw, scope: node.scope };
}

function compareTypes(ctx: Comparison, o: SchemaNode, u: SchemaNode): void {
  if (o.kind !== 'combined' && u.kind === 'combined') {
    const only = u.subschemas.length === 1;
    if (only || u.criterion !== 'allOf') {
      for (const sub of u.subschemas) {
        const subctx = new Comparison(ctx.shared, ctx.path);
        compare(subctx, side(o, o.raw), side(u, sub));
        if (subctx.compatible) {
          ctx.merge(subctx);
          if (!only) ctx.add('SUM_TYPE_EXTENDED');
          return;
        }
      }
    }
  } else if (o.kind === 'combined' && u.kind !== 'combined') {
    const only = o.subschemas.length === 1;
    if (only || o.criterion === 'allOf') {
      for (const sub of o.subschemas) {
        const subctx = new Comparison(ctx.shared, ctx.path);
        compare(subctx, side(o, sub), side(u, u.raw));
        if (subctx.compatible) {
          ctx.merge(subctx);
          if (!only) ctx.add('PRODUCT_TYPE_NARROWED');
          return;
        }
      }
    }
  }
  if (o.kind !== u.kind) {
    if (o.kind === 'false' || u.kind === 'empty') return;
    if (o.connectBytes && u.connectBytes) return;
    return ctx.add('TYPE_CHANGED');
  }
  for (const [keyword, type] of [['$id', 'ID_CHANGED'], ['title', 'TITLE_CHANGED'], ['description', 'DESCRIPTION_CHANGED'], ['default', 'DEFAULT_CHANGED']] as const) {
    if (!jsonEquals(o.annotations[keyword], u.annotations[keyword])) ctx.add(type);
  }
  switch (o.kind) {
    case 'string':
      return compareStrings(ctx, o.keywords, u.keywords);
    case 'number':
      compareNumbers(ctx, o.keywords, u.keywords);
      if (o.integer !== u.integer) ctx.add(o.integer ? 'TYPE_EXTENDED' : 'TYPE_NARROWED');
      return;
    case 'const':
      if (!jsonEquals(o.keywords['const'], u.keywords['const'])) ctx.add('ENUM_ARRAY_CHANGED', 'const');
      return;
    case 'enum':
      return compareEnums(ctx, o.values, u.values);
    case 'combined':
      return compareCombined(ctx, o, u);
    case 'not': {
      const subctx = ctx.child('not');
      // A reader's `not` may exclude less than the writer's: compared the other way round.
      compare(subctx, side(u, u.keywords['not']!), side(o, o.keywords['not']!));
      return ctx.add(subctx.compatible ? 'NOT_TYPE_NARROWED' : 'NOT_TYPE_EXTENDED', 'not');
    }
    case 'object':
      return compareObjects(ctx, o, u);
    case 'array':
      return compareArrays(ctx, o, u);
  }
}

export function jsonEquals(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as Json[]).length && a.every((v, i) => jsonEquals(v, (b as Json[])[i]));
  const ak = Object.keys(a);
  const bo = b as JsonObject;
  return ak.length === Object.keys(bo).length && ak.every((k) => k in bo && jsonEquals(a[k], bo[k]));
}

/** ADDED / REMOVED / INCREASED / DECREASED for a numeric keyword, as Confluent names them. */
function compareBound(ctx: Comparison, keyword: string, name: string, o: Json | undefined, u: Json | undefined): void {
  const a = typeof o === 'number' ? o : undefined;
  const b = typeof u === 'number' ? u : undefined;
  if (a === b) return;
  if (a === undefined) ctx.add(`${name}_ADDED`, keyword);
  else if (b === undefined) ctx.add(`${name}_REMOVED`, keyword);
  else ctx.add(a < b ? `${name}_INCREASED` : `${name}_DECREASED`, keyword);
}

function compareStrings(ctx: Comparison, o: JsonObject, u: JsonObject): void {
  compareBound(ctx, 'maxLength', 'MAX_LENGTH', o['maxLength'], u['maxLength']);
  compareBound(ctx, 'minLength', 'MIN_LENGTH', o['minLength'], u['minLength']);
  if (o['pattern'] === undefined && u['pattern'] !== undefined) ctx.add('PATTERN_ADDED', 'pattern');
  else if (o['pattern'] !== undefined && u['pattern'] === undefined) ctx.add('PATTERN_REMOVED', 'pattern');
  else if (o['pattern'] !== u['pattern']) ctx.add('PATTERN_CHANGED', 'pattern');
}

function compareNumbers(ctx: Comparison, o: JsonObject, u: JsonObject): void {
  compareBound(ctx, 'maximum', 'MAXIMUM', o['maximum'], u['maximum']);
  compareBound(ctx, 'minimum', 'MINIMUM', o['minimum'], u['minimum']);
  compareBound(ctx, 'exclusiveMaximum', 'EXCLUSIVE_MAXIMUM', o['exclusiveMaximum'], u['exclusiveMaximum']);
  compareBound(ctx, 'exclusiveMinimum', 'EXCLUSIVE_MINIMUM', o['exclusiveMinimum'], u['exclusiveMinimum']);
  const a = typeof o['multipleOf'] === 'number' ? o['multipleOf'] : undefined;
  const b = typeof u['multipleOf'] === 'number' ? u['multipleOf'] : undefined;
  if (a === b) return;
  if (a === undefined) ctx.add('MULTIPLE_OF_ADDED', 'multipleOf');
  else if (b === undefined) ctx.add('MULTIPLE_OF_REMOVED', 'multipleOf');
  else if (a !== 0 && isMultiple(b, a)) ctx.add('MULTIPLE_OF_EXPANDED', 'multipleOf');
  else if (b !== 0 && isMultiple(a, b)) ctx.add('MULTIPLE_OF_REDUCED', 'multipleOf');
  else ctx.add('MULTIPLE_OF_CHANGED', 'multipleOf');
}

/** Whether `value` is a whole multiple of `of`, tolerating binary fractions (0.3 of 0.1). */
function isMultiple(value: number, of: number): boolean {
  const quotient = value / of;
  return Math.abs(quotient - Math.round(quotient)) < 1e-9;
}

function compareEnums(ctx: Comparison, o: readonly Json[], u: readonly Json[]): void {
  const has = (list: readonly Json[], v: Json) => list.some((w) => jsonEquals(v, w));
  const extended = o.every((v) => has(u, v));
  const narrowed = u.every((v) => has(o, v));
  if (extended && narrowed) return;
  ctx.add(extended ? 'ENUM_ARRAY_EXTENDED' : narrowed ? 'ENUM_ARRAY_NARROWED' : 'ENUM_ARRAY_CHANGED', 'enum');
}

function compareCombined(ctx: Comparison, o: SchemaNode, u: SchemaNode): void {
  const singleton = (n: SchemaNode) => n.subschemas.length === 1;
  if (o.criterion !== u.criterion) {
    const extended =
      u.criterion === 'anyOf' || (singleton(o) && singleton(u)) || (singleton(o) && u.criterion === 'oneOf') || (singleton(u) && o.criterion === 'allOf');
    ctx.add(extended ? 'COMBINED_TYPE_EXTENDED' : 'COMBINED_TYPE_CHANGED');
    if (!extended) return;
  }
  const dedupe = (list: readonly Json[]) => list.filter((s, i) => list.findIndex((t) => jsonEquals(s, t)) === i);
  const originals = dedupe(o.subschemas);
  const updates = dedupe(u.subschemas);
  if (originals.length < updates.length) ctx.add(u.criterion === 'allOf' ? 'PRODUCT_TYPE_EXTENDED' : 'SUM_TYPE_EXTENDED');
  else if (originals.length > updates.length) ctx.add(o.criterion === 'allOf' ? 'PRODUCT_TYPE_NARROWED' : 'SUM_TYPE_NARROWED');
  // Which update subschema each original one can be read as; then a maximum one-to-one matching.
  const edges = originals.map((os, i) =>
    updates.map((us) => {
      const subctx = ctx.child(`${o.criterion}/${i}`);
      compare(subctx, side(o, os), side(u, us));
      return subctx.compatible ? subctx : undefined;
    }),
  );
  const matchOfUpdate: (number | undefined)[] = updates.map(() => undefined);
  const augment = (i: number, seen: Set<number>): boolean => {
    for (let j = 0; j < updates.length; j++) {
      if (!edges[i]![j] || seen.has(j)) continue;
      seen.add(j);
      if (matchOfUpdate[j] === undefined || augment(matchOfUpdate[j]!, seen)) {
        matchOfUpdate[j] = i;
        return true;
      }
    }
    return false;
  };
  let matched = 0;
  for (let i = 0; i < originals.length; i++) if (augment(i, new Set())) matched++;
  matchOfUpdate.forEach((i, j) => i !== undefined && ctx.merge(edges[i]![j]!));
  if (matched < Math.min(originals.length, updates.length)) ctx.add('COMBINED_TYPE_SUBSCHEMAS_CHANGED');
}


/** Why the reader's schema cannot read data valid against the writer's, in Confluent's words. */
export function jsonSchemaIncompatibilities(reader: JsonSchemaWithReferences, writer: JsonSchemaWithReferences): string[] {
  const ctx = new Comparison({ inProgress: [], memo: new Map(), truncations: 0 }, '#');
  compare(ctx, { raw: writer.schema, scope: { document: writer.schema, references: writer.references } }, {
    raw: reader.schema,
    scope: { document: reader.schema, references: reader.references },
  });
  return ctx.differences.filter((d) => !COMPATIBLE.has(d.type)).map(describe);
}

function describe(difference: Difference): string {
  const path = difference.path === '#' ? '#/' : difference.path;
  return `{errorType:"${difference.type}", description:"${descriptionOf(difference.type, path)}"}`;
}

function descriptionOf(type: string, path: string): string {
  if (/_(ADDED|REMOVED)$/.test(type) && !/PROPERTY|ITEM/.test(type)) return `The keyword at path '${path}' in the reader's schema is not present in the writer's schema`;
  if (/_INCREASED$|_EXPANDED$/.test(type)) return `The value at path '${path}' in the reader's schema is more than its value in the writer's schema`;
  if (/_DECREASED$/.test(type)) return `The value at path '${path}' in the reader's schema is less than its value in the writer's schema`;
  if (/_NARROWED$/.test(type)) return `An array or combined type at path '${path}' has fewer elements in the reader's schema than the writer's schema`;
  if (/TYPE_CHANGED|SUBSCHEMAS_CHANGED|ENUM_ARRAY_CHANGED/.test(type)) return `A type at path '${path}' is different between the reader's schema and the writer's schema`;
  if (/_CHANGED$/.test(type)) return `The value at path '${path}' is different between the reader's and writer's schema`;
  if (/_EXTENDED$/.test(type)) return `An array or combined type at path '${path}' has more elements in the reader's schema than the writer's schema`;
  if (/ADDED_TO_OPEN_CONTENT_MODEL$/.test(type)) return `The reader's schema has an open content model and has a property or item at path '${path}' which is missing in the writer's schema`;
  if (type === 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL') return `The reader's schema has an unopen content model and has a required property at path '${path}' which is missing in the writer's schema`;
  if (/REMOVED_FROM_CLOSED_CONTENT_MODEL$/.test(type)) return `The reader's schema has a closed content model and is missing a property or item present at path '${path}' in the writer's schema`;
  if (/REMOVED_NOT_COVERED/.test(type)) return `A property or item is missing in the reader's schema but present at path '${path}' in the writer's schema and is not covered by its partially open content model`;
  return `The reader's schema has a property or item at path '${path}' which is missing in the writer's schema and is not covered by its partially open content model`;
}
