import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { JsonSchemaDeserializer, JsonSchemaSerializer, JsonSchemaValidationError } from './json-schema-serde.ts';
import { ProtobufDeserializer, ProtobufSerializer } from './protobuf-serde.ts';
import { SchemaRegistryClient } from './registry-client.ts';
import { startStubRegistry } from './stub-registry-test-harness.ts';
import type { StubRegistry } from './stub-registry-test-harness.ts';
import { SerializationError } from './wire-format.ts';

const personSchema = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#', title: 'Person', type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } }, required: ['name'],
});
const proto = `syntax = "proto3";
package com.example;
message Order {
  string id = 1;
  int32 quantity = 2;
  message Line { string sku = 1; }
  repeated Line lines = 3;
}
message Payment {
  string order_id = 1;
  double amount = 2;
}
`;
let registry: StubRegistry;
let kafkajs: SchemaRegistry;
let client: SchemaRegistryClient;
before(async () => {
  registry = await startStubRegistry();
  kafkajs = new SchemaRegistry({ host: registry.url });
  client = new SchemaRegistryClient({ baseUrls: registry.url });
});
after(() => registry.close());

test("JSON Schema: our bytes are @kafkajs/confluent-schema-registry's for the same id and value, and each decodes the other's", async () => {
  const { id } = await kafkajs.register({ type: SchemaType.JSON, schema: personSchema }, { subject: 'people-value' });
  const person = { name: 'Grace', age: 85 };
  const ours = await new JsonSchemaSerializer(client, { schema: personSchema, validate: true }).serialize('people', person);
  const theirs = await kafkajs.encode(id, person);
  assert.deepEqual(ours, theirs);
  assert.deepEqual(await kafkajs.decode(ours), person);
  assert.deepEqual(await new JsonSchemaDeserializer(client, { validate: true }).deserialize('people', theirs), person);
});

test('JSON Schema: with validate a value the schema refuses is a JsonSchemaValidationError; RecordNameStrategy names the subject by title', async () => {
  const serializer = new JsonSchemaSerializer(client, { schema: personSchema, validate: true, subjectNameStrategy: 'RecordNameStrategy' });
  await assert.rejects(serializer.serialize('people', { age: -1 }), (e: unknown) => e instanceof JsonSchemaValidationError && e.errors.length > 0);
  await serializer.serialize('people', { name: 'Alan' });
  assert.ok(registry.requests.includes('POST /subjects/Person/versions'));
  const unchecked = await new JsonSchemaSerializer(client, { schema: personSchema }).serialize('people', { age: -1 });
  assert.deepEqual(await new JsonSchemaDeserializer(client).deserialize('people', unchecked), { age: -1 });
  await assert.rejects(new JsonSchemaDeserializer(client, { validate: true }).deserialize('people', unchecked), JsonSchemaValidationError);
});

test("Protobuf: ours is kafkajs' payload after the message-index byte 0 (kafkajs writes no indexes); kafkajs decodes ours", async () => {
  const { id } = await kafkajs.register({ type: SchemaType.PROTOBUF, schema: proto }, { subject: 'orders-value' });
  const order = { id: 'o-1', quantity: 3, lines: [{ sku: 'a' }, { sku: 'b' }] };
  const ours = await new ProtobufSerializer(client, { schema: proto }).serialize('orders', order);
  const theirs = await kafkajs.encode(id, order);
  assert.deepEqual([...ours.subarray(0, 6)], [0, 0, 0, 0, id, 0]);
  assert.deepEqual(ours.subarray(6), theirs.subarray(5));
  assert.deepEqual(JSON.parse(JSON.stringify(await kafkajs.decode(ours))), order);
  const decoded = await new ProtobufDeserializer(client, { toObject: {} }).deserialize('orders', ours);
  assert.deepEqual(decoded, order);
});

test('Protobuf: the second message and a nested one carry their indexes ([1] and [0, 0]) and decode as their own type', async () => {
  const payment = await new ProtobufSerializer(client, { schema: proto, messageName: 'Payment' }).serialize('payments', { orderId: 'o-1', amount: 9.5 });
  assert.deepEqual([...payment.subarray(5, 7)], [2, 2]);
  const deserializer = new ProtobufDeserializer(client, { toObject: {} });
  assert.deepEqual(await deserializer.deserialize('payments', payment), { orderId: 'o-1', amount: 9.5 });
  const line = await new ProtobufSerializer(client, { schema: proto, messageName: 'com.example.Order.Line', subjectNameStrategy: 'TopicRecordNameStrategy' })
    .serialize('lines', { sku: 'x' });
  assert.ok(registry.requests.includes('POST /subjects/lines-com.example.Order.Line/versions'));
  assert.deepEqual([...line.subarray(5, 8)], [4, 0, 0]);
  assert.deepEqual(await deserializer.deserialize('lines', line), { sku: 'x' });
  const requests = registry.requests.length;
  await deserializer.deserialize('lines', line);
  assert.equal(registry.requests.length, requests);
});

test('Protobuf: message indexes past the schema are a SerializationError', async () => {
  const data = await new ProtobufSerializer(client, { schema: proto }).serialize('orders', { id: 'x' });
  const bad = Buffer.concat([data.subarray(0, 5), Buffer.from([2, 14]), data.subarray(6)]);
  await assert.rejects(new ProtobufDeserializer(client).deserialize('orders', bad), (e: unknown) => e instanceof SerializationError && /no message at indexes \[7\]/.test(e.message));
});

test('Protobuf: a well-known type import (google/protobuf/timestamp.proto) resolves', async () => {
  const schema = 'syntax = "proto3";\nimport "google/protobuf/timestamp.proto";\nmessage Event { google.protobuf.Timestamp at = 1; string name = 2; }\n';
  const data = await new ProtobufSerializer(client, { schema }).serialize('events', { at: { seconds: 1700000000, nanos: 5 }, name: 'deploy' });
  assert.deepEqual(await new ProtobufDeserializer(client, { toObject: { longs: Number } }).deserialize('events', data), { at: { seconds: 1700000000, nanos: 5 }, name: 'deploy' });
});
