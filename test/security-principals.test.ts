/**
 * Who a connection is, and what that allows: mutual TLS with the certificate's principal
 * (ssl.principal.mapping.rules), OAUTHBEARER tokens from KafkaJS, and KIP-368 sessions that end
 * (connections.max.reauth.ms) unless the client authenticates again. ACLs decide what each principal
 * may do, so a wrong principal shows as a refusal.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Producer, clientSecurityFromProperties } from '../src/client/index.ts';
import { encodePlainMessage } from '../src/protocol/sasl/plain.ts';
import { metadataRequest, metadataResponse } from '../src/protocol/generated/metadata.ts';
import { saslAuthenticateRequest, saslAuthenticateResponse } from '../src/protocol/generated/sasl-authenticate.ts';
import { saslHandshakeRequest, saslHandshakeResponse } from '../src/protocol/generated/sasl-handshake.ts';
import { makeTestCertificates } from './helpers/certificates.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const certs = makeTestCertificates();
const ca = readFileSync(certs.truststore, 'utf8');
const REAUTH_MS = 2000;
let broker: TestBroker;
let admin: Admin;

function port(listener: string): number {
  return broker.listeners.get(listener)!.port;
}

/** An unsecured OAUTHBEARER token (alg none), as Kafka's unsecured login module makes them. */
function unsecuredToken(sub: string, lifetimeS = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub, iat: now, exp: now + lifetimeS })}.`;
}

async function allowWrite(principal: string, topic: string): Promise<void> {
  await admin.createAcls(['WRITE', 'DESCRIBE', 'CREATE'].map((operation) => ({
    pattern: { resourceType: 'TOPIC', name: topic, patternType: 'LITERAL' },
    entry: { principal, host: '*', operation, permissionType: 'ALLOW' },
  }) as Parameters<Admin['createAcls']>[0][number]));
}

async function endOffset(topic: string): Promise<number> {
  const offsets = await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }]);
  return offsets[0]!.offset;
}

before(async () => {
  broker = await startTestBroker({
    listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.broker.keystore,
    'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.truststore,
    'listener.name.ssl.ssl.client.auth': 'required',
    // CN=alice,OU=clients,O=Samsa is User:alice.
    'ssl.principal.mapping.rules': 'RULE:^CN=([^,]*),OU=clients,.*$/$1/,DEFAULT',
    'sasl.enabled.mechanisms': 'OAUTHBEARER,PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
    'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
    'listener.name.sasl_plaintext.connections.max.reauth.ms': String(REAUTH_MS),
    'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
    // The test's own admin connects over PLAINTEXT as User:ANONYMOUS.
    'super.users': 'User:ANONYMOUS',
    'auto.create.topics.enable': 'false',
  }, undefined, { silent: process.env['SAMSA_TEST_LOG'] === undefined });
  admin = new Admin({ bootstrapServers: [`127.0.0.1:${port('PLAINTEXT')}`] });
  await admin.createTopics([{ topic: 'mtls', numPartitions: 1 }, { topic: 'oauth', numPartitions: 1 }, { topic: 'reauth', numPartitions: 1 }]);
  await allowWrite('User:alice', 'mtls');
  await allowWrite('User:alice', 'oauth');
  await allowWrite('User:alice', 'reauth');
});

after(async () => {
  await admin?.close();
  await broker?.close();
});

describe('mutual TLS', () => {
  function kafkaWithCertificate(keystore: { key: string; certificate: string } | undefined): Kafka {
    return new Kafka({
      brokers: [`127.0.0.1:${port('SSL')}`], logLevel: logLevel.NOTHING, retry: { retries: 0 },
      ssl: { ca: [ca], ...(keystore === undefined ? {} : { key: readFileSync(keystore.key, 'utf8'), cert: readFileSync(keystore.certificate, 'utf8') }) },
    });
  }

  test("the certificate's subject, mapped by ssl.principal.mapping.rules, is the principal ACLs see", async () => {
    const before = await endOffset('mtls');
    const alice = kafkaWithCertificate(certs.client('alice')).producer();
    await alice.connect();
    await alice.send({ topic: 'mtls', messages: [{ value: 'from alice' }] });
    await alice.disconnect();
    assert.equal(await endOffset('mtls'), before + 1);

    const bob = kafkaWithCertificate(certs.client('bob')).producer();
    await bob.connect();
    await assert.rejects(bob.send({ topic: 'mtls', messages: [{ value: 'from bob' }] }), /not authorized|TOPIC_AUTHORIZATION_FAILED/i);
    await bob.disconnect();
    assert.equal(await endOffset('mtls'), before + 1, 'nothing of bob was written');
  });

  test('our client presents its certificate from ssl.keystore.location', async () => {
    const before = await endOffset('mtls');
    const props = new Map([
      ['security.protocol', 'SSL'], ['ssl.truststore.type', 'PEM'], ['ssl.truststore.location', certs.truststore],
      ['ssl.keystore.type', 'PEM'], ['ssl.keystore.location', certs.client('alice').keystore],
    ]);
    const producer = new Producer({ bootstrapServers: [`127.0.0.1:${port('SSL')}`], security: clientSecurityFromProperties(props)! });
    await producer.send({ topic: 'mtls', value: Buffer.from('from our client') });
    await producer.close();
    assert.equal(await endOffset('mtls'), before + 1);
  });

  test('without a certificate, or with one the truststore does not vouch for, the handshake fails (ssl.client.auth=required)', async () => {
    for (const keystore of [undefined, certs.untrustedClient('alice')]) {
      await assert.rejects(kafkaWithCertificate(keystore).admin().connect(), /certificate|handshake|socket|closed|ECONNRESET|alert/i);
    }
  });
});

describe('OAUTHBEARER', () => {
  function kafkaWithToken(token: string): Kafka {
    return new Kafka({
      brokers: [`127.0.0.1:${port('SASL_PLAINTEXT')}`], logLevel: logLevel.NOTHING, retry: { retries: 0 },
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token }) },
    });
  }

  test("KafkaJS authenticates with an unsecured token; its sub claim is the principal", async () => {
    const before = await endOffset('oauth');
    const alice = kafkaWithToken(unsecuredToken('alice')).producer();
    await alice.connect();
    await alice.send({ topic: 'oauth', messages: [{ value: 'token of alice' }] });
    await alice.disconnect();
    assert.equal(await endOffset('oauth'), before + 1);

    const bob = kafkaWithToken(unsecuredToken('bob')).producer();
    await bob.connect();
    await assert.rejects(bob.send({ topic: 'oauth', messages: [{ value: 'token of bob' }] }), /not authorized|TOPIC_AUTHORIZATION_FAILED/i);
    await bob.disconnect();
    assert.equal(await endOffset('oauth'), before + 1);
  });

  test('an expired token is refused, and nothing it sends is served', async () => {
    const before = await endOffset('oauth');
    // The broker answers a bad token with RFC 7628's error challenge and closes the connection at the
    // next request; KafkaJS takes the challenge for success, so the refusal shows at its first request.
    const producer = kafkaWithToken(unsecuredToken('alice', -60)).producer();
    await assert.rejects((async () => {
      await producer.connect();
      await producer.send({ topic: 'oauth', messages: [{ value: 'expired token' }] });
    })());
    await producer.disconnect();
    assert.equal(await endOffset('oauth'), before);
    // Our client reads the challenge as the refusal it is.
    const props = new Map([
      ['security.protocol', 'SASL_PLAINTEXT'], ['sasl.mechanism', 'OAUTHBEARER'],
      ['sasl.jaas.config', 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice" unsecuredLoginLifetimeSeconds="-60";'],
    ]);
    const ours = new Producer({ bootstrapServers: [`127.0.0.1:${port('SASL_PLAINTEXT')}`], security: clientSecurityFromProperties(props)!, maxBlockMs: 3000 });
    await assert.rejects(ours.send({ topic: 'oauth', value: Buffer.from('expired') }), /invalid_token|Authentication|SASL/i);
    await ours.close();
  });

  test('our client authenticates with OAUTHBEARER from sasl.jaas.config', async () => {
    const before = await endOffset('oauth');
    const props = new Map([
      ['security.protocol', 'SASL_PLAINTEXT'], ['sasl.mechanism', 'OAUTHBEARER'],
      ['sasl.jaas.config', 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice";'],
    ]);
    const producer = new Producer({ bootstrapServers: [`127.0.0.1:${port('SASL_PLAINTEXT')}`], security: clientSecurityFromProperties(props)! });
    await producer.send({ topic: 'oauth', value: Buffer.from('token from our client') });
    await producer.close();
    assert.equal(await endOffset('oauth'), before + 1);
  });
});

describe('re-authentication (KIP-368)', () => {
  test('our client re-authenticates before its session ends, so it keeps producing past several lifetimes', async () => {
    const props = new Map([
      ['security.protocol', 'SASL_PLAINTEXT'], ['sasl.mechanism', 'PLAIN'],
      ['sasl.jaas.config', 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";'],
    ]);
    const before = await endOffset('reauth');
    const producer = new Producer({ bootstrapServers: [`127.0.0.1:${port('SASL_PLAINTEXT')}`], security: clientSecurityFromProperties(props)! });
    try {
      const until = Date.now() + REAUTH_MS * 3;
      let sent = 0;
      while (Date.now() < until) {
        await producer.send({ topic: 'reauth', value: Buffer.from(`record ${sent}`) });
        sent += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(await endOffset('reauth'), before + sent);
    } finally {
      await producer.close();
    }
  });

  test('a connection whose session expired is closed at its next request, and told the lifetime when it authenticated', async () => {
    const client = await KafkaApiClient.open('127.0.0.1', port('SASL_PLAINTEXT'));
    try {
      const handshake = await client.call(api(saslHandshakeRequest, saslHandshakeResponse), 1, { mechanism: 'PLAIN' });
      assert.equal(handshake.errorCode, 0);
      const authenticated = await client.call(api(saslAuthenticateRequest, saslAuthenticateResponse), 1,
        { authBytes: encodePlainMessage({ username: 'alice', password: 'alice-secret' }) });
      assert.equal(authenticated.errorCode, 0);
      assert.ok(authenticated.sessionLifetimeMs! > 0n && authenticated.sessionLifetimeMs! <= BigInt(REAUTH_MS));
      const metadata = api(metadataRequest, metadataResponse);
      const live = await client.call(metadata, 4, { topics: [{ name: 'reauth' }], allowAutoTopicCreation: false });
      assert.equal(live.topics[0]!.errorCode, 0);
      await new Promise((resolve) => setTimeout(resolve, REAUTH_MS + 200));
      await assert.rejects(client.call(metadata, 4, { topics: [{ name: 'reauth' }], allowAutoTopicCreation: false }, 5000), /closed|end|ECONNRESET/i);
    } finally {
      client.close();
    }
  });

  test("SaslHandshake v0 (Kafka 0.10's clients): the tokens follow as bare frames, and the connection is then authenticated", async () => {
    const client = await KafkaApiClient.open('127.0.0.1', port('SASL_PLAINTEXT'));
    try {
      const handshake = await client.call(api(saslHandshakeRequest, saslHandshakeResponse), 0, { mechanism: 'PLAIN' });
      assert.equal(handshake.errorCode, 0);
      assert.deepEqual([...handshake.mechanisms].sort(), ['OAUTHBEARER', 'PLAIN']);
      // The PLAIN token itself, size-prefixed, no request header; the answer is PLAIN's empty challenge, a bare empty frame.
      client.connection.sendFrame(encodePlainMessage({ username: 'alice', password: 'alice-secret' }));
      assert.equal((await client.connection.readFrame()).length, 0);
      const metadata = await client.call(api(metadataRequest, metadataResponse), 4, { topics: [{ name: 'reauth' }], allowAutoTopicCreation: false });
      assert.equal(metadata.topics[0]!.errorCode, 0, 'alice may describe the topic: the connection is hers');
    } finally {
      client.close();
    }
    // A wrong password in a bare token closes the connection with no answer, as Kafka does for v0.
    const wrong = await KafkaApiClient.open('127.0.0.1', port('SASL_PLAINTEXT'));
    try {
      await wrong.call(api(saslHandshakeRequest, saslHandshakeResponse), 0, { mechanism: 'PLAIN' });
      wrong.connection.sendFrame(encodePlainMessage({ username: 'alice', password: 'nope' }));
      await assert.rejects(wrong.call(api(metadataRequest, metadataResponse), 4, { topics: null, allowAutoTopicCreation: false }, 5000), /closed|end|ECONNRESET/i);
    } finally {
      wrong.close();
    }
  });

  test('before authenticating, only ApiVersions and the SASL requests are served: anything else closes the connection', async () => {
    const client = await KafkaApiClient.open('127.0.0.1', port('SASL_PLAINTEXT'));
    try {
      await assert.rejects(client.call(api(metadataRequest, metadataResponse), 4, { topics: null, allowAutoTopicCreation: false }, 5000), /closed|end|ECONNRESET/i);
    } finally {
      client.close();
    }
  });
});
