/**
 * A TLS listener's protocol settings and its manners with clients that speak the wrong thing:
 * ssl.enabled.protocols and ssl.cipher.suites decide what a handshake may use, and a plaintext
 * client, a half-done handshake or a TLS client on a plaintext port costs one log line and its own
 * connection, never anyone else's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { after, before, test } from 'node:test';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { createCapturingLogger, type CapturedLogLine } from '../src/broker/logger.ts';
import { Admin, clientSecurityFromProperties } from '../src/client/index.ts';
import { makeTestCertificates } from './helpers/certificates.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const certs = makeTestCertificates();
const ca = readFileSync(certs.truststore, 'utf8');
let broker: TestBroker;
let lines: CapturedLogLine[];

function port(listener: string): number {
  return broker.listeners.get(listener)!.port;
}

/** 'ok' with the negotiated protocol and cipher, or the handshake's error. */
function handshake(listener: string, options: ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const socket = connectTls({ host: '127.0.0.1', port: port(listener), ca: [ca], ...options }, () => {
      const result = `ok ${socket.getProtocol()} ${socket.getCipher().name}`;
      socket.destroy();
      resolve(result);
    });
    socket.once('error', (error) => resolve(`error ${error.message}`));
  });
}

before(async () => {
  const captured = createCapturingLogger();
  lines = captured.lines;
  broker = await startTestBroker({
    listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,MODERN://127.0.0.1:0',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,MODERN:SSL',
    'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.broker.keystore,
    'ssl.enabled.protocols': 'TLSv1.2,TLSv1.3',
    'ssl.cipher.suites': 'ECDHE-RSA-AES128-GCM-SHA256',
    'listener.name.modern.ssl.enabled.protocols': 'TLSv1.3',
  }, undefined, { logger: captured.logger });
});

after(async () => {
  await broker?.close();
});

test('ssl.enabled.protocols and ssl.cipher.suites decide what a handshake may use', async () => {
  assert.equal(await handshake('SSL', { maxVersion: 'TLSv1.2' }), 'ok TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256');
  // A TLS 1.2 cipher the listener does not list is refused.
  assert.match(await handshake('SSL', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' }), /^error/);
  // The listener that enables only TLS 1.3 refuses a TLS 1.2 client and takes a 1.3 one.
  assert.match(await handshake('MODERN', { maxVersion: 'TLSv1.2' }), /^error/);
  assert.match(await handshake('MODERN', {}), /^ok TLSv1\.3 /);
});

test('a plaintext client on the TLS port, a half-done handshake and TLS on the plaintext port: one log line each, and others are served', async () => {
  const before = lines.length;
  const plain = connectTcp({ host: '127.0.0.1', port: port('SSL') });
  plain.write(Buffer.from('000000120012000300000001000673616d736100', 'hex'));
  await new Promise<void>((resolve) => plain.once('close', () => resolve()));

  const tls = connectTls({ host: '127.0.0.1', port: port('PLAINTEXT'), ca: [ca] });
  await new Promise<void>((resolve) => { tls.once('error', () => resolve()); tls.once('close', () => resolve()); });
  tls.destroy();

  // Left half done: the broker keeps serving everyone else meanwhile.
  const idle = connectTcp({ host: '127.0.0.1', port: port('SSL') });
  idle.write(Buffer.from([0x16, 0x03, 0x01]));
  const security = clientSecurityFromProperties(new Map([['security.protocol', 'SSL'], ['ssl.truststore.type', 'PEM'], ['ssl.truststore.location', certs.truststore]]))!;
  const admin = new Admin({ bootstrapServers: [`127.0.0.1:${port('SSL')}`], security });
  try {
    assert.equal((await admin.describeCluster()).brokers.length, 1);
  } finally {
    await admin.close();
    idle.destroy();
  }

  await waitFor(() => lines.slice(before).filter((line) => line.level >= 30).length >= 3, 5000, { what: 'the three log lines' });
  const logged = lines.slice(before).filter((line) => line.level >= 30).map((line) => line.msg);
  // The plaintext client and the abandoned handshake: one line for each connection.
  assert.equal(logged.filter((msg) => msg === 'TLS handshake failed, connection closed').length, 2, logged.join('\n'));
  assert.equal(logged.filter((msg) => msg === 'a TLS handshake reached a plaintext listener, closing connection').length, 1, logged.join('\n'));
  assert.equal(logged.filter((msg) => /error/i.test(msg)).length, 0, logged.join('\n'));
});
