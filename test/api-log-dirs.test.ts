/**
 * Several log dirs: new partitions go to the least loaded dir, DescribeLogDirs reports each dir's
 * space and partitions, and a dir that fails (here: its disk fills up) takes only its own
 * partitions offline (KAFKA_STORAGE_ERROR) while the other dir's partitions keep working.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../src/protocol/errors.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchOf, createTopic, produce } from './helpers/kafka-apis.ts';
import { mountSmallFileSystem } from './helpers/small-mount.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker } from './helpers/test-broker.ts';

test('two log dirs: partitions spread, DescribeLogDirs reports them, a full dir goes offline alone', { timeout: 60_000 }, async () => {
  const small = mountSmallFileSystem(1024 * 1024, 8 * 1024 * 1024);
  const roomy = mkdtempSync(join(tmpdir(), 'samsa-roomy-'));
  const broker = await startTestBroker({ 'log.dirs': `${roomy},${small.dir}` }, undefined, { silent: true });
  const client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    assert.equal((await createTopic(client, 'spread', { numPartitions: 4 })).errorCode, ErrorCode.NONE);
    for (let partition = 0; partition < 4; partition++) {
      assert.equal((await produce(client, 'spread', partition, batchOf([`p${partition}`]))).errorCode, ErrorCode.NONE);
    }

    for (const version of [1, 4]) {
      const described = await client.call(Api.describeLogDirs, version, { topics: null });
      const dirs = new Map(described.results.map((result) => [result.logDir, result]));
      assert.deepEqual([...dirs.keys()].sort(), [roomy, small.dir].sort());
      const counts = [roomy, small.dir].map((dir) => dirs.get(dir)!.topics.flatMap((topic) => topic.partitions).length);
      assert.deepEqual(counts, [2, 2], 'new partitions go to the least loaded dir');
      for (const result of described.results) {
        assert.equal(result.errorCode, ErrorCode.NONE);
        for (const partition of result.topics[0]!.partitions) assert.ok(partition.partitionSize > 0n);
        if (version >= 4) assert.ok(result.totalBytes! > 0n && result.usableBytes! >= 0n);
      }
    }
    const filtered = await client.call(Api.describeLogDirs, 4, { topics: [{ topic: 'spread', partitions: [3] }] });
    assert.deepEqual(filtered.results.flatMap((result) => result.topics.flatMap((topic) => topic.partitions.map((p) => p.partitionIndex))), [3]);

    // Fill the small dir through its partitions until it fails.
    const onSmall = (await client.call(Api.describeLogDirs, 4, { topics: null })).results
      .find((result) => result.logDir === small.dir)!.topics[0]!.partitions.map((p) => p.partitionIndex);
    const onRoomy = [0, 1, 2, 3].filter((partition) => !onSmall.includes(partition));
    const big = batchOf(Array.from({ length: 32 }, (_, i) => `${i}`.padEnd(1024, 'x')));
    let failure: number | undefined;
    for (let i = 0; i < 100 && failure === undefined; i++) {
      const answer = await produce(client, 'spread', onSmall[0]!, big);
      if (answer.errorCode !== ErrorCode.NONE) failure = answer.errorCode;
    }
    assert.equal(failure, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal((await produce(client, 'spread', onSmall[1]!, batchOf(['tiny']))).errorCode, ErrorCode.KAFKA_STORAGE_ERROR,
      'every partition of the failed dir is offline');
    for (const partition of onRoomy) {
      assert.equal((await produce(client, 'spread', partition, batchOf(['still here']))).errorCode, ErrorCode.NONE);
    }
    const after = await client.call(Api.describeLogDirs, 4, { topics: null });
    const errors = new Map(after.results.map((result) => [result.logDir, result.errorCode]));
    assert.equal(errors.get(small.dir), ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal(errors.get(roomy), ErrorCode.NONE);
  } finally {
    client.close();
    await broker.close();
    small.unmount();
    await removeTempDir(roomy);
    await removeTempDir(broker.dataDir);
  }
});
