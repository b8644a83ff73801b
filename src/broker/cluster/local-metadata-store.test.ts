import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalMetadataStore } from './local-metadata-store.ts';
import type { TopicMetadata } from './metadata-store.ts';

const CLUSTER_ID = 'MkU3OEVBNTcwNTJENDM2Qg';

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-local-metadata-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const topic = { name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitionCount: 3, replicationFactor: 1, configs: { 'retention.ms': '1000' } };

function topicNamed(name: string, index: number): TopicMetadata {
  return { name, topicId: `AAAAAAAAAAAAAAAAAAA${String(index).padStart(3, '0')}`, partitionCount: 1, replicationFactor: 1, configs: {} };
}

const snapshotOf = async (dir: string): Promise<{ version: number; topics: TopicMetadata[]; latestProducerIdBlockEnd: string }> =>
  JSON.parse(await readFile(join(dir, 'samsa-metadata.json'), 'utf8'));
const logLines = async (dir: string): Promise<string[]> => (await readFile(join(dir, 'samsa-metadata.log'), 'utf8')).split('\n').filter((line) => line !== '');
const sorted = (topics: readonly TopicMetadata[]): TopicMetadata[] => [...topics].sort((a, b) => a.name.localeCompare(b.name));

test('producer id blocks follow one another and are on disk before they are handed out; a reopened store goes on after them', async () => {
  await withDir(async (dir) => {
    const store = await LocalMetadataStore.open(dir, CLUSTER_ID);
    const first = await store.allocateProducerIdBlock(1);
    assert.deepEqual(first, { assignedBrokerId: 1, firstProducerId: 0n, size: 1000 });
    // What a restart right now (a crash: no close) would read.
    const meanwhile = await LocalMetadataStore.open(dir, CLUSTER_ID);
    assert.equal((await meanwhile.allocateProducerIdBlock(1)).firstProducerId, 1000n);
    await meanwhile.close();
    await store.close();

    const reopened = await LocalMetadataStore.open(dir, CLUSTER_ID);
    const [second, third] = await Promise.all([reopened.allocateProducerIdBlock(1), reopened.allocateProducerIdBlock(1)]);
    assert.deepEqual([second!.firstProducerId, third!.firstProducerId], [2000n, 3000n]);
    await reopened.createTopic(topic);
    await reopened.close();

    const again = await LocalMetadataStore.open(dir, CLUSTER_ID);
    assert.deepEqual(again.topic('orders'), topic);
    assert.equal((await again.allocateProducerIdBlock(1)).firstProducerId, 4000n);
    await again.close();
  });
});

test('a version 1 or 2 file (before the metadata log) reads as it did and is rewritten as version 3 at once', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'samsa-metadata.json'), JSON.stringify({ version: 1, clusterId: CLUSTER_ID, topics: [topic] }));
    const store = await LocalMetadataStore.open(dir, CLUSTER_ID);
    assert.deepEqual(store.topics(), [topic]);
    assert.deepEqual(await snapshotOf(dir), { version: 3, clusterId: CLUSTER_ID, topics: [topic], latestProducerIdBlockEnd: '-1' });
    assert.equal((await store.allocateProducerIdBlock(1)).firstProducerId, 0n);
    await store.close();
  });
  await withDir(async (dir) => {
    await writeFile(join(dir, 'samsa-metadata.json'), JSON.stringify({ version: 2, clusterId: CLUSTER_ID, topics: [topic], latestProducerIdBlockEnd: '999' }));
    const store = await LocalMetadataStore.open(dir, CLUSTER_ID);
    assert.equal((await snapshotOf(dir)).version, 3);
    assert.equal((await store.allocateProducerIdBlock(1)).firstProducerId, 1000n);
    await store.close();
  });
});

test('a file whose latest block end is not a producer id, or of an unknown version, is refused', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'samsa-metadata.json');
    await writeFile(path, JSON.stringify({ version: 2, clusterId: CLUSTER_ID, topics: [], latestProducerIdBlockEnd: 999 }));
    await assert.rejects(LocalMetadataStore.open(dir, CLUSTER_ID), /latestProducerIdBlockEnd/);
    await writeFile(path, JSON.stringify({ version: 4, clusterId: CLUSTER_ID, topics: [] }));
    await assert.rejects(LocalMetadataStore.open(dir, CLUSTER_ID), /unknown metadata version 4/);
  });
});

