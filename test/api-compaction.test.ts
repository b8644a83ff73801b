/**
 * Compaction through the broker: a compacted topic keeps the latest record per key once the
 * cleaner has run, keeps offsets, drops tombstones after delete.retention.ms, never touches the
 * active segment, and real consumers (kcat) read across the gaps it leaves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import { buildRecordBatch } from '../src/protocol/records/record-batch-builder.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchesOf, createTopic, fetchBody, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { kcat } from './helpers/kcat.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

interface Read {
  offset: number;
  key: string;
  value: string | null;
}

async function readAll(client: KafkaApiClient, topic: string): Promise<Read[]> {
  const read: Read[] = [];
  let fetchOffset = 0n;
  for (;;) {
    const partition = onlyPartition(await client.call(Api.fetch, 12, fetchBody({ topic, fetchOffset })));
    assert.equal(partition.errorCode, ErrorCode.NONE);
    const batches = batchesOf(partition);
    if (batches.length === 0) return read;
    for (const batch of batches) {
      for (const record of batch.records) {
        if (record.offset >= Number(fetchOffset)) {
          read.push({ offset: record.offset, key: record.key!.toString(), value: record.value?.toString() ?? null });
        }
      }
      fetchOffset = BigInt(batch.baseOffset + batch.lastOffsetDelta + 1);
    }
  }
}

test('a compacted topic keeps the latest value per key with its original offset; kcat reads across the gaps', { timeout: 60_000 }, async () => {
  const broker = await startTestBroker({ 'log.cleaner.backoff.ms': '20' });
  const client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    const configs = {
      'cleanup.policy': 'compact', 'segment.bytes': '2048', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '0',
    };
    assert.equal((await createTopic(client, 'table', { configs })).errorCode, ErrorCode.NONE);
    const latest = new Map<string, { offset: number; value: string | null }>();
    const written: Read[] = [];
    for (let round = 0; round < 30; round++) {
      const records = [0, 1, 2, 3].map((k) => {
        const key = `key-${(round + k) % 6}`;
        // key-5 is deleted (a tombstone) in the last rounds.
        const value = key === 'key-5' && round >= 25 ? null : `${key}@${round}-${'v'.repeat(40)}`;
        return { key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: Date.now() };
      });
      const answer = await produce(client, 'table', 0, buildRecordBatch(records));
      assert.equal(answer.errorCode, ErrorCode.NONE);
      records.forEach((record, i) => {
        const read = { offset: Number(answer.baseOffset) + i, key: record.key.toString(), value: record.value?.toString() ?? null };
        written.push(read);
        latest.set(read.key, read);
      });
    }
    assert.equal(written.at(-1)!.offset, 119);

    // Cleaned: every key once at most in the cleaned part, the rest is the active segment's.
    await waitFor(async () => (await readAll(client, 'table')).length < 40, 30_000, { what: 'the cleaner to compact the topic' });
    const after = await readAll(client, 'table');
    const offsets = after.map((record) => record.offset);
    assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), 'offsets stay in order');
    assert.equal(new Set(offsets).size, offsets.length);
    const lastRead = new Map<string, Read>();
    for (const record of after) {
      const original = written.find((each) => each.offset === record.offset);
      assert.deepEqual(record, original, `offset ${record.offset} keeps its record`);
      lastRead.set(record.key, record);
    }
    for (const [key, { offset: lastOffset, value }] of latest) {
      if (value === null) continue;
      assert.equal(lastRead.get(key)?.offset, lastOffset, `${key}: the latest value survives`);
    }
    assert.equal(after.at(-1)!.offset, 119, 'the log end is untouched');

    // A real consumer reads the compacted log from the beginning across the offset gaps.
    const { stdout } = await kcat(['-b', `${broker.host}:${broker.port}`, '-C', '-t', 'table', '-o', 'beginning', '-e', '-q', '-f', '%o %k\n']);
    const consumed = stdout.trim().split('\n').map((line) => Number(line.split(' ')[0]));
    assert.deepEqual(consumed, offsets);
  } finally {
    client.close();
    await broker.close();
    await removeTempDir(broker.dataDir);
  }
});
