/**
 * Retention as an operator sees it through the broker: old segments go on the periodic check
 * (log.retention.check.interval.ms), by time and by size, leaving `.deleted` files for
 * file.delete.delay.ms; the log start offset and ListOffsets earliest follow; reads below are out
 * of range.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../src/protocol/errors.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchOf, createTopic, fetchBody, listOffset, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const HOUR = 3_600_000;

async function offsetAt(client: KafkaApiClient, topic: string, timestamp: bigint): Promise<bigint> {
  const answer = await listOffset(client, topic, timestamp);
  assert.equal(answer.errorCode, ErrorCode.NONE);
  return answer.offset ?? -1n;
}

test('retention.ms deletes segments whose newest record is older, and nothing newer', { timeout: 30_000 }, async () => {
  const broker = await startTestBroker({ 'log.retention.check.interval.ms': '50' });
  const client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    const configs = { 'retention.ms': String(HOUR), 'segment.bytes': '1024', 'file.delete.delay.ms': '200' };
    assert.equal((await createTopic(client, 'aged', { configs })).errorCode, ErrorCode.NONE);
    const old = Date.now() - 2 * HOUR;
    // Offsets 0-5 are two hours old, 6-9 are new; each batch is ~270 bytes, so several segments.
    for (let i = 0; i < 10; i++) {
      const answer = await produce(client, 'aged', 0, batchOf([`${i}`.repeat(200)], i < 6 ? old : Date.now()));
      assert.equal(answer.errorCode, ErrorCode.NONE);
    }
    const earliest = () => offsetAt(client, 'aged', -2n);
    await waitFor(async () => (await earliest()) > 0n, 10_000, { what: 'retention to delete the old segments' });
    const start = await earliest();
    assert.ok(start <= 6n, `nothing newer than retention.ms is deleted (log start ${start})`);
    assert.equal(await offsetAt(client, 'aged', -1n), 10n);
    const below = onlyPartition(await client.call(Api.fetch, 12, fetchBody({ topic: 'aged', fetchOffset: 0n })));
    assert.equal(below.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);

    // Deleted segments linger as .deleted files, then go after file.delete.delay.ms.
    const dir = join(broker.dataDir, 'aged-0');
    await waitFor(() => !readdirSync(dir).some((name) => name.endsWith('.deleted')), 10_000, { what: '.deleted files to be removed' });
    const logs = readdirSync(dir).filter((name) => name.endsWith('.log')).sort();
    assert.ok(BigInt(logs[0]!.slice(0, 20)) >= start - 5n, `the first remaining segment ${logs[0]} is near the log start ${start}`);
  } finally {
    client.close();
    await broker.close();
    await removeTempDir(broker.dataDir);
  }
});

test('retention.bytes keeps the newest segments within the limit; compact-only topics keep everything', { timeout: 30_000 }, async () => {
  const broker = await startTestBroker({ 'log.retention.check.interval.ms': '50' });
  const client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    await createTopic(client, 'sized', { configs: { 'retention.bytes': '1500', 'segment.bytes': '1024' } });
    await createTopic(client, 'kept', { configs: { 'retention.bytes': '1500', 'segment.bytes': '1024', 'cleanup.policy': 'compact' } });
    for (let i = 0; i < 20; i++) {
      await produce(client, 'sized', 0, batchOf([`${i}`.padEnd(200, '.')]));
      await produce(client, 'kept', 0, batchOf([`${i}`.padEnd(200, '.')]));
    }
    // Batches are ~270 bytes, three to a 1024-byte segment: once all 20 are in, the check deletes
    // the oldest segments while at least 1500 bytes (6 batches) would remain without them.
    await waitFor(async () => (await offsetAt(client, 'sized', -2n)) >= 9n, 10_000, { what: 'size retention' });
    const start = await offsetAt(client, 'sized', -2n);
    assert.ok(start <= 14n, `at least retention.bytes stay (log start ${start})`);
    assert.equal(await offsetAt(client, 'kept', -2n), 0n, 'cleanup.policy=compact is not subject to retention');
  } finally {
    client.close();
    await broker.close();
    await removeTempDir(broker.dataDir);
  }
});
