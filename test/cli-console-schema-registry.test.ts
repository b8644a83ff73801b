/**
 * samsa console-producer and console-consumer with --value-format / --key-format against Samsa's
 * schema registry, as kafka-avro-console-producer and -consumer are used: JSON lines in, records in
 * Confluent's wire format that @kafkajs/confluent-schema-registry decodes, and records it encoded
 * printed back as JSON.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import confluentSchemaRegistry from '@kafkajs/confluent-schema-registry';
import kafkajs from 'kafkajs';
import { Admin, Consumer, Producer } from '../src/client/index.ts';
import type { ConsumerRecord } from '../src/client/index.ts';
import type { SchemaRegistryServer } from '../src/registry/schema-registry-server.ts';
import { runCli, runCliOk } from './helpers/run-cli.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startRegistryOnBroker, type RegistryOnBroker } from './helpers/registry-on-broker.ts';
import type { TestBroker } from './helpers/test-broker.ts';

const { SchemaRegistry, SchemaType } = confluentSchemaRegistry;
const { Kafka, logLevel } = kafkajs;

let setup: RegistryOnBroker;
let broker: TestBroker;
let server: SchemaRegistryServer;
let admin: Admin;
let b: string[];
let tempDir: string;

before(async () => {
  setup = await startRegistryOnBroker();
  ({ broker, registry: server } = setup);
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  b = ['--bootstrap-server', broker.bootstrap];
  tempDir = await mkdtemp(join(tmpdir(), 'samsa-cli-registry-'));
});

after(async () => {
  await admin?.close();
  await setup?.close();
  if (tempDir) await removeTempDir(tempDir);
});

const PAYMENT = {
  type: 'record', name: 'Payment', namespace: 'shop',
  fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'note', type: ['null', 'string'], default: null }],
};

/** Every record of partition 0 of `topic`, raw. */
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

test('console-producer --value-format avro: Avro JSON lines become records that @kafkajs/confluent-schema-registry decodes; console-consumer prints them back', async () => {
  await admin.createTopics([{ topic: 'payments', numPartitions: 1 }]);
  const schemaFile = join(tempDir, 'payment.avsc');
  await writeFile(schemaFile, JSON.stringify(PAYMENT));
  const lines = ['{"id":"p-1","amount":12.5,"note":{"string":"first"}}', '{"id":"p-2","amount":3.0,"note":null}'];
  await runCliOk(['console-producer', ...b, '--topic', 'payments', '--value-format', 'avro', '--schema-registry', server.url,
    '--value-schema', `@${schemaFile}`], { input: lines.join('\n') + '\n' });

  const records = await readAll('payments', 2);
  const registry = new SchemaRegistry({ host: server.url });
  assert.deepEqual(await Promise.all(records.map(async (r) => ({ ...await registry.decode(r.value!) }))), [
    { id: 'p-1', amount: 12.5, note: 'first' }, { id: 'p-2', amount: 3, note: null },
  ]);
  assert.equal(records[0]!.value!.readInt32BE(1), await registry.getLatestSchemaId('payments-value'));

  const printed = await runCliOk(['console-consumer', ...b, '--topic', 'payments', '--from-beginning', '--max-messages', '2',
    '--value-format', 'avro', '--schema-registry', server.url]);
  assert.equal(printed.stdout, '{"id":"p-1","amount":12.5,"note":{"string":"first"}}\n{"id":"p-2","amount":3,"note":null}\n');
});

