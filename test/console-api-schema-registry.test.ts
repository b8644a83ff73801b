/**
 * The console decoding with a schema registry (`samsa console --schema-registry URL`), through its
 * JSON API: records written in Confluent's wire format by our serializers (Avro, JSON Schema,
 * Protobuf) against a real registry over a real broker come back decoded, with their schema id and
 * type; bytes that only look like the format, plain text, and views that ask for hex come back as
 * they are.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Producer } from '../src/client/index.ts';
import {
  AvroSerializer, JsonSchemaSerializer, ProtobufSerializer, SchemaRegistryClient,
} from '../src/client/schema-registry/index.ts';
import type { BrowseResponse, Message } from '../src/console/api-types.ts';
import { startConsoleServer, type ConsoleServer } from '../src/console/server/console-server.ts';
import type { SchemaRegistryServer } from '../src/registry/schema-registry-server.ts';
import { startRegistryOnBroker, type RegistryOnBroker } from './helpers/registry-on-broker.ts';
import type { TestBroker } from './helpers/test-broker.ts';

let setup: RegistryOnBroker;
let broker: TestBroker;
let registry: SchemaRegistryServer;
let consoleServer: ConsoleServer;
let plainConsole: ConsoleServer;
const ids = { avro: 0, avroKey: 0, json: 0, protobuf: 0 };

const AVRO = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }, { name: 'note', type: ['null', 'string'], default: null }] };
const JSON_SCHEMA = { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' } } };
const PROTO = 'syntax = "proto3";\npackage shop;\nmessage Payment {\n  string payment_id = 1;\n  int64 cents = 2;\n}\n';

before(async () => {
  setup = await startRegistryOnBroker({ replicationFactor: 1 });
  ({ broker, registry } = setup);
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'orders', numPartitions: 1 }]);
  await admin.close();
  // One subject holds all three formats, as a topic with mixed writers would: no compatibility between them.
  const config = await fetch(`${registry.url}/config/orders-value`, {
    method: 'PUT', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ compatibility: 'NONE' }),
  });
  assert.equal(config.status, 200);
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const avroValue = new AvroSerializer(client, { schema: AVRO });
  const avroKey = new AvroSerializer(client, { schema: '"string"', isKey: true });
  const json = new JsonSchemaSerializer(client, { schema: JSON_SCHEMA });
  const protobuf = new ProtobufSerializer(client, { schema: PROTO });
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0 });
  await producer.sendBatch([
    { topic: 'orders', partition: 0, key: await avroKey.serialize('orders', 'order-1'), value: await avroValue.serialize('orders', { id: 7, note: 'gift' }) },
    { topic: 'orders', partition: 0, key: 'plain', value: await json.serialize('orders', { sku: 'A-1', qty: 3 }) },
    { topic: 'orders', partition: 0, key: null, value: await protobuf.serialize('orders', { paymentId: 'p-9', cents: 1250 }) },
    // Magic byte 0 and an id no schema has: shown as the bytes they are.
    { topic: 'orders', partition: 0, key: null, value: Buffer.from([0, 0, 0, 0x7f, 0x7f, 1, 2, 3]) },
    { topic: 'orders', partition: 0, key: null, value: '{"plain":true}' },
  ]);
  await producer.close();
  ids.avro = (await client.lookup('orders-value', { schema: JSON.stringify(AVRO), schemaType: 'AVRO' })).id;
  ids.avroKey = (await client.lookup('orders-key', { schema: '"string"', schemaType: 'AVRO' })).id;
  ids.json = (await client.lookup('orders-value', { schema: JSON.stringify(JSON_SCHEMA), schemaType: 'JSON' })).id;
  ids.protobuf = (await client.lookup('orders-value', { schema: PROTO, schemaType: 'PROTOBUF' })).id;
  consoleServer = await startConsoleServer({ client: { bootstrapServers: [broker.bootstrap] }, port: 0, schemaRegistryUrls: [registry.url] });
  plainConsole = await startConsoleServer({ client: { bootstrapServers: [broker.bootstrap] }, port: 0 });
});

after(async () => {
  await consoleServer?.close();
  await plainConsole?.close();
  await setup?.close();
});

async function browse(server: ConsoleServer, query = ''): Promise<readonly Message[]> {
  const response = await fetch(`${server.url}/api/topics/orders/messages?limit=10${query}`);
  assert.equal(response.status, 200);
  return ((await response.json()) as BrowseResponse).messages;
}

test('records in Confluent\'s wire format are shown decoded as JSON with their schema id and type', async () => {
  const [avro, json, protobuf, unknown, plain] = await browse(consoleServer);
  assert.deepEqual(avro!.value?.schema, { id: ids.avro, type: 'AVRO' });
  assert.equal(avro!.value?.encoding, 'json');
  // Avro's JSON encoding, as kafka-avro-console-consumer prints it: a union's value under its branch.
  assert.deepEqual(JSON.parse(avro!.value!.data), { id: 7, note: { string: 'gift' } });
  assert.deepEqual(avro!.key?.schema, { id: ids.avroKey, type: 'AVRO' });
  assert.equal(JSON.parse(avro!.key!.data), 'order-1');
  assert.deepEqual(json!.value?.schema, { id: ids.json, type: 'JSON' });
  assert.deepEqual(JSON.parse(json!.value!.data), { sku: 'A-1', qty: 3 });
  assert.equal(json!.key?.data, 'plain');
  assert.equal(json!.key?.schema, undefined);
  assert.deepEqual(protobuf!.value?.schema, { id: ids.protobuf, type: 'PROTOBUF' });
  assert.deepEqual(JSON.parse(protobuf!.value!.data), { paymentId: 'p-9', cents: '1250' });
  assert.equal(unknown!.value?.schema, undefined);
  assert.deepEqual(unknown!.value, { encoding: 'hex', data: '0000007f7f010203', size: 8, truncated: false });
  assert.deepEqual(plain!.value, { encoding: 'json', data: '{"plain":true}', size: 14, truncated: false });
});

test('valueFormat=hex shows the bytes as they are; a console without --schema-registry does too', async () => {
  const [avro] = await browse(consoleServer, '&valueFormat=hex');
  assert.equal(avro!.value?.encoding, 'hex');
  assert.equal(avro!.value?.schema, undefined);
  assert.match(avro!.value!.data, new RegExp(`^00${ids.avro.toString(16).padStart(8, '0')}`));
  assert.deepEqual(avro!.key?.schema, { id: ids.avroKey, type: 'AVRO' }, 'the key keeps its auto format');
  const [plainAvro] = await browse(plainConsole);
  assert.equal(plainAvro!.value?.schema, undefined);
  assert.equal(plainAvro!.value?.encoding, 'hex');
});
