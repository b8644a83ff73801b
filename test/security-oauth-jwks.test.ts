/**
 * OAUTHBEARER with signed tokens (KIP-768): the listener validates JWTs against a JSON Web Key Set
 * (sasl.oauthbearer.jwks.endpoint.url), checking signature, issuer, audience and expiry, and the
 * token's sub claim is the principal. KafkaJS brings the tokens, as it would from an identity provider.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type KeyObject } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../src/broker/broker.ts';
import { createSilentLogger } from '../src/broker/logger.ts';
import { Admin } from '../src/client/index.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { tempDirSync } from './helpers/temp-dir.ts';

const ISSUER = 'https://issuer.samsa.test';
const AUDIENCE = 'samsa-brokers';
const dir = tempDirSync('samsa-jwks-');
const jwksPath = join(dir, 'jwks.json');
let signingKey: CryptoKey | KeyObject;
let foreignKey: CryptoKey | KeyObject;
let broker: TestBroker;
let admin: Admin;

function validatorConfig(jwksUrl: string): Record<string, string> {
  return {
    listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    'sasl.enabled.mechanisms': 'OAUTHBEARER',
    'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
    'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
    'sasl.oauthbearer.jwks.endpoint.url': jwksUrl,
    'sasl.oauthbearer.expected.issuer': ISSUER,
    'sasl.oauthbearer.expected.audience': AUDIENCE,
  };
}

async function token(key: CryptoKey | KeyObject, claims: { sub: string; aud?: string; iss?: string; expiresIn?: string }): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: 'samsa-test-key' })
    .setSubject(claims.sub)
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '5m')
    .sign(key);
}

function kafkaWith(tokenValue: string): Kafka {
  return new Kafka({
    brokers: [`127.0.0.1:${broker.listeners.get('SASL_PLAINTEXT')!.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 },
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: tokenValue }) },
  });
}

async function endOffset(): Promise<number> {
  return (await admin.listOffsets([{ topic: 'signed', partition: 0, spec: 'latest' }]))[0]!.offset;
}

/** Produces through a KafkaJS client with the token; resolves when written, rejects when refused. */
async function produceWith(tokenValue: string): Promise<void> {
  const producer = kafkaWith(tokenValue).producer();
  try {
    await producer.connect();
    await producer.send({ topic: 'signed', messages: [{ value: 'signed' }] });
  } finally {
    await producer.disconnect();
  }
}

before(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  foreignKey = (await generateKeyPair('RS256')).privateKey;
  writeFileSync(jwksPath, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'samsa-test-key', alg: 'RS256', use: 'sig' }] }));
  broker = await startTestBroker({
    ...validatorConfig(`file://${jwksPath}`),
    'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
    'super.users': 'User:ANONYMOUS',
  }, undefined, { silent: process.env['SAMSA_TEST_LOG'] === undefined });
  admin = new Admin({ bootstrapServers: [`127.0.0.1:${broker.listeners.get('PLAINTEXT')!.port}`] });
  await admin.createTopics([{ topic: 'signed', numPartitions: 1 }]);
  await admin.createAcls(['WRITE', 'DESCRIBE'].map((operation) => ({
    pattern: { resourceType: 'TOPIC', name: 'signed', patternType: 'LITERAL' },
    entry: { principal: 'User:alice', host: '*', operation, permissionType: 'ALLOW' },
  }) as Parameters<Admin['createAcls']>[0][number]));
});

after(async () => {
  await admin?.close();
  await broker?.close();
});

test("a token signed by the JWKS's key authenticates KafkaJS as its sub", async () => {
  const before = await endOffset();
  await produceWith(await token(signingKey, { sub: 'alice' }));
  assert.equal(await endOffset(), before + 1);
  // bob authenticates too, but no ACL lets him write.
  await assert.rejects(produceWith(await token(signingKey, { sub: 'bob' })), /not authorized|TOPIC_AUTHORIZATION_FAILED/i);
  assert.equal(await endOffset(), before + 1);
});

test('a token with another signature, audience, issuer, or past its expiry is refused, and nothing is written', async () => {
  const before = await endOffset();
  const refused = [
    await token(foreignKey, { sub: 'alice' }),
    await token(signingKey, { sub: 'alice', aud: 'someone-else' }),
    await token(signingKey, { sub: 'alice', iss: 'https://other.issuer' }),
    await token(signingKey, { sub: 'alice', expiresIn: '-2m' }),
  ];
  for (const value of refused) await assert.rejects(produceWith(value));
  assert.equal(await endOffset(), before);
});

test('a JWKS file that cannot be read stops the broker at start, naming the key', async () => {
  await assert.rejects(
    startBroker({ port: 0, dataDir: tempDirSync('samsa-jwks-broker-'), ...validatorConfig(`file://${join(dir, 'missing.json')}`) }, { logger: createSilentLogger() }),
    /sasl\.oauthbearer\.jwks\.endpoint\.url/,
  );
});
