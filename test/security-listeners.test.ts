/**
 * TLS and SASL listeners against real clients: KafkaJS, kcat (librdkafka) and our own client, over
 * SSL, SASL_PLAINTEXT and SASL_SSL with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, each producing and
 * consuming; and the refusals a user meets: a wrong password, an unknown user, a client speaking the
 * wrong protocol to a port. Certificates are made by the test (openssl).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { Admin, Consumer, Producer, clientSecurityFromProperties, type ClientSecurity } from '../src/client/index.ts';
import { makeTestCertificates } from './helpers/certificates.ts';
import { kcat } from './helpers/kcat.ts';
import { runCli, runCliOk } from './helpers/run-cli.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";';
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
type Mechanism = (typeof MECHANISMS)[number];
const SECURED = ['SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
type Secured = (typeof SECURED)[number];

const certs = makeTestCertificates();
const ca = readFileSync(certs.truststore, 'utf8');
let broker: TestBroker;

function port(listener: string): number {
  return broker.listeners.get(listener)!.port;
}

/** Kafka client properties for a listener and mechanism, as a user writes them in --command-config. */
function clientProperties(listener: Secured, mechanism: Mechanism, password = 'alice-secret', user = 'alice'): Map<string, string> {
  const props = new Map([['security.protocol', listener], ['ssl.truststore.type', 'PEM'], ['ssl.truststore.location', certs.truststore]]);
  if (listener !== 'SSL') {
    const module = mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    props.set('sasl.mechanism', mechanism);
    props.set('sasl.jaas.config', `${module} required username="${user}" password="${password}";`);
  }
  return props;
}

function kafkajs(listener: Secured, mechanism: Mechanism, password = 'alice-secret', user = 'alice'): Kafka {
  const sasl = { mechanism: mechanism.toLowerCase(), username: user, password } as SASLOptions;
  return new Kafka({
    clientId: 'security-test', brokers: [`127.0.0.1:${port(listener)}`], logLevel: logLevel.NOTHING, retry: { retries: 0 },
    ...(listener === 'SASL_PLAINTEXT' ? {} : { ssl: { ca: [ca] } }),
    ...(listener === 'SSL' ? {} : { sasl }),
  });
}

function kcatSecurity(listener: Secured, mechanism: Mechanism, password = 'alice-secret'): string[] {
  const args = ['-b', `127.0.0.1:${port(listener)}`, '-X', `security.protocol=${listener.toLowerCase()}`];
  if (listener !== 'SASL_PLAINTEXT') args.push('-X', `ssl.ca.location=${certs.truststore}`);
  if (listener !== 'SSL') args.push('-X', `sasl.mechanisms=${mechanism}`, '-X', 'sasl.username=alice', '-X', `sasl.password=${password}`);
  return args;
}

before(async () => {
  broker = await startTestBroker({
    listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
    'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.broker.keystore,
    'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.truststore,
    'sasl.enabled.mechanisms': MECHANISMS.join(','),
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
    'listener.name.sasl_ssl.plain.sasl.jaas.config': PLAIN_JAAS,
    'connection.failed.authentication.delay.ms': '50',
  }, undefined, { silent: process.env['SAMSA_TEST_LOG'] === undefined });
  // SCRAM credentials as an operator sets them: through the admin API, over the plaintext listener.
  const admin = new Admin({ bootstrapServers: [`127.0.0.1:${port('PLAINTEXT')}`] });
  try {
    const results = await admin.alterUserScramCredentials([
      { user: 'alice', mechanism: 'SCRAM-SHA-256', iterations: 4096, password: 'alice-secret' },
      { user: 'alice', mechanism: 'SCRAM-SHA-512', iterations: 8192, password: 'alice-secret' },
    ]);
    assert.deepEqual(results.map((r) => r.error), [null]);
  } finally {
    await admin.close();
  }
});

after(async () => {
  await broker?.close();
});

const combinations: Array<[Secured, Mechanism]> = [['SSL', 'PLAIN'], ...MECHANISMS.map((m) => ['SASL_PLAINTEXT', m] as [Secured, Mechanism]), ...MECHANISMS.map((m) => ['SASL_SSL', m] as [Secured, Mechanism])];

