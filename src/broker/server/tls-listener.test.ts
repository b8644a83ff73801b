import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { makeTestCertificates } from '../../../test/helpers/certificates.ts';
import { createSilentLogger } from '../logger.ts';
import { Listener } from './listener.ts';
import type { RequestHandler } from './connection.ts';

const certs = makeTestCertificates();
const tlsOptions = { key: readFileSync(certs.broker.key), cert: readFileSync(certs.broker.certificate) };

function frame(body: Buffer): Buffer {
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

test('over TLS, requests of every size reach the handler whole, and answers mixing small and large chunks come back whole and in order', async () => {
  const written: Buffer[][] = [];
  // Answers: a small header, the request itself (often larger than a TLS record), a small trailer.
  const handler: RequestHandler = (request) => [Buffer.from('head'), Buffer.from(request), Buffer.from('tail')];
  const listener = new Listener({
    listenerName: 'SSL', securityProtocol: 'SSL', tls: tlsOptions, host: '127.0.0.1', port: 0, handler,
    logger: createSilentLogger(), onResponseWritten: (chunks) => written.push([...chunks]),
  });
  await listener.listen();
  try {
    const bodies = [0, 1, 100, 16_383, 16_384, 70_000, 3 * 1024 * 1024 + 7].map((n) => randomBytes(n));
    const expected = Buffer.concat(bodies.map((body) => frame(Buffer.concat([Buffer.from('head'), body, Buffer.from('tail')]))));
    const socket = connect({ host: '127.0.0.1', port: listener.port, ca: readFileSync(certs.truststore), servername: 'localhost', checkServerIdentity: () => undefined });
    const received: Buffer[] = [];
    let receivedBytes = 0;
    const done = new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        receivedBytes += chunk.length;
        if (receivedBytes >= expected.length) resolve();
      });
      socket.on('error', reject);
    });
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    // All requests in one write: many frames per TLS record, and one frame across many records.
    socket.write(Buffer.concat(bodies.map(frame)));
    await done;
    assert.deepEqual(Buffer.concat(received), expected);
    // The connection reports the chunks the handler gave (not the copies it wrote), so lent memory is given back.
    assert.ok(written.flat().some((chunk) => chunk.length === bodies[6]!.length), 'the large body as the handler gave it');
    socket.destroy();
  } finally {
    await listener.close();
  }
});
