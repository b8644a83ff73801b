/**
 * The schema registry's REST API end to end, over a real broker: Confluent's paths, payloads,
 * status and error codes, as a client sees them through HTTP; the `_schemas` topic as Confluent
 * lays it out; and a restart that rebuilds every id and version from that topic.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { Admin, Consumer } from '../src/client/index.ts';
import { startSchemaRegistryServer, type SchemaRegistryServer } from '../src/registry/schema-registry-server.ts';
import { startRegistryOnBroker, type RegistryOnBroker } from './helpers/registry-on-broker.ts';
import type { TestBroker } from './helpers/test-broker.ts';

let setup: RegistryOnBroker;
let broker: TestBroker;
let registry: SchemaRegistryServer;

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

before(async () => {
  setup = await startRegistryOnBroker();
  ({ broker, registry } = setup);
});

after(async () => {
  await setup?.close();
});

interface Answer {
  readonly status: number;
  readonly body: any;
  readonly contentType: string | null;
}

async function call(method: string, path: string, body?: unknown, contentType = CONTENT_TYPE): Promise<Answer> {
  const response = await fetch(registry.url + path, {
    method, headers: { 'content-type': contentType, accept: CONTENT_TYPE },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* raw schema text */ }
  return { status: response.status, body: parsed, contentType: response.headers.get('content-type') };
}

async function expectError(answer: Promise<Answer>, status: number, errorCode: number): Promise<string> {
  const { status: got, body } = await answer;
  assert.equal(got, status, JSON.stringify(body));
  assert.equal(body.error_code, errorCode, JSON.stringify(body));
  assert.equal(typeof body.message, 'string');
  return body.message as string;
}

const user = (...extra: object[]) => JSON.stringify({ type: 'record', name: 'User', namespace: 'test', fields: [{ name: 'name', type: 'string' }, ...extra] });
const USER_V1 = user();
const USER_V2 = user({ name: 'age', type: 'int', default: 0 });
const USER_BAD = user({ name: 'email', type: 'string' });

test('GET / answers {} and the schema types', async () => {
  assert.deepEqual((await call('GET', '/')).body, {});
  const types = await call('GET', '/schemas/types');
  assert.equal(types.contentType, CONTENT_TYPE);
  assert.deepEqual([...types.body].sort(), ['AVRO', 'JSON', 'PROTOBUF']);
});

test("GET /contexts answers Confluent's default context only", async () => {
  const contexts = await call('GET', '/contexts');
  assert.equal(contexts.status, 200);
  assert.equal(contexts.contentType, CONTENT_TYPE);
  assert.deepEqual(contexts.body, ['.']);
});

test("GET /v1/metadata/id names the broker's Kafka cluster id and the registry's group id", async () => {
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  let clusterId: string;
  try {
    clusterId = (await admin.describeCluster()).clusterId;
  } finally {
    await admin.close();
  }
  assert.ok(clusterId.length > 0);
  const metadata = await call('GET', '/v1/metadata/id');
  assert.equal(metadata.status, 200);
  assert.equal(metadata.contentType, CONTENT_TYPE);
  assert.deepEqual(metadata.body, { scope: { path: [], clusters: { 'kafka-cluster': clusterId, 'schema-registry-cluster': 'schema-registry' } } });

  // schema.registry.group.id names the registry cluster.
  const named = await startSchemaRegistryServer({ client: { bootstrapServers: [broker.bootstrap] }, listener: 'http://127.0.0.1:0', groupId: 'billing-registry' });
  try {
    const answer = await (await fetch(`${named.url}/v1/metadata/id`)).json() as any;
    assert.deepEqual(answer.scope.clusters, { 'kafka-cluster': clusterId, 'schema-registry-cluster': 'billing-registry' });
  } finally {
    await named.close();
  }
});

test("GET /v1/metadata/version answers Samsa's package version", async () => {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const answer = await call('GET', '/v1/metadata/version');
  assert.equal(answer.status, 200);
  assert.equal(answer.contentType, CONTENT_TYPE);
  assert.deepEqual(answer.body, { version, commitId: 'unknown' });
  assert.equal((await call('POST', '/v1/metadata/version', {})).status, 405);
});

