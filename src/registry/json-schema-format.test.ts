import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compatibilityErrors, type CompatibilityLevel } from './compatibility.ts';
import { jsonSchemaFormat } from './json-schema-format.ts';
import { InvalidSchemaError, type ResolvedReference } from './schema-type.ts';

const parse = (schema: object | string, references: readonly ResolvedReference[] = []) =>
  jsonSchemaFormat.parse(typeof schema === 'string' ? schema : JSON.stringify(schema), references, false);

const open = (properties: object, extra: object = {}) => ({ type: 'object', properties, ...extra });
const closed = (properties: object, extra: object = {}) => ({ type: 'object', properties, additionalProperties: false, ...extra });
const ID = { id: { type: 'integer' } };
const ID_NAME = { id: { type: 'integer' }, name: { type: 'string' } };

/**
 * Schema changes, each as Confluent's registry judges it (STRICT policy, its default) under
 * BACKWARD (the new schema reads old data) and FORWARD. Sources: Confluent's "JSON Schema
 * compatibility rules" (open, closed and partially open content models) and the cases of its
 * json-schema-provider diff tests.
 */
const CHANGES: { change: string; old: object; next: object; backward: boolean; forward: boolean }[] = [
  // Open content model: an old writer may have written any property, so a new reader's new
  // property might not match what is there; removing one is fine.
  { change: 'add an optional property to an open content model', old: open(ID), next: open(ID_NAME), backward: false, forward: true },
  { change: 'remove a property from an open content model', old: open(ID_NAME), next: open(ID), backward: true, forward: false },
  { change: 'add an empty-schema property to an open content model', old: open(ID), next: open({ ...ID, any: {} }), backward: true, forward: true },
  // Closed content model: the old writer wrote no other property.
  { change: 'add an optional property to a closed content model', old: closed(ID), next: closed(ID_NAME), backward: true, forward: false },
  { change: 'add a required property to a closed content model', old: closed(ID), next: closed(ID_NAME, { required: ['name'] }), backward: false, forward: false },
  {
    change: 'add a required property with a default to a closed content model',
    old: closed(ID),
    next: closed({ ...ID, name: { type: 'string', default: '' } }, { required: ['name'] }),
    backward: true,
    forward: false,
  },
  { change: 'remove a property from a closed content model', old: closed(ID_NAME), next: closed(ID), backward: false, forward: true },
  // Partially open: the property is judged by the schema of additional properties.
  {
    change: 'add a property covered by additionalProperties',
    old: open(ID, { additionalProperties: { type: 'string' } }),
    next: open(ID_NAME, { additionalProperties: { type: 'string' } }),
    backward: true,
    forward: true,
  },
  {
    change: 'add a property not covered by additionalProperties',
    old: open(ID, { additionalProperties: { type: 'string' } }),
    next: open({ ...ID, age: { type: 'integer' } }, { additionalProperties: { type: 'string' } }),
    backward: false,
    forward: false,
  },
  { change: 'make a property required', old: open(ID_NAME), next: open(ID_NAME, { required: ['name'] }), backward: false, forward: true },
  { change: 'make a required property optional', old: open(ID_NAME, { required: ['name'] }), next: open(ID_NAME), backward: true, forward: false },
  { change: 'close an open content model', old: open(ID), next: closed(ID), backward: false, forward: true },
  // Types.
  { change: 'narrow number to integer', old: open({ n: { type: 'number' } }), next: open({ n: { type: 'integer' } }), backward: false, forward: true },
  { change: 'widen integer to number', old: open({ n: { type: 'integer' } }), next: open({ n: { type: 'number' } }), backward: true, forward: false },
  { change: 'change string to integer', old: open({ n: { type: 'string' } }), next: open({ n: { type: 'integer' } }), backward: false, forward: false },
  { change: 'widen a type to a union with it', old: open({ n: { type: 'string' } }), next: open({ n: { type: ['string', 'null'] } }), backward: true, forward: false },
  { change: 'widen to anyOf with it', old: { type: 'string' }, next: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, backward: true, forward: false },
  { change: 'change a property to accept anything', old: open({ n: { type: 'string' } }), next: open({ n: {} }), backward: true, forward: false },
  // Enums and bounds.
  { change: 'add an enum value', old: { enum: ['RED', 'GREEN'] }, next: { enum: ['RED', 'GREEN', 'BLUE'] }, backward: true, forward: false },
  { change: 'remove an enum value', old: { enum: ['RED', 'GREEN', 'BLUE'] }, next: { enum: ['RED', 'GREEN'] }, backward: false, forward: true },
  { change: 'raise maxLength', old: { type: 'string', maxLength: 10 }, next: { type: 'string', maxLength: 20 }, backward: true, forward: false },
  { change: 'add a minimum', old: { type: 'number' }, next: { type: 'number', minimum: 0 }, backward: false, forward: true },
  { change: 'add a pattern', old: { type: 'string' }, next: { type: 'string', pattern: '^a' }, backward: false, forward: true },
  { change: 'change only title and description', old: { type: 'string', title: 'a' }, next: { type: 'string', title: 'b', description: 'c' }, backward: true, forward: true },
  // Arrays.
  { change: 'change array items type', old: { type: 'array', items: { type: 'string' } }, next: { type: 'array', items: { type: 'integer' } }, backward: false, forward: false },
  { change: 'remove uniqueItems', old: { type: 'array', uniqueItems: true }, next: { type: 'array' }, backward: true, forward: false },
];

