/**
 * AlterReplicaLogDirs (KIP-113) on a single node with two log dirs: a partition moves to the other
 * dir while a producer keeps producing, throttled by replica.alter.log.dirs.io.max.bytes.per.second
 * so that DescribeLogDirs shows the future replica on its way; afterwards every record is read back
 * from the new dir, the old one is gone, and the log start offset, leader epochs and records stay
 * the same across a restart. Bad input answers as Kafka does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from '../src/client/index.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchesOf, batchOf, createTopic, deleteRecordsBefore, fetchBody, listOffset, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { mountSmallFileSystem } from './helpers/small-mount.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

type Placement = { logDir: string; isFuture: boolean; offsetLag: bigint };

/** Where DescribeLogDirs (v4) places topic-partition: one entry per log dir holding it, futures included. */
async function placements(client: KafkaApiClient, topic: string, partition = 0): Promise<Placement[]> {
  const described = await client.call(Api.describeLogDirs, 4, { topics: [{ topic, partitions: [partition] }] });
  return described.results.flatMap((dir) => dir.topics.flatMap((t) => t.partitions.map((p) => ({ logDir: dir.logDir, isFuture: p.isFutureKey, offsetLag: p.offsetLag }))));
}

async function alterLogDir(client: KafkaApiClient, logDir: string, topic: string, partitions: number[], version = 2): Promise<number[]> {
  const answer = await client.call(Api.alterReplicaLogDirs, version, { dirs: [{ path: logDir, topics: [{ name: topic, partitions }] }] });
  return answer.results.flatMap((result) => result.partitions.map((p) => p.errorCode));
}

/** Every record value from `from` to the log end, in offset order. */
async function readAll(client: KafkaApiClient, topic: string, from: bigint): Promise<string[]> {
  const values: string[] = [];
  for (let offset = from; ;) {
    const partition = onlyPartition(await client.call(Api.fetch, 12, fetchBody({ topic, fetchOffset: offset })));
    assert.equal(partition.errorCode, ErrorCode.NONE);
    const batches = batchesOf(partition);
    if (batches.length === 0) return values;
    for (const batch of batches) {
      for (const record of batch.records) if (record.offset >= offset) values.push(record.value!.toString());
    }
    offset = BigInt(batches.at(-1)!.lastOffset + 1);
  }
}