test('register, list, get: identical schemas share an id across subjects, a re-registration adds no version', async () => {
  const first = await call('POST', '/subjects/users-value/versions', { schema: USER_V1 });
  assert.equal(first.status, 200);
  const id1 = first.body.id as number;
  assert.ok(Number.isInteger(id1) && id1 > 0);
  // Whitespace does not make another schema.
  assert.deepEqual((await call('POST', '/subjects/users-value/versions', { schema: JSON.stringify(JSON.parse(USER_V1), null, 2) })).body, { id: id1 });
  assert.deepEqual((await call('POST', '/subjects/other-value/versions', { schema: USER_V1, schemaType: 'AVRO' })).body, { id: id1 });
  const second = await call('POST', '/subjects/users-value/versions', { schema: USER_V2 });
  assert.equal(second.status, 200);
  assert.notEqual(second.body.id, id1);

  assert.deepEqual((await call('GET', '/subjects/users-value/versions')).body, [1, 2]);
  const latest = await call('GET', '/subjects/users-value/versions/latest');
  assert.deepEqual(latest.body, { subject: 'users-value', version: 2, id: second.body.id, schema: latest.body.schema });
  assert.deepEqual(JSON.parse(latest.body.schema), JSON.parse(USER_V2));
  assert.equal('schemaType' in latest.body, false, 'AVRO is left out, as Confluent does');
  assert.deepEqual((await call('GET', '/subjects/users-value/versions/1')).body.id, id1);
  const raw = await call('GET', '/subjects/users-value/versions/1/schema');
  assert.deepEqual(raw.body, JSON.parse(USER_V1), 'the schema itself, not wrapped');
  assert.deepEqual(JSON.parse((await call('GET', `/schemas/ids/${id1}`)).body.schema), JSON.parse(USER_V1));
  assert.deepEqual((await call('GET', `/schemas/ids/${id1}/versions`)).body, [{ subject: 'other-value', version: 1 }, { subject: 'users-value', version: 1 }]);
  assert.deepEqual((await call('GET', `/schemas/ids/${id1}/subjects`)).body, ['other-value', 'users-value']);
  const subjects = (await call('GET', '/subjects')).body as string[];
  assert.ok(subjects.includes('users-value') && subjects.includes('other-value'));

  const lookup = await call('POST', '/subjects/users-value', { schema: USER_V1 });
  assert.deepEqual({ ...lookup.body, schema: undefined }, { subject: 'users-value', version: 1, id: id1, schema: undefined });
});

test('Avro identity without normalize: "name":"ns.N" and "name":"N","namespace":"ns" register as one version, one id', async () => {
  const full = { schema: '{"type":"record","name":"spelled.Thing","fields":[{"name":"a","type":"int"}]}' };
  const split = { schema: '{"fields":[{"type":"int","name":"a"}],"namespace":"spelled","name":"Thing","type":"record"}' };
  const first = await call('POST', '/subjects/spellings-value/versions', full);
  const second = await call('POST', '/subjects/spellings-value/versions', split);
  assert.equal(first.status, 200);
  assert.deepEqual(second.body, first.body);
  assert.deepEqual((await call('GET', '/subjects/spellings-value/versions')).body, [1]);
  const lookup = await call('POST', '/subjects/spellings-value', split);
  assert.equal(lookup.body.id, first.body.id);
  assert.equal(lookup.body.version, 1);
});

