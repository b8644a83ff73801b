/**
 * The registry's store: a `_schemas` topic written the way Confluent's registry writes it (records
 * produced here byte for byte in its format, with the fields newer versions add) loads into the
 * state Confluent would have; what the registry cannot read is skipped, not fatal; and
 * `samsa schema-registry` runs as its own process over that topic until SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Admin, Producer } from '../src/client/index.ts';
import { startSchemaRegistryServer } from '../src/registry/schema-registry-server.ts';
import { REPO_ROOT, startTestBroker, type TestBroker } from './helpers/test-broker.ts';

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
});

after(async () => {
  await broker.close();
});

const PAYMENT = '{"type":"record","name":"Payment","fields":[{"name":"id","type":"string"}]}';
// Confluent 7.x's SchemaValue carries these too; older ones lack them, newer ones add more.
const NEWER_FIELDS = { metadata: null, ruleSet: null, ts: 1_700_000_000_000, md5: 'AAAAAAAAAAAAAAAAAAAAAA==' };

async function writeConfluentLog(topic: string): Promise<void> {
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } }]);
  await admin.close();
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0 });
  const records: Array<[string, string | null]> = [
    ['{"keytype":"NOOP","magic":0}', null],
    ['{"keytype":"CONFIG","subject":null,"magic":0}', '{"compatibilityLevel":"FULL"}'],
    ['{"keytype":"MODE","subject":null,"magic":0}', '{"mode":"READWRITE"}'],
    // Whitespace in the stored text: Confluent keeps what its own parser printed, which may differ from ours.
    ['{"keytype":"SCHEMA","subject":"payments-value","version":1,"magic":1}',
      JSON.stringify({ subject: 'payments-value', version: 1, id: 7, schema: JSON.stringify(JSON.parse(PAYMENT), null, 1), deleted: false, ...NEWER_FIELDS })],
    ['{"keytype":"SCHEMA","subject":"people-value","version":1,"magic":1}',
      JSON.stringify({ subject: 'people-value', version: 1, id: 9, schemaType: 'JSON', schema: '{"type":"object"}', references: [], deleted: false })],
    ['{"keytype":"SCHEMA","subject":"old-value","version":1,"magic":1}',
      JSON.stringify({ subject: 'old-value', version: 1, id: 8, schema: '"string"', deleted: false })],
    ['{"keytype":"SCHEMA","subject":"old-value","version":2,"magic":1}',
      JSON.stringify({ subject: 'old-value', version: 2, id: 9, schemaType: 'JSON', schema: '{"type":"object"}', deleted: false })],
    ['{"keytype":"DELETE_SUBJECT","subject":"old-value","magic":0}', '{"subject":"old-value","version":2}'],
    ['{"keytype":"CONFIG","subject":"people-value","magic":0}', '{"subject":"people-value","compatibilityLevel":"NONE"}'],
    ['{"keytype":"SCHEMA","subject":"gone-value","version":1,"magic":1}',
      JSON.stringify({ subject: 'gone-value', version: 1, id: 5, schema: '"bytes"', deleted: true })],
    ['{"keytype":"SCHEMA","subject":"gone-value","version":1,"magic":1}', null],
    // Not ours to read: a key type from a newer registry, and garbage.
    ['{"keytype":"CONTEXT","tenant":"t","context":"c","magic":0}', '{}'],
    ['not json at all', 'nor this'],
  ];
  await producer.sendBatch(records.map(([key, value]) => ({ topic, partition: 0, key, value })));
  await producer.close();
}

test("a _schemas written in Confluent's format loads: subjects, versions, ids, soft and permanent deletes, configs", async () => {
  const topic = '_schemas_confluent';
  await writeConfluentLog(topic);
  const server = await startSchemaRegistryServer({ client: { bootstrapServers: [broker.bootstrap] }, listener: 'http://127.0.0.1:0', topic });
  const get = async (path: string) => (await fetch(server.url + path)).json() as Promise<any>;
  try {
    assert.deepEqual(await get('/subjects'), ['payments-value', 'people-value']);
    assert.deepEqual(await get('/subjects?deleted=true'), ['old-value', 'payments-value', 'people-value']);
    assert.deepEqual(await get('/subjects/old-value/versions?deleted=true'), [1, 2]);
    assert.equal((await get('/subjects/payments-value/versions/1')).id, 7);
    assert.equal((await get('/subjects/people-value/versions/latest')).schemaType, 'JSON');
    assert.deepEqual(await get('/schemas/ids/9/versions'), [{ subject: 'people-value', version: 1 }]);
    assert.deepEqual(await get('/schemas/ids/9/versions?deleted=true'), [{ subject: 'old-value', version: 2 }, { subject: 'people-value', version: 1 }]);
    assert.equal((await get('/schemas/ids/5')).error_code, 40403);
    assert.deepEqual(await get('/config'), { compatibilityLevel: 'FULL' });
    assert.deepEqual(await get('/config/people-value'), { compatibilityLevel: 'NONE' });

    // The same schema, spelled as we spell it, is the version Confluent stored: same id, no new version.
    const again = await fetch(`${server.url}/subjects/payments-value/versions`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema: PAYMENT }),
    });
    assert.deepEqual(await again.json(), { id: 7 });
    assert.deepEqual(await get('/subjects/payments-value/versions'), [1]);
    // A new schema gets the id after the highest in the log.
    const added = await fetch(`${server.url}/subjects/fresh-value/versions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema: '"double"' }),
    });
    assert.deepEqual(await added.json(), { id: 10 });
  } finally {
    await server.close();
  }
});

test('an existing schemas topic that is not compacted, or has more than one partition, is refused at start, as Confluent refuses it', async () => {
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([
    { topic: '_schemas_deleting', numPartitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'delete' } },
    { topic: '_schemas_split', numPartitions: 2, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
  ]);
  await admin.close();
  const start = (topic: string) => startSchemaRegistryServer({ client: { bootstrapServers: [broker.bootstrap] }, listener: 'http://127.0.0.1:0', topic });
  await assert.rejects(start('_schemas_deleting'), /'compact' cleanup policy/);
  await assert.rejects(start('_schemas_split'), /should have only 1 partition but has 2/);
});

test('with the cluster gone, reads are still answered and a write fails with a store error (50001/50002), not a hang', { timeout: 90_000 }, async () => {
  const own = await startTestBroker({}, undefined, { silent: true });
  const server = await startSchemaRegistryServer({ client: { bootstrapServers: [own.bootstrap] }, listener: 'http://127.0.0.1:0', storeTimeoutMs: 1_500 });
  try {
    const post = (subject: string) => fetch(`${server.url}/subjects/${subject}/versions`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema: '"string"' }),
    });
    assert.equal((await post('before')).status, 200);
    await own.close();
    assert.deepEqual(await (await fetch(`${server.url}/subjects`)).json(), ['before']);
    const failed = await post('during');
    assert.equal(failed.status, 500);
    // 50001 when the producer gives up on the broker first, 50002 when the store's timeout does.
    assert.ok([50001, 50002].includes(((await failed.json()) as { error_code: number }).error_code));
  } finally {
    await server.close();
  }
});

test('samsa schema-registry: runs as a process, serves the API, creates _schemas and stops on SIGTERM', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [
    join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'schema-registry', '--bootstrap-server', broker.bootstrap, '--listeners', 'http://127.0.0.1:0',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const found = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout);
      if (found) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before serving: ${stdout}${stderr}`)));
  });
  try {
    const registered = await fetch(`${url}/subjects/cli-value/versions`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema: '"string"' }),
    });
    assert.equal(registered.status, 200);
    assert.deepEqual(await (await fetch(`${url}/subjects`)).json(), ['cli-value']);
    const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
    assert.ok((await admin.listTopics({ includeInternal: true })).includes('_schemas'));
    await admin.close();
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, stderr);
  assert.match(stderr, /SIGTERM received, shutting down/);
});
