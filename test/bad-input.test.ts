/**
 * Bad input over raw sockets: broken framing closes only the offending connection, request-level
 * errors come back as Kafka error codes, and through all of it the broker keeps serving others.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import { readTopicWithPlatformatic } from './helpers/platformatic-reader.ts';
import {
  RawKafkaConnection, apiVersionsRequest, fetchApiVersions, metadataRequestV1, parseApiVersionsV0Response, parseProduceV7Response, produceRequestV7, requestHeaderV1,
} from './helpers/raw-kafka.ts';
import { buildRecordBatch } from './helpers/record-batch.ts';
import { seededRandom, testSeed } from './helpers/seeded-random.ts';
import { metadataResponse } from '../src/protocol/generated/metadata.ts';
import { responseHeader } from '../src/protocol/generated/response-header.ts';
import { Reader } from '../src/protocol/primitives/reader.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const { Kafka, logLevel, Partitioners } = kafkajs;

const SOCKET_REQUEST_MAX_BYTES = 1024 * 1024;
const MESSAGE_MAX_BYTES = 64 * 1024;
const TOPIC = 'bad-input';
const UNSUPPORTED_VERSION = 35;
const CORRUPT_MESSAGE = 2;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const MESSAGE_TOO_LARGE = 10;

let broker: TestBroker;
const connections: RawKafkaConnection[] = [];

before(async () => {
  broker = await startTestBroker({
    'socket.request.max.bytes': String(SOCKET_REQUEST_MAX_BYTES),
    'message.max.bytes': String(MESSAGE_MAX_BYTES),
    'auto.create.topics.enable': 'false',
  }, undefined, { silent: true });
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
});

after(async () => {
  for (const connection of connections) connection.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

function kafka(): InstanceType<typeof Kafka> {
  return new Kafka({ clientId: 'samsa-bad-input-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
}

async function open(): Promise<RawKafkaConnection> {
  const connection = await RawKafkaConnection.open(broker.host, broker.port);
  connections.push(connection);
  return connection;
}

/** The broker still answers a well-formed ApiVersions v0 on a new connection. */
async function assertServing(): Promise<void> {
  const connection = await open();
  connection.sendFrame(apiVersionsRequest(4242, 0));
  const response = parseApiVersionsV0Response(await connection.readFrame());
  assert.equal(response.correlationId, 4242);
  assert.equal(response.errorCode, 0);
  assert.ok(response.apiKeys.some((entry) => entry.apiKey === 18), 'ApiVersions lists itself');
  connection.close();
}

async function produceRaw(records: Buffer, topic = TOPIC): Promise<{ errorCode: number; baseOffset: bigint }> {
  const connection = await open();
  connection.sendFrame(produceRequestV7(77, { topic, partition: 0, records }));
  const response = parseProduceV7Response(await connection.readFrame());
  connection.close();
  assert.equal(response.correlationId, 77);
  assert.equal(response.topics.length, 1);
  assert.equal(response.topics[0]?.name, topic);
  const partition = response.topics[0]?.partitions[0];
  assert.ok(partition);
  assert.equal(partition.index, 0);
  return partition;
}

test('a frame larger than socket.request.max.bytes closes that connection only', { timeout: 30_000 }, async () => {
  const offender = await open();
  const bystander = await open();
  const size = Buffer.alloc(4);
  size.writeInt32BE(SOCKET_REQUEST_MAX_BYTES * 2);
  offender.sendRaw(Buffer.concat([size, requestHeaderV1(18, 0, 1), randomBytes(1024)]));
  bystander.sendFrame(apiVersionsRequest(99, 0));
  const response = parseApiVersionsV0Response(await bystander.readFrame());
  assert.equal(response.correlationId, 99);
  assert.equal(response.errorCode, 0);
  assert.equal(await offender.waitClosed(10_000), true, 'the oversized frame must close its connection');
  assert.equal(offender.pendingFrames, 0);
  assert.equal(bystander.closed, false);
});

test('an unknown API key closes the connection without a reply', { timeout: 30_000 }, async () => {
  const connection = await open();
  connection.sendFrame(requestHeaderV1(999, 0, 5));
  assert.equal(await connection.waitClosed(10_000), true);
  assert.equal(connection.pendingFrames, 0);
  await assertServing();
});

