import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../protocol/errors.ts';
import { buildBatch, readRecords } from './batch-fixture.ts';
import { InconsistentClusterIdError, StorageError } from './errors.ts';
import { logConfig } from './log-config.ts';
import { LogManager, parseTopicPartition } from './log-manager.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

function tempDirs(count: number): string[] {
  const root = tempDirSync('samsa-logs-');
  return Array.from({ length: count }, (_, i) => path.join(root, `dir${i}`));
}

const identity = { nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qg' };

test('partition dir names split at the last dash', () => {
  assert.deepEqual(parseTopicPartition('my-topic-12'), { topic: 'my-topic', partition: 12 });
  assert.deepEqual(parseTopicPartition('__consumer_offsets-49'), { topic: '__consumer_offsets', partition: 49 });
  assert.equal(parseTopicPartition('topic-0.abc-delete'), undefined);
  assert.equal(parseTopicPartition('-3'), undefined);
  assert.equal(parseTopicPartition('nodash'), undefined);
});

test('writes meta.properties, spreads partitions over log dirs, and reloads them', async () => {
  const logDirs = tempDirs(2);
  const manager = await LogManager.open({ logDirs, ...identity });
  for (const dir of logDirs) {
    const text = fs.readFileSync(path.join(dir, 'meta.properties'), 'utf8');
    assert.match(text, /^version=1$/m);
    assert.match(text, /^node\.id=1$/m);
    assert.match(text, new RegExp(`^cluster\\.id=${identity.clusterId}$`, 'm'));
  }
  const config = logConfig({ segmentBytes: 500 });
  for (let p = 0; p < 4; p++) {
    const log = manager.getOrCreateLog('my-topic', p, config);
    log.appendAsLeader(buildBatch({ records: [{ value: `p${p}` }] }), 0);
  }
  assert.equal(manager.getOrCreateLog('my-topic', 0, config), manager.getLog('my-topic', 0));
  assert.throws(() => manager.createLog('my-topic', 0, config), StorageError);
  assert.deepEqual(logDirs.map((dir) => fs.readdirSync(dir).filter((n) => n.startsWith('my-topic')).length), [2, 2]);
  await manager.closeAll();

  const reloaded = await LogManager.open({ logDirs, ...identity, configForTopic: () => config });
  assert.equal(reloaded.allLogs().length, 4);
  for (let p = 0; p < 4; p++) {
    const log = reloaded.getLog('my-topic', p);
    assert.ok(log !== undefined);
    assert.equal(log.logConfig.segmentBytes, 500);
    assert.deepEqual(readRecords(log.read(0, 1000).records).map((r) => r.value), [`p${p}`]);
  }
  await reloaded.closeAll();
});

test('deleteLog renames the dir to <topic>-<partition>.<uuid>-delete, then removes it', async () => {
  const [logDir] = tempDirs(1);
  const manager = await LogManager.open({ logDirs: [logDir], ...identity, randomUUID: () => '1234-abcd' });
  manager.createLog('t', 0).appendAsLeader(buildBatch({ records: [{ value: 'x' }] }), 0);
  const removal = manager.deleteLog('t', 0);
  assert.equal(manager.getLog('t', 0), undefined);
  assert.ok(fs.existsSync(path.join(logDir, 't-0.1234abcd-delete')));
  assert.equal(fs.existsSync(path.join(logDir, 't-0')), false);
  await removal;
  assert.equal(fs.existsSync(path.join(logDir, 't-0.1234abcd-delete')), false);
  // A recreated log starts empty.
  assert.equal(manager.createLog('t', 0).logEndOffset, 0);
  // Leftovers of an interrupted delete are removed at the next start.
  fs.mkdirSync(path.join(logDir, 't-1.ffff-delete'));
  await manager.closeAll();
  const again = await LogManager.open({ logDirs: [logDir], ...identity });
  await again.closeAll();
  assert.equal(fs.existsSync(path.join(logDir, 't-1.ffff-delete')), false);
  assert.deepEqual(again.allLogs(), []);
});

test('a log dir of another cluster or node refuses to start', async () => {
  const [logDir] = tempDirs(1);
  await (await LogManager.open({ logDirs: [logDir], ...identity })).closeAll();
  await assert.rejects(LogManager.open({ logDirs: [logDir], nodeId: 1, clusterId: 'other' }),
    (error: unknown) => error instanceof InconsistentClusterIdError && error.code === ErrorCode.INCONSISTENT_CLUSTER_ID);
  await assert.rejects(LogManager.open({ logDirs: [logDir], nodeId: 2, clusterId: identity.clusterId }), /node id/);
});

test('flush.ms: flushDirtyLogs flushes logs whose last flush is old enough', async () => {
  const [logDir] = tempDirs(1);
  let now = 0;
  const manager = await LogManager.open({ logDirs: [logDir], ...identity, now: () => now });
  const log = manager.createLog('t', 0, logConfig({ flushMs: 1000 }));
  log.appendAsLeader(buildBatch({ records: [{ value: 'x' }] }), 0);
  now = 999;
  assert.equal(log.flushIfDue(now), false);
  now = 1000;
  manager.flushDirtyLogs();
  assert.equal(log.flushIfDue(2500), false, 'nothing left to flush');
  await manager.closeAll();
});

test('closeAll leaves .kafka_cleanshutdown; a start without it recovers torn tails', async () => {
  const [logDir] = tempDirs(1);
  const manager = await LogManager.open({ logDirs: [logDir], ...identity });
  const log = manager.createLog('t', 0);
  for (let i = 0; i < 3; i++) log.appendAsLeader(buildBatch({ records: [{ value: `v${i}` }] }), 0);
  await manager.closeAll();
  assert.ok(fs.existsSync(path.join(logDir, '.kafka_cleanshutdown')));

  const clean = await LogManager.open({ logDirs: [logDir], ...identity });
  assert.equal(fs.existsSync(path.join(logDir, '.kafka_cleanshutdown')), false, 'removed once logs may be written');
  assert.equal(clean.getLog('t', 0)?.logEndOffset, 3);
  clean.getLog('t', 0)?.close(); // a crash: no marker written
  const file = path.join(logDir, 't-0', '00000000000000000000.log');
  fs.truncateSync(file, fs.statSync(file).size - 5);

  const recovered = await LogManager.open({ logDirs: [logDir], ...identity });
  const reopened = recovered.getLog('t', 0);
  assert.equal(reopened?.logEndOffset, 2);
  assert.deepEqual(readRecords(reopened.read(0, 1000).records).map((r) => r.value), ['v0', 'v1']);
  await recovered.closeAll();
});
