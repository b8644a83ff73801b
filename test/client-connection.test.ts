import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { Apis, type ClientApi } from '../src/client/apis.ts';
import { freePort } from '../src/broker/cluster/zookeeper/server-process.ts';
import { Cluster, type ConnectionAttempt } from '../src/client/cluster.ts';
import { Connection } from '../src/client/connection.ts';
import { KafkaClientError } from '../src/client/errors.ts';
import { apiVersionsResponse, type ApiVersionsResponseApiVersion } from '../src/protocol/generated/api-versions.ts';
import { Writer } from '../src/protocol/primitives/writer.ts';
import { startTestBroker } from './helpers/test-broker.ts';

const options = { clientId: 'client-test', requestTimeoutMs: 5000, connectTimeoutMs: 2000 };

test('connection negotiates versions, group APIs included, and pipelines requests', async () => {
  const broker = await startTestBroker({}, undefined, { silent: true });
  try {
    const connection = await Connection.open({ host: broker.host, port: broker.port, ...options });
    assert.equal(connection.versionFor(Apis.Metadata), 12);
    assert.equal(connection.versionFor(Apis.Fetch), 12, 'capped at the client max');
    const responses = await Promise.all(Array.from({ length: 50 }, () => connection.send(Apis.Metadata, { topics: null })));
    assert.equal(responses.length, 50);
    assert.ok(responses.every((r) => r.brokers.length === 1));
    assert.ok(connection.supports(Apis.JoinGroup));
    assert.equal(connection.versionFor(Apis.JoinGroup), 9, 'the client\'s max; Samsa serves JoinGroup up to v9');
    connection.close();
    await assert.rejects(connection.send(Apis.Metadata, { topics: null }), (e: unknown) => e instanceof KafkaClientError && e.retriable);
  } finally {
    await broker.close();
  }
});

async function listen(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

/**
 * A broker that answers ApiVersions, and nothing else, with `apiKeys`: how a client meets a broker
 * (older, or another implementation) that lacks an API the client knows.
 */
async function brokerServingOnly(apiKeys: ApiVersionsResponseApiVersion[]): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const { server, port } = await listen((socket) => {
    sockets.push(socket);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const frame = buffered.subarray(4, 4 + buffered.readInt32BE(0));
        buffered = buffered.subarray(4 + frame.length);
        // Request header: apiKey int16, apiVersion int16, correlationId int32. ApiVersions answers with header v0.
        const writer = new Writer().int32(0).int32(frame.readInt32BE(4));
        apiVersionsResponse.encode(writer, { errorCode: 0, apiKeys, throttleTimeMs: 0 }, frame.readInt16BE(2));
        const response = writer.toBuffer();
        response.writeInt32BE(response.length - 4, 0);
        socket.write(response);
      }
    });
  });
  return { server, port, sockets };
}