test('ApiVersions v99 gets a v0 response with UNSUPPORTED_VERSION listing ApiVersions', { timeout: 30_000 }, async () => {
  const connection = await open();
  connection.sendFrame(apiVersionsRequest(31, 99));
  const response = parseApiVersionsV0Response(await connection.readFrame());
  assert.equal(response.correlationId, 31);
  assert.equal(response.errorCode, UNSUPPORTED_VERSION);
  const apiVersions = response.apiKeys.find((entry) => entry.apiKey === 18);
  assert.ok(apiVersions, 'the error response lists ApiVersions');
  assert.equal(apiVersions.minVersion, 0);
  assert.ok(apiVersions.maxVersion >= 3);
});

test('a truncated Metadata v1 body closes the connection; the broker keeps serving', { timeout: 30_000 }, async () => {
  const connection = await open();
  const full = metadataRequestV1(8, ['a-topic-name', 'another-topic']);
  connection.sendFrame(full.subarray(0, full.length - 9));
  assert.equal(await connection.waitClosed(10_000), true);
  assert.equal(connection.pendingFrames, 0);
  await assertServing();
});

test('librdkafka 2.15\'s Metadata v12, 3 bytes longer than its body, is answered and the connection stays open', { timeout: 30_000 }, async () => {
  // The exact frame (size prefix removed) that librdkafka 2.15 sends: Kafka reads the body its
  // version defines and ignores what follows, so the broker must too.
  const frame = Buffer.from('0003000c00000003000772646b61666b610000000000010000', 'hex');
  const connection = await open();
  connection.sendFrame(frame);
  const reader = new Reader(await connection.readFrame());
  assert.equal(responseHeader.decode(reader, 1).correlationId, 3);
  const metadata = metadataResponse.decode(reader, 12);
  assert.deepEqual(metadata.brokers.map((b) => [b.host, b.port]), [[broker.host, broker.port]]);
  assert.ok(metadata.topics.some((topic) => topic.name === TOPIC), 'a null topic list asks for every topic');
  connection.sendFrame(frame);
  assert.equal(responseHeader.decode(new Reader(await connection.readFrame()), 1).correlationId, 3, 'a second Metadata on the same connection');
  assert.equal(connection.closed, false);
});

/** What a connection must do with bytes it was sent; see expectedOutcome. */
type Outcome = 'waits' | 'closes' | 'closes-silently' | 'closes-or-answers';

/**
 * Kafka's framing rules applied to `bytes` as the first thing on a connection: a size prefix
 * outside [0, socket.request.max.bytes] closes it; a frame not yet complete is waited for; a
 * complete frame naming an API the broker does not serve closes it without a reply; any other
 * frame is answered or, when its body does not decode, closes the connection.
 */
function expectedOutcome(bytes: Buffer, servedApiKeys: ReadonlySet<number>): Outcome {
  if (bytes.length < 4) return 'waits';
  const size = bytes.readInt32BE(0);
  if (size < 0 || size > SOCKET_REQUEST_MAX_BYTES) return 'closes';
  if (bytes.length - 4 < size) return 'waits';
  if (size < 2) return 'closes';
  return servedApiKeys.has(bytes.readInt16BE(4)) ? 'closes-or-answers' : 'closes-silently';
}