test('changes are appended to the log as records, and the snapshot is left alone until the log outgrows it', async () => {
  await withDir(async (dir) => {
    const store = await LocalMetadataStore.open(dir, CLUSTER_ID);
    const before = await snapshotOf(dir);
    await Promise.all([0, 1, 2].map((index) => store.createTopic(topicNamed(`t${index}`, index))));
    await store.setTopicConfigs('t1', { 'cleanup.policy': 'compact' });
    await store.setPartitionCount('t2', 4);
    await store.deleteTopic('t0');
    assert.deepEqual(await snapshotOf(dir), before);
    assert.deepEqual((await logLines(dir)).map((line) => JSON.parse(line.slice(9)).type), ['Topic', 'Topic', 'Topic', 'Topic', 'Topic', 'RemoveTopic']);
    const expected = [{ ...topicNamed('t1', 1), configs: { 'cleanup.policy': 'compact' } }, { ...topicNamed('t2', 2), partitionCount: 4 }];
    assert.deepEqual(sorted(store.topics()), expected);
    await store.close();

    const reopened = await LocalMetadataStore.open(dir, CLUSTER_ID);
    assert.deepEqual(sorted(reopened.topics()), expected);
    assert.equal(reopened.topicById(topicNamed('t0', 0).topicId), undefined);
    assert.equal(reopened.collidingTopicName('t_1'), undefined);
    await reopened.close();
  });
});

test('once the log outgrows the snapshot, a new snapshot holds everything and the log is emptied', async () => {
  await withDir(async (dir) => {
    const store = await LocalMetadataStore.open(dir, CLUSTER_ID, { snapshotMinLogBytes: 2000 });
    const names = Array.from({ length: 40 }, (_, index) => `topic.${index}`);
    for (const [index, name] of names.entries()) await store.createTopic(topicNamed(name, index));
    const snapshot = await snapshotOf(dir);
    assert.ok(snapshot.topics.length > 0 && snapshot.topics.length < names.length, `snapshot of ${snapshot.topics.length} topics`);
    assert.ok((await logLines(dir)).length < names.length);
    assert.equal(store.collidingTopicName('topic_7'), 'topic.7');
    await store.close();

    const reopened = await LocalMetadataStore.open(dir, CLUSTER_ID);
    assert.deepEqual(reopened.topics().map((t) => t.name).sort(), [...names].sort());
    await reopened.close();
  });
});

test('a crash after the snapshot but before the log was emptied replays the log over it to the same state', async () => {
  await withDir(async (dir) => {
    const store = await LocalMetadataStore.open(dir, CLUSTER_ID, { snapshotMinLogBytes: 1500 });
    // The same name deleted and created again with a new id, among others.
    await store.createTopic(topicNamed('a', 1));
    await store.createTopic(topicNamed('b', 2));
    await store.deleteTopic('a');
    await store.createTopic(topicNamed('a', 3));
    await store.allocateProducerIdBlock(0);
    const log = await readFile(join(dir, 'samsa-metadata.log'));
    for (let index = 10; (await snapshotOf(dir)).topics.length === 0; index++) await store.createTopic(topicNamed(`c${index}`, index));
    const state = sorted(store.topics());
    await store.close();
    // The log as it was before the snapshot, with the snapshot's changes on top of it.
    await writeFile(join(dir, 'samsa-metadata.log'), Buffer.concat([log, await readFile(join(dir, 'samsa-metadata.log'))]));

    const reopened = await LocalMetadataStore.open(dir, CLUSTER_ID);
    assert.deepEqual(sorted(reopened.topics()), state);
    assert.equal(reopened.topicById(topicNamed('a', 1).topicId), undefined);
    assert.equal(reopened.topicById(topicNamed('a', 3).topicId)?.name, 'a');
    assert.equal((await reopened.allocateProducerIdBlock(0)).firstProducerId, 1000n);
    await reopened.close();
  });
});

test('a torn record at the end of the log is cut off; what came before survives, and later appends follow it', async () => {
  await withDir(async (dir) => {
    const store = await LocalMetadataStore.open(dir, CLUSTER_ID);
    await store.createTopic(topicNamed('kept', 1));
    await store.close();
    const path = join(dir, 'samsa-metadata.log');
    const whole = (await stat(path)).size;
    await appendFile(path, '0badc0de {"type":"Topic","topic":{"name":"torn"');

    const reopened = await LocalMetadataStore.open(dir, CLUSTER_ID);
    assert.deepEqual(reopened.topics().map((t) => t.name), ['kept']);
    assert.equal((await stat(path)).size, whole);
    await reopened.createTopic(topicNamed('later', 2));
    await reopened.close();

    // A record whose CRC does not match its bytes is cut too, with all after it.
    const lines = await readFile(path, 'utf8');
    await writeFile(path, lines.replace('"later"', '"LATER"'));
    const again = await LocalMetadataStore.open(dir, CLUSTER_ID);
    assert.deepEqual(again.topics().map((t) => t.name), ['kept']);
    await again.close();
  });
});