test('a partition moves to the other log dir while a producer produces; every record survives, a restart too', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'samsa-alter-dirs-'));
  const [first, second] = [join(root, 'disk-a'), join(root, 'disk-b')];
  const overrides = {
    'log.dirs': `${first},${second}`,
    // About 3 s for the half MB below: long enough to watch the future replica fill.
    'replica.alter.log.dirs.io.max.bytes.per.second': '200000',
    'log.segment.bytes': '65536',
  };
  let broker = await startTestBroker(overrides, undefined, { silent: true });
  let client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    assert.equal((await createTopic(client, 'moving')).errorCode, ErrorCode.NONE);
    const produced: string[] = [];
    const send = async (values: string[]) => {
      assert.equal((await produce(client, 'moving', 0, batchOf(values))).errorCode, ErrorCode.NONE);
      produced.push(...values);
    };
    for (let i = 0; i < 50; i++) await send(Array.from({ length: 10 }, (_, j) => `before-${i}-${j}-`.padEnd(1000, 'x')));
    // A log start inside a batch, and a leader epoch that starts with no batch yet: both must move.
    assert.equal((await deleteRecordsBefore(client, 'moving', 5n)).errorCode, ErrorCode.NONE);
    broker.replicaManager.makeLeader('moving', 0, 3);
    const [before] = await placements(client, 'moving');
    assert.ok(before !== undefined && !before.isFuture);
    const source = before.logDir;
    const target = source === first ? second : first;
    // Epoch 3 starts at the log end with no batch yet; the checkpoint is written off the event loop.
    const epochsBefore = await waitFor(() => {
      const text = readFileSync(join(source, 'moving-0', 'leader-epoch-checkpoint'), 'utf8');
      return /^3 500$/m.test(text) ? text : undefined;
    }, 5000, { what: 'epoch 3 in the leader epoch checkpoint' });

    let producing = true;
    const producer = (async () => {
      for (let i = 0; producing; i++) {
        await send([`during-${i}`]);
        await sleep(5);
      }
    })();
    assert.deepEqual(await alterLogDir(client, target, 'moving', [0]), [ErrorCode.NONE]);
    const during = await waitFor(async () => {
      const now = await placements(client, 'moving');
      return now.some((p) => p.logDir === target && p.isFuture && p.offsetLag > 0n) ? now : undefined;
    }, 10_000, { what: 'the future replica in the target dir' });
    assert.deepEqual(during.filter((p) => !p.isFuture).map((p) => p.logDir), [source], 'the current replica stays in its dir while moving');
    assert.ok(readdirSync(target).some((name) => /^moving-0\.[0-9a-f]{32}-future$/.test(name)), 'the future log dir is topic-partition.<uuid>-future');
    await waitFor(async () => {
      const now = await placements(client, 'moving');
      return now.length === 1 && now[0]!.logDir === target && !now[0]!.isFuture;
    }, 60_000, { what: 'the move to finish' });
    await sleep(200); // a few more appends land in the new dir
    producing = false;
    await producer;
    assert.ok(produced.some((value) => value.startsWith('during-')));

    assert.deepEqual(await readAll(client, 'moving', 5n), produced.slice(5), 'every record, in order, from the log start on');
    assert.equal((await listOffset(client, 'moving', -2n)).offset, 5n, 'the log start offset moved with the log');
    assert.equal(readFileSync(join(target, 'moving-0', 'leader-epoch-checkpoint'), 'utf8'), epochsBefore, 'the leader epochs moved with the log');
    await waitFor(() => readdirSync(source).every((name) => !name.startsWith('moving-0')), 10_000, { what: 'the old dir to be removed' });
    assert.deepEqual(readdirSync(target).filter((name) => name.startsWith('moving-0')), ['moving-0']);
    assert.deepEqual(await alterLogDir(client, target, 'moving', [0]), [ErrorCode.NONE], 'already there');

    client.close();
    await broker.close();
    broker = await startTestBroker(overrides, broker.dataDir, { silent: true });
    client = await KafkaApiClient.open(broker.host, broker.port);
    assert.deepEqual(await placements(client, 'moving'), [{ logDir: target, isFuture: false, offsetLag: 0n }]);
    assert.deepEqual(await readAll(client, 'moving', 5n), produced.slice(5), 'the same records after a restart');
    assert.equal((await listOffset(client, 'moving', -2n)).offset, 5n);
    await send(['after-restart']);
    assert.deepEqual((await readAll(client, 'moving', 5n)).at(-1), 'after-restart');
    assert.ok(!existsSync(join(source, 'moving-0')));
  } finally {
    client.close();
    await broker.close();
    await removeTempDir(root);
    await removeTempDir(broker.dataDir);
  }
});