describe('every client produces and consumes over every secured listener and mechanism', () => {
  for (const [listener, mechanism] of combinations) {
    const label = listener === 'SSL' ? 'SSL' : `${listener} ${mechanism}`;
    const topic = `secure-${listener}-${mechanism}`.toLowerCase();

    test(`KafkaJS over ${label}`, async () => {
      const kafka = kafkajs(listener, mechanism);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'k', value: `kafkajs ${label}` }] });
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      assert.equal(offsets[0]!.high, '1');
    });

    test(`kcat over ${label}`, async () => {
      await kcat([...kcatSecurity(listener, mechanism), '-P', '-t', topic], { input: `kcat ${label}\n` });
      const { stdout } = await kcat([...kcatSecurity(listener, mechanism), '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
      assert.deepEqual(stdout.trim().split('\n'), [`kafkajs ${label}`, `kcat ${label}`]);
    });

    test(`our client over ${label}`, async () => {
      const security = clientSecurityFromProperties(clientProperties(listener, mechanism))!;
      const bootstrapServers = [`127.0.0.1:${port(listener)}`];
      const producer = new Producer({ bootstrapServers, security });
      await producer.send({ topic, key: Buffer.from('k'), value: Buffer.from(`samsa ${label}`) });
      await producer.close();
      const consumer = new Consumer({ bootstrapServers, security, groupId: `g-${topic}`, autoOffsetReset: 'earliest' });
      try {
        consumer.subscribe([topic]);
        const values: string[] = [];
        const deadline = Date.now() + 20_000;
        while (values.length < 3 && Date.now() < deadline) {
          for (const record of await consumer.poll(500)) values.push(record.value!.toString());
        }
        assert.deepEqual(values, [`kafkajs ${label}`, `kcat ${label}`, `samsa ${label}`]);
      } finally {
        await consumer.close();
      }
    });
  }
});

describe('the tools take the security settings from --command-config, as Kafka\'s do', () => {
  test('topics, console-producer and console-consumer over SASL_SSL with SCRAM-SHA-512', async () => {
    const file = join(certs.dir, 'client-scram.properties');
    writeFileSync(file, [...clientProperties('SASL_SSL', 'SCRAM-SHA-512')].map(([key, value]) => `${key}=${value}`).join('\n') + '\n');
    const bootstrap = ['--bootstrap-server', `127.0.0.1:${port('SASL_SSL')}`];
    await runCliOk(['topics', ...bootstrap, '--command-config', file, '--create', '--topic', 'tool-secured', '--partitions', '1']);
    const listed = await runCliOk(['topics', ...bootstrap, '--command-config', file, '--list']);
    assert.ok(listed.stdout.split('\n').includes('tool-secured'), listed.stdout);
    await runCliOk(['console-producer', ...bootstrap, '--producer.config', file, '--topic', 'tool-secured'], { input: 'one\ntwo\n' });
    const consumed = await runCliOk(['console-consumer', ...bootstrap, '--consumer.config', file, '--topic', 'tool-secured', '--from-beginning', '--max-messages', '2']);
    assert.deepEqual(consumed.stdout.trim().split('\n'), ['one', 'two']);
    // Without the settings the SASL listener does not serve the tool, and the tool says so.
    const refused = await runCli(['topics', ...bootstrap, '--list'], { timeoutMs: 20_000 });
    assert.notEqual(refused.status, 0);
    // A bad setting stops the tool with a message naming the key.
    writeFileSync(file, 'security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n');
    const misconfigured = await runCli(['topics', ...bootstrap, '--command-config', file, '--list']);
    assert.notEqual(misconfigured.status, 0);
    assert.match(misconfigured.stderr, /sasl\.jaas\.config/);
  });
});

