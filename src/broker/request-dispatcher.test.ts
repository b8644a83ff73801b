import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metadataRequest, metadataResponse, type MetadataRequest } from '../protocol/generated/metadata.ts';
import { responseHeader } from '../protocol/generated/response-header.ts';
import { Reader } from '../protocol/primitives/reader.ts';
import type { BrokerContext } from './broker-context.ts';
import { defineHandler } from './handlers/handler.ts';
import { createCapturingLogger } from './logger.ts';
import { InvalidRequestError, RequestDispatcher } from './request-dispatcher.ts';
import { ANONYMOUS } from './security/kafka-principal.ts';

/** The Metadata v12 request librdkafka 2.15 sends (size prefix removed): its body ends 3 bytes early. */
const LIBRDKAFKA_METADATA_V12 = Buffer.from('0003000c00000003000772646b61666b610000000000010000', 'hex');

const CONNECTION = {
  id: 'conn-1', listenerName: 'PLAINTEXT',
  session: { principal: ANONYMOUS, clientAddress: '127.0.0.1', listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' as const },
};

/** A dispatcher over one Metadata handler that keeps the requests it decoded and answers no topics. */
function metadataDispatcher() {
  const { logger, lines } = createCapturingLogger();
  const decoded: MetadataRequest[] = [];
  const handler = defineHandler({
    request: metadataRequest,
    response: metadataResponse,
    minVersion: 0,
    maxVersion: 12,
    handle(request) {
      decoded.push(request);
      return { throttleTimeMs: 0, brokers: [], clusterId: 'c', controllerId: 1, topics: [], clusterAuthorizedOperations: -2147483648 };
    },
  });
  // The dispatcher reads nothing of the broker but its logger; the handler reads nothing at all.
  const broker = { logger } as unknown as BrokerContext;
  return { dispatcher: new RequestDispatcher([handler], broker), decoded, lines };
}

test('bytes after a request body are ignored, as Kafka does: librdkafka 2.15 Metadata v12 is answered', async () => {
  const { dispatcher, decoded, lines } = metadataDispatcher();
  const response = await dispatcher.dispatch(LIBRDKAFKA_METADATA_V12, CONNECTION);
  assert.ok(response !== null);
  const reader = new Reader(Buffer.concat(response));
  assert.equal(responseHeader.decode(reader, 1).correlationId, 3);
  assert.deepEqual(metadataResponse.decode(reader, 12).topics, []);
  assert.deepEqual(decoded, [{ topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }]);
  const notes = lines.filter((line) => line.trailingBytes !== undefined);
  assert.equal(notes.length, 1);
  assert.equal(notes[0]!.level, 20, 'logged at debug');
  assert.equal(notes[0]!.trailingBytes, 3);
  assert.equal(notes[0]!.api, 'MetadataRequest');
});

test('a request that ends where its body does logs nothing about trailing bytes', async () => {
  const { dispatcher, lines } = metadataDispatcher();
  const exact = LIBRDKAFKA_METADATA_V12.subarray(0, LIBRDKAFKA_METADATA_V12.length - 3);
  assert.ok(await dispatcher.dispatch(exact, CONNECTION));
  assert.deepEqual(lines.filter((line) => line.trailingBytes !== undefined), []);
});

test('every other malformed frame is still refused: short, truncated body, unknown key, unsupported version', async () => {
  const { dispatcher, decoded } = metadataDispatcher();
  const refused = (frame: Buffer, message: RegExp) => assert.rejects(dispatcher.dispatch(frame, CONNECTION), (error: unknown) => {
    assert.ok(error instanceof InvalidRequestError);
    assert.match(error.message, message);
    return true;
  });
  await refused(LIBRDKAFKA_METADATA_V12.subarray(0, 6), /too short/);
  // Header intact, body cut inside the tagged fields.
  await refused(LIBRDKAFKA_METADATA_V12.subarray(0, 19), /malformed MetadataRequest v12/);
  const unknownKey = Buffer.from(LIBRDKAFKA_METADATA_V12);
  unknownKey.writeInt16BE(999, 0);
  await refused(unknownKey, /unknown API key 999/);
  const newer = Buffer.from(LIBRDKAFKA_METADATA_V12);
  newer.writeInt16BE(13, 2);
  await refused(newer, /version 13 is not supported/);
  assert.deepEqual(decoded, [], 'no refused frame reached the handler');
});
