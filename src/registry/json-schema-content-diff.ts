import { compare, Comparison, side } from './json-schema-diff.ts';
import type { Json, JsonObject, SchemaNode } from './json-schema-kind.ts';

/**
 * Objects and arrays in Confluent's JSON Schema diff: what a property or item added or removed
 * means depends on the content model. Open (additional properties allowed with no schema): the
 * writer may already have written anything under a new name, so a reader adding a property (other
 * than `{}`) is refused under the STRICT policy, and removing one is fine. Closed
 * (additionalProperties false): the writer wrote no unknown property, so adding one is fine unless
 * it is required without a default, and removing one is refused. Partially open (a schema for
 * additional or pattern properties): the property is compared with that schema.
 */

type ObjectSchemaNode = SchemaNode;
type ArraySchemaNode = SchemaNode;

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** true or {}: a schema that accepts anything. */
function isEmptySchema(value: Json | undefined): boolean {
  return value === true || (isObject(value) && Object.keys(value).every((k) => ['$id', 'id', 'title', 'description', 'default', '$comment'].includes(k)));
}

function objectOf(value: Json | undefined): JsonObject {
  return isObject(value) ? value : {};
}

function requiredOf(keywords: JsonObject): Set<string> {
  const required = keywords['required'];
  return new Set(Array.isArray(required) ? required.filter((r): r is string => typeof r === 'string') : []);
}

/** additionalProperties: `false` forbids, a schema constrains, `true` or absent allows anything. */
function permits(value: Json | undefined): boolean {
  return value !== false;
}

function schemaOf(value: Json | undefined): Json | undefined {
  return value === undefined || typeof value === 'boolean' ? undefined : value;
}

function isOpenObject(keywords: JsonObject): boolean {
  const additional = keywords['additionalProperties'];
  if (!permits(additional) || schemaOf(additional) !== undefined) return false;
  if (Object.keys(objectOf(keywords['patternProperties'])).length > 0) return false;
  const unevaluated = keywords['unevaluatedProperties'];
  return unevaluated === undefined || isEmptySchema(unevaluated);
}

function schemaFromPartiallyOpen(keywords: JsonObject, property: string): Json | undefined {
  for (const [pattern, schema] of Object.entries(objectOf(keywords['patternProperties']))) {
    try {
      if (new RegExp(pattern, 'u').test(property)) return schema;
    } catch {
      // A pattern JavaScript cannot compile covers nothing here.
    }
  }
  const additional = schemaOf(keywords['additionalProperties']);
  if (additional !== undefined) return additional;
  const unevaluated = keywords['unevaluatedProperties'];
  if (keywords['additionalProperties'] === undefined && unevaluated !== undefined && unevaluated !== false && !isEmptySchema(unevaluated)) return unevaluated;
  return undefined;
}

function hasDefault(schema: Json | undefined): boolean {
  return isObject(schema) && schema['default'] !== undefined;
}

