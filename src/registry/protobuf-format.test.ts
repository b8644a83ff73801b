import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compatibilityErrors, type CompatibilityLevel } from './compatibility.ts';
import { protobufFormat } from './protobuf-format.ts';
import { InvalidSchemaError, type ResolvedReference } from './schema-type.ts';

const parse = (text: string, references: readonly ResolvedReference[] = []) => protobufFormat.parse(text, references, false);
const proto3 = (body: string, packageName = 'com.example') => `syntax = "proto3";\npackage ${packageName};\n\n${body}\n`;
const V1 = proto3('message User {\n  int32 id = 1;\n  string name = 2;\n}');

/**
 * Schema changes from V1 (or the given old schema), each as Confluent's registry judges it under
 * BACKWARD and FORWARD. Sources: Confluent's Protobuf compatibility rules (its protobuf diff and
 * the cases of its diff tests), which follow Protobuf's own rules for updating a message type.
 */
const CHANGES: { change: string; old?: string; next: string; backward: boolean; forward: boolean }[] = [
  { change: 'add a field', next: proto3('message User {\n  int32 id = 1;\n  string name = 2;\n  string email = 3;\n}'), backward: true, forward: true },
  { change: 'remove a field', next: proto3('message User {\n  int32 id = 1;\n}'), backward: true, forward: true },
  { change: 'rename a field', next: proto3('message User {\n  int32 id = 1;\n  string full_name = 2;\n}'), backward: true, forward: true },
  { change: 'renumber a field (one removed, one added)', next: proto3('message User {\n  int32 id = 1;\n  string name = 3;\n}'), backward: true, forward: true },
  { change: 'int32 to int64 (same wire group)', next: proto3('message User {\n  int64 id = 1;\n  string name = 2;\n}'), backward: true, forward: true },
  { change: 'string to bytes', next: proto3('message User {\n  int32 id = 1;\n  bytes name = 2;\n}'), backward: true, forward: true },
  { change: 'int32 to string', next: proto3('message User {\n  string id = 1;\n  string name = 2;\n}'), backward: false, forward: false },
  { change: 'int32 to sint32 (zigzag encoding)', next: proto3('message User {\n  sint32 id = 1;\n  string name = 2;\n}'), backward: false, forward: false },
  { change: 'int32 to fixed32', next: proto3('message User {\n  fixed32 id = 1;\n  string name = 2;\n}'), backward: false, forward: false },
  { change: 'scalar to message', next: proto3('message Id {\n  int32 value = 1;\n}\nmessage User {\n  Id id = 1;\n  string name = 2;\n}'), backward: false, forward: false },
  { change: 'change the package', next: proto3('message User {\n  int32 id = 1;\n  string name = 2;\n}', 'org.example'), backward: false, forward: false },
  { change: 'add a message', next: `${V1}\nmessage Group {\n  string name = 1;\n}\n`, backward: true, forward: false },
  {
    change: 'change a field to another message type',
    old: proto3('message A {\n  int32 x = 1;\n}\nmessage B {\n  int32 x = 1;\n}\nmessage User {\n  A a = 1;\n}'),
    next: proto3('message A {\n  int32 x = 1;\n}\nmessage B {\n  int32 x = 1;\n}\nmessage User {\n  B a = 1;\n}'),
    backward: false,
    forward: false,
  },
  {
    change: 'change a nested message incompatibly',
    old: proto3('message User {\n  Address address = 1;\n  message Address {\n    string zip = 1;\n  }\n}'),
    next: proto3('message User {\n  Address address = 1;\n  message Address {\n    int32 zip = 1;\n  }\n}'),
    backward: false,
    forward: false,
  },
  {
    change: 'add an enum value',
    old: proto3('enum Color {\n  RED = 0;\n}\nmessage User {\n  Color color = 1;\n}'),
    next: proto3('enum Color {\n  RED = 0;\n  BLUE = 1;\n}\nmessage User {\n  Color color = 1;\n}'),
    backward: true,
    forward: true,
  },
  { change: 'add a field to a new oneof', next: proto3('message User {\n  int32 id = 1;\n  string name = 2;\n  oneof contact {\n    string email = 3;\n    string phone = 4;\n  }\n}'), backward: true, forward: true },
  {
    change: 'move two existing fields into a oneof',
    next: proto3('message User {\n  oneof key {\n    int32 id = 1;\n    string name = 2;\n  }\n}'),
    backward: false,
    forward: true,
  },
  {
    change: 'remove a oneof member',
    old: proto3('message User {\n  oneof contact {\n    string email = 3;\n    string phone = 4;\n  }\n}'),
    next: proto3('message User {\n  oneof contact {\n    string email = 3;\n  }\n}'),
    backward: false,
    forward: true,
  },
  {
    change: 'optional numeric to repeated (proto2 labels)',
    old: 'syntax = "proto2";\nmessage User {\n  optional int32 id = 1;\n}',
    next: 'syntax = "proto2";\nmessage User {\n  repeated int32 id = 1;\n}',
    backward: false,
    forward: false,
  },
  {
    change: 'add a required field (proto2)',
    old: 'syntax = "proto2";\nmessage User {\n  optional int32 id = 1;\n}',
    next: 'syntax = "proto2";\nmessage User {\n  optional int32 id = 1;\n  required string name = 2;\n}',
    backward: false,
    forward: false,
  },
];