for (const { change, old, next, backward, forward } of CHANGES) {
  test(`JSON compatibility: ${change}: BACKWARD ${backward ? 'accepts' : 'refuses'}, FORWARD ${forward ? 'accepts' : 'refuses'}`, () => {
    const previous = parse(old);
    const candidate = parse(next);
    const check = (level: CompatibilityLevel) => compatibilityErrors(jsonSchemaFormat, level, candidate, [previous]);
    assert.equal(check('BACKWARD').length === 0, backward, `BACKWARD: ${check('BACKWARD').join('; ')}`);
    assert.equal(check('FORWARD').length === 0, forward, `FORWARD: ${check('FORWARD').join('; ')}`);
    assert.equal(check('FULL').length === 0, backward && forward);
  });
}

test('JSON: an incompatibility names Confluent\'s difference type and the path', () => {
  const [error, ...rest] = jsonSchemaFormat.readerIncompatibilities(parse(open({ n: { type: 'integer' } })), parse(open({ n: { type: 'string' } })));
  assert.deepEqual(rest, []);
  assert.match(error!, /^\{errorType:"TYPE_CHANGED", description:".*'#\/properties\/n'/);
});

test('JSON references: $ref by reference name resolves; compatibility follows it', () => {
  const address = (zip: string): ResolvedReference => ({ name: 'address.json', schema: JSON.stringify(closed({ zip: { type: zip } })), references: [] });
  const order = open({ address: { $ref: 'address.json' } });
  const v1 = parse(order, [address('string')]);
  assert.throws(() => parse(order), InvalidSchemaError, 'an unresolvable $ref is refused');
  const v2 = parse(order, [address('integer')]);
  assert.equal(compatibilityErrors(jsonSchemaFormat, 'BACKWARD', v2, [v1]).length, 1);
  assert.deepEqual(compatibilityErrors(jsonSchemaFormat, 'BACKWARD', parse(order, [address('string')]), [v1]), []);
});

test('JSON references: a relative $ref resolves against the schema\'s absolute $id, and a reference by its own $id', () => {
  const customer = (type: string): ResolvedReference => ({ name: 'customer.schema.json', schema: JSON.stringify({ $id: 'http://example.com/schemas/customer.schema.json', type }), references: [] });
  const order = { $id: 'http://example.com/schemas/order.schema.json', type: 'object', properties: { customer: { $ref: 'customer.schema.json' } } };
  const byId = { type: 'object', properties: { customer: { $ref: 'http://example.com/schemas/customer.schema.json' } } };
  for (const schema of [order, byId]) {
    const v1 = parse(schema, [customer('object')]);
    assert.deepEqual(compatibilityErrors(jsonSchemaFormat, 'FULL', parse(schema, [customer('object')]), [v1]), []);
    assert.equal(compatibilityErrors(jsonSchemaFormat, 'BACKWARD', parse(schema, [customer('string')]), [v1]).length, 1);
  }
});

test('JSON: local definitions and recursive schemas compare without looping', () => {
  const tree = (valueType: string) => ({
    $ref: '#/definitions/node',
    definitions: { node: { type: 'object', properties: { value: { type: valueType }, children: { type: 'array', items: { $ref: '#/definitions/node' } } } } },
  });
  assert.deepEqual(compatibilityErrors(jsonSchemaFormat, 'FULL', parse(tree('string')), [parse(tree('string'))]), []);
  assert.equal(compatibilityErrors(jsonSchemaFormat, 'BACKWARD', parse(tree('integer')), [parse(tree('string'))]).length, 1);
});

test('JSON: nested anyOf over shared definitions compare once per pair, not once per path', () => {
  // 30 levels of three ways to the next level: 9^30 paths through the pairs, 30 distinct pairs.
  const bomb = (leaf: string) => {
    const definitions: Record<string, object> = { d30: { type: leaf } };
    for (let i = 29; i >= 0; i--) {
      const next = `#/definitions/d${i + 1}`;
      definitions[`d${i}`] = { anyOf: [{ $ref: next }, { $ref: next, title: 'b' }, { $ref: next, description: 'c' }] };
    }
    return { $ref: '#/definitions/d0', definitions };
  };
  assert.deepEqual(compatibilityErrors(jsonSchemaFormat, 'FULL', parse(bomb('string')), [parse(bomb('string'))]), []);
  assert.notDeepEqual(compatibilityErrors(jsonSchemaFormat, 'BACKWARD', parse(bomb('integer')), [parse(bomb('string'))]), []);
});

test('JSON drafts: 4, 6, 7, 2019-09 and 2020-12 schemas parse; each is checked against its meta-schema', () => {
  const drafts = ['http://json-schema.org/draft-04/schema#', 'http://json-schema.org/draft-06/schema#', 'http://json-schema.org/draft-07/schema#', 'https://json-schema.org/draft/2019-09/schema', 'https://json-schema.org/draft/2020-12/schema'];
  for (const $schema of drafts) {
    parse({ $schema, type: 'object', properties: { a: { type: 'string', minLength: 1 } } });
    assert.throws(() => parse({ $schema, type: 'object', properties: { a: { type: 'string', minLength: -1 } } }), InvalidSchemaError, $schema);
  }
  parse({ $schema: drafts[0], type: 'number', minimum: 0, exclusiveMinimum: true });
  assert.throws(() => parse({ $schema: drafts[2], type: 'number', exclusiveMinimum: true }), InvalidSchemaError, 'draft 7 bounds are numbers');
});

test('JSON refuses what is not a schema with InvalidSchemaError', () => {
  for (const text of ['{"type":"objekt"}', '{"type":', '"string"', '42', '{"properties":{"a":{"$ref":"#/definitions/missing"}}}', '{"required":"a"}']) {
    assert.throws(() => parse(text), InvalidSchemaError, text);
  }
});

test('JSON canonical text: compact as given; normalized with sorted keys', () => {
  const a = jsonSchemaFormat.parse('{ "type": "object",\n "properties": { "b": {"type":"string"}, "a": {"type":"integer"} } }', [], false);
  assert.equal(a.canonical, '{"type":"object","properties":{"b":{"type":"string"},"a":{"type":"integer"}}}');
  const n1 = jsonSchemaFormat.parse('{"type":"object","properties":{"a":{"type":"integer"}}}', [], true);
  const n2 = jsonSchemaFormat.parse('{"properties":{"a":{"type":"integer"}},"type":"object"}', [], true);
  assert.equal(n1.canonical, n2.canonical);
  assert.equal(jsonSchemaFormat.parse(n1.canonical, [], true).canonical, n1.canonical);
});

const VALID = CHANGES.flatMap((c) => [JSON.stringify(c.old), JSON.stringify(c.next)]);

test('fuzz: random text and mutated schemas parse or throw InvalidSchemaError, nothing else (property)', () => {
  const mutated = fc.tuple(fc.constantFrom(...VALID), fc.nat(), fc.nat({ max: 8 }), fc.string({ maxLength: 4 })).map(([text, at, cut, insert]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + insert + text.slice(i + cut);
  });
  const previous = parse(open(ID_NAME, { required: ['id'] }));
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json(), mutated), (text) => {
      try {
        const parsed = jsonSchemaFormat.parse(text, [], false);
        assert.equal(jsonSchemaFormat.parse(parsed.canonical, [], false).canonical, parsed.canonical);
        jsonSchemaFormat.readerIncompatibilities(parsed, previous);
        jsonSchemaFormat.readerIncompatibilities(previous, parsed);
      } catch (error) {
        assert.ok(error instanceof InvalidSchemaError, String(error));
      }
    }),
    { numRuns: 1000 },
  );
});