describe('refusals', () => {
  for (const mechanism of MECHANISMS) {
    test(`a wrong password is refused with Kafka's error over ${mechanism}, every time, and writes nothing`, async () => {
      const topic = `refused-${mechanism}`.toLowerCase();
      for (let attempt = 0; attempt < 3; attempt++) {
        const producer = kafkajs('SASL_PLAINTEXT', mechanism, 'wrong-password').producer();
        await assert.rejects(producer.connect(), (error: Error) => {
          assert.match(error.message, mechanism === 'PLAIN' ? /Authentication failed: Invalid username or password/ : /Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-/);
          return true;
        });
      }
      const security = clientSecurityFromProperties(clientProperties('SASL_PLAINTEXT', mechanism, 'wrong-password'))!;
      const producer = new Producer({ bootstrapServers: [`127.0.0.1:${port('SASL_PLAINTEXT')}`], security, maxBlockMs: 5000 });
      await assert.rejects(producer.send({ topic, value: Buffer.from('x') }), (error: Error) => {
        assert.match(error.message, /SASL_AUTHENTICATION_FAILED|Authentication failed/);
        return true;
      });
      await producer.close();
      await assert.rejects(kcat([...kcatSecurity('SASL_PLAINTEXT', mechanism, 'wrong-password'), '-L'], { timeoutMs: 15_000 }), /Authentication failed|SASL authentication error/);
      const admin = new Admin({ bootstrapServers: [`127.0.0.1:${port('PLAINTEXT')}`] });
      try {
        assert.equal((await admin.listTopics()).includes(topic), false);
      } finally {
        await admin.close();
      }
    });
  }

  test('an unknown user is refused as a wrong password is, saying nothing of which it was', async () => {
    for (const mechanism of MECHANISMS) {
      const producer = kafkajs('SASL_SSL', mechanism, 'whatever', 'mallory').producer();
      await assert.rejects(producer.connect(), /Authentication failed/);
    }
  });

  test('a mechanism the listener does not enable is refused with the ones it does', async () => {
    const kafka = new Kafka({ brokers: [`127.0.0.1:${port('SASL_PLAINTEXT')}`], logLevel: logLevel.NOTHING, retry: { retries: 0 },
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 'x' }) } });
    await assert.rejects(kafka.admin().connect(), /OAUTHBEARER|mechanism/i);
  });

  test('a plaintext client on a TLS port and a TLS client on a plaintext port are closed; the broker serves on', async () => {
    // Kafka's request bytes on the TLS port: the handshake fails and the connection closes.
    const plain = connectTcp({ host: '127.0.0.1', port: port('SSL') });
    plain.write(Buffer.from('000000120012000300000001000673616d736100', 'hex'));
    await new Promise<void>((resolve) => plain.once('close', () => resolve()));
    // A TLS handshake on the plaintext port: the broker reads a nonsense size and closes.
    const tls = connectTls({ host: '127.0.0.1', port: port('PLAINTEXT'), ca: [ca] });
    const outcome = await new Promise<string>((resolve) => {
      tls.once('secureConnect', () => resolve('connected'));
      tls.once('error', (error) => resolve(error.message));
      tls.once('close', () => resolve('closed'));
    });
    assert.notEqual(outcome, 'connected');
    tls.destroy();
    // A handshake left half done does not hold anything up either.
    const idle = connectTcp({ host: '127.0.0.1', port: port('SASL_SSL') });
    try {
      const admin = new Admin({ bootstrapServers: [`127.0.0.1:${port('SSL')}`], security: clientSecurityFromProperties(clientProperties('SSL', 'PLAIN')) as ClientSecurity });
      try {
        assert.ok((await admin.describeCluster()).brokers.length === 1);
      } finally {
        await admin.close();
      }
    } finally {
      idle.destroy();
    }
  });

  test('a client that does not trust the broker certificate fails the handshake and is told so, not retried for ever', async () => {
    const security = clientSecurityFromProperties(new Map([['security.protocol', 'SSL']]))!;
    const admin = new Admin({ bootstrapServers: [`127.0.0.1:${port('SSL')}`], security, defaultApiTimeoutMs: 5000 });
    try {
      await assert.rejects(admin.describeCluster(), /certificate|TLS/i);
    } finally {
      await admin.close();
    }
  });
});
