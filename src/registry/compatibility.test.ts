import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avroFormat } from './avro-format.ts';
import { COMPATIBILITY_LEVELS, compatibilityErrors, parseCompatibilityLevel, type CompatibilityLevel } from './compatibility.ts';
import { SCHEMA_TYPES, parseSchemaType, schemaFormat } from './formats.ts';

const record = (fields: object[]) => avroFormat.parse(JSON.stringify({ type: 'record', name: 'User', fields }), [], false);

// Confluent's classic evolution: v1 {a}; v2 adds b with a default; v3 gives b no default. v3 reads
// v2's data (b is there) but not v1's (b is missing and has no default).
const v1 = record([{ name: 'a', type: 'string' }]);
const v2 = record([{ name: 'a', type: 'string' }, { name: 'b', type: 'string', default: 'x' }]);
const v3 = record([{ name: 'a', type: 'string' }, { name: 'b', type: 'string' }]);

test('levels: the plain ones check the latest version only, the _TRANSITIVE ones every live version', () => {
  const accepts = (level: CompatibilityLevel) => compatibilityErrors(avroFormat, level, v3, [v1, v2]).length === 0;
  assert.equal(accepts('NONE'), true);
  assert.equal(accepts('BACKWARD'), true);
  assert.equal(accepts('BACKWARD_TRANSITIVE'), false);
  assert.equal(accepts('FORWARD'), true, 'v2 reads v3 data, ignoring nothing');
  assert.equal(accepts('FORWARD_TRANSITIVE'), true, 'v1 reads v3 data, ignoring b');
  assert.equal(accepts('FULL'), true);
  assert.equal(accepts('FULL_TRANSITIVE'), false);
});

test('FORWARD asks whether the previous schema reads the candidate\'s data', () => {
  // v1 after v3: v3 (the old reader) needs b, which v1 does not write.
  assert.equal(compatibilityErrors(avroFormat, 'FORWARD', v1, [v3]).length, 1);
  assert.deepEqual(compatibilityErrors(avroFormat, 'BACKWARD', v1, [v3]), []);
});

test('the first version of a subject is compatible with nothing to compare', () => {
  for (const level of COMPATIBILITY_LEVELS) assert.deepEqual(compatibilityErrors(avroFormat, level, v3, []), []);
});

test('a schema of another type is incompatible, in Confluent\'s words', () => {
  const json = schemaFormat('JSON').parse('{"type":"object"}', [], false);
  assert.deepEqual(compatibilityErrors(avroFormat, 'BACKWARD', v1, [json]), ['Incompatible because of different schema type']);
});

test('parse levels and schema types as the REST API gives them', () => {
  assert.equal(parseCompatibilityLevel('backward_transitive'), 'BACKWARD_TRANSITIVE');
  assert.equal(parseCompatibilityLevel('FULL'), 'FULL');
  assert.equal(parseCompatibilityLevel('SIDEWAYS'), undefined);
  assert.equal(parseCompatibilityLevel(3), undefined);
  assert.deepEqual(SCHEMA_TYPES, ['JSON', 'PROTOBUF', 'AVRO']);
  assert.equal(parseSchemaType(undefined), 'AVRO');
  assert.equal(parseSchemaType('protobuf'), 'PROTOBUF');
  assert.equal(parseSchemaType('XML'), undefined);
  for (const type of SCHEMA_TYPES) assert.equal(schemaFormat(type).type, type);
});

test('a check that throws refuses with Confluent\'s "Unexpected exception" message instead of failing', () => {
  const throwing = { ...avroFormat, readerIncompatibilities: () => { throw new RangeError('Maximum call stack size exceeded'); } };
  assert.deepEqual(compatibilityErrors(throwing, 'BACKWARD', v2, [v1]), ['Unexpected exception during compatibility check: Maximum call stack size exceeded']);
});
