/**
 * Real schema registry clients against Samsa's registry: @kafkajs/confluent-schema-registry (npm)
 * registering Avro, JSON Schema and Protobuf schemas and encoding and decoding records in
 * Confluent's wire format through it; Debian's python3-confluent-kafka SchemaRegistryClient
 * registering, fetching, checking compatibility and reading error codes; and a record encoded by
 * each decoded by the other, with the schema found by id in the registry.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import confluentSchemaRegistry from '@kafkajs/confluent-schema-registry';
import type { SchemaRegistryServer } from '../src/registry/schema-registry-server.ts';
import { startRegistryOnBroker, type RegistryOnBroker } from './helpers/registry-on-broker.ts';
import { REPO_ROOT } from './helpers/test-broker.ts';

const { SchemaRegistry, SchemaType } = confluentSchemaRegistry;
const run = promisify(execFile);

let setup: RegistryOnBroker;
let server: SchemaRegistryServer;

before(async () => {
  setup = await startRegistryOnBroker();
  server = setup.registry;
});

after(async () => {
  await setup?.close();
});

const ORDER = {
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [{ name: 'id', type: 'string' }, { name: 'quantity', type: 'int' }, { name: 'note', type: ['null', 'string'], default: null }],
};

test('@kafkajs/confluent-schema-registry: Avro registered, encoded and decoded; ids the same from a fresh client', async () => {
  const registry = new SchemaRegistry({ host: server.url });
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER) }, { subject: 'orders-value' });
  const encoded = await registry.encode(id, { id: 'o-1', quantity: 3, note: 'gift' });
  assert.equal(encoded[0], 0, 'magic byte');
  assert.equal(encoded.readInt32BE(1), id, 'schema id');
  const fresh = new SchemaRegistry({ host: server.url });
  assert.deepEqual({ ...await fresh.decode(encoded) }, { id: 'o-1', quantity: 3, note: 'gift' });
  assert.equal(await fresh.getLatestSchemaId('orders-value'), id);
  assert.equal(await fresh.getRegistryId('orders-value', 1), id);
  assert.equal(await fresh.getRegistryIdBySchema('orders-value', { type: SchemaType.AVRO, schema: JSON.stringify(ORDER) }), id);
  // A backward-compatible change is a new version with a new id; an incompatible one is refused.
  const evolved = { ...ORDER, fields: [...ORDER.fields, { name: 'priority', type: 'int', default: 0 }] };
  const second = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(evolved) }, { subject: 'orders-value' });
  assert.notEqual(second.id, id);
  const broken = { ...ORDER, fields: [...ORDER.fields, { name: 'customer', type: 'string' }] };
  await assert.rejects(registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(broken) }, { subject: 'orders-value' }), /incompatible/i);
});

test('@kafkajs/confluent-schema-registry: JSON Schema and Protobuf registered, encoded and decoded', async () => {
  const registry = new SchemaRegistry({ host: server.url });
  const jsonSchema = { type: 'object', properties: { city: { type: 'string' }, people: { type: 'integer' } }, required: ['city'] };
  const { id: jsonId } = await registry.register({ type: SchemaType.JSON, schema: JSON.stringify(jsonSchema) }, { subject: 'cities-value' });
  const jsonEncoded = await registry.encode(jsonId, { city: 'Lyon', people: 522_000 });
  assert.deepEqual(await new SchemaRegistry({ host: server.url }).decode(jsonEncoded), { city: 'Lyon', people: 522_000 });

  const proto = 'syntax = "proto3";\npackage shop;\n\nmessage Parcel {\n  string label = 1;\n  int32 grams = 2;\n}\n';
  const { id: protoId } = await registry.register({ type: SchemaType.PROTOBUF, schema: proto }, { subject: 'parcels-value' });
  const protoEncoded = await registry.encode(protoId, { label: 'books', grams: 1200 });
  assert.equal(protoEncoded.readInt32BE(1), protoId);
  const decoded = await new SchemaRegistry({ host: server.url }).decode(protoEncoded);
  assert.deepEqual({ label: decoded.label, grams: decoded.grams }, { label: 'books', grams: 1200 });

  const types = await (await fetch(`${server.url}/schemas/ids/${protoId}`)).json() as { schemaType: string };
  assert.equal(types.schemaType, 'PROTOBUF');
  assert.notEqual(jsonId, protoId);
});

test('@kafkajs/confluent-schema-registry: an Avro schema referencing another, encoded and decoded by a client that fetches both', async () => {
  const registry = new SchemaRegistry({ host: server.url });
  const address = { type: 'record', name: 'Address', namespace: 'shop', fields: [{ name: 'city', type: 'string' }] };
  await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(address) }, { subject: 'shop-address' });
  const customer = { type: 'record', name: 'Customer', namespace: 'shop', fields: [{ name: 'name', type: 'string' }, { name: 'home', type: 'shop.Address' }] };
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(customer), references: [{ name: 'shop.Address', subject: 'shop-address', version: 1 }] },
    { subject: 'customers-value' },
  );
  const encoded = await registry.encode(id, { name: 'Ada', home: { city: 'London' } });
  const decoded = await new SchemaRegistry({ host: server.url }).decode(encoded);
  assert.deepEqual({ name: decoded.name, home: { ...decoded.home } }, { name: 'Ada', home: { city: 'London' } });
  assert.deepEqual(await (await fetch(`${server.url}/subjects/shop-address/versions/1/referencedby`)).json(), [id]);
});

test('python3-confluent-kafka SchemaRegistryClient: register, fetch, compatibility, error codes; records cross between Python and Node', { timeout: 120_000 }, async () => {
  const registry = new SchemaRegistry({ host: server.url });
  const { id: orderId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER) }, { subject: 'node-orders-value' });
  const nodePayload = await registry.encode(orderId, { id: 'from-node', quantity: 7, note: null });

  const { stdout } = await run('/usr/bin/python3', [
    join(REPO_ROOT, 'test', 'clients', 'schema_registry_client.py'), server.url, 'node-orders-value', nodePayload.toString('hex'),
  ], { timeout: 100_000 });
  const py = JSON.parse(stdout);
  assert.ok(py.avro_id > 0);
  assert.equal(py.avro_id_again, py.avro_id);
  assert.equal(py.fetched_type, 'AVRO');
  assert.equal(py.fetched_schema.name, 'Payment');
  assert.deepEqual(py.lookup, { id: py.avro_id, version: 1, subject: 'py-payments-value' });
  assert.equal(py.latest_version, 1);
  assert.equal(py.json_fetched_type, 'JSON');
  assert.equal(py.proto_fetched_type, 'PROTOBUF');
  assert.deepEqual(py.set_compatibility, { compatibility: 'FULL' });
  assert.equal(py.compatibility, 'FULL');
  assert.equal(py.global_compatibility, 'BACKWARD');
  assert.equal(py.compatible_with_default, true);
  assert.equal(py.compatible_without_default, false);
  assert.deepEqual(py.errors, { missing_schema: [404, 40403], incompatible: [409, 409], invalid: [422, 42201] });
  for (const subject of ['py-payments-value', 'py-json-value', 'py-proto-value', 'node-orders-value']) assert.ok(py.subjects.includes(subject), subject);
  assert.deepEqual(py.node_record, { id: 'from-node', quantity: 7, note: null });
  assert.equal(py.node_subject_latest_id, orderId);
  assert.deepEqual(py.deleted_versions, [1]);
  assert.deepEqual(py.after_delete, [404, 40401]);

  // Python's record (written with Apache's avro library) decoded by the Node client through the registry.
  assert.deepEqual({ ...await new SchemaRegistry({ host: server.url }).decode(Buffer.from(py.python_payload_hex, 'hex')) }, { id: 'p-1', amount: 12.5 });
});