test('console-consumer --key-format json --value-format protobuf prints what @kafkajs/confluent-schema-registry encoded', async () => {
  await admin.createTopics([{ topic: 'parcels', numPartitions: 1 }]);
  const registry = new SchemaRegistry({ host: server.url });
  const keySchema = JSON.stringify({ type: 'object', properties: { warehouse: { type: 'string' } } });
  const { id: keyId } = await registry.register({ type: SchemaType.JSON, schema: keySchema }, { subject: 'parcels-key' });
  const proto = 'syntax = "proto3";\npackage shop;\nmessage Parcel {\n  string label = 1;\n  int32 grams = 2;\n}\n';
  const { id: valueId } = await registry.register({ type: SchemaType.PROTOBUF, schema: proto }, { subject: 'parcels-value' });
  // kafkajs writes Protobuf without Confluent's message indexes; the byte 0 ([0], the first message) is added as Confluent's serializers write it.
  const theirs = await registry.encode(valueId, { label: 'books', grams: 1200 });
  const value = Buffer.concat([theirs.subarray(0, 5), Buffer.from([0]), theirs.subarray(5)]);
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: 'parcels', messages: [{ key: await registry.encode(keyId, { warehouse: 'north' }), value }] });
  } finally {
    await producer.disconnect();
  }
  const printed = await runCliOk(['console-consumer', ...b, '--topic', 'parcels', '--from-beginning', '--max-messages', '1',
    '--key-format', 'json', '--value-format', 'protobuf', '--property', 'print.key=true', '--property', `schema.registry.url=${server.url}`]);
  assert.equal(printed.stdout, '{"warehouse":"north"}\t{"label":"books","grams":1200}\n');
});

test('console-producer --key-format avro with parse.key, --value-format json: keys and values through the registry; bad lines fail with a message', async () => {
  await admin.createTopics([{ topic: 'cities', numPartitions: 1 }]);
  const citySchema = JSON.stringify({ type: 'object', properties: { name: { type: 'string' }, people: { type: 'integer' } }, required: ['name'] });
  await runCliOk(['console-producer', ...b, '--topic', 'cities', '--key-format', 'avro', '--key-schema', '"string"',
    '--value-format', 'json', '--value-schema', citySchema, '--property', 'parse.key=true', '--property', `schema.registry.url=${server.url}`],
  { input: '"lyon"\t{"name":"Lyon","people":522000}\n' });
  const [record] = await readAll('cities', 1);
  const registry = new SchemaRegistry({ host: server.url });
  assert.equal(await registry.decode(record!.key!), 'lyon');
  assert.deepEqual(await registry.decode(record!.value!), { name: 'Lyon', people: 522000 });
  const subjects = await (await fetch(`${server.url}/subjects`)).json() as string[];
  assert.ok(subjects.includes('cities-key') && subjects.includes('cities-value'), subjects.join());

  const invalid = await runCli(['console-producer', ...b, '--topic', 'cities', '--value-format', 'json', '--value-schema', citySchema,
    '--schema-registry', server.url], { input: '{"people":1}\n' });
  assert.notEqual(invalid.status, 0);
  assert.match(invalid.stderr, /value does not match its JSON Schema/);
  const noRegistry = await runCli(['console-producer', ...b, '--topic', 'cities', '--value-format', 'avro', '--value-schema', '"string"'], { input: '"x"\n' });
  assert.notEqual(noRegistry.status, 0);
  assert.match(noRegistry.stderr, /need --schema-registry/);
});

test('a new Producer with our AvroSerializer and the console consumer agree', async () => {
  await admin.createTopics([{ topic: 'direct', numPartitions: 1 }]);
  const { AvroSerializer, SchemaRegistryClient } = await import('../src/client/index.ts');
  const serializer = new AvroSerializer(new SchemaRegistryClient({ baseUrls: server.url }), { schema: PAYMENT });
  const producer = new Producer({ bootstrapServers: [broker.bootstrap] });
  try {
    await producer.send({ topic: 'direct', key: null, value: await serializer.serialize('direct', { id: 'd-1', amount: 1, note: null }) });
  } finally {
    await producer.close();
  }
  const printed = await runCliOk(['console-consumer', ...b, '--topic', 'direct', '--from-beginning', '--max-messages', '1',
    '--value-format', 'avro', '--schema-registry', server.url]);
  assert.equal(printed.stdout, '{"id":"d-1","amount":1,"note":null}\n');
});
