/**
 * Avro normalize=true: the text Confluent's registry stores for a schema registered normalized
 * (AvroSchema.normalize(), whose AvroSchemaUtils writer re-types defaults, sorts properties and
 * aliases, and whose output Java's Schema.toString writes again). Expected texts are worked out by
 * hand from that behaviour.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avroFormat } from './avro-format.ts';
import type { ResolvedReference } from './schema-type.ts';

const normalized = (text: string, references: readonly ResolvedReference[] = []) => avroFormat.parse(text, references, true).canonical;
const plain = (text: string) => avroFormat.parse(text, [], false).canonical;

test('normalize keeps field order, sorts custom properties (those inside them too) and keeps docs', () => {
  const text = '{"fields":[{"zz":1,"name":"b","type":"string","aa":{"y":2,"x":[{"q":1,"p":2}]},"doc":"B"},{"type":"int","name":"a"}],'
    + '"z.meta":"1","name":"Rec","type":"record","a.meta":true,"doc":"a \\"record\\""}';
  const expected = '{"type":"record","name":"Rec","doc":"a \\"record\\"","fields":['
    + '{"name":"b","type":"string","doc":"B","aa":{"x":[{"p":2,"q":1}],"y":2},"zz":1},{"name":"a","type":"int"}],"a.meta":true,"z.meta":"1"}';
  assert.equal(normalized(text), expected);
  // Without normalize the properties stay in the order given.
  assert.match(plain(text), /"zz":1,"aa":/);
});

test('normalize sorts and de-duplicates aliases, drops a named type\'s empty doc, keeps order and a field\'s empty doc', () => {
  const text = '{"type":"record","name":"R","namespace":"ns","doc":"","aliases":["Zed","other.B","Zed"],'
    + '"fields":[{"name":"f","type":"long","doc":"","order":"descending","aliases":["y","x","y"]},{"name":"g","type":"long","order":"ascending"}]}';
  assert.equal(normalized(text), '{"type":"record","name":"R","namespace":"ns","fields":['
    + '{"name":"f","type":"long","doc":"","order":"descending","aliases":["x","y"]},{"name":"g","type":"long"}],"aliases":["Zed","other.B"]}');
});

test('normalize writes a named type once and by name after, relative to the enclosing namespace', () => {
  const address = '{"type":"record","name":"Address","namespace":"com.example.geo","fields":[{"name":"street","type":"string"}]}';
  const text = `{"type":"record","name":"com.example.Customer","fields":[{"name":"home","type":${address}},`
    + '{"name":"work","type":"com.example.geo.Address"},{"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]}},{"name":"other","type":["null","Kind"]}]}';
  assert.equal(normalized(text), '{"type":"record","name":"Customer","namespace":"com.example","fields":['
    + '{"name":"home","type":{"type":"record","name":"Address","namespace":"com.example.geo","fields":[{"name":"street","type":"string"}]}},'
    + '{"name":"work","type":"com.example.geo.Address"},{"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]}},{"name":"other","type":["null","Kind"]}]}');
  // The same schema written with a namespace key and short names: one normalized text.
  const other = '{"namespace":"com.example","name":"Customer","type":"record","fields":[{"name":"home","type":{"name":"com.example.geo.Address","type":"record","fields":[{"type":"string","name":"street"}]}},'
    + '{"name":"work","type":"com.example.geo.Address"},{"name":"kind","type":{"type":"enum","name":"com.example.Kind","symbols":["A","B"]}},{"name":"other","type":["null","com.example.Kind"]}]}';
  assert.equal(normalized(other), normalized(text));
});

test('normalize re-types a default by its field\'s schema: 1 and 1.0 on a double are one schema', () => {
  const withDefault = (type: string, literal: string) => normalized(`{"type":"record","name":"R","fields":[{"name":"x","type":${type},"default":${literal}}]}`);
  const defaultOf = (type: string, literal: string) => /"default":(.*)\}\]\}$/.exec(withDefault(type, literal))![1];
  assert.equal(withDefault('"double"', '1'), withDefault('"double"', '1.0'));
  assert.equal(defaultOf('"double"', '1'), '1.0');
  assert.equal(defaultOf('"double"', '12345678'), '1.2345678E7');
  assert.equal(defaultOf('"double"', '0.1'), '0.1');
  assert.equal(defaultOf('"long"', '7'), '7');
  assert.equal(defaultOf('"int"', '-0'), '0');
  // 1.0 on an int: avsc takes it, Java cannot type it (Confluent refuses the schema); kept as given.
  assert.equal(defaultOf('"int"', '1.0'), '1.0');
  // A float default goes through Java's float: 0.1 stays 0.1, 16777217 is the float 16777216.
  assert.equal(defaultOf('"float"', '0.1'), '0.1');
  assert.equal(defaultOf('"float"', '16777217'), '1.6777216E7');
  // A union's default takes the first non-null branch it fits.
  assert.equal(defaultOf('["double","string"]', '2'), '2.0');
  assert.equal(defaultOf('["null","string"]', 'null'), 'null');
  // Maps and records: keys sorted, each value re-typed by its own schema.
  assert.equal(defaultOf('{"type":"map","values":"double"}', '{"b":1,"a":2.50}'), '{"a":2.5,"b":1.0}');
  assert.equal(defaultOf('{"type":"array","items":"double"}', '[1,2]'), '[1.0,2.0]');
  assert.equal(defaultOf('{"type":"record","name":"P","fields":[{"name":"y","type":"double"},{"name":"x","type":"int"}]}', '{"y":3,"x":4}'), '{"x":4,"y":3.0}');
  assert.equal(defaultOf('{"type":"enum","name":"E","symbols":["A","B"]}', '"B"'), '"B"');
  assert.equal(defaultOf('"bytes"', '"\\u00ff"'), '"\u00ff"');
  // Without normalize the literal is kept: 1 and 1.0 are two schemas, as in Confluent.
  assert.notEqual(plain('{"type":"record","name":"R","fields":[{"name":"x","type":"double","default":1}]}'),
    plain('{"type":"record","name":"R","fields":[{"name":"x","type":"double","default":1.0}]}'));
});

test('normalize: enum, fixed, array, map and union, with their properties', () => {
  assert.equal(normalized('{"symbols":["B","A"],"type":"enum","name":"n.E","default":"A","doc":"d","z":1,"a":1.50}'),
    '{"type":"enum","name":"E","namespace":"n","doc":"d","symbols":["B","A"],"default":"A","a":1.5,"z":1}');
  assert.equal(normalized('{"size":4,"type":"fixed","name":"F","b":1,"a":2}'), '{"type":"fixed","name":"F","size":4,"a":2,"b":1}');
  assert.equal(normalized('{"items":{"type":"string"},"type":"array","x":1,"a":2}'), '{"type":"array","items":"string","a":2,"x":1}');
  assert.equal(normalized('{"values":["null",{"type":"long"}],"type":"map"}'), '{"type":"map","values":["null","long"]}');
  assert.equal(normalized('["null",{"type":"string","b":1,"a":0}]'), '["null",{"type":"string","a":0,"b":1}]');
  assert.equal(normalized('{"type":"error","name":"Oops","fields":[]}'), '{"type":"record","name":"Oops","fields":[]}');
});

test('normalize: a logical type Java accepts comes first; one it does not know or refuses is a property like any other', () => {
  assert.equal(normalized('{"connect.version":1,"type":"long","logicalType":"timestamp-millis"}'),
    '{"type":"long","logicalType":"timestamp-millis","connect.version":1}');
  assert.equal(normalized('{"connect.version":1,"type":"long","logicalType":"my-type"}'), '{"type":"long","connect.version":1,"logicalType":"my-type"}');
  assert.equal(normalized('{"connect.version":1,"type":"int","logicalType":"timestamp-millis"}'), '{"type":"int","connect.version":1,"logicalType":"timestamp-millis"}');
  assert.equal(normalized('{"scale":2,"a":1,"precision":6,"type":"bytes","logicalType":"decimal"}'),
    '{"type":"bytes","logicalType":"decimal","precision":6,"scale":2,"a":1}');
  assert.equal(normalized('{"scale":0,"a":1,"precision":6,"type":"bytes","logicalType":"decimal"}'),
    '{"type":"bytes","logicalType":"decimal","precision":6,"a":1,"scale":0}');
  // fixed(2) holds at most 4 digits: precision 5 is no decimal to Java.
  assert.equal(normalized('{"type":"fixed","name":"D","size":2,"precision":5,"logicalType":"decimal","a":1}'),
    '{"type":"fixed","name":"D","size":2,"a":1,"logicalType":"decimal","precision":5}');
  assert.equal(normalized('{"type":"fixed","name":"U","size":16,"logicalType":"uuid","a":1}'), '{"type":"fixed","name":"U","size":16,"logicalType":"uuid","a":1}');
  assert.equal(normalized('{"type":"string","logicalType":"uuid","avro.java.string":"String"}'), '{"type":"string","avro.java.string":"String","logicalType":"uuid"}');
});

test('normalize writes a referenced type by name and is idempotent', () => {
  const address: ResolvedReference = { name: 'geo.Address', schema: '{"type":"record","name":"Address","namespace":"geo","fields":[{"name":"street","type":"string"}]}', references: [] };
  const text = '{"type":"record","name":"Order","fields":[{"name":"to","type":"geo.Address"},{"name":"from","type":["null","geo.Address"],"default":null}],"b":{"z":1,"y":2}}';
  const once = normalized(text, [address]);
  assert.equal(once, '{"type":"record","name":"Order","fields":[{"name":"to","type":"geo.Address"},{"name":"from","type":["null","geo.Address"],"default":null}],"b":{"y":2,"z":1}}');
  assert.equal(normalized(once, [address]), once);
});
