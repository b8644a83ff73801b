import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { makeTestCertificates } from '../../../test/helpers/certificates.ts';
import { TLS_WRITE_ALONE_BYTES, tlsWriteUnits } from '../../client/tls-writes.ts';
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

test('tlsWriteUnits keeps large chunks as they are and copies each run of small ones into one buffer, in order', () => {
  const small = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);
  const large = Buffer.alloc(TLS_WRITE_ALONE_BYTES, 9);
  const chunks = [small(4, 1), small(10, 2), large, Buffer.alloc(0), small(3, 3), large, large, small(5, 4)];
  const units = tlsWriteUnits(chunks);
  assert.equal(units.length, 6);
  assert.equal(units[1], large, 'a large chunk is written from its own memory');
  assert.equal(units[3], large);
  assert.equal(units[4], large);
  assert.deepEqual(units[5], small(5, 4));
  assert.deepEqual(Buffer.concat(units), Buffer.concat(chunks));
  assert.deepEqual(units[0], Buffer.concat([small(4, 1), small(10, 2)]));
  const single = small(7, 5);
  assert.equal(tlsWriteUnits([single])[0], single, 'a lone small chunk is not copied');
});

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
