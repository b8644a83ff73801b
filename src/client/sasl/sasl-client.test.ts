import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOAuthBearerClientInitialResponse } from '../../protocol/sasl/oauthbearer.ts';
import { parseUnsecuredJws } from '../../protocol/sasl/unsecured-jws.ts';
import { createSaslClient, saslClientConfigFromProperties, SaslClientError, unsecuredLoginTokenProvider } from './sasl-client.ts';

const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const OAUTH = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';

test('sasl.mechanism and sasl.jaas.config as a Kafka client writes them', () => {
  assert.deepEqual(saslClientConfigFromProperties('PLAIN', `${PLAIN} required username="alice" password="alice-secret";`), {
    mechanism: 'PLAIN',
    username: 'alice',
    password: 'alice-secret',
  });
  assert.deepEqual(saslClientConfigFromProperties('SCRAM-SHA-512', `${SCRAM} required username="alice" password="p=w,d";`), {
    mechanism: 'SCRAM-SHA-512',
    username: 'alice',
    password: 'p=w,d',
  });
  const oauth = saslClientConfigFromProperties('OAUTHBEARER', `${OAUTH} required unsecuredLoginStringClaim_sub="alice";`);
  assert.equal(oauth.mechanism, 'OAUTHBEARER');
  assert.equal(typeof oauth.oauthBearerProvider, 'function');
});

test('bad client settings are refused with what is wrong, never the password', () => {
  const cases: [string, string, RegExp][] = [
    ['GSSAPI', `${PLAIN} required username="a" password="s3cret";`, /SASL mechanism GSSAPI is not supported; use one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER/],
    ['PLAIN', `${PLAIN} required username="a";`, /needs the options username and password/],
    ['PLAIN', `${PLAIN} required username="a" password="s3cret"`, /JAAS config entry not terminated by semi-colon/],
    ['SCRAM-SHA-256', `com.example.Login required username="a" password="s3cret";`, /needs org.apache.kafka.common.security.scram.ScramLoginModule, not com.example.Login/],
    ['OAUTHBEARER', `${PLAIN} required username="a" password="s3cret";`, /needs org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule/],
    ['OAUTHBEARER', `${OAUTH} required;`, /OAUTHBEARER login needs a token/],
    ['OAUTHBEARER', `${OAUTH} required unsecuredLoginExtension_a="b";`, /Extensions provided in login context without a token/],
    ['OAUTHBEARER', `${OAUTH} required unsecuredLoginStringClaim_sub="a" unsecuredLoginNumberClaim_exp="1";`, /Cannot explicitly set the 'exp' claim/],
    ['OAUTHBEARER', `${OAUTH} required unsecuredLoginStringClaim_user="a";`, /No principal name in JWT claim: sub/],
    ['OAUTHBEARER', `${OAUTH} required unsecuredLoginStringClaim_sub="a" unsecuredLoginExtension_auth="x";`, /Extension name auth is invalid/],
    ['OAUTHBEARER', `${OAUTH} required unsecuredLoginStringClaim_sub="a" unsecuredLoginLifetimeSeconds="soon";`, /For input string: "soon"/],
  ];
  for (const [mechanism, jaas, message] of cases) {
    assert.throws(() => saslClientConfigFromProperties(mechanism, jaas), (error: Error) => message.test(error.message) && !error.message.includes('s3cret'), `${mechanism}: ${jaas}`);
  }
  assert.throws(() => createSaslClient({ mechanism: 'SCRAM-SHA-256', username: 'a' }), SaslClientError);
  assert.throws(() => createSaslClient({ mechanism: 'OAUTHBEARER' }), /needs a token provider/);
});

test("unsecured login tokens are Kafka's: alg none, iat now, exp after the lifetime, the configured claims and extensions", async () => {
  let now = 1_700_000_000_000;
  const provider = unsecuredLoginTokenProvider(
    new Map([
      ['unsecuredLoginStringClaim_sub', 'alice'],
      ['unsecuredLoginNumberClaim_level', '3.5'],
      ['unsecuredLoginListClaim_scope', '|read|write'],
      ['unsecuredLoginLifetimeSeconds', '600'],
      ['unsecuredLoginExtension_traceId', 'abc'],
    ]),
    () => now,
  );
  const first = await provider();
  const jws = parseUnsecuredJws(first.value);
  assert.deepEqual(jws.header, { alg: 'none' });
  assert.deepEqual(jws.claims, { exp: 1_700_000_600, iat: 1_700_000_000, sub: 'alice', level: 3.5, scope: ['read', 'write'] });
  assert.deepEqual(first.extensions, { traceId: 'abc' });
  now += 60_000;
  assert.equal(parseUnsecuredJws((await provider()).value).startTimeMs, now, 'each login gets a fresh token');

  const client = createSaslClient({ mechanism: 'OAUTHBEARER', oauthBearerProvider: provider });
  const initial = parseOAuthBearerClientInitialResponse(await client.initialResponse());
  assert.equal(parseUnsecuredJws(initial.tokenValue).principalName, 'alice');
  assert.deepEqual([...initial.extensions], [['traceId', 'abc']]);
  assert.equal(await client.evaluateChallenge(Buffer.alloc(0)), null);
  assert.equal(client.complete, true);
});

test('a token provider that fails fails the login with its reason', async () => {
  const client = createSaslClient({ mechanism: 'OAUTHBEARER', oauthBearerProvider: () => Promise.reject(new Error('idp down')) });
  await assert.rejects(client.initialResponse(), /OAUTHBEARER token could not be obtained: idp down/);
});

test('PLAIN sends its one message and is done', async () => {
  const client = createSaslClient({ mechanism: 'PLAIN', username: 'alice', password: 'pw' });
  assert.equal((await client.initialResponse()).toString(), '\u0000alice\u0000pw');
  assert.equal(client.complete, true);
  assert.equal(await client.evaluateChallenge(Buffer.alloc(0)), null);
});
