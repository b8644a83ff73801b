import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aclChangePathPrefix, aclResourcePath, decodeAclChange, decodeAcls, encodeAclChange, encodeAcls, resourceTypeOfZnode,
} from './acl-znodes.ts';
import { ZkDataError } from './zk-json.ts';

test('ACL znode paths are Kafka\'s: /kafka-acl/<Type>/<name> for LITERAL, /kafka-acl-extended/prefixed/<Type>/<name> for PREFIXED', () => {
  assert.equal(aclResourcePath({ resourceType: 'TOPIC', name: 'orders', patternType: 'LITERAL' }), '/kafka-acl/Topic/orders');
  assert.equal(aclResourcePath({ resourceType: 'CLUSTER', name: 'kafka-cluster', patternType: 'LITERAL' }), '/kafka-acl/Cluster/kafka-cluster');
  assert.equal(aclResourcePath({ resourceType: 'TRANSACTIONAL_ID', name: 'tx-', patternType: 'PREFIXED' }), '/kafka-acl-extended/prefixed/TransactionalId/tx-');
  assert.equal(aclResourcePath({ resourceType: 'DELEGATION_TOKEN', name: '*', patternType: 'LITERAL' }), '/kafka-acl/DelegationToken/*');
  assert.equal(aclChangePathPrefix({ resourceType: 'GROUP', name: 'g', patternType: 'LITERAL' }), '/kafka-acl-changes/acl_changes_');
  assert.equal(aclChangePathPrefix({ resourceType: 'GROUP', name: 'g', patternType: 'PREFIXED' }), '/kafka-acl-extended-changes/acl_changes_');
  assert.equal(resourceTypeOfZnode('TransactionalId'), 'TRANSACTIONAL_ID');
  assert.equal(resourceTypeOfZnode('TOPIC'), 'TOPIC');
  assert.equal(resourceTypeOfZnode('Any'), undefined);
  assert.equal(resourceTypeOfZnode('Broker'), undefined);
});

test('a resource znode as Kafka\'s AclAuthorizer writes it reads as its entries, and ours reads back the same', () => {
  const kafka = Buffer.from('{"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Read","host":"*"},'
    + '{"principal":"User:bob","permissionType":"Deny","operation":"IdempotentWrite","host":"10.0.0.1"},'
    + '{"principal":"User:*","permissionType":"ALLOW","operation":"DESCRIBE_CONFIGS","host":"*"}]}');
  const entries = decodeAcls(kafka);
  assert.deepEqual(entries, [
    { principal: 'User:alice', host: '*', operation: 'READ', permissionType: 'ALLOW' },
    { principal: 'User:bob', host: '10.0.0.1', operation: 'IDEMPOTENT_WRITE', permissionType: 'DENY' },
    { principal: 'User:*', host: '*', operation: 'DESCRIBE_CONFIGS', permissionType: 'ALLOW' },
  ]);
  const ours = JSON.parse(encodeAcls(entries).toString()) as { version: number; acls: Array<Record<string, string>> };
  assert.equal(ours.version, 1);
  assert.deepEqual(ours.acls[1], { principal: 'User:bob', permissionType: 'Deny', operation: 'IdempotentWrite', host: '10.0.0.1' });
  assert.deepEqual(decodeAcls(encodeAcls(entries)), entries);
  assert.deepEqual(decodeAcls(Buffer.alloc(0)), []);
});

test('unusable ACL znodes are refused with ZkDataError', () => {
  for (const bad of [
    'not json', '{"version":2,"acls":[]}', '{"version":1}',
    '{"version":1,"acls":[{"principal":"User:a","permissionType":"Maybe","operation":"Read","host":"*"}]}',
    '{"version":1,"acls":[{"principal":"User:a","permissionType":"Allow","operation":"Any","host":"*"}]}',
    '{"version":1,"acls":[{"principal":"alice","permissionType":"Allow","operation":"Read","host":"*"}]}',
  ]) {
    assert.throws(() => decodeAcls(Buffer.from(bad)), ZkDataError, bad);
  }
});

test('change notifications: `TOPIC:name` for LITERAL patterns, Kafka\'s JSON event for extended ones', () => {
  const literal = { resourceType: 'TOPIC', name: 'a:b', patternType: 'LITERAL' } as const;
  assert.equal(encodeAclChange(literal).toString(), 'TOPIC:a:b');
  assert.deepEqual(decodeAclChange(Buffer.from('Topic:a:b'), false), literal);
  const prefixed = { resourceType: 'GROUP', name: 'team-', patternType: 'PREFIXED' } as const;
  assert.deepEqual(JSON.parse(encodeAclChange(prefixed).toString()), { version: 1, resourceType: 'GROUP', name: 'team-', patternType: 'PREFIXED' });
  assert.deepEqual(decodeAclChange(encodeAclChange(prefixed), true), prefixed);
  assert.throws(() => decodeAclChange(Buffer.from('nocolon'), false), ZkDataError);
  assert.throws(() => decodeAclChange(Buffer.from('{"version":1,"resourceType":"TOPIC","name":"x","patternType":"MATCH"}'), true), ZkDataError);
});