test('an API the broker does not serve, or not at a version the client speaks, fails with a typed UNSUPPORTED_VERSION naming it', async () => {
  const { server, port, sockets } = await brokerServingOnly([
    { apiKey: Apis.ApiVersions.request.apiKey, minVersion: 0, maxVersion: 3 },
    { apiKey: Apis.Metadata.request.apiKey, minVersion: 0, maxVersion: 12 },
    { apiKey: Apis.Fetch.request.apiKey, minVersion: 0, maxVersion: 3 },
  ]);
  try {
    const connection = await Connection.open({ host: '127.0.0.1', port, ...options });
    assert.equal(connection.versionFor(Apis.Metadata), 12);
    const cases: Array<[ClientApi<unknown, unknown>, RegExp]> = [
      [Apis.JoinGroup, /does not serve JoinGroup/], [Apis.Fetch, /no common version: broker 0-3, client 4-12/],
    ];
    for (const [api, reason] of cases) {
      assert.equal(connection.supports(api), false, api.name);
      assert.throws(() => connection.versionFor(api), (error: unknown) =>
        error instanceof KafkaClientError && error.errorName === 'UNSUPPORTED_VERSION' && !error.retriable
          && error.message.includes(api.name) && reason.test(error.message));
    }
    connection.close();
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
});

test('a request without an answer times out with a retriable REQUEST_TIMED_OUT', async () => {
  const sockets: Socket[] = [];
  const { server, port } = await listen((s) => { sockets.push(s); s.on('data', () => {}); });
  try {
    await assert.rejects(Connection.open({ host: '127.0.0.1', port, ...options, requestTimeoutMs: 200 }),
      (e: unknown) => e instanceof KafkaClientError && e.errorName === 'REQUEST_TIMED_OUT' && e.retriable && /ApiVersions/.test(e.operation));
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});

test('back-pressure: many large requests queue behind drain and all complete', async () => {
  const broker = await startTestBroker({}, undefined, { silent: true });
  try {
    const connection = await Connection.open({ host: broker.host, port: broker.port, ...options });
    const name = 'x'.repeat(200);
    const topics = Array.from({ length: 2000 }, (_, i) => ({ name: `${name}-${i}` }));
    const all = await Promise.all(Array.from({ length: 40 }, () => connection.send(Apis.Metadata, { topics, allowAutoTopicCreation: false })));
    assert.equal(all.length, 40);
    assert.equal(all[0]!.topics.length, 2000);
    connection.close();
  } finally {
    await broker.close();
  }
});

test('cluster: metadata, leader lookup, one connection per kind, a closed connection is replaced', async () => {
  const broker = await startTestBroker({}, undefined, { silent: true });
  const cluster = new Cluster({ bootstrapServers: [broker.bootstrap], reconnectBackoffMs: 10, reconnectBackoffMaxMs: 50 });
  try {
    const meta = await cluster.refreshMetadata();
    const [nodeId] = [...meta.brokers.keys()];
    const produce = await cluster.connection(nodeId!, 'produce');
    const fetch = await cluster.connection(nodeId!, 'fetch');
    assert.notEqual(produce, fetch);
    assert.equal(await cluster.connection(nodeId!, 'produce'), produce);
    produce.close();
    const again = await cluster.connection(nodeId!, 'produce');
    assert.notEqual(again, produce);
    assert.ok(!again.closed);
    // On an open connection a request is on the wire when send() returns, not a turn later (the
    // consumer has its next Fetch out before it hands the app the answer it is about to decode).
    const answer = cluster.send(nodeId!, 'fetch', Apis.Metadata, { topics: null });
    assert.equal(fetch.inFlight, 1, 'written before send() returned');
    assert.equal((await answer).brokers.length, 1);
    again.close();
    assert.equal((await cluster.send(nodeId!, 'produce', Apis.Metadata, { topics: null })).brokers.length, 1, 'a closed connection is not written to');
    await assert.rejects(cluster.leaderFor('no-such-topic', 0), (e: unknown) => e instanceof KafkaClientError && e.errorName === 'UNKNOWN_TOPIC_OR_PARTITION');
  } finally {
    cluster.close();
    await broker.close();
  }
});

test('bootstrap servers: a refused one moves on to the next; while it backs off it is not asked again; all refused fails with NETWORK_EXCEPTION', async () => {
  const broker = await startTestBroker({}, undefined, { silent: true });
  // Nothing listens on these ports: a connection is refused, as by a broker that is down.
  const dead = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
  const clusters: Cluster[] = [];
  try {
    // Which bootstrap server goes first is random (as in Java's leastLoadedNode): make clients until one went to the dead one.
    let refusedFirst: { cluster: Cluster; attempts: ConnectionAttempt[] } | undefined;
    for (let i = 0; i < 20 && refusedFirst === undefined; i++) {
      const attempts: ConnectionAttempt[] = [];
      const cluster = new Cluster({ bootstrapServers: [dead[0]!, broker.bootstrap], reconnectBackoffMs: 60_000, reconnectBackoffMaxMs: 60_000,
        onConnectionAttempt: (a) => attempts.push(a) });
      clusters.push(cluster);
      const connection = await cluster.anyConnection('admin');
      assert.equal(connection.options.port, broker.port, 'every client reaches the live server');
      if (attempts[0]?.nodeId === -1) refusedFirst = { cluster, attempts };
    }
    assert.ok(refusedFirst !== undefined, 'some client tried the dead server first');
    assert.deepEqual(refusedFirst.attempts.map((a) => [a.nodeId, a.error === null]), [[-1, false], [-2, true]]);
    refusedFirst.attempts.length = 0;
    await refusedFirst.cluster.anyConnection('fetch');
    assert.deepEqual(refusedFirst.attempts.map((a) => [a.nodeId, a.error === null]), [[-2, true]], 'the refused server backs off; the other is asked');

    const attempts: ConnectionAttempt[] = [];
    const nobody = new Cluster({ bootstrapServers: dead, onConnectionAttempt: (a) => attempts.push(a) });
    clusters.push(nobody);
    await assert.rejects(nobody.refreshMetadata(), (e: unknown) => e instanceof KafkaClientError && e.errorName === 'NETWORK_EXCEPTION');
    assert.deepEqual(attempts.map((a) => a.nodeId).sort((a, b) => a - b), [-2, -1], 'each server asked once');
  } finally {
    for (const cluster of clusters) cluster.close();
    await broker.close();
  }
});
