/**
 * ACLs end to end on a single node: CreateAcls, DescribeAcls and DeleteAcls through Samsa's Admin
 * and KafkaJS's admin, against a broker started with authorizer.class.name, and what the stored
 * ACLs then decide. Connections are PLAINTEXT, so every client is User:ANONYMOUS.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { Admin, KafkaClientError, type AclBinding } from '../src/client/index.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

const AUTHORIZER = { 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer' };

function acl(resourceType: AclBinding['pattern']['resourceType'], name: string, patternType: 'LITERAL' | 'PREFIXED', principal: string, operation: AclBinding['entry']['operation'], permissionType: 'ALLOW' | 'DENY' = 'ALLOW'): AclBinding {
  return { pattern: { resourceType, name, patternType }, entry: { principal, host: '*', operation, permissionType } };
}

const sorted = (bindings: readonly AclBinding[]): string[] => bindings.map((b) => JSON.stringify(b)).sort();

let broker: TestBroker;
let admin: Admin;

before(async () => {
  broker = await startTestBroker({ ...AUTHORIZER, 'super.users': 'User:admin;User:ANONYMOUS' }, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
});

after(async () => {
  await admin?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

test('our Admin creates, describes (by filter) and deletes ACLs, and they survive a restart', async () => {
  const created = [
    acl('TOPIC', 'orders', 'LITERAL', 'User:alice', 'READ'),
    acl('TOPIC', 'orders', 'LITERAL', 'User:alice', 'WRITE', 'DENY'),
    acl('TOPIC', 'pay', 'PREFIXED', 'User:bob', 'ALL'),
    acl('GROUP', '*', 'LITERAL', 'User:*', 'READ'),
  ];
  await admin.createAcls(created);
  await admin.createAcls([created[0]!]);
  assert.deepEqual(sorted(await admin.describeAcls({ pattern: {} })), sorted(created), 'creating an existing ACL again changes nothing');
  assert.deepEqual(sorted(await admin.describeAcls({ pattern: { resourceType: 'TOPIC', name: 'payments', patternType: 'MATCH' } })), sorted([created[2]!]));
  assert.deepEqual(sorted(await admin.describeAcls({ pattern: { resourceType: 'GROUP', name: 'g1', patternType: 'MATCH' } })), sorted([created[3]!]));
  assert.deepEqual(sorted(await admin.describeAcls({ pattern: {}, entry: { principal: 'User:alice', permissionType: 'DENY' } })), sorted([created[1]!]));
  assert.deepEqual(await admin.describeAcls({ pattern: { resourceType: 'TOPIC', name: 'payments', patternType: 'PREFIXED' } }), []);

  const stored = JSON.parse(await readFile(join(broker.dataDir, 'samsa-acls.json'), 'utf8')) as { version: number; resources: unknown[] };
  assert.equal(stored.version, 1);
  assert.equal(stored.resources.length, 3);

  const [byAlice, none] = await admin.deleteAcls([
    { pattern: { resourceType: 'TOPIC', name: 'orders', patternType: 'LITERAL' }, entry: { principal: 'User:alice' } },
    { pattern: { resourceType: 'TOPIC', name: 'nothing', patternType: 'ANY' } },
  ]);
  assert.deepEqual(sorted(byAlice!), sorted(created.slice(0, 2)));
  assert.deepEqual(none, []);

  await broker.close();
  broker = await startTestBroker({ ...AUTHORIZER, 'super.users': 'User:admin;User:ANONYMOUS' }, broker.dataDir, { silent: true });
  await admin.close();
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  assert.deepEqual(sorted(await admin.describeAcls({ pattern: {} })), sorted(created.slice(2)), 'the ACLs left are read back at start');
  await admin.deleteAcls([{ pattern: {} }]);
  assert.deepEqual(await admin.describeAcls({ pattern: {} }), []);
});

test('invalid creations are INVALID_REQUEST with Kafka\'s messages, and the valid ones of the request are stored', async () => {
  const attempts: Array<[AclBinding, RegExp]> = [
    [acl('CLUSTER', 'my-cluster', 'LITERAL', 'User:alice', 'ALTER'), /The only valid name for the CLUSTER resource is kafka-cluster/],
    [acl('TOPIC', '', 'LITERAL', 'User:alice', 'READ'), /Invalid empty resource name/],
    [acl('ANY', 'x', 'LITERAL', 'User:alice', 'READ'), /Invalid resourceType ANY/],
    [{ pattern: { resourceType: 'TOPIC', name: 'x', patternType: 'MATCH' }, entry: { principal: 'User:a', host: '*', operation: 'READ', permissionType: 'ALLOW' } }, /Invalid patternType MATCH/],
    [acl('TOPIC', 'x', 'LITERAL', 'User:alice', 'ANY'), /Invalid operation ANY/],
    [acl('TOPIC', 'x', 'LITERAL', 'alice', 'READ'), /principalType:principalName/],
  ];
  for (const [binding, message] of attempts) {
    await assert.rejects(admin.createAcls([binding]), (e: unknown) => e instanceof KafkaClientError && e.errorName === 'INVALID_REQUEST' && message.test(e.message));
  }
  assert.deepEqual(await admin.describeAcls({ pattern: {} }), []);
  const valid = acl('TRANSACTIONAL_ID', 'tx-', 'PREFIXED', 'User:alice', 'WRITE');
  await assert.rejects(admin.createAcls([valid, attempts[0]![0]]), /INVALID_REQUEST/);
  assert.deepEqual(await admin.describeAcls({ pattern: {} }), [valid], 'the valid creation beside the invalid one is stored');
  await admin.deleteAcls([{ pattern: {} }]);
});

test('KafkaJS\'s admin creates, describes and deletes ACLs', async () => {
  const kafka = new Kafka({ clientId: 'acls-kafkajs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  try {
    const entry = {
      resourceType: AclResourceTypes.TOPIC, resourceName: 'kjs-', resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: 'User:carol', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW,
    };
    assert.equal(await kafkaAdmin.createAcls({ acl: [entry, { ...entry, operation: AclOperationTypes.READ }] }), true);
    const described = await kafkaAdmin.describeAcls({
      resourceType: AclResourceTypes.TOPIC, resourceName: 'kjs-topic', resourcePatternType: ResourcePatternTypes.MATCH,
      operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY,
    });
    assert.equal(described.resources.length, 1);
    assert.equal(described.resources[0]!.resourceName, 'kjs-');
    assert.deepEqual(described.resources[0]!.acls.map((a) => a.operation).sort(), [AclOperationTypes.READ, AclOperationTypes.WRITE]);
    assert.equal((await admin.describeAcls({ pattern: { name: 'kjs-' } })).length, 2, 'our Admin sees what KafkaJS created');
    const deleted = await kafkaAdmin.deleteAcls({
      filters: [{
        resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, principal: 'User:carol',
        operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW,
      }],
    });
    assert.equal(deleted.filterResponses[0]!.errorCode, 0);
    assert.deepEqual(deleted.filterResponses[0]!.matchingAcls.map((a) => [a.resourceName, a.operation]), [['kjs-', AclOperationTypes.WRITE]]);
    assert.deepEqual((await admin.describeAcls({ pattern: {} })).map((b) => b.entry.operation), ['READ']);
    await admin.deleteAcls([{ pattern: {} }]);
  } finally {
    await kafkaAdmin.disconnect();
  }
});

test('without ALTER on the cluster, ACLs cannot be listed or changed; an ACL granting it opens the way', async () => {
  const options = { ...AUTHORIZER, 'super.users': 'User:admin' };
  let restricted = await startTestBroker(options, undefined, { silent: true });
  let client = new Admin({ bootstrapServers: [restricted.bootstrap] });
  const grant = acl('CLUSTER', 'kafka-cluster', 'LITERAL', 'User:ANONYMOUS', 'ALTER');
  try {
    const refused = (e: unknown) => e instanceof KafkaClientError && e.errorName === 'CLUSTER_AUTHORIZATION_FAILED';
    await assert.rejects(client.createAcls([grant]), refused);
    await assert.rejects(client.describeAcls({ pattern: {} }), refused);
    await assert.rejects(client.deleteAcls([{ pattern: {} }]), refused);
    // The grant, made while ANONYMOUS is a super user, then holds without it.
    await client.close();
    await restricted.close();
    restricted = await startTestBroker({ ...options, 'super.users': 'User:ANONYMOUS' }, restricted.dataDir, { silent: true });
    client = new Admin({ bootstrapServers: [restricted.bootstrap] });
    await client.createAcls([grant]);
    await client.close();
    await restricted.close();
    restricted = await startTestBroker(options, restricted.dataDir, { silent: true });
    client = new Admin({ bootstrapServers: [restricted.bootstrap] });
    const other = acl('TOPIC', 't', 'LITERAL', 'User:dave', 'READ');
    await client.createAcls([other]);
    assert.deepEqual(sorted(await client.describeAcls({ pattern: {} })), sorted([grant, other]), 'ALTER on the cluster implies DESCRIBE');
  } finally {
    await client.close();
    await restricted.close();
    await removeTempDir(restricted.dataDir);
  }
});

test('a broker without authorizer.class.name answers SECURITY_DISABLED', async () => {
  const open = await startTestBroker({}, undefined, { silent: true });
  const client = new Admin({ bootstrapServers: [open.bootstrap] });
  try {
    await assert.rejects(client.createAcls([acl('TOPIC', 't', 'LITERAL', 'User:a', 'READ')]),
      (e: unknown) => e instanceof KafkaClientError && e.errorName === 'SECURITY_DISABLED' && /No Authorizer is configured/.test(e.message));
    await assert.rejects(client.describeAcls({ pattern: {} }), (e: unknown) => e instanceof KafkaClientError && e.errorName === 'SECURITY_DISABLED');
  } finally {
    await client.close();
    await open.close();
    await removeTempDir(open.dataDir);
  }
});
