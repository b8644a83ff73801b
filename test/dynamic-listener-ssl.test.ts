/**
 * KIP-226 for TLS: a listener's keystore replaced through IncrementalAlterConfigs
 * (listener.name.<l>.ssl.keystore.location on the broker) serves the connections that come after,
 * without a restart; one that does not load is refused with INVALID_CONFIG and changes nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect } from 'node:tls';
import type { Broker } from '../src/broker/broker.ts';
import { Admin } from '../src/client/index.ts';
import { makeTestCertificates } from './helpers/certificates.ts';
import { startClusterBroker, type Closers } from './helpers/in-process-cluster.ts';
import { waitFor } from './helpers/wait-for.ts';
import { runCliOk } from './helpers/run-cli.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

const certs = makeTestCertificates();
let zk: TestZooKeeper;
const closers: Closers = [];
let broker: Broker;

/** The common name of the certificate a new TLS connection to the listener is shown. */
function servedCommonName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: [readFileSync(certs.truststore)] }, () => {
      const name = socket.getPeerCertificate().subject.CN;
      socket.destroy();
      resolve(Array.isArray(name) ? name.join(',') : (name ?? ''));
    });
    socket.once('error', reject);
  });
}

/** A second broker certificate from the same CA, as an operator renews one. */
function renewedKeystore(): string {
  const dir = certs.dir;
  const ext = join(dir, 'renewed.ext');
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'renewed.key', '-out', 'renewed.csr', '-subj', '/O=Samsa/CN=broker-renewed']);
  run(['x509', '-req', '-in', 'renewed.csr', '-CA', certs.truststore, '-CAkey', join(dir, 'samsa-test-ca.key'), '-CAcreateserial', '-out', 'renewed.crt', '-days', '2', '-extfile', ext]);
  const keystore = join(dir, 'renewed.keystore.pem');
  writeFileSync(keystore, readFileSync(join(dir, 'renewed.key'), 'utf8') + readFileSync(join(dir, 'renewed.crt'), 'utf8'));
  return keystore;
}

before(async () => {
  zk = await startZooKeeper();
  broker = await startClusterBroker(zk, closers, {
    chroot: '/dynamic-ssl', nodeId: 1,
    overrides: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
      'inter.broker.listener.name': 'PLAINTEXT',
      'ssl.keystore.type': 'PEM', 'listener.name.ssl.ssl.keystore.location': certs.broker.keystore,
    },
  });
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await zk.close();
});

test('a keystore replaced through AlterConfigs is served to new connections, without a restart', async () => {
  const sslPort = broker.listeners.get('SSL')!.port;
  assert.equal(await servedCommonName(sslPort), 'broker');
  const admin = new Admin({ bootstrapServers: [`127.0.0.1:${broker.listeners.get('PLAINTEXT')!.port}`] });
  try {
    // A keystore that does not load is refused, and the listener keeps its certificate.
    await assert.rejects(
      admin.incrementalAlterConfigs([{ type: 'broker', name: '1', ops: [{ name: 'listener.name.ssl.ssl.keystore.location', op: 'set', value: join(certs.dir, 'missing.pem') }] }]),
      /INVALID_CONFIG/,
    );
    assert.equal(await servedCommonName(sslPort), 'broker');

    await admin.incrementalAlterConfigs([{ type: 'broker', name: '1', ops: [{ name: 'listener.name.ssl.ssl.keystore.location', op: 'set', value: renewedKeystore() }] }]);
    await waitFor(async () => (await servedCommonName(sslPort)) === 'broker-renewed', 10_000, { what: 'the renewed certificate served' });
    // kafka-configs' way: samsa configs --entity-type brokers --alter --add-config.
    await runCliOk(['configs', '--bootstrap-server', `127.0.0.1:${broker.listeners.get('PLAINTEXT')!.port}`, '--entity-type', 'brokers', '--entity-name', '1',
      '--alter', '--add-config', `listener.name.ssl.ssl.keystore.location=${certs.broker.keystore}`]);
    await waitFor(async () => (await servedCommonName(sslPort)) === 'broker', 10_000, { what: 'the first certificate served again' });
  } finally {
    await admin.close();
  }
});
