import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCapturingLogger, createSilentLogger } from '../logger.ts';
import { AclAuthorizer, hostAddress, parseSuperUsers } from './acl-authorizer.ts';
import { AclCache } from './acl-cache.ts';
import { bindingFilterMatches, patternFilterMatches, type AclBindingFilter } from './acl-filter.ts';
import type { AccessControlEntry, AclOperation, PatternType, ResourceType } from './acl-model.ts';
import { userPrincipal } from './kafka-principal.ts';
import type { Session } from './session.ts';

function session(user: string, clientAddress = '10.0.0.1'): Session {
  return { principal: userPrincipal(user), clientAddress, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' };
}

function entry(principal: string, operation: AclOperation, permissionType: 'ALLOW' | 'DENY' = 'ALLOW', host = '*'): AccessControlEntry {
  return { principal, host, operation, permissionType };
}

interface Setup {
  readonly acls: AclCache;
  readonly authorizer: AclAuthorizer;
  add(resourceType: ResourceType, name: string, patternType: PatternType, ...entries: AccessControlEntry[]): void;
  allowed(user: string, operation: AclOperation, resourceType: ResourceType, name: string, host?: string): boolean;
}

function setup({ superUsers = '', allowEveryone = false, logger = createSilentLogger() } = {}): Setup {
  const acls = new AclCache();
  const authorizer = new AclAuthorizer({ acls, superUsers: parseSuperUsers(superUsers), allowEveryoneIfNoAclFound: allowEveryone, logger });
  return {
    acls, authorizer,
    add(resourceType, name, patternType, ...entries) {
      const pattern = { resourceType, name, patternType };
      acls.set(pattern, [...acls.get(pattern), ...entries]);
    },
    allowed(user, operation, resourceType, resourceName, host) {
      return authorizer.authorize(session(user, host), [{ operation, resourceType, resourceName }])[0]!;
    },
  };
}

test('an ALLOW for the principal on the topic allows that operation and nothing else', () => {
  const s = setup();
  s.add('TOPIC', 'orders', 'LITERAL', entry('User:alice', 'READ'));
  assert.equal(s.allowed('alice', 'READ', 'TOPIC', 'orders'), true);
  assert.equal(s.allowed('alice', 'WRITE', 'TOPIC', 'orders'), false);
  assert.equal(s.allowed('bob', 'READ', 'TOPIC', 'orders'), false);
  assert.equal(s.allowed('alice', 'READ', 'TOPIC', 'orders-2'), false, 'a LITERAL ACL names one topic');
  assert.equal(s.allowed('alice', 'READ', 'GROUP', 'orders'), false, 'nor another resource type of the same name');
});

test('DENY wins over ALLOW, whichever pattern each comes from', () => {
  const s = setup();
  s.add('TOPIC', 'orders', 'LITERAL', entry('User:alice', 'ALL'));
  s.add('TOPIC', 'ord', 'PREFIXED', entry('User:alice', 'WRITE', 'DENY'));
  assert.equal(s.allowed('alice', 'READ', 'TOPIC', 'orders'), true);
  assert.equal(s.allowed('alice', 'WRITE', 'TOPIC', 'orders'), false);
  s.add('TOPIC', '*', 'LITERAL', entry('User:*', 'READ', 'DENY', '10.0.0.9'));
  assert.equal(s.allowed('alice', 'READ', 'TOPIC', 'orders', '10.0.0.9'), false, 'a wildcard DENY from that host');
  assert.equal(s.allowed('alice', 'READ', 'TOPIC', 'orders', '10.0.0.1'), true, 'other hosts are not denied');
});

test('PREFIXED patterns apply to every name they start, at any length', () => {
  const s = setup();
  s.add('TOPIC', 'pay', 'PREFIXED', entry('User:alice', 'READ'));
  s.add('TOPIC', 'payments.eu.', 'PREFIXED', entry('User:bob', 'READ'));
  assert.equal(s.allowed('alice', 'READ', 'TOPIC', 'pay'), true, 'the prefix itself');
  assert.equal(s.allowed('alice', 'READ', 'TOPIC', 'payments.eu.cards'), true);
  assert.equal(s.allowed('alice', 'READ', 'TOPIC', 'pa'), false);
  assert.equal(s.allowed('alice', 'READ', 'TOPIC', 'xpay'), false, 'a prefix, not a substring');
  assert.equal(s.allowed('bob', 'READ', 'TOPIC', 'payments.eu.cards'), true);
  assert.equal(s.allowed('bob', 'READ', 'TOPIC', 'payments.us.cards'), false);
});

test('the LITERAL wildcard name, the User:* principal and the * host match everyone', () => {
  const s = setup();
  s.add('GROUP', '*', 'LITERAL', entry('User:*', 'READ'));
  assert.equal(s.allowed('anyone', 'READ', 'GROUP', 'g1'), true);
  assert.equal(s.allowed('anyone', 'DELETE', 'GROUP', 'g1'), false);
  s.add('TOPIC', 't', 'LITERAL', entry('User:carol', 'READ', 'ALLOW', '10.0.0.5'));
  assert.equal(s.allowed('carol', 'READ', 'TOPIC', 't', '10.0.0.5'), true);
  assert.equal(s.allowed('carol', 'READ', 'TOPIC', 't', '::ffff:10.0.0.5'), true, 'an IPv4 client on a dual-stack socket is its IPv4 address');
  assert.equal(s.allowed('carol', 'READ', 'TOPIC', 't', '10.0.0.6'), false);
});

test('an ALLOW for READ, WRITE, DELETE or ALTER implies DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS, ALL everything', () => {
  const s = setup();
  for (const [user, operation] of [['r', 'READ'], ['w', 'WRITE'], ['d', 'DELETE'], ['a', 'ALTER']] as const) {
    s.add('TOPIC', 't', 'LITERAL', entry(`User:${user}`, operation));
    assert.equal(s.allowed(user, 'DESCRIBE', 'TOPIC', 't'), true, `${operation} implies DESCRIBE`);
  }
  s.add('TOPIC', 't', 'LITERAL', entry('User:c', 'ALTER_CONFIGS'), entry('User:x', 'CREATE'));
  assert.equal(s.allowed('c', 'DESCRIBE_CONFIGS', 'TOPIC', 't'), true);
  assert.equal(s.allowed('c', 'DESCRIBE', 'TOPIC', 't'), false, 'ALTER_CONFIGS does not imply DESCRIBE');
  assert.equal(s.allowed('x', 'DESCRIBE', 'TOPIC', 't'), false, 'CREATE does not imply DESCRIBE');
  assert.equal(s.allowed('r', 'WRITE', 'TOPIC', 't'), false, 'DESCRIBE is implied, not the other way round');
  s.add('TOPIC', 't', 'LITERAL', entry('User:all', 'ALL'));
  for (const operation of ['READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'] as const) {
    assert.equal(s.allowed('all', operation, 'TOPIC', 't'), true, operation);
  }
  s.add('TOPIC', 't', 'LITERAL', entry('User:r', 'DESCRIBE', 'DENY'));
  assert.equal(s.allowed('r', 'DESCRIBE', 'TOPIC', 't'), false, 'an implied ALLOW loses to a DENY too');
  assert.equal(s.allowed('r', 'READ', 'TOPIC', 't'), true, 'a DENY of DESCRIBE does not deny READ');
});

test('super.users may do everything, even what a DENY forbids', () => {
  const s = setup({ superUsers: 'User:admin; User:broker' });
  s.add('TOPIC', '*', 'LITERAL', entry('User:*', 'ALL', 'DENY'));
  assert.equal(s.allowed('admin', 'WRITE', 'TOPIC', 'anything'), true);
  assert.equal(s.allowed('broker', 'CLUSTER_ACTION', 'CLUSTER', 'kafka-cluster'), true);
  assert.equal(s.allowed('alice', 'WRITE', 'TOPIC', 'anything'), false);
  assert.deepEqual(parseSuperUsers('User:a;;User:b; '), ['User:a', 'User:b']);
});

test('allow.everyone.if.no.acl.found opens only resources no ACL applies to', () => {
  const closed = setup();
  assert.equal(closed.allowed('alice', 'READ', 'TOPIC', 'free'), false, 'the default is false');
  const open = setup({ allowEveryone: true });
  assert.equal(open.allowed('alice', 'READ', 'TOPIC', 'free'), true);
  open.add('TOPIC', 'guarded', 'LITERAL', entry('User:bob', 'READ'));
  assert.equal(open.allowed('alice', 'READ', 'TOPIC', 'guarded'), false, 'an ACL for someone else closes it');
  open.add('TOPIC', 'g', 'PREFIXED', entry('User:bob', 'READ'));
  assert.equal(open.allowed('alice', 'READ', 'TOPIC', 'gx'), false, 'as does a PREFIXED one');
});

test('authorizeByResourceType: an ALLOW on some pattern of the type that no DENY shadows', () => {
  const s = setup();
  const alice = session('alice');
  assert.equal(s.authorizer.authorizeByResourceType(alice, 'WRITE', 'TOPIC'), false);
  s.add('TOPIC', 'logs', 'LITERAL', entry('User:alice', 'WRITE'));
  assert.equal(s.authorizer.authorizeByResourceType(alice, 'WRITE', 'TOPIC'), true);
  s.add('TOPIC', 'lo', 'PREFIXED', entry('User:alice', 'WRITE', 'DENY'));
  assert.equal(s.authorizer.authorizeByResourceType(alice, 'WRITE', 'TOPIC'), false, 'a PREFIXED DENY covers the LITERAL ALLOW');
  s.add('TOPIC', 'metrics', 'PREFIXED', entry('User:*', 'ALL'));
  assert.equal(s.authorizer.authorizeByResourceType(alice, 'WRITE', 'TOPIC'), true);
  assert.equal(s.authorizer.authorizeByResourceType(alice, 'WRITE', 'GROUP'), false);
  s.add('TOPIC', '*', 'LITERAL', entry('User:alice', 'WRITE', 'DENY'));
  assert.equal(s.authorizer.authorizeByResourceType(alice, 'WRITE', 'TOPIC'), false, 'a DENY on * refuses outright');
  const admin = setup({ superUsers: 'User:admin' });
  assert.equal(admin.authorizer.authorizeByResourceType(session('admin'), 'WRITE', 'TOPIC'), true);
  assert.throws(() => s.authorizer.authorizeByResourceType(alice, 'ANY', 'TOPIC'));
});

test('a denial asked to be logged writes one audit line at info; a quiet one none', () => {
  const { logger, lines } = createCapturingLogger();
  const s = setup({ logger });
  s.authorizer.authorize(session('alice', '10.1.2.3'), [
    { operation: 'WRITE', resourceType: 'TRANSACTIONAL_ID', resourceName: 'tx-1' },
    { operation: 'DESCRIBE', resourceType: 'TOPIC', resourceName: 'hidden', logIfDenied: false },
  ]);
  const audit = lines.filter((line) => line['logger'] === 'kafka.authorizer.logger');
  assert.equal(audit.length, 1);
  assert.equal(audit[0]!.level, 30);
  assert.equal(audit[0]!.msg, 'Principal = User:alice is Denied Operation = Write from host = 10.1.2.3 on resource = TransactionalId:LITERAL:tx-1');
});

test('the cache finds matching ACLs by prefix lengths and forgets emptied patterns', () => {
  const acls = new AclCache();
  acls.set({ resourceType: 'TOPIC', name: 'a', patternType: 'PREFIXED' }, [entry('User:x', 'READ'), entry('User:x', 'READ')]);
  acls.set({ resourceType: 'TOPIC', name: 'abc', patternType: 'PREFIXED' }, [entry('User:y', 'READ')]);
  assert.equal(acls.size, 2, 'a repeated entry is kept once');
  assert.equal(acls.matching('TOPIC', 'abcd').length, 2);
  assert.equal(acls.matching('TOPIC', 'ab').length, 1);
  acls.set({ resourceType: 'TOPIC', name: 'a', patternType: 'PREFIXED' }, []);
  assert.equal(acls.matching('TOPIC', 'abcd').length, 1);
  assert.equal(acls.size, 1);
  assert.deepEqual([...acls.patterns()], [{ resourceType: 'TOPIC', name: 'abc', patternType: 'PREFIXED' }]);
  assert.equal(hostAddress('::1'), '::1');
});

test('filters: ANY and MATCH pattern types, null names and ANY entries, as Kafka\'s AclBindingFilter', () => {
  const literal = { resourceType: 'TOPIC', name: 'foo', patternType: 'LITERAL' } as const;
  const wildcard = { resourceType: 'TOPIC', name: '*', patternType: 'LITERAL' } as const;
  const prefixed = { resourceType: 'TOPIC', name: 'fo', patternType: 'PREFIXED' } as const;
  const match = { resourceType: 'TOPIC', name: 'foo', patternType: 'MATCH' } as const;
  assert.deepEqual([literal, wildcard, prefixed].map((p) => patternFilterMatches(match, p)), [true, true, true]);
  const any = { resourceType: 'ANY', name: 'foo', patternType: 'ANY' } as const;
  assert.deepEqual([literal, wildcard, prefixed].map((p) => patternFilterMatches(any, p)), [true, false, false]);
  assert.equal(patternFilterMatches({ resourceType: 'GROUP', name: null, patternType: 'ANY' }, literal), false);
  assert.equal(patternFilterMatches({ resourceType: 'TOPIC', name: 'fo', patternType: 'PREFIXED' }, prefixed), true);
  const filter: AclBindingFilter = {
    pattern: { resourceType: 'ANY', name: null, patternType: 'ANY' },
    entry: { principal: 'User:alice', host: null, operation: 'ANY', permissionType: 'DENY' },
  };
  assert.equal(bindingFilterMatches(filter, { pattern: literal, entry: entry('User:alice', 'READ', 'DENY') }), true);
  assert.equal(bindingFilterMatches(filter, { pattern: literal, entry: entry('User:alice', 'READ', 'ALLOW') }), false);
  assert.equal(bindingFilterMatches(filter, { pattern: literal, entry: entry('User:bob', 'READ', 'DENY') }), false);
});
