import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Admin, Consumer, Producer } from '../src/client/index.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { metadata } from './helpers/kafka-apis.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { makeTestCertificates } from './helpers/certificates.ts';
import { clientSecurityFromProperties } from '../src/client/index.ts';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { readFileSync } from 'node:fs';

const brokers: TestBroker[] = [];
const sockets: Socket[] = [];

after(async () => {
  for (const socket of sockets) socket.destroy();
  for (const broker of brokers) {
    await broker.close();
    await removeTempDir(broker.dataDir);
  }
});

async function start(overrides: Record<string, string>): Promise<TestBroker> {
  const broker = await startTestBroker(overrides);
  brokers.push(broker);
  return broker;
}

/** A TCP connection from `localAddress`; resolves with whether the broker closed it within `withinMs`. */
function openSocket(broker: TestBroker, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: broker.host, port: broker.port, localAddress }, () => resolve(socket));
    socket.on('error', reject);
    sockets.push(socket);
  });
}

function closedWithin(socket: Socket, withinMs: number): Promise<boolean> {
  if (socket.destroyed || socket.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), withinMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.resume();
  });
}

test('past max.connections.per.ip (and its override) an address\'s connections are closed at once, while the broker keeps serving others', async () => {
  const broker = await start({ 'max.connections.per.ip': '1000', 'max.connections.per.ip.overrides': '127.0.0.2:10' });
  // A flood from one address: 300 connections at once.
  const flood = await Promise.all(Array.from({ length: 300 }, () => openSocket(broker, '127.0.0.2')));
  const closed = await Promise.all(flood.map((socket) => closedWithin(socket, 2000)));
  assert.equal(closed.filter((each) => each).length, 290, 'all but the override\'s 10 are closed');

  // A normal client from another address produces and reads back meanwhile.
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  const producer = new Producer({ bootstrapServers: [broker.bootstrap] });
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
  try {
    await admin.createTopics([{ topic: 'flooded', numPartitions: 1, replicationFactor: 1 }]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'flooded', value: Buffer.from(`record-${i}`) })));
    consumer.assign([{ topic: 'flooded', partition: 0 }]);
    const values: string[] = [];
    const deadline = Date.now() + 10_000;
    while (values.length < 20 && Date.now() < deadline) for (const record of await consumer.poll(200)) values.push(record.value!.toString());
    assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => `record-${i}`));
  } finally {
    await consumer.close();
    await producer.close();
    await admin.close();
  }

  // Closing some of the flood's admitted connections makes room for as many from that address.
  const open = flood.filter((_, i) => !closed[i]);
  for (const socket of open.slice(0, 3)) socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const again = await Promise.all(Array.from({ length: 5 }, () => openSocket(broker, '127.0.0.2')));
  const closedAgain = await Promise.all(again.map((socket) => closedWithin(socket, 1000)));
  assert.equal(closedAgain.filter((each) => each).length, 2);
});

test('past max.connections, accepting waits until a connection closes', async () => {
  const broker = await start({ 'max.connections': '3' });
  const clients = await Promise.all(Array.from({ length: 3 }, () => KafkaApiClient.open(broker.host, broker.port)));
  try {
    for (const client of clients) assert.equal((await metadata(client, [])).brokers.length, 1);
    // The fourth connection is made by the kernel but not accepted: its request waits.
    const fourth = await KafkaApiClient.open(broker.host, broker.port);
    clients.push(fourth);
    const answer = metadata(fourth, []);
    const early = await Promise.race([answer.then(() => 'answered'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 700))]);
    assert.equal(early, 'waiting');
    clients.shift()!.close();
    assert.equal((await answer).brokers.length, 1);
  } finally {
    for (const client of clients) client.close();
  }
});

test('on a TLS listener the limits count a connection when it is accepted: those past max.connections.per.ip close before any handshake', async () => {
  const certs = makeTestCertificates();
  const broker = await start({
    listeners: 'SSL://127.0.0.1:0', 'listener.security.protocol.map': 'SSL:SSL',
    'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.broker.keystore,
    'max.connections.per.ip.overrides': '127.0.0.2:2',
  });
  // Five connections that never start a handshake: the first two wait in it, the rest are closed at once.
  const raw = await Promise.all(Array.from({ length: 5 }, () => openSocket(broker, '127.0.0.2')));
  const closed = await Promise.all(raw.map((socket) => closedWithin(socket, 1000)));
  assert.deepEqual(closed.filter(Boolean).length, 3, `closed: ${closed.join(', ')}`);
  // Everyone else is served over TLS meanwhile.
  const security = clientSecurityFromProperties(new Map([['security.protocol', 'SSL'], ['ssl.truststore.type', 'PEM'], ['ssl.truststore.location', certs.truststore]]))!;
  const admin = new Admin({ bootstrapServers: [broker.bootstrap], security });
  try {
    assert.equal((await admin.describeCluster()).brokers.length, 1);
  } finally {
    await admin.close();
  }
  // A handshake from that address is refused while the two hold its slots, and goes through once they close.
  const handshakeFrom127002 = () => new Promise<string>((resolve) => {
    // localAddress reaches the TCP connect (net's option; @types/node leaves it out of tls's).
    const options: ConnectionOptions = { host: broker.host, port: broker.port, ca: [readFileSync(certs.truststore)], ...{ localAddress: '127.0.0.2' } };
    const socket = connectTls(options, () => {
      resolve(socket.getProtocol() ?? '');
      socket.destroy();
    });
    socket.once('error', () => resolve('refused'));
  });
  assert.equal(await handshakeFrom127002(), 'refused');
  for (const socket of raw) socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.match(await handshakeFrom127002(), /^TLSv1\.[23]$/);
});
