/**
 * DeleteRecords as an admin uses it: the log start offset (low watermark) moves up, ListOffsets
 * earliest follows it, reads below it are OFFSET_OUT_OF_RANGE, and it survives a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchOf, batchesOf, createTopic, fetchBody, listOffset, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker } from './helpers/test-broker.ts';

async function deleteRecords(client: KafkaApiClient, topic: string, offset: bigint, version = 2) {
  const response = await client.call(Api.deleteRecords, version, {
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset }] }],
    timeoutMs: 10_000,
  });
  return response.topics[0]!.partitions[0]!;
}

test('DeleteRecords moves the low watermark; earliest follows; reads below it are out of range; a restart keeps it', { timeout: 30_000 }, async () => {
  // Small segments, so deleting records also deletes whole segments.
  let broker = await startTestBroker({ 'log.segment.bytes': '1024' });
  const dataDir = broker.dataDir;
  let client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    assert.equal((await createTopic(client, 'trimmed')).errorCode, ErrorCode.NONE);
    for (let i = 0; i < 10; i++) {
      assert.equal((await produce(client, 'trimmed', 0, batchOf([`${i}`.repeat(200)]))).errorCode, ErrorCode.NONE);
    }
    for (const version of [0, 1]) {
      const refused = await deleteRecords(client, 'trimmed', 11n, version);
      assert.equal(refused.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'beyond the high watermark');
    }
    const deleted = await deleteRecords(client, 'trimmed', 6n);
    assert.equal(deleted.errorCode, ErrorCode.NONE);
    assert.equal(deleted.lowWatermark, 6n);
    assert.equal((await listOffset(client, 'trimmed', -2n)).offset, 6n);
    // Never backwards.
    assert.equal((await deleteRecords(client, 'trimmed', 3n)).lowWatermark, 6n);

    const below = onlyPartition(await client.call(Api.fetch, 12, fetchBody({ topic: 'trimmed', fetchOffset: 5n })));
    assert.equal(below.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    const at = onlyPartition(await client.call(Api.fetch, 12, fetchBody({ topic: 'trimmed', fetchOffset: 6n })));
    assert.equal(at.errorCode, ErrorCode.NONE);
    assert.equal(at.logStartOffset, 6n);
    assert.equal(batchesOf(at)[0]!.records[0]!.value!.toString(), '6'.repeat(200));

    client.close();
    await broker.close();
    broker = await startTestBroker({ 'log.segment.bytes': '1024' }, dataDir);
    client = await KafkaApiClient.open(broker.host, broker.port);
    assert.equal((await listOffset(client, 'trimmed', -2n)).offset, 6n, 'the log start offset survives a restart');
    assert.equal((await listOffset(client, 'trimmed', -1n)).offset, 10n);

    // -1 deletes everything up to the high watermark.
    const all = await deleteRecords(client, 'trimmed', -1n);
    assert.deepEqual([all.errorCode, all.lowWatermark], [ErrorCode.NONE, 10n]);
    const newest = await listOffset(client, 'trimmed', -3n);
    assert.deepEqual([newest.errorCode, newest.offset], [ErrorCode.NONE, -1n], 'max timestamp of an emptied log is -1, as in Kafka');
    assert.equal((await produce(client, 'trimmed', 0, batchOf(['after']))).baseOffset, 10n);
  } finally {
    client.close();
    await broker.close();
    await removeTempDir(dataDir);
  }
});

test('DeleteRecords: unknown topics and compacted topics are refused', { timeout: 20_000 }, async () => {
  const broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  const client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    assert.equal((await deleteRecords(client, 'nowhere', 0n)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await createTopic(client, 'compacted', { configs: { 'cleanup.policy': 'compact' } });
    await produce(client, 'compacted', 0, batchOf(['a']));
    assert.equal((await deleteRecords(client, 'compacted', 1n)).errorCode, ErrorCode.POLICY_VIOLATION);
  } finally {
    client.close();
    await broker.close();
    await removeTempDir(broker.dataDir);
  }
});
