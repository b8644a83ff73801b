/**
 * The facts of one Kafka spec, without its prose: the keys the wire format, the code generator and the
 * broker depend on, in one fixed order. A key that is neither a fact nor known prose stops the import,
 * so a newer Kafka spec cannot lose a fact silently.
 */

/** Top-level keys, in output order. */
const MESSAGE_KEYS = [
  'name', 'type', 'apiKey', 'listeners', 'validVersions', 'flexibleVersions', 'deprecatedVersions',
  'latestVersionUnstable', 'fields', 'commonStructs',
] as const;

/** Field keys, in output order; `flexibleVersions` on a field is RequestHeader.ClientId's override. */
const FIELD_KEYS = [
  'name', 'type', 'versions', 'nullableVersions', 'taggedVersions', 'tag', 'flexibleVersions', 'default',
  'ignorable', 'entityType', 'mapKey', 'zeroCopy', 'fields',
] as const;

const STRUCT_KEYS = ['name', 'versions', 'fields'] as const;

/** Documentation, dropped: the project carries Kafka's facts, not its words. */
const PROSE_KEYS: ReadonlySet<string> = new Set(['about']);

export type Facts = { [key: string]: unknown };

/** The facts of a parsed spec; `where` names it in errors. */
export function specFacts(raw: unknown, where: string): Facts {
  const message = pick(raw, MESSAGE_KEYS, where);
  if (message.fields !== undefined) message.fields = fieldList(message.fields, `${where}.fields`);
  if (message.commonStructs !== undefined) {
    message.commonStructs = list(message.commonStructs, `${where}.commonStructs`).map((struct, i) => {
      const facts = pick(struct, STRUCT_KEYS, `${where}.commonStructs[${i}]`);
      facts.fields = fieldList(facts.fields, `${where}.${String(facts.name)}.fields`);
      return facts;
    });
  }
  return message;
}

function fieldList(value: unknown, where: string): Facts[] {
  return list(value, where).map((field, i) => {
    const facts = pick(field, FIELD_KEYS, `${where}[${i}]`);
    if (facts.fields !== undefined) facts.fields = fieldList(facts.fields, `${where}.${String(facts.name)}.fields`);
    return facts;
  });
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected an array`);
  return value;
}

/** The known keys of `value` in `order`; an unknown key is an error. */
function pick(value: unknown, order: readonly string[], where: string): Facts {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: expected an object`);
  const source = value as Facts;
  for (const key of Object.keys(source)) {
    if (!order.includes(key) && !PROSE_KEYS.has(key)) throw new Error(`${where}: unknown key "${key}" (a fact to keep, or prose to drop?)`);
  }
  const facts: Facts = {};
  for (const key of order) if (source[key] !== undefined) facts[key] = source[key];
  return facts;
}