test('AlterReplicaLogDirs: unknown dir, unknown partition (remembered for when it comes), offline dir', { timeout: 60_000 }, async () => {
  const small = mountSmallFileSystem(1024 * 1024, 8 * 1024 * 1024);
  const roomy = mkdtempSync(join(tmpdir(), 'samsa-roomy-'));
  const third = mkdtempSync(join(tmpdir(), 'samsa-third-'));
  const broker = await startTestBroker({ 'log.dirs': `${roomy},${small.dir},${third}` }, undefined, { silent: true });
  const client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    assert.deepEqual(await alterLogDir(client, join(roomy, 'elsewhere'), 'later', [0]), [ErrorCode.LOG_DIR_NOT_FOUND]);
    assert.deepEqual(await alterLogDir(client, 'relative/dir', 'later', [0], 0), [ErrorCode.LOG_DIR_NOT_FOUND]);
    // Not hosted yet: REPLICA_NOT_AVAILABLE, and its log is created in that dir when it is (not the least loaded one).
    assert.equal((await createTopic(client, 'filler', { numPartitions: 1 })).errorCode, ErrorCode.NONE);
    const fillerDir = (await placements(client, 'filler'))[0]!.logDir;
    assert.deepEqual(await alterLogDir(client, fillerDir, 'later', [0, 1], 1), [ErrorCode.REPLICA_NOT_AVAILABLE, ErrorCode.REPLICA_NOT_AVAILABLE]);
    assert.equal((await createTopic(client, 'later', { numPartitions: 2 })).errorCode, ErrorCode.NONE);
    assert.equal((await placements(client, 'later', 0))[0]!.logDir, fillerDir);
    assert.equal((await placements(client, 'later', 1))[0]!.logDir, fillerDir);

    // Fill the small dir through a partition of its own until it fails and goes offline.
    assert.equal((await createTopic(client, 'spread', { numPartitions: 3 })).errorCode, ErrorCode.NONE);
    const onSmall = await waitFor(async () => {
      for (const partition of [0, 1, 2]) if ((await placements(client, 'spread', partition))[0]!.logDir === small.dir) return { partition };
      return undefined;
    }, 5000);
    const big = batchOf(Array.from({ length: 32 }, (_, i) => `${i}`.padEnd(1024, 'x')));
    let failure: number | undefined;
    for (let i = 0; i < 100 && failure === undefined; i++) {
      const answer = await produce(client, 'spread', onSmall.partition, big);
      if (answer.errorCode !== ErrorCode.NONE) failure = answer.errorCode;
    }
    assert.equal(failure, ErrorCode.KAFKA_STORAGE_ERROR);
    const roomyPartition = [0, 1, 2].find((p) => p !== onSmall.partition)!;
    assert.deepEqual(await alterLogDir(client, small.dir, 'spread', [roomyPartition]), [ErrorCode.KAFKA_STORAGE_ERROR], 'an offline target');
    assert.deepEqual(await alterLogDir(client, third, 'spread', [onSmall.partition]), [ErrorCode.KAFKA_STORAGE_ERROR], 'a replica in an offline dir');
    const elsewhere = (await placements(client, 'spread', roomyPartition))[0]!.logDir === third ? roomy : third;
    assert.deepEqual(await alterLogDir(client, elsewhere, 'spread', [roomyPartition]), [ErrorCode.KAFKA_STORAGE_ERROR],
      'no future log while a dir is offline, as Kafka');
    assert.equal((await produce(client, 'spread', roomyPartition, batchOf(['still served']))).errorCode, ErrorCode.NONE);
  } finally {
    client.close();
    await broker.close();
    small.unmount();
    await removeTempDir(roomy);
    await removeTempDir(third);
    await removeTempDir(broker.dataDir);
  }
});

test('Admin.alterReplicaLogDirs asks the broker named; describeLogDirs sees the replica arrive', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'samsa-admin-dirs-'));
  const [first, second] = [join(root, 'a'), join(root, 'b')];
  const broker = await startTestBroker({ 'log.dirs': `${first},${second}` }, undefined, { silent: true });
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  try {
    await admin.createTopics([{ topic: 'admin-moved', numPartitions: 2 }]);
    const before = await admin.describeLogDirs({ topics: [{ topic: 'admin-moved', partitions: [0, 1] }] });
    const brokerId = before[0]!.brokerId;
    const dirOf = (partition: number, dirs = before) => dirs.find((d) => d.partitions.some((p) => p.partition === partition && !p.isFuture))!.logDir;
    const target = dirOf(0) === first ? second : first;
    const results = await admin.alterReplicaLogDirs([
      { topic: 'admin-moved', partition: 0, brokerId, logDir: target },
      { topic: 'admin-moved', partition: 7, brokerId, logDir: target },
    ]);
    assert.deepEqual(results.map((r) => [r.partition, r.brokerId, r.error?.code ?? ErrorCode.NONE]),
      [[0, brokerId, ErrorCode.NONE], [7, brokerId, ErrorCode.REPLICA_NOT_AVAILABLE]]);
    await waitFor(async () => dirOf(0, await admin.describeLogDirs({ topics: [{ topic: 'admin-moved', partitions: [0] }] })) === target, 10_000);
  } finally {
    await admin.close();
    await broker.close();
    await removeTempDir(root);
    await removeTempDir(broker.dataDir);
  }
});
