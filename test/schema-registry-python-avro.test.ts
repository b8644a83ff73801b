/**
 * Avro records between Debian's python3-confluent-kafka 1.7.0 legacy Avro clients
 * (confluent_kafka.avro: AvroProducer, AvroConsumer, CachedSchemaRegistryClient, on python3-avro)
 * and our Producer and Consumer with AvroSerializer and AvroDeserializer, over a Samsa broker and
 * Samsa's registry: each reads exactly what the other wrote, the schema ids in the records' headers
 * are the ones the registry's REST API gives for the topic-key and topic-value subjects, and the
 * same schema written from both sides is one schema with one id.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { Admin, Consumer, Producer, type ConsumerRecord } from '../src/client/index.ts';
import { AvroDeserializer, AvroSerializer, readSchemaId, SchemaRegistryClient } from '../src/client/schema-registry/index.ts';
import type { SchemaRegistryServer } from '../src/registry/schema-registry-server.ts';
import { startRegistryOnBroker, type RegistryOnBroker } from './helpers/registry-on-broker.ts';
import { REPO_ROOT, type TestBroker } from './helpers/test-broker.ts';

const run = promisify(execFile);

let setup: RegistryOnBroker;
let broker: TestBroker;
let server: SchemaRegistryServer;

before(async () => {
  setup = await startRegistryOnBroker({ replicationFactor: 1 });
  ({ broker, registry: server } = setup);
});

after(async () => {
  await setup?.close();
});

const ORDER_KEY = {
  type: 'record', name: 'OrderKey', namespace: 'shop',
  fields: [{ name: 'region', type: 'string' }, { name: 'number', type: 'long' }],
};
const ORDER = {
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'quantity', type: 'int' },
    { name: 'price', type: 'double' },
    { name: 'discount', type: 'double', default: 0 },
    { name: 'weight', type: 'float' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
    { name: 'attributes', type: { type: 'map', values: 'int' }, default: {} },
  ],
};

// What test/clients/avro_producer_consumer.py produces, in its order.
const PYTHON_RECORDS = [
  {
    key: { region: 'eu', number: 1 },
    value: { id: 'py-1', quantity: 3, price: 12.5, discount: 0, weight: 0.25, note: 'gift', status: 'SHIPPED', tags: ['fragile', 'python'], attributes: { colour: 2, size: 40 } },
  },
  {
    key: { region: 'us', number: 2 },
    value: { id: 'py-2', quantity: -7, price: 0.1, discount: 1.5, weight: -3.5, note: null, status: 'NEW', tags: [], attributes: {} },
  },
  {
    key: { region: 'eu', number: 4102444800000 },
    value: { id: 'py-3 éè ☃', quantity: 2147483647, price: -1e300, discount: 1, weight: 1024, note: '', status: 'PAID', tags: ['x'], attributes: { k: -1 } },
  },
];

const NODE_RECORDS = [
  {
    key: { region: 'apac', number: 10 },
    value: { id: 'node-1', quantity: 1, price: 99.99, discount: 0.5, weight: 2.5, note: 'from node', status: 'PAID', tags: ['a', 'b', 'c'], attributes: { n: 1 } },
  },
  {
    key: { region: 'eu', number: -4 },
    value: { id: 'node-2 ✓', quantity: -2147483648, price: -0.0001, discount: 0, weight: 0.125, note: null, status: 'NEW', tags: [], attributes: {} },
  },
];

/** Records decoded by avsc are instances of its generated classes; compare them as the plain JSON they are. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

async function latestId(subject: string): Promise<number> {
  const response = await fetch(`${server.url}/subjects/${subject}/versions/latest`);
  assert.equal(response.status, 200, subject);
  return ((await response.json()) as { id: number }).id;
}

/** Partition 0 of `topic` from the beginning, `count` records. */
async function readAll(topic: string, count: number): Promise<ConsumerRecord[]> {
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], groupId: `read-${topic}` });
  try {
    consumer.assign([{ topic, partition: 0 }]);
    await consumer.seekToBeginning([{ topic, partition: 0 }]);
    const records: ConsumerRecord[] = [];
    while (records.length < count) records.push(...await consumer.poll(1000));
    return records;
  } finally {
    await consumer.close();
  }
}

interface PythonReport {
  produced: { delivered: { partition: number; offset: number }[]; errors: string[]; undelivered: number };
  registry: {
    value_latest: { id: number; version: number; name: string };
    key_latest: { id: number; version: number; name: string };
    value_version: number;
    value_registration: number;
    compatible_with_default: boolean;
    compatible_without_default: boolean;
    set_compatibility: string;
    compatibility: string;
    missing_id: null;
    missing_version: null[];
    invalid_version: null[];
    incompatible: string;
    scratch_id: number;
    scratch_deleted: number[];
  };
  consumed: { records: { partition: number; offset: number; key: unknown; value: unknown }[]; errors: string[] };
}

