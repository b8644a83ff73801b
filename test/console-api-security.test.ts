/**
 * The console against a secured cluster (Samsa's ACL authorizer, SASL PLAIN): `samsa console
 * --command-config` connects with the client's SASL settings as the other tools do, and manages
 * ACLs through the API; a console whose principal may not do something gets 403 naming Kafka's error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runConsoleCommand } from '../src/cli/console.ts';
import type { AclBindingView, AclList, ApiErrorBody, BrowseResponse, ConsoleInfo, TopicList } from '../src/console/api-types.ts';
import { startConsoleServer, type ConsoleServer } from '../src/console/server/console-server.ts';
import { startAuthorizingBroker, type AuthorizingBroker } from './helpers/authorizing-broker.ts';
import { captureIo } from './helpers/capture-io.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';
import { waitFor } from './helpers/wait-for.ts';

let cluster: AuthorizingBroker;
let dir: string;
/** The console as the super user, over SASL_PLAINTEXT, started by the command. */
let url: string;
let stopCommand: (signal: string) => void;
let command: Promise<number>;
/** A console as User:ANONYMOUS on the PLAINTEXT listener, which has no ACL. */
let anonymous: ConsoleServer;

before(async () => {
  cluster = await startAuthorizingBroker();
  await cluster.admin.createTopics([{ topic: 'secured', numPartitions: 1 }]);
  await cluster.produceAsAdmin('secured', ['classified']);
  dir = await makeTempDir('samsa-console-security-');
  const config = join(dir, 'admin.properties');
  await writeFile(config, [
    'security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=PLAIN',
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret";', '',
  ].join('\n'));
  const sasl = cluster.broker.listeners.get('SASL_PLAINTEXT')!;
  const io = captureIo();
  const shutdown = Promise.withResolvers<string>();
  stopCommand = shutdown.resolve;
  command = runConsoleCommand(['--bootstrap-server', `${sasl.host}:${sasl.port}`, '--port', '0', '--command-config', config], io, () => shutdown.promise);
  url = await waitFor(() => /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(io.out.join(''))?.[1], 10_000, { what: 'the console to print its URL' });
  anonymous = await startConsoleServer({ client: { bootstrapServers: [cluster.broker.bootstrap] }, port: 0 });
});

after(async () => {
  stopCommand?.('SIGTERM');
  await command;
  await anonymous?.close();
  await cluster?.close();
  if (dir) await removeTempDir(dir);
});

async function call<T>(base: string, path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, {
    method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

test('with --command-config SASL settings the console reads the secured cluster', async () => {
  assert.equal((await call<ConsoleInfo>(url, '/api/info')).body.securityProtocol, 'SASL_PLAINTEXT');
  const { topics } = (await call<TopicList>(url, '/api/topics')).body;
  assert.equal(topics.find((t) => t.name === 'secured')?.messageCount, 1);
  const { messages } = (await call<BrowseResponse>(url, '/api/topics/secured/messages')).body;
  assert.deepEqual(messages.map((m) => m.value?.data), ['classified']);
});

test('ACLs: create, list with filters, delete', async () => {
  const acl: AclBindingView = {
    resourceType: 'TOPIC', resourceName: 'secured', patternType: 'LITERAL', principal: 'User:ANONYMOUS', host: '*', operation: 'READ', permissionType: 'ALLOW',
  };
  const created = await call<{ created: number }>(url, '/api/acls', 'POST', { acls: [acl, { ...acl, resourceName: 'audit-', patternType: 'PREFIXED', operation: 'WRITE' }] });
  assert.deepEqual([created.status, created.body], [201, { created: 2 }]);
  const mine = (await call<AclList>(url, '/api/acls?principal=User%3AANONYMOUS')).body.acls;
  assert.equal(mine.length, 2);
  assert.deepEqual((await call<AclList>(url, '/api/acls?resourceType=TOPIC&resourceName=audit-log&patternType=MATCH')).body.acls.map((a) => a.operation), ['WRITE']);
  assert.deepEqual((await call<AclList>(url, '/api/acls?resourceType=TOPIC&resourceName=secured')).body.acls, [acl]);
  const deleted = await call<{ deleted: AclBindingView[] }>(url, '/api/acls', 'DELETE', { filters: [{ principal: 'User:ANONYMOUS' }] });
  assert.equal(deleted.body.deleted.length, 2);
  assert.deepEqual((await call<AclList>(url, '/api/acls?principal=User%3AANONYMOUS')).body.acls, []);
  const bad = await call<ApiErrorBody>(url, '/api/acls', 'POST', { acls: [{ ...acl, principal: 'alice' }] });
  assert.deepEqual([bad.status, bad.body.error.message], [400, 'body.acls[0].principal must be type:name, e.g. User:alice']);
});

test('a principal without ACLs: changes and ACL listing are 403 with Kafka\'s error', async () => {
  const create = await call<ApiErrorBody>(anonymous.url, '/api/topics', 'POST', { name: 'not-allowed' });
  assert.equal(create.status, 403);
  assert.equal(create.body.error.code, 'FORBIDDEN');
  assert.match(create.body.error.kafkaErrorName ?? '', /AUTHORIZATION_FAILED$/);
  const acls = await call<ApiErrorBody>(anonymous.url, '/api/acls');
  assert.deepEqual([acls.status, acls.body.error.kafkaErrorName], [403, 'CLUSTER_AUTHORIZATION_FAILED']);
  assert.deepEqual((await call<TopicList>(anonymous.url, '/api/topics')).body.topics, [], 'it sees no topic it may not describe');
});
