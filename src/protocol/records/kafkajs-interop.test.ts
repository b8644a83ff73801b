import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { CompressionType } from './batch-header.ts';
import { validateBatches } from './batch-validator.ts';
import { buildRecordBatch } from './record-batch-builder.ts';
import { decodeRecordBatches } from './record-batch.ts';

// KafkaJS's own batch encoder/decoder and its pure-JS CRC-32C: an independent implementation.
const require = createRequire(import.meta.url);
const KafkaJSRecordBatch = require('kafkajs/src/protocol/recordBatch/v0').RecordBatch;
const KafkaJSRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
const KafkaJSBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder');
const KafkaJSDecoder = require('kafkajs/src/protocol/decoder');

const NOW = 1_700_000_000_000;

for (const compression of [CompressionType.none, CompressionType.gzip]) {
  test(`KafkaJS-produced batches (codec ${compression}) validate and decode`, async () => {
    const records = Array.from({ length: 5 }, (_, i) => KafkaJSRecord({
      offsetDelta: i, timestampDelta: i, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), headers: { h: `x${i}` },
    }));
    const encoder = await KafkaJSRecordBatch({
      compression, firstTimestamp: NOW, maxTimestamp: NOW + 4, lastOffsetDelta: 4, records,
      producerId: -1, producerEpoch: -1, firstSequence: -1, partitionLeaderEpoch: -1,
    });
    const batch: Buffer = encoder.buffer;
    const result = validateBatches(batch, {
      maxMessageBytes: 1e6, timestampType: 'CreateTime', now: NOW, timestampDiffMs: { before: 1e6, after: 1e6 },
    });
    assert.equal(result.recordCount, 5);
    const [decoded] = decodeRecordBatches(batch);
    assert.deepEqual(decoded!.records.map((r) => [r.offset, r.timestamp, r.key!.toString(), r.value!.toString(), r.headers[0]!.value!.toString()]),
      [0, 1, 2, 3, 4].map((i) => [i, NOW + i, `k${i}`, `v${i}`, `x${i}`]));
  });

  test(`KafkaJS decodes our batches (codec ${compression})`, async () => {
    const ours = buildRecordBatch(Array.from({ length: 4 }, (_, i) => ({
      key: i === 0 ? null : Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), headers: [{ key: 'h', value: Buffer.from('y') }],
      timestamp: NOW + i,
    })), { compression, baseOffset: 10 });
    const decoded = await KafkaJSBatchDecoder(new KafkaJSDecoder(ours));
    assert.deepEqual(decoded.records.map((r: { offset: string; key: Buffer | null; value: Buffer }) => [r.offset, r.key?.toString() ?? null, r.value.toString()]),
      [['10', null, 'v0'], ['11', 'k1', 'v1'], ['12', 'k2', 'v2'], ['13', 'k3', 'v3']]);
  });
}
