import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SchemaRegistryClient, SchemaRegistryError } from './registry-client.ts';
import { startStubRegistry } from './stub-registry-test-harness.ts';
import type { StubRegistry } from './stub-registry-test-harness.ts';

const schema = { schema: '{"type":"record","name":"User","fields":[{"name":"name","type":"string"}]}', schemaType: 'AVRO' as const };
let registry: StubRegistry;
before(async () => { registry = await startStubRegistry(); });
after(() => registry.close());

test('register answers the id, lookup and getVersion the registered version, getSchemaById the schema; each asked once', async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const id = await client.register('users-value', schema);
  assert.equal(await client.register('users-value', schema), id);
  assert.deepEqual(await client.lookup('users-value', schema), { subject: 'users-value', id, version: 1, ...schema, references: [] });
  assert.deepEqual(await client.getSchemaById(id), { ...schema, references: [] });
  assert.deepEqual(await client.getSchemaById(id), { ...schema, references: [] });
  assert.equal((await client.getVersion('users-value', 1)).id, id);
  assert.equal((await client.getLatestVersion('users-value')).version, 1);
  assert.deepEqual(await client.getVersions('users-value'), [1]);
  assert.deepEqual(registry.requests.filter((r) => r.startsWith('POST /subjects/users-value/versions')), ['POST /subjects/users-value/versions']);
  assert.equal(registry.requests.filter((r) => r === `GET /schemas/ids/${id}`).length, 1);
});

test('concurrent misses for one schema make one request', async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const before = registry.requests.length;
  const ids = await Promise.all([1, 2, 3].map(() => client.register('concurrent-value', schema)));
  assert.equal(new Set(ids).size, 1);
  assert.equal(registry.requests.length - before, 1);
});

test("errors carry Confluent's error_code and message: unknown id 40403, unknown subject 40401; failures are not cached", async () => {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  await assert.rejects(client.getSchemaById(9999), (e: unknown) => e instanceof SchemaRegistryError && e.errorCode === 40403 && e.status === 404 && /Schema 9999 not found/.test(e.message));
  await assert.rejects(client.lookup('nobody-value', schema), (e: unknown) => e instanceof SchemaRegistryError && e.errorCode === 40401);
  await client.register('nobody-value', schema);
  assert.equal((await client.lookup('nobody-value', schema)).subject, 'nobody-value');
});

test('the next base URL is tried when one cannot be reached; none reachable is a SchemaRegistryError with code 0', async () => {
  const dead = await startStubRegistry();
  const deadUrl = dead.url;
  await dead.close();
  const client = new SchemaRegistryClient({ baseUrls: [deadUrl, registry.url] });
  assert.equal(typeof await client.register('failover-value', schema), 'number');
  const none = new SchemaRegistryClient({ baseUrls: `${deadUrl}/` });
  await assert.rejects(none.getSchemaById(1), (e: unknown) => e instanceof SchemaRegistryError && e.errorCode === 0 && /no schema registry reachable/.test(e.message));
});

test('basic auth is sent as an Authorization header; without it the registry answers 401', async () => {
  const secured = await startStubRegistry({ basicAuth: 'alice:secret' });
  try {
    const client = new SchemaRegistryClient({ baseUrls: secured.url, basicAuth: { username: 'alice', password: 'secret' } });
    assert.equal(await client.register('auth-value', schema), 1);
    const anonymous = new SchemaRegistryClient({ baseUrls: secured.url });
    await assert.rejects(anonymous.getSchemaById(1), (e: unknown) => e instanceof SchemaRegistryError && e.status === 401 && e.errorCode === 401);
  } finally {
    await secured.close();
  }
});