test('errors: Confluent status and error_code for each mistake', async () => {
  await expectError(call('GET', '/subjects/nobody/versions'), 404, 40401);
  await expectError(call('GET', '/subjects/nobody/versions/1'), 404, 40401);
  await expectError(call('GET', '/subjects/users-value/versions/99'), 404, 40402);
  assert.match(await expectError(call('GET', '/subjects/users-value/versions/0'), 422, 42202), /not a valid version/);
  await expectError(call('GET', '/subjects/users-value/versions/abc'), 422, 42202);
  await expectError(call('GET', '/schemas/ids/999999'), 404, 40403);
  await expectError(call('POST', '/subjects/users-value', { schema: user({ name: 'x', type: 'long', default: 1 }) }), 404, 40403);
  await expectError(call('POST', '/subjects/users-value/versions', { schema: '{"type": "record", "name": 1}' }), 422, 42201);
  await expectError(call('POST', '/subjects/users-value/versions', { schema: 'not json' }), 422, 42201);
  await expectError(call('POST', '/subjects/users-value/versions', {}), 422, 42201);
  await expectError(call('POST', '/subjects/users-value/versions', { schema: USER_V1, schemaType: 'XML' }), 422, 42201);
  await expectError(call('POST', '/subjects/bad%01subject/versions', { schema: USER_V1 }), 422, 42208);
  await expectError(call('PUT', '/config', { compatibility: 'SOMETIMES' }), 422, 42203);
  await expectError(call('PUT', '/mode', { mode: 'SLEEPY' }), 422, 42204);
  await expectError(call('GET', '/config/users-value'), 404, 40408);
  await expectError(call('GET', '/no/such/path'), 404, 404);
  await expectError(call('PATCH', '/subjects'), 405, 405);
  // Not JSON, JSON of the wrong shape, a media type it does not read, a body too large: answered, never a crash.
  await expectError(call('POST', '/subjects/users-value/versions', '{"schema": '), 400, 400);
  await expectError(call('POST', '/subjects/users-value/versions', '[1, 2]'), 422, 422);
  await expectError(call('POST', '/subjects/users-value/versions', { schema: USER_V1, references: 'none' }), 422, 422);
  await expectError(call('POST', '/subjects/users-value/versions', { schema: USER_V1 }, 'text/plain'), 415, 415);
  await expectError(call('POST', '/subjects/users-value/versions', { schema: 'x'.repeat(17 * 1024 * 1024) }), 413, 413);
  // application/json and application/octet-stream are read as Confluent reads them.
  assert.equal((await call('POST', '/subjects/users-value', { schema: USER_V1 }, 'application/json')).status, 200);
  assert.equal((await call('POST', '/subjects/users-value', { schema: USER_V1 }, 'application/octet-stream')).status, 200);
  // A malformed request is refused by HTTP itself (400); the server still answers afterwards.
  const socket = connect(registry.port, '127.0.0.1');
  socket.end('NOT HTTP AT ALL\r\n\r\n');
  let reply = '';
  for await (const chunk of socket) reply += String(chunk);
  assert.match(reply, /^HTTP\/1\.1 400/);
  assert.equal((await call('GET', '/')).status, 200);
});