test('random bytes, framed and unframed, close the connection or get an answer as Kafka\'s framing says; the broker keeps serving', { timeout: 60_000 }, async () => {
  // Fresh random bytes each run cover more paths; the seed replays a failing run.
  const random = seededRandom(testSeed());
  const replay = `replay with SAMSA_TEST_SEED=${random.seed}`;
  const served = await fetchApiVersions(broker.host, broker.port);
  const servedApiKeys = new Set(served.map((range) => range.apiKey));
  // Produce is left out of the well-formed headers: a random body that decoded with acks=0 would rightly get no answer.
  const decodable = served.filter((range) => range.apiKey !== 0);
  const frameOf = (payload: Buffer): Buffer => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    return Buffer.concat([size, payload]);
  };
  // Drawn up front, in order, so that a seed replays the same bytes whatever order connections open in.
  const payloads = Array.from({ length: 40 }, (_, i) => {
    switch (i % 4) {
      case 0: return random.bytes(random.int(1, 200)); // unframed: the size prefix is random too
      case 1: return frameOf(random.bytes(random.int(0, 300)));
      default: {
        // A served API at a version it serves with a random body: the request decoders' turn.
        const range = decodable[random.int(0, decodable.length - 1)]!;
        const header = requestHeaderV1(range.apiKey, random.int(range.minVersion, range.maxVersion), random.int(0, 0x7fffffff));
        return frameOf(Buffer.concat([header, random.bytes(random.int(0, 300))]));
      }
    }
  });
  const outcomes = await Promise.all(payloads.map(async (bytes, i) => {
    const expected = expectedOutcome(bytes, servedApiKeys);
    const what = `attempt ${i} (${expected}; ${replay})`;
    const connection = await open();
    connection.sendRaw(bytes);
    if (expected === 'waits') {
      // The broker cannot know the frame is bad until it is complete; it must not guess.
      assert.equal(await connection.waitClosed(300), false, `${what}: an incomplete frame is waited for`);
    } else if (expected === 'closes-or-answers') {
      if (!await connection.waitClosed(10_000)) {
        assert.ok(connection.pendingFrames > 0, `${what}: neither answered nor closed`);
        assert.equal((await connection.readFrame()).readInt32BE(0), bytes.readInt32BE(8), `${what}: answered with the request's correlation id`);
      }
    } else {
      assert.equal(await connection.waitClosed(10_000), true, `${what}: the connection is closed`);
      if (expected === 'closes-silently') assert.equal(connection.pendingFrames, 0, `${what}: closed without a reply`);
    }
    connection.close();
    return expected;
  }));
  // Every kind of bytes was tried: framing errors, unknown APIs and the decoders of served ones.
  assert.ok(outcomes.includes('closes-or-answers') && outcomes.includes('closes-silently'), `${outcomes.join(',')} (${replay})`);
  await assertServing();
});

test('a batch with a wrong CRC gets CORRUPT_MESSAGE and is not appended', { timeout: 30_000 }, async () => {
  const batch = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('corrupt me'), headers: [['h', Buffer.from('v')]] }]);
  batch.writeUInt32BE((batch.readUInt32BE(17) ^ 0xdeadbeef) >>> 0, 17);
  assert.equal((await produceRaw(batch)).errorCode, CORRUPT_MESSAGE);
  const valid = await produceRaw(buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('valid') }]));
  assert.equal(valid.errorCode, 0);
  assert.equal(valid.baseOffset, 0n, 'the corrupt batch must not have taken an offset');
});

test('a produce to an unknown topic with auto-create off gets UNKNOWN_TOPIC_OR_PARTITION', { timeout: 30_000 }, async () => {
  const batch = buildRecordBatch([{ key: null, value: Buffer.from('nobody home') }]);
  assert.equal((await produceRaw(batch, 'no-such-topic')).errorCode, UNKNOWN_TOPIC_OR_PARTITION);
});

test('a batch larger than message.max.bytes gets MESSAGE_TOO_LARGE', { timeout: 30_000 }, async () => {
  const batch = buildRecordBatch([{ key: null, value: randomBytes(MESSAGE_MAX_BYTES + 1024) }]);
  assert.ok(batch.length < SOCKET_REQUEST_MAX_BYTES);
  assert.equal((await produceRaw(batch)).errorCode, MESSAGE_TOO_LARGE);
});

test('after all of it, KafkaJS still produces and the records read back', { timeout: 60_000 }, async () => {
  const producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const values = Array.from({ length: 20 }, (_, i) => `after-${i}`);
  try {
    await producer.send({ topic: TOPIC, acks: -1, messages: values.map((value) => ({ key: 'k', value })) });
  } finally {
    await producer.disconnect();
  }
  const read = await readTopicWithPlatformatic(broker.bootstrap, TOPIC);
  assert.deepEqual(read.map((record) => record.value?.toString('utf8')), ['valid', ...values]);
  assert.deepEqual(read.map((record) => record.offset), read.map((_, i) => BigInt(i)));
});