export function compareObjects(ctx: Comparison, o: ObjectSchemaNode, u: ObjectSchemaNode): void {
  const oProps = objectOf(o.keywords['properties']);
  const uProps = objectOf(u.keywords['properties']);
  const oRequired = requiredOf(o.keywords);
  const uRequired = requiredOf(u.keywords);
  for (const name of Object.keys(oProps)) {
    if (!(name in uProps)) continue;
    if (oRequired.has(name) && !uRequired.has(name)) ctx.add('REQUIRED_ATTRIBUTE_REMOVED', `required/${name}`);
    else if (!oRequired.has(name) && uRequired.has(name)) {
      ctx.add(hasDefault(uProps[name]) ? 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED' : 'REQUIRED_ATTRIBUTE_ADDED', `required/${name}`);
    }
  }
  for (const name of new Set([...Object.keys(oProps), ...Object.keys(uProps)])) {
    const at = ctx.child(`properties/${name}`);
    const before = oProps[name];
    const after = uProps[name];
    if (after === undefined) {
      if (isOpenObject(u.keywords)) at.add('PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL');
      else {
        const partial = schemaFromPartiallyOpen(u.keywords, name);
        if (partial !== undefined) {
          const sub = new Comparison(ctx.shared, at.path);
          compare(sub, side(o, before!), side(u, partial));
          at.merge(sub);
          at.add(sub.compatible ? 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
        } else at.add(before === false ? 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL' : 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL');
      }
    } else if (before === undefined) {
      if (isOpenObject(o.keywords)) {
        if (isEmptySchema(after)) at.add('PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL');
        else if (uRequired.has(name)) at.add(hasDefault(after) ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL' : 'REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL');
        else at.add('OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL');
      } else {
        const partial = schemaFromPartiallyOpen(o.keywords, name);
        if (partial !== undefined) {
          const sub = new Comparison(ctx.shared, at.path);
          compare(sub, side(o, partial), side(u, after));
          at.merge(sub);
          at.add(sub.compatible ? 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
        }
        if (uRequired.has(name)) at.add(hasDefault(after) ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL' : 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
        else at.add('OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
      }
    } else compare(at, side(o, before), side(u, after));
    ctx.merge(at);
  }
  compareDependencies(ctx, o, u);
  compareAdditionalProperties(ctx, o, u);
  compareCount(ctx, 'maxProperties', 'MAX_PROPERTIES', o.keywords, u.keywords);
  compareCount(ctx, 'minProperties', 'MIN_PROPERTIES', o.keywords, u.keywords);
}

function compareDependencies(ctx: Comparison, o: ObjectSchemaNode, u: ObjectSchemaNode): void {
  // Draft 2019-09 split `dependencies` into dependentRequired (lists) and dependentSchemas.
  const split = (keywords: JsonObject) => {
    const all = { ...objectOf(keywords['dependencies']), ...objectOf(keywords['dependentRequired']), ...objectOf(keywords['dependentSchemas']) };
    const arrays = new Map<string, Json[]>();
    const schemas = new Map<string, Json>();
    for (const [k, v] of Object.entries(all)) {
      if (Array.isArray(v)) arrays.set(k, v);
      else schemas.set(k, v);
    }
    return { arrays, schemas };
  };
  const before = split(o.keywords);
  const after = split(u.keywords);
  for (const key of new Set([...before.arrays.keys(), ...after.arrays.keys()])) {
    const a = before.arrays.get(key);
    const b = after.arrays.get(key);
    if (b === undefined) ctx.add('DEPENDENCY_ARRAY_REMOVED', `dependencies/${key}`);
    else if (a === undefined) ctx.add('DEPENDENCY_ARRAY_ADDED', `dependencies/${key}`);
    else {
      const extended = a.every((v) => b.includes(v));
      const narrowed = b.every((v) => a.includes(v));
      if (!(extended && narrowed)) ctx.add(extended ? 'DEPENDENCY_ARRAY_EXTENDED' : narrowed ? 'DEPENDENCY_ARRAY_NARROWED' : 'DEPENDENCY_ARRAY_CHANGED', `dependencies/${key}`);
    }
  }
  for (const key of new Set([...before.schemas.keys(), ...after.schemas.keys()])) {
    const a = before.schemas.get(key);
    const b = after.schemas.get(key);
    if (b === undefined) ctx.add('DEPENDENCY_SCHEMA_REMOVED', `dependencies/${key}`);
    else if (a === undefined) ctx.add('DEPENDENCY_SCHEMA_ADDED', `dependencies/${key}`);
    else {
      const at = ctx.child(`dependencies/${key}`);
      compare(at, side(o, a), side(u, b));
      ctx.merge(at);
    }
  }
}

function compareAdditionalProperties(ctx: Comparison, o: ObjectSchemaNode, u: ObjectSchemaNode): void {
  const a = o.keywords['additionalProperties'];
  const b = u.keywords['additionalProperties'];
  const at = ctx.child('additionalProperties');
  if (permits(a) !== permits(b)) at.add(permits(b) ? 'ADDITIONAL_PROPERTIES_ADDED' : 'ADDITIONAL_PROPERTIES_REMOVED');
  else if (schemaOf(a) === undefined && schemaOf(b) !== undefined) at.add('ADDITIONAL_PROPERTIES_NARROWED');
  else if (schemaOf(a) !== undefined && schemaOf(b) === undefined) at.add('ADDITIONAL_PROPERTIES_EXTENDED');
  else if (schemaOf(a) !== undefined) compare(at, side(o, schemaOf(a)!), side(u, schemaOf(b)!));
  ctx.merge(at);
}

function compareCount(ctx: Comparison, keyword: string, name: string, o: JsonObject, u: JsonObject): void {
  const a = typeof o[keyword] === 'number' ? o[keyword] : undefined;
  const b = typeof u[keyword] === 'number' ? u[keyword] : undefined;
  if (a === b) return;
  if (a === undefined) ctx.add(`${name}_ADDED`, keyword);
  else if (b === undefined) ctx.add(`${name}_REMOVED`, keyword);
  else ctx.add(a < b ? `${name}_INCREASED` : `${name}_DECREASED`, keyword);
}

function isOpenArray(keywords: JsonObject): boolean {
  const additional = additionalItemsOf(keywords);
  if (!permits(additional) || schemaOf(additional) !== undefined) return false;
  const unevaluated = keywords['unevaluatedItems'];
  return unevaluated === undefined || isEmptySchema(unevaluated);
}

/** The schema items past the tuple must have: additionalItems', or unevaluatedItems' when that is absent. */
function partialItemsOf(keywords: JsonObject): Json | undefined {
  const additional = additionalItemsOf(keywords);
  if (schemaOf(additional) !== undefined) return schemaOf(additional);
  const unevaluated = keywords['unevaluatedItems'];
  if (additional === undefined && unevaluated !== undefined && unevaluated !== false && !isEmptySchema(unevaluated)) return unevaluated;
  return undefined;
}

/** The tuple's item schemas: `items` as a list (to draft 2019-09) or `prefixItems` (2020-12). */
function tupleOf(keywords: JsonObject): Json[] {
  if (Array.isArray(keywords['prefixItems'])) return keywords['prefixItems'];
  return Array.isArray(keywords['items']) ? keywords['items'] : [];
}

/** The schema every item has: `items` as one schema (unless it follows prefixItems, as in 2020-12). */
function allItemsOf(keywords: JsonObject): Json | undefined {
  const items = keywords['items'];
  if (items === undefined || Array.isArray(items) || Array.isArray(keywords['prefixItems'])) return undefined;
  return items;
}

function additionalItemsOf(keywords: JsonObject): Json | undefined {
  return Array.isArray(keywords['prefixItems']) ? keywords['items'] : keywords['additionalItems'];
}

export function compareArrays(ctx: Comparison, o: ArraySchemaNode, u: ArraySchemaNode): void {
  const items = ctx.child('items');
  const a = allItemsOf(o.keywords);
  const b = allItemsOf(u.keywords);
  compare(items, a === undefined ? undefined : side(o, a), b === undefined ? undefined : side(u, b));
  ctx.merge(items);
  const before = tupleOf(o.keywords);
  const after = tupleOf(u.keywords);
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const at = ctx.child(`items/${i}`);
    if (i < before.length && i < after.length) compare(at, side(o, before[i]!), side(u, after[i]!));
    else if (i < before.length) {
      const partial = partialItemsOf(u.keywords);
      if (isOpenArray(u.keywords)) at.add('ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL');
      else if (partial !== undefined) {
        const sub = new Comparison(ctx.shared, at.path);
        compare(sub, side(o, before[i]!), side(u, partial));
        at.merge(sub);
        at.add(sub.compatible ? 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
      } else at.add(before[i] === false ? 'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL' : 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL');
    } else {
      const partial = partialItemsOf(o.keywords);
      if (isOpenArray(o.keywords)) at.add(isEmptySchema(after[i]) ? 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL');
      else if (partial !== undefined) {
        const sub = new Comparison(ctx.shared, at.path);
        compare(sub, side(o, partial), side(u, after[i]!));
        at.merge(sub);
        at.add(sub.compatible ? 'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
      } else at.add('ITEM_ADDED_TO_CLOSED_CONTENT_MODEL');
    }
    ctx.merge(at);
  }
  const ai = additionalItemsOf(o.keywords);
  const bi = additionalItemsOf(u.keywords);
  const additional = ctx.child('additionalItems');
  if (permits(ai) !== permits(bi)) additional.add(permits(ai) ? 'ADDITIONAL_ITEMS_REMOVED' : 'ADDITIONAL_ITEMS_ADDED');
  else if (schemaOf(ai) === undefined && schemaOf(bi) !== undefined) additional.add('ADDITIONAL_ITEMS_NARROWED');
  else if (schemaOf(ai) !== undefined && schemaOf(bi) === undefined) additional.add('ADDITIONAL_ITEMS_EXTENDED');
  else if (schemaOf(ai) !== undefined) compare(additional, side(o, schemaOf(ai)!), side(u, schemaOf(bi)!));
  ctx.merge(additional);
  compareCount(ctx, 'maxItems', 'MAX_ITEMS', o.keywords, u.keywords);
  compareCount(ctx, 'minItems', 'MIN_ITEMS', o.keywords, u.keywords);
  compareCount(ctx, 'maxContains', 'MAX_CONTAINS', o.keywords, u.keywords);
  compareCount(ctx, 'minContains', 'MIN_CONTAINS', o.keywords, u.keywords);
  const ua = o.keywords['uniqueItems'] === true;
  const ub = u.keywords['uniqueItems'] === true;
  if (ua !== ub) ctx.add(ua ? 'UNIQUE_ITEMS_REMOVED' : 'UNIQUE_ITEMS_ADDED', 'uniqueItems');
}
