import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rfc2253Subject, sslPrincipalMapper } from './ssl-principal-mapper.ts';

test('DEFAULT takes the subject as it is', () => {
  assert.equal(sslPrincipalMapper('DEFAULT')('CN=alice,O=Samsa'), 'CN=alice,O=Samsa');
});

test('rules apply in order, with groups and case changes, as Kafka documents them', () => {
  const map = sslPrincipalMapper('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L, RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U, DEFAULT');
  assert.equal(map('CN=kafka-server,OU=ServiceUsers,O=Org'), 'kafka-server');
  assert.equal(map('CN=Duke,OU=JavaSoft,O=Sun Microsystems,L=Santa Clara,ST=CA,C=US'), 'duke@javasoft');
  assert.equal(map('cn=bob,dc=example'), 'BOB');
});

test('a subject no rule maps is refused, and a bad rule is a config error', () => {
  assert.throws(() => sslPrincipalMapper('RULE:^CN=(.*)$/$1/')('O=Samsa'), /no rule/);
  assert.throws(() => sslPrincipalMapper('RULE:^CN=(.*$/$1/'), /ssl.principal.mapping.rules/);
  assert.throws(() => sslPrincipalMapper('NOPE'), /ssl.principal.mapping.rules/);
});

test('Node subjects become RFC 2253 names, last part first, escaped', () => {
  assert.equal(rfc2253Subject('C=US\nO=Samsa\nCN=alice'), 'CN=alice,O=Samsa,C=US');
  assert.equal(rfc2253Subject('O=Samsa, Inc.\nCN=bob'), 'CN=bob,O=Samsa\\, Inc.');
});
