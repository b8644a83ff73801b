import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { AvroDeserializer, AvroSerializer } from './avro-serde.ts';
import { SchemaRegistryClient, SchemaRegistryError } from './registry-client.ts';
import { startStubRegistry } from './stub-registry-test-harness.ts';
import type { StubRegistry } from './stub-registry-test-harness.ts';
import { SerializationError } from './wire-format.ts';

const userSchema = {
  type: 'record', name: 'User', namespace: 'com.example',
  fields: [{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }, { name: 'email', type: ['null', 'string'], default: null }],
};
const user = { name: 'Ada', age: 36, email: 'ada@example.com' };
let registry: StubRegistry;
let kafkajs: SchemaRegistry;
before(async () => {
  registry = await startStubRegistry();
  kafkajs = new SchemaRegistry({ host: registry.url });
});
after(() => registry.close());

test("Avro: our bytes are @kafkajs/confluent-schema-registry's for the same schema id and record, and each decodes the other's", async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const { id } = await kafkajs.register({ type: SchemaType.AVRO, schema: JSON.stringify(userSchema) }, { subject: 'users-value' });
  const ours = await new AvroSerializer(client, { schema: userSchema }).serialize('users', user);
  const theirs = await kafkajs.encode(id, user);
  assert.deepEqual(ours, theirs);
  assert.deepEqual([...ours.subarray(0, 5)], [0, 0, 0, 0, id]);
  assert.deepEqual({ ...await kafkajs.decode(ours) }, user);
  assert.deepEqual({ ...await new AvroDeserializer(client).deserialize('users', theirs) as object }, user);
});

test('a warm serializer and deserializer make no request', async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const serializer = new AvroSerializer(client, { schema: JSON.stringify(userSchema) });
  const deserializer = new AvroDeserializer(client);
  const first = await serializer.serialize('warm', user);
  await deserializer.deserialize('warm', first);
  const requests = registry.requests.length;
  const second = await serializer.serialize('warm', { ...user, age: 37 });
  assert.equal((await deserializer.deserialize('warm', second) as { age: number }).age, 37);
  assert.equal(registry.requests.length, requests);
});

test('the deserializer resolves the writer schema into a reader schema (a field added with a default, one dropped)', async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const data = await new AvroSerializer(client, { schema: userSchema }).serialize('evolve', user);
  const reader = { ...userSchema, fields: [userSchema.fields[0], { name: 'country', type: 'string', default: 'NL' }] };
  const value = await new AvroDeserializer(client, { readerSchema: reader }).deserialize('evolve', data);
  assert.deepEqual({ ...value as object }, { name: 'Ada', country: 'NL' });
});

test('subject name strategies: topic (<topic>-key / -value), record (the full name), topic-record (<topic>-<full name>)', async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  await new AvroSerializer(client, { schema: userSchema, isKey: true }).serialize('orders', user);
  await new AvroSerializer(client, { schema: userSchema }).serialize('orders', user);
  await new AvroSerializer(client, { schema: userSchema, subjectNameStrategy: 'RecordNameStrategy' }).serialize('orders', user);
  await new AvroSerializer(client, { schema: userSchema, subjectNameStrategy: 'io.confluent.kafka.serializers.subject.TopicRecordNameStrategy' }).serialize('orders', user);
  const registered = registry.requests.filter((r) => r.startsWith('POST /subjects/') && r.includes('orders') || r.includes('com.example.User/'));
  assert.deepEqual(registered, [
    'POST /subjects/orders-key/versions', 'POST /subjects/orders-value/versions',
    'POST /subjects/com.example.User/versions', 'POST /subjects/orders-com.example.User/versions',
  ]);
});

test('auto.register.schemas=false looks the schema up (40401 when the subject lacks it); use.latest.version writes with the latest', async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const lookupOnly = new AvroSerializer(client, { schema: userSchema, autoRegisterSchemas: false });
  await assert.rejects(lookupOnly.serialize('unregistered', user), (e: unknown) => e instanceof SchemaRegistryError && e.errorCode === 40401);
  const id = registry.register('unregistered-value', { schema: JSON.stringify(userSchema), schemaType: 'AVRO', references: [] });
  assert.equal((await lookupOnly.serialize('unregistered', user)).readInt32BE(1), id);
  const older = { ...userSchema, fields: userSchema.fields.slice(0, 2) };
  const latestId = registry.register('unregistered-value', { schema: JSON.stringify(older), schemaType: 'AVRO', references: [] });
  const latest = await new AvroSerializer(client, { schema: userSchema, useLatestVersion: true }).serialize('unregistered', user);
  assert.equal(latest.readInt32BE(1), latestId);
  assert.deepEqual({ ...await new AvroDeserializer(client).deserialize('unregistered', latest) as object }, { name: 'Ada', age: 36 });
});

test('an unknown magic byte is a SerializationError, an unknown schema id the registry error 40403', async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const deserializer = new AvroDeserializer(client);
  await assert.rejects(deserializer.deserialize('t', Buffer.from([1, 0, 0, 0, 1, 2])), (e: unknown) => e instanceof SerializationError && /magic byte 1/.test(e.message));
  await assert.rejects(deserializer.deserialize('t', Buffer.from([0, 0, 0, 0x30, 0x39, 2])), (e: unknown) => e instanceof SchemaRegistryError && e.errorCode === 40403);
});

test('schema references: a record whose field type is a named type from another subject', async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const address = { type: 'record', name: 'Address', namespace: 'com.example', fields: [{ name: 'city', type: 'string' }] };
  registry.register('address-value', { schema: JSON.stringify(address), schemaType: 'AVRO', references: [] });
  const customer = { type: 'record', name: 'Customer', namespace: 'com.example', fields: [{ name: 'address', type: 'com.example.Address' }] };
  const references = [{ name: 'com.example.Address', subject: 'address-value', version: 1 }];
  const data = await new AvroSerializer(client, { schema: customer, references }).serialize('customers', { address: { city: 'Delft' } });
  assert.deepEqual(JSON.parse(JSON.stringify(await new AvroDeserializer(client).deserialize('customers', data))), { address: { city: 'Delft' } });
});

test('records keep their bytes while later ones are written, across many records and one larger than the serializer keeps at hand', async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const serializer = new AvroSerializer(client, { schema: userSchema });
  const values = Array.from({ length: 2000 }, (_, i) => ({ name: i === 1000 ? 'x'.repeat(100_000) : `user-${i}`, age: i, email: null }));
  const written: Buffer[] = [];
  for (const value of values) written.push(await serializer.serialize('many', value));
  const deserializer = new AvroDeserializer(client);
  for (let i = 0; i < values.length; i++) assert.deepEqual({ ...await deserializer.deserialize('many', written[i]!) as object }, values[i]);
});

test('normalize.schemas asks the registry to normalize, on register and on lookup', async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  await new AvroSerializer(client, { schema: userSchema, normalizeSchemas: true }).serialize('normalized', user);
  await new AvroSerializer(client, { schema: userSchema, normalizeSchemas: true, autoRegisterSchemas: false }).serialize('normalized', user);
  assert.deepEqual(registry.requests.filter((r) => r.includes('normalized-value')),
    ['POST /subjects/normalized-value/versions?normalize=true', 'POST /subjects/normalized-value?normalize=true']);
});