test('python3-confluent-kafka AvroProducer\'s records are read by our AvroDeserializer; our AvroSerializer\'s by its AvroConsumer', { timeout: 120_000 }, async () => {
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'py-orders', numPartitions: 1 }, { topic: 'node-orders', numPartitions: 1 }]);
  await admin.close();

  // Our side writes first: Python's AvroConsumer reads these.
  const client = new SchemaRegistryClient({ baseUrls: server.url });
  const keySerializer = new AvroSerializer(client, { schema: ORDER_KEY, isKey: true });
  const valueSerializer = new AvroSerializer(client, { schema: ORDER });
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0 });
  try {
    await producer.sendBatch(await Promise.all(NODE_RECORDS.map(async ({ key, value }) => ({
      topic: 'node-orders', partition: 0, key: await keySerializer.serialize('node-orders', key), value: await valueSerializer.serialize('node-orders', value),
    }))));
  } finally {
    await producer.close();
  }

  const { stdout } = await run('/usr/bin/python3', [
    join(REPO_ROOT, 'test', 'clients', 'avro_producer_consumer.py'), broker.bootstrap, server.url, 'py-orders', 'node-orders',
    String(NODE_RECORDS.length), 'py-avro-consumer', JSON.stringify(ORDER_KEY), JSON.stringify(ORDER),
  ], { timeout: 100_000 });
  const py = JSON.parse(stdout) as PythonReport;

  // Python's AvroProducer delivered every record, registering its schemas under the TopicNameStrategy subjects.
  assert.deepEqual(py.produced, { delivered: [0, 1, 2].map((offset) => ({ partition: 0, offset })), errors: [], undelivered: 0 });
  const subjects = await (await fetch(`${server.url}/subjects`)).json() as string[];
  for (const subject of ['py-orders-key', 'py-orders-value', 'node-orders-key', 'node-orders-value']) assert.ok(subjects.includes(subject), subject);
  const ids = {
    pyKey: await latestId('py-orders-key'), pyValue: await latestId('py-orders-value'),
    nodeKey: await latestId('node-orders-key'), nodeValue: await latestId('node-orders-value'),
  };
  // The same schema is one schema in every subject, whichever client wrote its text.
  assert.equal(ids.pyKey, ids.nodeKey);
  assert.equal(ids.pyValue, ids.nodeValue);
  assert.notEqual(ids.pyKey, ids.pyValue);

  // Our consumer reads Python's records: headers name the registry's ids, payloads decode to exactly what Python wrote.
  const deserializer = new AvroDeserializer(new SchemaRegistryClient({ baseUrls: server.url }));
  const pyRecords = await readAll('py-orders', PYTHON_RECORDS.length);
  assert.equal(pyRecords.length, PYTHON_RECORDS.length);
  for (const record of pyRecords) {
    assert.equal(record.key![0], 0, 'key magic byte');
    assert.equal(readSchemaId(record.key!), ids.pyKey);
    assert.equal(record.value![0], 0, 'value magic byte');
    assert.equal(readSchemaId(record.value!), ids.pyValue);
  }
  const decoded = await Promise.all(pyRecords.map(async (r) => ({
    key: plain(await deserializer.deserialize('py-orders', r.key!)), value: plain(await deserializer.deserialize('py-orders', r.value!)),
  })));
  assert.deepEqual(decoded, PYTHON_RECORDS);

  // CachedSchemaRegistryClient's view of the same subjects.
  assert.deepEqual(py.registry, {
    value_latest: { id: ids.pyValue, version: 1, name: 'shop.Order' },
    key_latest: { id: ids.pyKey, version: 1, name: 'shop.OrderKey' },
    value_version: 1,
    value_registration: ids.pyValue,
    compatible_with_default: true,
    compatible_without_default: false,
    set_compatibility: 'FULL',
    compatibility: 'FULL',
    missing_id: null,
    missing_version: [null, null, null],
    invalid_version: [null, null, null],
    incompatible: 'Incompatible Avro schema:409',
    scratch_id: py.registry.scratch_id,
    scratch_deleted: [1],
  });
  assert.ok(py.registry.scratch_id > 0);
  assert.equal((await fetch(`${server.url}/subjects/py-orders-scratch/versions`)).status, 404, 'the deleted subject is gone');

  // Python's AvroConsumer decoded exactly the records our AvroSerializer wrote, in order.
  assert.deepEqual(py.consumed, {
    records: NODE_RECORDS.map(({ key, value }, offset) => ({ partition: 0, offset, key, value })),
    errors: [],
  });
});
