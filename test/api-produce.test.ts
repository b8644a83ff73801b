/**
 * Produce as a producer sees it: the three acks settings (acks=0 answers nothing yet stores the
 * records), refused acks values, min.insync.replicas, one batch per partition from v3, zstd only
 * from v7, the flexible v11, and in-order answers to pipelined requests on one connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import type { ProduceResponse } from '../src/protocol/generated/produce.ts';
import { CompressionType } from '../src/protocol/records/batch-header.ts';
import { buildRecordBatch } from '../src/protocol/records/record-batch-builder.ts';
import type { PendingRequest } from './helpers/kafka-api-client.ts';
import { Api, batchOf, batchesOf, createTopic, fetchBody, listOffset, metadata, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { apiTestBroker } from './helpers/api-test-broker.ts';

const api = apiTestBroker();
const { open } = api;

async function freshTopic(name: string, configs: Record<string, string> = {}): Promise<string> {
  const created = await createTopic(api.client, name, { configs });
  assert.equal(created.errorCode, ErrorCode.NONE, `create ${name}: ${created.errorMessage}`);
  return name;
}

async function values(topic: string): Promise<string[]> {
  const partition = onlyPartition(await api.client.call(Api.fetch, 12, fetchBody({ topic })));
  assert.equal(partition.errorCode, ErrorCode.NONE);
  return batchesOf(partition).flatMap((batch) => batch.records.map((record) => record.value?.toString() ?? ''));
}

test('acks=0 gets no response, yet the records are stored before the next request is answered', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('produce-acks-0');
  const connection = await open();
  for (const version of [3, 7, 9, 11]) {
    connection.send(Api.produce, version, {
      transactionalId: null, acks: 0, timeoutMs: 10_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: batchOf([`v${version}`]) }] }],
    });
  }
  // The next response on this connection must be the ListOffsets one (the client checks its
  // correlation id), and it already sees all four batches: requests are handled in order.
  const latest = await listOffset(connection, topic, -1n);
  assert.equal(latest.errorCode, ErrorCode.NONE);
  assert.equal(latest.offset, 4n);
  const described = await metadata(connection, [topic], { allowAutoTopicCreation: false });
  assert.equal(described.topics[0]?.errorCode, ErrorCode.NONE);
  assert.equal(connection.connection.pendingFrames, 0, 'nothing answered the acks=0 produces');
  assert.deepEqual(await values(topic), ['v3', 'v7', 'v9', 'v11']);
});

for (const acks of [1, -1]) {
  test(`acks=${acks} answers with the base offset once the batch is stored`, { timeout: 20_000 }, async () => {
    const topic = await freshTopic(`produce-acks${acks === 1 ? '1' : '-all'}`);
    const first = await produce(api.client, topic, 0, batchOf(['a', 'b', 'c']), { acks });
    assert.equal(first.errorCode, ErrorCode.NONE);
    assert.equal(first.baseOffset, 0n);
    assert.equal(first.logAppendTimeMs, -1n, 'CreateTime topics answer logAppendTime -1');
    assert.equal(first.logStartOffset, 0n);
    const second = await produce(api.client, topic, 0, batchOf(['d']), { acks });
    assert.equal(second.errorCode, ErrorCode.NONE);
    assert.equal(second.baseOffset, 3n);
    assert.deepEqual(await values(topic), ['a', 'b', 'c', 'd']);
  });
}

test('acks=2 is INVALID_REQUIRED_ACKS and stores nothing', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('produce-acks-2');
  for (const acks of [2, -2]) {
    const answer = await produce(api.client, topic, 0, batchOf(['refused']), { acks });
    assert.equal(answer.errorCode, ErrorCode.INVALID_REQUIRED_ACKS, `acks=${acks}`);
  }
  assert.equal((await listOffset(api.client, topic, -1n)).offset, 0n);
});

test('min.insync.replicas=2 on one replica: acks=-1 is NOT_ENOUGH_REPLICAS, acks=1 succeeds', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('produce-min-isr', { 'min.insync.replicas': '2' });
  const refused = await produce(api.client, topic, 0, batchOf(['needs two replicas']), { acks: -1 });
  assert.equal(refused.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
  const accepted = await produce(api.client, topic, 0, batchOf(['one is enough']), { acks: 1 });
  assert.equal(accepted.errorCode, ErrorCode.NONE);
  assert.equal(accepted.baseOffset, 0n);
  assert.deepEqual(await values(topic), ['one is enough']);
});

test('two batches in one partition\'s records (v3+) are INVALID_RECORD and stored not at all', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('produce-two-batches');
  const records = Buffer.concat([batchOf(['first']), batchOf(['second'])]);
  for (const version of [3, 7, 9, 11]) {
    const answer = await produce(api.client, topic, 0, records, { version });
    assert.equal(answer.errorCode, ErrorCode.INVALID_RECORD, `v${version}`);
  }
  assert.equal((await listOffset(api.client, topic, -1n)).offset, 0n);
});

test('a zstd batch is UNSUPPORTED_COMPRESSION_TYPE on Produce v6 and accepted on v7', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('produce-zstd');
  const zstd = batchOf(['squeezed', 'squeezed', 'squeezed'], Date.now(), { compression: CompressionType.zstd });
  for (const version of [3, 6]) {
    assert.equal((await produce(api.client, topic, 0, zstd, { version })).errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `v${version}`);
  }
  const accepted = await produce(api.client, topic, 0, zstd, { version: 7 });
  assert.equal(accepted.errorCode, ErrorCode.NONE);
  assert.deepEqual(await values(topic), ['squeezed', 'squeezed', 'squeezed']);
});

test('Produce v11 (flexible) works and an unknown topic is UNKNOWN_TOPIC_OR_PARTITION', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('produce-v11');
  const response = await api.client.call(Api.produce, 11, {
    transactionalId: null, acks: -1, timeoutMs: 10_000,
    topicData: [
      { name: topic, partitionData: [{ index: 0, records: batchOf(['flexible']) }, { index: 1, records: batchOf(['no partition']) }] },
      { name: 'produce-no-such-topic', partitionData: [{ index: 0, records: batchOf(['nowhere']) }] },
    ],
  });
  const answers = response.responses.flatMap((each) => each.partitionResponses.map((partition) => [each.name, partition.index, partition.errorCode]));
  assert.deepEqual(answers, [
    [topic, 0, ErrorCode.NONE],
    [topic, 1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ['produce-no-such-topic', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  ]);
  assert.deepEqual(await values(topic), ['flexible']);
});

test('pipelined requests on one connection are answered in order', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('produce-pipelined');
  const connection = await open();
  const sent: Array<{ kind: 'produce' | 'metadata'; pending: PendingRequest<unknown> }> = [];
  for (let i = 0; i < 30; i++) {
    const version = [3, 7, 9, 11][i % 4]!;
    const pending = connection.send(Api.produce, version, {
      transactionalId: null, acks: i % 2 === 0 ? 1 : -1, timeoutMs: 10_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: batchOf([`record-${i}`]) }] }],
    });
    sent.push({ kind: 'produce', pending });
    if (i % 10 === 9) {
      sent.push({ kind: 'metadata', pending: connection.send(Api.metadata, 1, { topics: [{ name: topic }] }) });
    }
  }
  // Responses are read strictly in sending order; each read checks its correlation id.
  let expectedOffset = 0n;
  for (const { kind, pending } of sent) {
    const response = await pending.response();
    if (kind === 'produce') {
      const answer = (response as ProduceResponse).responses[0]!.partitionResponses[0]!;
      assert.equal(answer.errorCode, ErrorCode.NONE);
      assert.equal(answer.baseOffset, expectedOffset);
      expectedOffset++;
    }
  }
  assert.equal((await values(topic)).length, 30);
});

test('an acks=0 produce that fails closes its connection, as Kafka does, so the producer notices', { timeout: 20_000 }, async () => {
  const connection = await open();
  connection.send(Api.produce, 9, {
    transactionalId: null, acks: 0, timeoutMs: 10_000,
    topicData: [{ name: 'produce-acks-0-nowhere', partitionData: [{ index: 0, records: batchOf(['lost']) }] }],
  });
  assert.equal(await connection.connection.waitClosed(10_000), true);
  assert.equal(connection.connection.pendingFrames, 0);
  assert.equal((await metadata(api.client, null)).brokers.length, 1, 'the api.broker keeps serving others');
});

test('a compacted topic refuses records without a key (INVALID_RECORD, each named in recordErrors), compressed or not, and keeps keyed ones', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('produce-compacted', { 'cleanup.policy': 'compact' });
  const keyless = (compression: CompressionType) => buildRecordBatch([
    { key: Buffer.from('k'), value: Buffer.from('a'), timestamp: Date.now() },
    { key: null, value: Buffer.from('b'), timestamp: Date.now() },
    { key: Buffer.from('k'), value: Buffer.from('c'), timestamp: Date.now() },
    { key: null, value: Buffer.from('d'), timestamp: Date.now() },
  ], { compression });
  for (const compression of [CompressionType.none, CompressionType.gzip]) {
    const refused = await produce(api.client, topic, 0, keyless(compression));
    assert.equal(refused.errorCode, ErrorCode.INVALID_RECORD, `codec ${compression}`);
    assert.deepEqual(refused.recordErrors?.map((e) => e.batchIndex), [1, 3], 'the keyless records, by index in the batch');
    for (const recordError of refused.recordErrors ?? []) assert.match(recordError.batchIndexErrorMessage ?? '', /without a key/);
    assert.match(refused.errorMessage ?? '', /^One or more records have been rejected due to 2 record errors/);
  }
  // Before v8 the response has no place for them: the code alone.
  const v7 = await produce(api.client, topic, 0, keyless(CompressionType.none), { version: 7 });
  assert.equal(v7.errorCode, ErrorCode.INVALID_RECORD);
  assert.deepEqual(v7.recordErrors ?? [], []);
  const keyed = await produce(api.client, topic, 0, batchOf(['kept']));
  assert.equal(keyed.errorCode, ErrorCode.NONE);
  assert.deepEqual(await values(topic), ['kept']);
  // compact,delete is compacted too; a delete-only topic takes keyless records.
  const both = await freshTopic('produce-compact-delete', { 'cleanup.policy': 'compact,delete' });
  assert.equal((await produce(api.client, both, 0, keyless(CompressionType.none))).errorCode, ErrorCode.INVALID_RECORD);
  const plain = await freshTopic('produce-delete-only');
  assert.equal((await produce(api.client, plain, 0, keyless(CompressionType.none))).errorCode, ErrorCode.NONE);
});

test('records with timestamps out of range are INVALID_TIMESTAMP with recordErrors naming each, read from the records behind the header', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('produce-bad-timestamps', { 'message.timestamp.before.max.ms': '3600000' });
  const now = Date.now();
  const batch = buildRecordBatch([
    { key: null, value: Buffer.from('old'), timestamp: now - 7_200_000 },
    { key: null, value: Buffer.from('fine'), timestamp: now },
    { key: null, value: Buffer.from('older'), timestamp: now - 9_000_000 },
  ]);
  const refused = await produce(api.client, topic, 0, batch);
  assert.equal(refused.errorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.equal(refused.errorMessage, 'One or more records have been rejected due to invalid timestamp');
  assert.deepEqual(refused.recordErrors?.map((e) => e.batchIndex), [0, 2]);
  assert.deepEqual(await values(topic), [], 'nothing of the batch was appended');
});

test('a transactional batch without a transactional id is TRANSACTIONAL_ID_AUTHORIZATION_FAILED for the whole request, and nothing is written', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('produce-txn-without-id');
  const response = await api.client.call(Api.produce, 9, {
    transactionalId: null, acks: -1, timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [
      { index: 0, records: batchOf(['plain']) },
      { index: 0, records: batchOf(['in a transaction'], Date.now(), { producerId: 77, producerEpoch: 0, baseSequence: 0, isTransactional: true }) },
    ] }],
  });
  assert.deepEqual(response.responses[0]!.partitionResponses.map((p) => p.errorCode),
    [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]);
  assert.deepEqual(await values(topic), []);
});