test('compatibility: BACKWARD refuses a new field without a default (409, details with ?verbose), NONE allows it', async () => {
  const message = await expectError(call('POST', '/subjects/users-value/versions', { schema: USER_BAD }), 409, 409);
  assert.match(message, /incompatible with an earlier schema/);
  const check = await call('POST', '/compatibility/subjects/users-value/versions/latest', { schema: USER_BAD });
  assert.deepEqual(check.body, { is_compatible: false });
  const verbose = await call('POST', '/compatibility/subjects/users-value/versions/latest?verbose=true', { schema: USER_BAD });
  assert.equal(verbose.body.is_compatible, false);
  assert.ok(verbose.body.messages.length > 0 && verbose.body.messages.some((m: string) => m.includes('email')), JSON.stringify(verbose.body));
  assert.deepEqual((await call('POST', '/compatibility/subjects/users-value/versions/1', { schema: USER_V2 })).body, { is_compatible: true });
  await expectError(call('POST', '/compatibility/subjects/users-value/versions/42', { schema: USER_V2 }), 404, 40402);
  assert.deepEqual((await call('POST', '/compatibility/subjects/brand-new/versions/latest', { schema: USER_V2 })).body, { is_compatible: true });

  assert.deepEqual((await call('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
  assert.deepEqual((await call('PUT', '/config/users-value', { compatibility: 'none' })).body, { compatibility: 'NONE' });
  assert.deepEqual((await call('GET', '/config/users-value')).body, { compatibilityLevel: 'NONE' });
  assert.deepEqual((await call('GET', '/config/other-value?defaultToGlobal=true')).body, { compatibilityLevel: 'BACKWARD' });
  const registered = await call('POST', '/subjects/users-value/versions', { schema: USER_BAD });
  assert.equal(registered.status, 200);
  assert.deepEqual((await call('GET', '/subjects/users-value/versions')).body, [1, 2, 3]);
  assert.deepEqual((await call('DELETE', '/config/users-value')).body, { compatibilityLevel: 'NONE' });
  await expectError(call('GET', '/config/users-value'), 404, 40408);
  assert.deepEqual((await call('PUT', '/config', { compatibility: 'FULL_TRANSITIVE' })).body, { compatibility: 'FULL_TRANSITIVE' });
  assert.deepEqual((await call('GET', '/config')).body, { compatibilityLevel: 'FULL_TRANSITIVE' });
  assert.deepEqual((await call('DELETE', '/config')).body, { compatibilityLevel: 'FULL_TRANSITIVE' });
  assert.deepEqual((await call('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
});

test('deletes: soft then permanent, for a version and a subject, with Confluent refusals in between', async () => {
  const { id } = (await call('POST', '/subjects/doomed/versions', { schema: '"string"' })).body;
  await call('PUT', '/config/doomed', { compatibility: 'NONE' });
  await call('POST', '/subjects/doomed/versions', { schema: '"long"' });
  await expectError(call('DELETE', '/subjects/doomed/versions/1?permanent=true'), 404, 40407);
  assert.equal((await call('DELETE', '/subjects/doomed/versions/1')).body, 1);
  await expectError(call('DELETE', '/subjects/doomed/versions/1'), 404, 40406);
  assert.deepEqual((await call('GET', '/subjects/doomed/versions')).body, [2]);
  assert.deepEqual((await call('GET', '/subjects/doomed/versions?deleted=true')).body, [1, 2]);
  await expectError(call('GET', '/subjects/doomed/versions/1'), 404, 40402);
  assert.equal((await call('GET', '/subjects/doomed/versions/1?deleted=true')).body.id, id);
  // A soft-deleted schema is still found by id, as serialized records still name it.
  assert.equal((await call('GET', `/schemas/ids/${id}`)).body.schema, '"string"');
  assert.equal((await call('DELETE', '/subjects/doomed/versions/1?permanent=true')).body, 1);
  assert.deepEqual((await call('GET', '/subjects/doomed/versions?deleted=true')).body, [2]);

  await expectError(call('DELETE', '/subjects/doomed?permanent=true'), 404, 40405);
  assert.deepEqual((await call('DELETE', '/subjects/doomed')).body, [2]);
  await expectError(call('DELETE', '/subjects/doomed'), 404, 40404);
  assert.ok(!((await call('GET', '/subjects')).body as string[]).includes('doomed'));
  assert.ok(((await call('GET', '/subjects?deleted=true')).body as string[]).includes('doomed'));
  assert.deepEqual((await call('DELETE', '/subjects/doomed?permanent=true')).body, [2]);
  await expectError(call('GET', '/subjects/doomed/versions?deleted=true'), 404, 40401);
  await expectError(call('DELETE', '/subjects/doomed'), 404, 40401);
  // Versions start again at 1 once a subject is gone for good.
  await call('POST', '/subjects/doomed/versions', { schema: '"int"' });
  assert.deepEqual((await call('GET', '/subjects/doomed/versions')).body, [1]);
});

test('references: a schema naming another, referencedby, and deleting a referenced version refused', async () => {
  const address = JSON.stringify({ type: 'record', name: 'Address', namespace: 'refs', fields: [{ name: 'city', type: 'string' }] });
  const { id: addressId } = (await call('POST', '/subjects/address/versions', { schema: address })).body;
  const person = JSON.stringify({ type: 'record', name: 'Person', namespace: 'refs', fields: [{ name: 'home', type: 'refs.Address' }] });
  const references = [{ name: 'refs.Address', subject: 'address', version: 1 }];
  const registered = await call('POST', '/subjects/person/versions', { schema: person, references });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
  const got = await call('GET', '/subjects/person/versions/1');
  assert.deepEqual(got.body.references, references);
  assert.deepEqual((await call('GET', `/schemas/ids/${registered.body.id}`)).body.references, references);
  assert.deepEqual((await call('GET', '/subjects/address/versions/1/referencedby')).body, [registered.body.id]);
  await expectError(call('DELETE', '/subjects/address/versions/1'), 422, 42206);
  await expectError(call('DELETE', '/subjects/address'), 422, 42206);
  await expectError(call('POST', '/subjects/person2/versions', { schema: person, references: [{ name: 'refs.Address', subject: 'address', version: 7 }] }), 422, 42201);
  await expectError(call('POST', '/subjects/person2/versions', { schema: person }), 422, 42201);
  assert.ok(addressId > 0);
});

test('modes: READONLY refuses writes (42205); IMPORT keeps the ids and versions given', async () => {
  assert.deepEqual((await call('GET', '/mode')).body, { mode: 'READWRITE' });
  assert.deepEqual((await call('PUT', '/mode/frozen', { mode: 'READONLY' })).body, { mode: 'READONLY' });
  await expectError(call('POST', '/subjects/frozen/versions', { schema: '"string"' }), 422, 42205);
  assert.deepEqual((await call('GET', '/mode/frozen')).body, { mode: 'READONLY' });
  await expectError(call('GET', '/mode/thawed'), 404, 40409);
  assert.deepEqual((await call('GET', '/mode/thawed?defaultToGlobal=true')).body, { mode: 'READWRITE' });
  await expectError(call('POST', '/subjects/imported/versions', { schema: '"string"', id: 5000, version: 3 }), 422, 42205);
  // IMPORT where schemas already are needs force (their ids could collide).
  await expectError(call('PUT', '/mode', { mode: 'IMPORT' }), 422, 42205);
  assert.deepEqual((await call('PUT', '/mode/imported', { mode: 'IMPORT' })).body, { mode: 'IMPORT' });
  assert.deepEqual((await call('POST', '/subjects/imported/versions', { schema: '{"type":"fixed","name":"F","size":4}', id: 5000, version: 3 })).body, { id: 5000 });
  const imported = await call('GET', '/subjects/imported/versions/3');
  assert.equal(imported.body.id, 5000);
  await expectError(call('POST', '/subjects/imported/versions', { schema: '"boolean"', id: 5000, version: 4 }), 422, 42207);
  await call('PUT', '/mode/imported', { mode: 'READWRITE' });
  // New ids continue above the imported one.
  const next = await call('POST', '/subjects/after-import/versions', { schema: '{"type":"fixed","name":"G","size":8}' });
  assert.ok(next.body.id > 5000, JSON.stringify(next.body));
});

test('concurrent registrations: distinct schemas get distinct ids; the same schema one id and one version', async () => {
  const distinct = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    call('POST', `/subjects/concurrent-${i}/versions`, { schema: JSON.stringify({ type: 'fixed', name: `C${i}`, size: i + 1 }) })));
  assert.ok(distinct.every((a) => a.status === 200));
  assert.equal(new Set(distinct.map((a) => a.body.id)).size, 20);
  const same = await Promise.all(Array.from({ length: 10 }, () => call('POST', '/subjects/concurrent-same/versions', { schema: '{"type":"enum","name":"E","symbols":["A"]}' })));
  assert.equal(new Set(same.map((a) => a.body.id)).size, 1);
  assert.deepEqual((await call('GET', '/subjects/concurrent-same/versions')).body, [1]);
});

test('normalize: ?normalize=true (or the subject config) registers and looks up schemas in their normalized form', async () => {
  // The same JSON Schema with its keys in another order: another schema as given, the same one normalized.
  const one = { schemaType: 'JSON', schema: '{"type":"object","properties":{"a":{"type":"string"}}}' };
  const other = { schemaType: 'JSON', schema: '{"properties":{"a":{"type":"string"}},"type":"object"}' };
  const { id } = (await call('POST', '/subjects/normalized/versions', one)).body;
  await expectError(call('POST', '/subjects/normalized', other), 404, 40403);
  assert.equal((await call('POST', '/subjects/normalized?normalize=true', other)).body.id, id);
  assert.deepEqual((await call('POST', '/subjects/normalized/versions?normalize=true', other)).body, { id });
  assert.deepEqual((await call('GET', '/subjects/normalized/versions')).body, [1]);
  // The subject's config can ask for it instead of each request.
  assert.deepEqual((await call('PUT', '/config/normalized', { normalize: true })).body, { normalize: true });
  assert.equal((await call('POST', '/subjects/normalized', other)).body.id, id);
  assert.deepEqual((await call('GET', '/config/normalized?defaultToGlobal=true')).body, { compatibilityLevel: 'BACKWARD', normalize: true });
});

test('normalize: references listed in another order, or twice, are the same schema, stored in Confluent\'s order (subject, then version)', async () => {
  const zone = '{"type":"record","name":"Zone","namespace":"refs","fields":[{"name":"code","type":"string"}]}';
  const city = '{"type":"record","name":"City","namespace":"refs","fields":[{"name":"name","type":"string"}]}';
  await call('POST', '/subjects/ref-zone/versions', { schema: zone });
  await call('POST', '/subjects/ref-city/versions', { schema: city });
  const place = '{"type":"record","name":"Place","namespace":"refs","fields":[{"name":"zone","type":"refs.Zone"},{"name":"city","type":"refs.City"}]}';
  const zoneRef = { name: 'refs.Zone', subject: 'ref-zone', version: 1 };
  const cityRef = { name: 'refs.City', subject: 'ref-city', version: 1 };
  const { id } = (await call('POST', '/subjects/place/versions?normalize=true', { schema: place, references: [zoneRef, cityRef] })).body;
  // Stored sorted by subject: ref-city before ref-zone.
  assert.deepEqual((await call('GET', `/schemas/ids/${id}`)).body.references, [cityRef, zoneRef]);
  assert.deepEqual((await call('POST', '/subjects/place/versions?normalize=true', { schema: place, references: [cityRef, zoneRef, cityRef] })).body, { id });
  assert.equal((await call('POST', '/subjects/place?normalize=true', { schema: place, references: [zoneRef, cityRef] })).body.id, id);
  assert.deepEqual((await call('GET', '/subjects/place/versions')).body, [1]);
  // Without normalize the order is part of the schema, as in Confluent.
  await expectError(call('POST', '/subjects/place', { schema: place, references: [zoneRef, cityRef] }), 404, 40403);
});

test('normalize: two spellings of one Avro schema get one id, and the id answers with the text Confluent\'s registry stores', async () => {
  // Properties in another order, a namespace key against a dotted name, 1 against 1.0 on a double.
  const one = '{"type":"record","name":"Reading","namespace":"iot","fields":[{"name":"value","type":"double","default":1,"unit":"C","scale":1}],"source":"a","kind":{"b":1,"a":2}}';
  const other = '{"kind":{"a":2,"b":1},"source":"a","fields":[{"scale":1,"unit":"C","default":1.0,"type":"double","name":"value"}],"name":"iot.Reading","type":"record"}';
  const expected = '{"type":"record","name":"Reading","namespace":"iot","fields":[{"name":"value","type":"double","default":1.0,"scale":1,"unit":"C"}],"kind":{"a":2,"b":1},"source":"a"}';
  // As given, they are two schemas.
  const first = (await call('POST', '/subjects/avro-normalized/versions', { schema: one })).body.id;
  const second = (await call('POST', '/subjects/avro-normalized-other/versions', { schema: other })).body.id;
  assert.notEqual(first, second);
  // Normalized, one schema with one id.
  const { id } = (await call('POST', '/subjects/avro-normalized-n/versions?normalize=true', { schema: one })).body;
  assert.deepEqual((await call('POST', '/subjects/avro-normalized-n/versions?normalize=true', { schema: other })).body, { id });
  assert.deepEqual((await call('GET', '/subjects/avro-normalized-n/versions')).body, [1]);
  assert.equal((await call('GET', `/schemas/ids/${id}`)).body.schema, expected);
  assert.equal((await call('POST', '/subjects/avro-normalized-n?normalize=true', { schema: other })).body.schema, expected);
});

test('fuzz: random bodies, paths and versions get Confluent errors (4xx), never a 500 or a dropped connection', async () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  const body = fc.oneof(
    fc.string({ maxLength: 40 }),
    json.map((v) => JSON.stringify(v)),
    fc.record({ schema: fc.oneof(fc.string({ maxLength: 40 }), json), schemaType: fc.oneof(fc.constantFrom('AVRO', 'JSON', 'PROTOBUF', 'avro'), json),
      references: fc.oneof(json, fc.array(fc.record({ name: json, subject: json, version: json }), { maxLength: 2 })), id: json, version: json })
      .map((v) => JSON.stringify(v)),
  );
  const path = fc.constantFrom(
    '/subjects/fuzz/versions', '/subjects/fuzz', '/compatibility/subjects/fuzz/versions/latest', '/config/fuzz', '/mode/fuzz',
  );
  await fc.assert(fc.asyncProperty(path, body, fc.constantFrom('POST', 'PUT'), async (p, b, method) => {
    const answer = await call(method, p, b);
    assert.ok(answer.status < 500, `${method} ${p} ${b} -> ${answer.status} ${JSON.stringify(answer.body)}`);
    if (answer.status >= 400) assert.equal(typeof answer.body.error_code, 'number');
  }), { numRuns: 300 });
  await fc.assert(fc.asyncProperty(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), async (subject, version) => {
    const answer = await call('GET', `/subjects/${encodeURIComponent(subject)}/versions/${encodeURIComponent(version)}`);
    assert.ok(answer.status < 500 && [200, 404, 422].includes(answer.status), `${subject} ${version} -> ${answer.status}`);
  }), { numRuns: 200 });
});

test("_schemas is compacted, has one partition and holds Confluent's records", async () => {
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'earliest' });
  try {
    const [topic] = await admin.describeTopics(['_schemas']);
    assert.equal(topic!.partitions.length, 1);
    const configs = await admin.describeConfigs([{ type: 'topic', name: '_schemas' }]);
    assert.equal(configs[0]!.configs.find((e) => e.name === 'cleanup.policy')?.value, 'compact');
    consumer.assign([{ topic: '_schemas', partition: 0 }]);
    const [end] = await admin.listOffsets([{ topic: '_schemas', partition: 0, spec: 'latest' }]);
    const records = [];
    while (records.length < end!.offset) records.push(...await consumer.poll(1000));
    const keys = records.map((r) => r.key!.toString());
    assert.ok(keys.includes('{"keytype":"SCHEMA","subject":"users-value","version":1,"magic":1}'), keys.join('\n'));
    assert.ok(keys.includes('{"keytype":"CONFIG","subject":"users-value","magic":0}'));
    assert.ok(keys.includes('{"keytype":"MODE","subject":"frozen","magic":0}'));
    assert.ok(keys.includes('{"keytype":"DELETE_SUBJECT","subject":"doomed","magic":0}'));
    const value = JSON.parse(records.find((r) => r.key!.toString().includes('"users-value","version":1,'))!.value!.toString());
    assert.deepEqual(Object.keys(value).sort(), ['deleted', 'id', 'references', 'schema', 'subject', 'version']);
    // A permanent delete is a tombstone.
    assert.ok(records.some((r) => r.key!.toString().includes('"subject":"doomed","version":1,') && r.value === null));
  } finally {
    await consumer.close();
    await admin.close();
  }
});

test('a restarted registry rebuilds every subject, version, id, config and mode from _schemas', async () => {
  const snapshot = async () => {
    const subjects = (await call('GET', '/subjects?deleted=true')).body as string[];
    const state: Record<string, unknown> = {};
    for (const subject of subjects) {
      const versions = (await call('GET', `/subjects/${subject}/versions?deleted=true`)).body as number[];
      state[subject] = await Promise.all(versions.map(async (v) => (await call('GET', `/subjects/${subject}/versions/${v}?deleted=true`)).body));
    }
    return { subjects, state, mode: (await call('GET', '/mode/frozen')).body, config: (await call('GET', '/config')).body };
  };
  const before = await snapshot();
  assert.ok(before.subjects.length >= 6);
  registry = await setup.restartRegistry();
  assert.deepEqual(await snapshot(), before);
  // Ids keep counting from where they were.
  const next = await call('POST', '/subjects/after-restart/versions', { schema: '{"type":"fixed","name":"H","size":16}' });
  assert.ok(next.body.id > 5000);
});