for (const { change, old, next, backward, forward } of CHANGES) {
  test(`PROTOBUF compatibility: ${change}: BACKWARD ${backward ? 'accepts' : 'refuses'}, FORWARD ${forward ? 'accepts' : 'refuses'}`, () => {
    const previous = parse(old ?? V1);
    const candidate = parse(next);
    const check = (level: CompatibilityLevel) => compatibilityErrors(protobufFormat, level, candidate, [previous]);
    assert.equal(check('BACKWARD').length === 0, backward, `BACKWARD: ${check('BACKWARD').join('; ')}`);
    assert.equal(check('FORWARD').length === 0, forward, `FORWARD: ${check('FORWARD').join('; ')}`);
    assert.equal(check('FULL').length === 0, backward && forward);
  });
}

test('PROTOBUF: an incompatibility names Confluent\'s difference type and the field path', () => {
  const errors = protobufFormat.readerIncompatibilities(parse(CHANGES[6]!.next), parse(V1));
  assert.deepEqual(errors.length, 1);
  assert.match(errors[0]!, /^\{errorType:"FIELD_SCALAR_KIND_CHANGED", description:".*'#\/User\/1'/);
});

test('PROTOBUF references: imports resolve from references by name, and well-known types without', () => {
  const address: ResolvedReference = { name: 'com/example/address.proto', schema: proto3('message Address {\n  string zip = 1;\n}'), references: [] };
  const text = proto3('import "com/example/address.proto";\nimport "google/protobuf/timestamp.proto";\n\nmessage User {\n  Address address = 1;\n  google.protobuf.Timestamp created = 2;\n}');
  const v1 = parse(text, [address]);
  assert.deepEqual(v1.references, [address]);
  assert.throws(() => parse(text), InvalidSchemaError, 'the import is not resolvable without its reference');
  const changed = { ...address, schema: proto3('message Address {\n  int32 zip = 1;\n}') };
  assert.equal(compatibilityErrors(protobufFormat, 'BACKWARD', parse(text, [changed]), [v1]).length, 2, 'the field and its type');
});

// google/protobuf/struct.proto as protoc serializes it (FileDescriptorProto, base64): how
// Confluent's Python serializer registers a schema. It has a map, a oneof and an enum.
const STRUCT_DESCRIPTOR = [
  'Chxnb29nbGUvcHJvdG9idWYvc3RydWN0LnByb3RvEg9nb29nbGUucHJvdG9idWYihAEKBlN0cnVjdBIzCgZmaWVsZHMYASADKAsy',
  'Iy5nb29nbGUucHJvdG9idWYuU3RydWN0LkZpZWxkc0VudHJ5GkUKC0ZpZWxkc0VudHJ5EgsKA2tleRgBIAEoCRIlCgV2YWx1ZRgC',
  'IAEoCzIWLmdvb2dsZS5wcm90b2J1Zi5WYWx1ZToCOAEi6gEKBVZhbHVlEjAKCm51bGxfdmFsdWUYASABKA4yGi5nb29nbGUucHJv',
  'dG9idWYuTnVsbFZhbHVlSAASFgoMbnVtYmVyX3ZhbHVlGAIgASgBSAASFgoMc3RyaW5nX3ZhbHVlGAMgASgJSAASFAoKYm9vbF92',
  'YWx1ZRgEIAEoCEgAEi8KDHN0cnVjdF92YWx1ZRgFIAEoCzIXLmdvb2dsZS5wcm90b2J1Zi5TdHJ1Y3RIABIwCgpsaXN0X3ZhbHVl',
  'GAYgASgLMhouZ29vZ2xlLnByb3RvYnVmLkxpc3RWYWx1ZUgAQgYKBGtpbmQiMwoJTGlzdFZhbHVlEiYKBnZhbHVlcxgBIAMoCzIW',
  'Lmdvb2dsZS5wcm90b2J1Zi5WYWx1ZSobCglOdWxsVmFsdWUSDgoKTlVMTF9WQUxVRRAAQn8KE2NvbS5nb29nbGUucHJvdG9idWZC',
  'C1N0cnVjdFByb3RvUAFaL2dvb2dsZS5nb2xhbmcub3JnL3Byb3RvYnVmL3R5cGVzL2tub3duL3N0cnVjdHBi+AEBogIDR1BCqgIe',
  'R29vZ2xlLlByb3RvYnVmLldlbGxLbm93blR5cGVzYgZwcm90bzM=',
].join('');

test('PROTOBUF: a base64 FileDescriptorProto is taken as the .proto text it describes', () => {
  const parsed = parse(STRUCT_DESCRIPTOR);
  assert.match(parsed.canonical, /^syntax = "proto3";\npackage google\.protobuf;\n/);
  assert.match(parsed.canonical, /map<string, \.google\.protobuf\.Value> fields = 1;/);
  assert.match(parsed.canonical, /oneof kind \{\n {4}\.google\.protobuf\.NullValue null_value = 1;/);
  assert.match(parsed.canonical, /enum NullValue \{\n {2}NULL_VALUE = 0;\n\}/);
  // The text parses to itself and is the same schema: the same id whichever form a client sends.
  assert.equal(parse(parsed.canonical).canonical, parsed.canonical);
  assert.deepEqual(compatibilityErrors(protobufFormat, 'FULL', parse(parsed.canonical), [parsed]), []);
  // As a reference too (the Python serializer registers each import the same way).
  const user = parse(proto3('import "google/protobuf/struct.proto";\nmessage User {\n  google.protobuf.Struct attributes = 1;\n}'), [
    { name: 'google/protobuf/struct.proto', schema: STRUCT_DESCRIPTOR, references: [] },
  ]);
  assert.match(user.canonical, /google\.protobuf\.Struct attributes = 1;/);
});

test('PROTOBUF refuses bad schemas with InvalidSchemaError', () => {
  for (const text of ['message {', 'syntax = "proto3"; message M { Unknown u = 1; }', 'syntax = "proto3"; message M { int32 a = 1 }', 'syntax = "proto3"; message M { int32 a = 1; int32 b = 1; }', '\u0000']) {
    assert.throws(() => parse(text), InvalidSchemaError, text);
  }
});

test('PROTOBUF canonical text: as given; normalized without comments or layout', () => {
  assert.equal(parse(`  ${V1}\n\n`).canonical, V1.trim());
  const a = protobufFormat.parse('syntax = "proto3";\n// a user\nmessage User { int32 id = 1; /* key */ }', [], true);
  const b = protobufFormat.parse('syntax="proto3";\n\nmessage User {\n  int32 id = 1;\n}\n', [], true);
  assert.equal(a.canonical, b.canonical);
  assert.equal(protobufFormat.parse(a.canonical, [], true).canonical, a.canonical);
});

const VALID = [V1, ...CHANGES.map((c) => c.next)];

test('fuzz: random text and mutated schemas parse or throw InvalidSchemaError, nothing else (property)', () => {
  const mutated = fc.tuple(fc.constantFrom(...VALID), fc.nat(), fc.nat({ max: 8 }), fc.string({ maxLength: 4 })).map(([text, at, cut, insert]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + insert + text.slice(i + cut);
  });
  const previous = parse(V1);
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.base64String({ minLength: 4 }), mutated, mutated), (text) => {
      try {
        const parsed = parse(text);
        assert.equal(parse(parsed.canonical).canonical, parsed.canonical);
        protobufFormat.readerIncompatibilities(parsed, previous);
        protobufFormat.readerIncompatibilities(previous, parsed);
      } catch (error) {
        assert.ok(error instanceof InvalidSchemaError, String(error));
      }
    }),
    { numRuns: 2000 },
  );
});
