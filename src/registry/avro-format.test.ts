import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { avroFormat } from './avro-format.ts';
import { jacksonNumberJson, javaDoubleText } from './avro-schema-text.ts';
import { compatibilityErrors, type CompatibilityLevel } from './compatibility.ts';
import { InvalidSchemaError, type ResolvedReference } from './schema-type.ts';

const record = (fields: object[], extra: object = {}) => JSON.stringify({ type: 'record', name: 'User', namespace: 'com.example', fields, ...extra });
const parse = (text: string, references: readonly ResolvedReference[] = []) => avroFormat.parse(text, references, false);

const V1 = record([{ name: 'id', type: 'int' }, { name: 'name', type: 'string' }]);

/**
 * Schema changes from V1 (or the given old schema), each as Confluent's registry judges it under
 * BACKWARD (the new schema reads old data) and FORWARD (old readers read new data). Sources:
 * Confluent's "Schema Evolution and Compatibility" table and AvroCompatibilityTest, i.e. Avro's
 * schema resolution rules.
 */
const CHANGES: { change: string; old?: string; next: string; backward: boolean; forward: boolean }[] = [
  { change: 'add a field with a default', next: record([{ name: 'id', type: 'int' }, { name: 'name', type: 'string' }, { name: 'email', type: 'string', default: '' }]), backward: true, forward: true },
  { change: 'add a field without a default', next: record([{ name: 'id', type: 'int' }, { name: 'name', type: 'string' }, { name: 'email', type: 'string' }]), backward: false, forward: true },
  { change: 'remove a field without a default', next: record([{ name: 'id', type: 'int' }]), backward: true, forward: false },
  {
    change: 'remove a field that had a default',
    old: record([{ name: 'id', type: 'int' }, { name: 'name', type: 'string', default: 'x' }]),
    next: record([{ name: 'id', type: 'int' }]),
    backward: true,
    forward: true,
  },
  { change: 'change a type (int to string)', next: record([{ name: 'id', type: 'string' }, { name: 'name', type: 'string' }]), backward: false, forward: false },
  { change: 'promote int to long', next: record([{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }]), backward: true, forward: false },
  { change: 'promote int to double', next: record([{ name: 'id', type: 'double' }, { name: 'name', type: 'string' }]), backward: true, forward: false },
  { change: 'string to bytes', next: record([{ name: 'id', type: 'int' }, { name: 'name', type: 'bytes' }]), backward: true, forward: true },
  { change: 'rename a field with an alias', next: record([{ name: 'id', type: 'int' }, { name: 'fullName', type: 'string', aliases: ['name'] }]), backward: true, forward: false },
  { change: 'rename a field without an alias', next: record([{ name: 'id', type: 'int' }, { name: 'fullName', type: 'string' }]), backward: false, forward: false },
  { change: 'rename the record with an alias', next: JSON.stringify({ ...JSON.parse(V1), name: 'Person', aliases: ['com.example.User'] }), backward: true, forward: false },
  { change: 'rename the record without an alias', next: JSON.stringify({ ...JSON.parse(V1), name: 'Person' }), backward: false, forward: false },
  { change: 'move the record to another namespace', next: JSON.stringify({ ...JSON.parse(V1), namespace: 'org.example' }), backward: true, forward: true },
  {
    change: 'add an enum symbol',
    old: record([{ name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } }]),
    next: record([{ name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN', 'BLUE'] } }]),
    backward: true,
    forward: false,
  },
  {
    change: 'remove an enum symbol',
    old: record([{ name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN', 'BLUE'] } }]),
    next: record([{ name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } }]),
    backward: false,
    forward: true,
  },
  {
    change: 'add an enum symbol, the enum having a default',
    old: record([{ name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'], default: 'RED' } }]),
    next: record([{ name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN', 'BLUE'], default: 'RED' } }]),
    backward: true,
    forward: true,
  },
  { change: 'widen a field to a union with it', next: record([{ name: 'id', type: 'int' }, { name: 'name', type: ['null', 'string'] }]), backward: true, forward: false },
  {
    change: 'widen a union',
    old: record([{ name: 'v', type: ['null', 'int'] }]),
    next: record([{ name: 'v', type: ['null', 'int', 'string'] }]),
    backward: true,
    forward: false,
  },
  {
    change: 'change the size of a fixed',
    old: record([{ name: 'h', type: { type: 'fixed', name: 'Hash', size: 16 } }]),
    next: record([{ name: 'h', type: { type: 'fixed', name: 'Hash', size: 32 } }]),
    backward: false,
    forward: false,
  },
  { change: 'array items promoted', old: '{"type":"array","items":"int"}', next: '{"type":"array","items":"long"}', backward: true, forward: false },
  { change: 'a record becomes a string', next: '"string"', backward: false, forward: false },
];

for (const { change, old, next, backward, forward } of CHANGES) {
  test(`AVRO compatibility: ${change}: BACKWARD ${backward ? 'accepts' : 'refuses'}, FORWARD ${forward ? 'accepts' : 'refuses'}`, () => {
    const previous = parse(old ?? V1);
    const candidate = parse(next);
    const check = (level: CompatibilityLevel) => compatibilityErrors(avroFormat, level, candidate, [previous]);
    assert.equal(check('BACKWARD').length === 0, backward, `BACKWARD: ${check('BACKWARD').join('; ')}`);
    assert.equal(check('FORWARD').length === 0, forward, `FORWARD: ${check('FORWARD').join('; ')}`);
    assert.equal(check('FULL').length === 0, backward && forward);
    assert.deepEqual(check('NONE'), []);
  });
}

test('AVRO: a missing default is reported in Confluent words, naming the field', () => {
  const errors = avroFormat.readerIncompatibilities(parse(CHANGES[1]!.next), parse(V1));
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^\{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE'/);
  assert.match(errors[0]!, /additionalInfo:'email'/);
});

test('AVRO canonical text: whitespace and key order do not make another schema; content does', () => {
  const a = parse('{ "type" : "record", "name": "User", "fields": [ {"name": "id", "type": "int"} ] }');
  const b = parse('{"fields":[{"type":{"type":"int"},"name":"id"}],"name":"User","type":"record"}');
  assert.equal(a.canonical, b.canonical);
  assert.equal(a.canonical, '{"type":"record","name":"User","fields":[{"name":"id","type":"int"}]}');
  assert.notEqual(parse(record([{ name: 'id', type: 'int', default: 1 }])).canonical, parse(record([{ name: 'id', type: 'int' }])).canonical);
  assert.equal(parse('"string"').canonical, '"string"');
});

test('AVRO canonical text is Java\'s Schema.toString: a namespace key or a dotted name is one name, so one schema', () => {
  const expected = '{"type":"record","name":"N","namespace":"ns","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A"]}},{"name":"again","type":"E"}]}';
  const spellings = [
    '{"type":"record","name":"N","namespace":"ns","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A"]}},{"name":"again","type":"E"}]}',
    '{"type":"record","name":"ns.N","fields":[{"name":"e","type":{"type":"enum","name":"ns.E","symbols":["A"]}},{"name":"again","type":"ns.E"}]}',
    '{"namespace":"ns","fields":[{"type":{"namespace":"ns","symbols":["A"],"name":"E","type":"enum"},"name":"e"},{"type":"E","name":"again","order":"ascending"}],"name":"N","type":"record"}',
  ];
  for (const text of spellings) assert.equal(parse(text).canonical, expected, text);
  // A nested type in another namespace keeps its namespace key; one in none gets "" inside a named one.
  assert.equal(
    parse('{"type":"record","name":"a.R","fields":[{"name":"x","type":{"type":"fixed","name":"b.F","size":2}},{"name":"y","type":{"type":"fixed","name":"G","namespace":"","size":1}},{"name":"z","type":"b.F"}]}').canonical,
    '{"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":{"type":"fixed","name":"F","namespace":"b","size":2}},{"name":"y","type":{"type":"fixed","name":"G","namespace":"","size":1}},{"name":"z","type":"b.F"}]}',
  );
  // Java's key order: custom properties after fields and before aliases; aliases relative to the namespace.
  assert.equal(
    parse('{"aliases":["ns.Old"],"connect.name":"ns.N","fields":[{"name":"d","type":{"logicalType":"date","type":"int"},"aliases":["old"],"doc":"day"}],"name":"N","namespace":"ns","type":"record"}').canonical,
    '{"type":"record","name":"N","namespace":"ns","fields":[{"name":"d","type":{"type":"int","logicalType":"date"},"doc":"day","aliases":["old"]}],"connect.name":"ns.N","aliases":["Old"]}',
  );
  // A type from a reference is written as its name.
  const address: ResolvedReference = { name: 'com.example.Address', schema: record([{ name: 'street', type: 'string' }], { name: 'Address' }), references: [] };
  const withReference = (type: string) => parse(record([{ name: 'address', type }], { name: 'Order' }), [address]).canonical;
  assert.equal(withReference('Address'), withReference('com.example.Address'));
  assert.equal(JSON.parse(withReference('Address')).fields[0].type, 'Address');
});

test('AVRO canonical text writes numbers as Java\'s Schema.toString does: a double literal as Double.toString, an integer literal as its digits', () => {
  // Java Avro keeps a default as the Jackson node of its literal, whatever the field's type: 1.0 is a
  // DoubleNode (written 1.0), 1 an IntNode (written 1), also on a double field.
  const field = (type: unknown, literal: string) => parse(`{"type":"record","name":"R","fields":[{"name":"x","type":${JSON.stringify(type)},"default":${literal}}]}`).canonical;
  const written = (type: unknown, literal: string) => /"default":(.*)\}\]\}$/.exec(field(type, literal))![1];
  assert.equal(written('double', '1.0'), '1.0');
  assert.equal(written('double', '1.00'), '1.0');
  assert.equal(written('float', '2.50'), '2.5');
  assert.equal(written('double', '-3.0'), '-3.0');
  assert.equal(written('double', '0.0'), '0.0');
  assert.equal(written('double', '-0.0'), '-0.0');
  assert.equal(written('double', '1.5e3'), '1500.0');
  assert.equal(written('double', '1E2'), '100.0');
  assert.equal(written('double', '9999999.0'), '9999999.0');
  assert.equal(written('double', '10000000.0'), '1.0E7');
  assert.equal(written('double', '1e21'), '1.0E21');
  assert.equal(written('float', '0.001'), '0.001');
  assert.equal(written('float', '0.00001'), '1.0E-5');
  assert.equal(written('double', '123456789012.5'), '1.234567890125E11');
  assert.equal(written('double', '1'), '1');
  assert.equal(written('double', '-0'), '0');
  assert.equal(written('long', '4102444800000'), '4102444800000');
  // Inside a record's, an array's and a map's default alike.
  const inner = { type: 'record', name: 'P', fields: [{ name: 'lat', type: 'double' }, { name: 'n', type: 'int' }] };
  assert.equal(written(inner, '{"lat":45.0,"n":3}'), '{"lat":45.0,"n":3}');
  assert.equal(written({ type: 'array', items: 'double' }, '[1.0,2,2.5e-7]'), '[1.0,2,2.5E-7]');
  assert.equal(written({ type: 'map', values: 'float' }, '{"a":8.0}'), '{"a":8.0}');
  assert.equal(written(['double', 'null'], '7.0'), '7.0');
  // Custom properties are nodes too; an integer beyond a double's precision keeps every digit (a BigIntegerNode).
  assert.equal(
    parse('{"type":"record","name":"R","fields":[{"name":"x","type":"int","x-scale":2.0}],"x-big":12345678901234567890}').canonical,
    '{"type":"record","name":"R","fields":[{"name":"x","type":"int","x-scale":2.0}],"x-big":12345678901234567890}',
  );
  // Two literals Java tells apart are two schemas; two spellings of one double are one.
  assert.notEqual(field('double', '1'), field('double', '1.0'));
  assert.equal(field('double', '1.0'), field('double', '1e0'));
  assert.equal(parse(field('double', '1e21')).canonical, field('double', '1e21'), 'the text parses to itself');
});

test('javaDoubleText is Java\'s Double.toString; jacksonNumberJson is how Jackson writes a literal back', () => {
  // Java's outputs (JDK 19+, whose Double.toString digits are the shortest that read back).
  const table: [number, string][] = [
    [1, '1.0'], [-2.5, '-2.5'], [0.1, '0.1'], [12.5, '12.5'], [1024, '1024.0'], [0.001, '0.001'], [0.00099, '9.9E-4'],
    [1e-7, '1.0E-7'], [9999999, '9999999.0'], [9999999.5, '9999999.5'], [1e7, '1.0E7'], [1e22, '1.0E22'], [1e100, '1.0E100'],
    [1234567.125, '1234567.125'], [3.14159, '3.14159'], [0.007, '0.007'], [-0, '-0.0'], [0, '0.0'],
    [5e-324, '4.9E-324'], [1.7976931348623157e308, '1.7976931348623157E308'], [2e23, '2.0E23'],
  ];
  for (const [value, text] of table) assert.equal(javaDoubleText(value), text, String(value));
  assert.equal(jacksonNumberJson('12345678901234567890'), '12345678901234567890');
  assert.equal(jacksonNumberJson('-0'), '0');
  assert.equal(jacksonNumberJson('7'), '7');
  assert.equal(jacksonNumberJson('7.10'), '7.1');
  // Beyond a double: Jackson would write "Infinity", which avsc cannot read back as a default; the literal stays.
  assert.equal(jacksonNumberJson('1e400'), '1e400');
  // Every finite double: Java's shape (plain in [1e-3, 1e7), else d.dddE±n) and the same double read back.
  fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
    const text = javaDoubleText(value);
    assert.match(text, /^-?(\d+\.\d+|\d\.\d+E-?\d+)$/);
    assert.ok(Object.is(Number(text.replace('E', 'e')), value), text);
    const magnitude = Math.abs(value);
    assert.equal(text.includes('E'), magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e7), text);
  }), { numRuns: 2000 });
});

test('AVRO normalize: defaults kept, the same text for equivalent spellings, written as Java writes it', () => {
  const a = avroFormat.parse('{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"id","type":{"type":"int"},"default":0}]}', [], true);
  const b = avroFormat.parse('{"name":"com.example.User","type":"record","fields":[{"type":"int","name":"id","default":0}]}', [], true);
  assert.equal(a.canonical, b.canonical);
  assert.equal(a.canonical, '{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"id","type":"int","default":0}]}');
  assert.equal(avroFormat.parse(a.canonical, [], true).canonical, a.canonical, 'normalizing is idempotent');
});

test('AVRO references: named types from references resolve, with their own references', () => {
  const address: ResolvedReference = { name: 'com.example.Address', schema: record([{ name: 'street', type: 'string' }], { name: 'Address' }), references: [] };
  const customer: ResolvedReference = {
    name: 'com.example.Customer',
    schema: record([{ name: 'address', type: 'com.example.Address' }], { name: 'Customer' }),
    references: [address],
  };
  const order = parse(record([{ name: 'customer', type: 'com.example.Customer' }], { name: 'Order' }), [customer]);
  assert.deepEqual(order.references, [customer]);
  assert.throws(() => parse(record([{ name: 'customer', type: 'com.example.Customer' }], { name: 'Order' })), InvalidSchemaError);
  // Compatibility sees through references too: the referenced record changed incompatibly.
  const changed = { ...customer, references: [{ ...address, schema: record([{ name: 'zip', type: 'string' }], { name: 'Address' }) }] };
  const next = parse(record([{ name: 'customer', type: 'com.example.Customer' }], { name: 'Order' }), [changed]);
  assert.equal(avroFormat.readerIncompatibilities(next, order).length, 1);
});

test('AVRO refuses bad schemas with InvalidSchemaError and avsc\'s message', () => {
  const bad: [string, RegExp][] = [
    ['{"type":"record","name":"R","fields":[{"name":"a","type":"Nope"}]}', /undefined type name: Nope/],
    ['{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}', /default/],
    ['{"type":"record","fields":[]}', /./],
    ['{"type":', /Invalid schema/],
    ['{"type":"enum","name":"E","symbols":["A","A"]}', /duplicate/],
    ['42', /./],
  ];
  for (const [text, message] of bad) {
    assert.throws(() => parse(text), (error: unknown) => error instanceof InvalidSchemaError && message.test(error.message), text);
  }
});

const VALID = [V1, ...CHANGES.map((c) => c.next), record([{ name: 'm', type: { type: 'map', values: ['null', { type: 'array', items: 'long' }] } }])];

test('fuzz: random text and mutated schemas parse or throw InvalidSchemaError, nothing else (property)', () => {
  const mutated = fc.tuple(fc.constantFrom(...VALID), fc.nat(), fc.nat({ max: 8 }), fc.string({ maxLength: 4 })).map(([text, at, cut, insert]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + insert + text.slice(i + cut);
  });
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json(), mutated), (text) => {
      try {
        const parsed = parse(text);
        // What parses round-trips: its canonical text parses to itself.
        assert.equal(parse(parsed.canonical).canonical, parsed.canonical);
        // Normalized likewise: normalizing the normalized text changes nothing.
        const normalized = avroFormat.parse(text, [], true).canonical;
        assert.equal(avroFormat.parse(normalized, [], true).canonical, normalized);
        avroFormat.readerIncompatibilities(parsed, parse(V1));
      } catch (error) {
        assert.ok(error instanceof InvalidSchemaError, String(error));
      }
    }),
    { numRuns: 2000 },
  );
});

test('AVRO: enum, fixed and union refusals carry Java Avro\'s incompatibility types', () => {
  const field = (type: unknown) => parse(record([{ name: 'f', type }]));
  const [symbols] = avroFormat.readerIncompatibilities(field({ type: 'enum', name: 'E', symbols: ['A'] }), field({ type: 'enum', name: 'E', symbols: ['A', 'B'] }));
  assert.match(symbols!, /^\{errorType:'MISSING_ENUM_SYMBOLS'.*additionalInfo:'\[B\]'\}$/);
  const [size] = avroFormat.readerIncompatibilities(field({ type: 'fixed', name: 'F', size: 2 }), field({ type: 'fixed', name: 'F', size: 3 }));
  assert.match(size!, /^\{errorType:'FIXED_SIZE_MISMATCH'.*additionalInfo:'expected: 2, found: 3'\}$/);
  const [branch] = avroFormat.readerIncompatibilities(field(['null', 'string']), field('int'));
  assert.match(branch!, /^\{errorType:'MISSING_UNION_BRANCH'/);
  const [type] = avroFormat.readerIncompatibilities(field('int'), field('long'));
  assert.match(type!, /^\{errorType:'TYPE_MISMATCH'/);
});
