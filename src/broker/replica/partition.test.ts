import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { buildBatch, readRecords } from '../../storage/batch-fixture.ts';
import { FileHandlePool } from '../../storage/file-handle-pool.ts';
import { gatedIo } from '../../storage/gated-file-io-fixture.ts';
import { PartitionLog } from '../../storage/partition-log.ts';
import { partitionSettings } from '../cluster/topic-settings.ts';
import { parseBrokerConfig } from '../config.ts';
import { systemTime } from '../time.ts';
import { Partition } from './partition.ts';
import { tempDirSync } from '../../../test/helpers/temp-dir.ts';

function flushEachPartition() {
  const io = gatedIo();
  const settings = partitionSettings(parseBrokerConfig({}), { 'flush.messages': '1' });
  const log = PartitionLog.open({
    dir: path.join(tempDirSync('samsa-partition-'), 'orders-0'),
    topic: 'orders', partition: 0, config: settings.log, fileHandles: new FileHandlePool({ io }),
  });
  return { io, log, partition: new Partition('orders', 0, log, settings, systemTime) };
}

test('flush.messages=1: an append counts toward the high watermark, and is served, only once its fsync has ended', async () => {
  const { io, log, partition } = flushEachPartition();
  io.holding = true;
  const first = partition.appendRecordsAsLeader(buildBatch({ records: [{ value: 'a' }] }));
  const second = partition.appendRecordsAsLeader(buildBatch({ records: [{ value: 'b' }] }));
  assert.equal(log.logEndOffset, 2, 'both are in the log (the page cache)');
  assert.equal(partition.highWatermark, 0, 'neither is durable yet');
  assert.equal(partition.read(0, 1000, true).records.length, 0);
  assert.equal((await partition.readAsync(0, 1000, true)).records.length, 0);

  io.release();
  await first.durable;
  assert.ok(partition.highWatermark >= 1);
  await second.durable;
  assert.equal(partition.highWatermark, 2);
  assert.deepEqual(readRecords((await partition.readAsync(0, 1000, true)).records).map((r) => r.value), ['a', 'b']);
  log.close();
});

test('a failed fsync fails the append\'s durability, and the partition answers KAFKA_STORAGE_ERROR from then on', async () => {
  const { io, log, partition } = flushEachPartition();
  io.failFsync = true;
  const { durable } = partition.appendRecordsAsLeader(buildBatch({ records: [{ value: 'a' }] }));
  await assert.rejects(durable!, /fsync/);
  assert.ok(log.isOffline);
  assert.throws(() => partition.read(0, 1000, true), (error: unknown) => error instanceof KafkaError && error.code === ErrorCode.KAFKA_STORAGE_ERROR);
  log.close();
});
