/**
 * JSON Schema records in Confluent's wire format between Debian's python3-confluent-kafka (its
 * JSONSerializer and JSONDeserializer, validating with python3-jsonschema) and our
 * JsonSchemaSerializer and JsonSchemaDeserializer, both against Samsa's registry: each reads what the
 * other wrote, and both name the same schema id for the same schema.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { JsonSchemaDeserializer, JsonSchemaSerializer, readSchemaId, SchemaRegistryClient } from '../src/client/schema-registry/index.ts';
import type { SchemaRegistryServer } from '../src/registry/schema-registry-server.ts';
import { startRegistryOnBroker, type RegistryOnBroker } from './helpers/registry-on-broker.ts';
import { REPO_ROOT } from './helpers/test-broker.ts';

const run = promisify(execFile);

let setup: RegistryOnBroker;
let server: SchemaRegistryServer;

before(async () => {
  setup = await startRegistryOnBroker({ replicationFactor: 1 });
  server = setup.registry;
});

after(async () => {
  await setup?.close();
});

// confluent_kafka's JSONSerializer refuses a schema without a title (it names the record by it).
const STOCK = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Stock',
  type: 'object',
  properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 0 }, tags: { type: 'array', items: { type: 'string' } } },
  required: ['sku', 'qty'],
  additionalProperties: false,
});

test('python3-confluent-kafka JSONSerializer\'s records are read by our JsonSchemaDeserializer, ours by its JSONDeserializer', { timeout: 60_000 }, async () => {
  const client = new SchemaRegistryClient({ baseUrls: server.url });
  const nodePayload = await new JsonSchemaSerializer(client, { schema: STOCK, validate: true }).serialize('stock', { sku: 'JS-1', qty: 12, tags: ['from-node'] });
  const nodeId = readSchemaId(nodePayload);

  const { stdout } = await run('/usr/bin/python3', [
    join(REPO_ROOT, 'test', 'clients', 'json_schema_serde.py'), server.url, 'stock', STOCK, nodePayload.toString('hex'),
  ], { timeout: 50_000 });
  const py = JSON.parse(stdout) as { python_payload_hex: string; node_schema_type: string; node_schema_title: string; node_record: unknown };

  // Python found our record's schema by the id in its header, and its JSONDeserializer (which validates against it) read the record.
  assert.equal(py.node_schema_type, 'JSON');
  assert.equal(py.node_schema_title, 'Stock');
  assert.deepEqual(py.node_record, { sku: 'JS-1', qty: 12, tags: ['from-node'] });
  // Python registered the same schema under stock-value: the registry gave it our id.
  const pythonPayload = Buffer.from(py.python_payload_hex, 'hex');
  assert.equal(pythonPayload[0], 0, 'magic byte');
  assert.equal(readSchemaId(pythonPayload), nodeId);
  // A fresh deserializer finds the schema by id in the registry, and validates Python's record against it.
  const fresh = new JsonSchemaDeserializer(new SchemaRegistryClient({ baseUrls: server.url }), { validate: true });
  assert.deepEqual(await fresh.deserialize('stock', pythonPayload), { sku: 'PY-7', qty: 4, tags: ['from-python'] });
  // One version in the subject: both writers' schema is the same schema.
  assert.deepEqual(await (await fetch(`${server.url}/subjects/stock-value/versions`)).json(), [1]);
});
