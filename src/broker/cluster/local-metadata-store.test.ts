import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalMetadataStore } from './local-metadata-store.ts';

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

test('producer id blocks follow one another and are in the file before they are handed out; a reopened store goes on after them', async () => {
  await withDir(async (dir) => {
    const store = await LocalMetadataStore.open(dir, CLUSTER_ID);
    const first = await store.allocateProducerIdBlock(1);
    assert.deepEqual(first, { assignedBrokerId: 1, firstProducerId: 0n, size: 1000 });
    const saved = JSON.parse(await readFile(join(dir, 'samsa-metadata.json'), 'utf8'));
    assert.equal(saved.version, 2);
    assert.equal(saved.latestProducerIdBlockEnd, '999');
    const [second, third] = await Promise.all([store.allocateProducerIdBlock(1), store.allocateProducerIdBlock(1)]);
    assert.deepEqual([second!.firstProducerId, third!.firstProducerId], [1000n, 2000n]);
    await store.createTopic(topic);
    await store.close();

    const reopened = await LocalMetadataStore.open(dir, CLUSTER_ID);
    assert.deepEqual(reopened.topic('orders'), topic);
    assert.equal((await reopened.allocateProducerIdBlock(1)).firstProducerId, 3000n);
    await reopened.close();
  });
});

test('a version 1 file (before producer ids) reads as it did, with no block handed out yet', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'samsa-metadata.json'), JSON.stringify({ version: 1, clusterId: CLUSTER_ID, topics: [topic] }));
    const store = await LocalMetadataStore.open(dir, CLUSTER_ID);
    assert.deepEqual(store.topics(), [topic]);
    assert.equal((await store.allocateProducerIdBlock(1)).firstProducerId, 0n);
    await store.close();
    const saved = JSON.parse(await readFile(join(dir, 'samsa-metadata.json'), 'utf8'));
    assert.deepEqual(saved, { version: 2, clusterId: CLUSTER_ID, topics: [topic], latestProducerIdBlockEnd: '999' });
  });
});

test('a file whose latest block end is not a producer id, or of an unknown version, is refused', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'samsa-metadata.json');
    await writeFile(path, JSON.stringify({ version: 2, clusterId: CLUSTER_ID, topics: [], latestProducerIdBlockEnd: 999 }));
    await assert.rejects(LocalMetadataStore.open(dir, CLUSTER_ID), /latestProducerIdBlockEnd/);
    await writeFile(path, JSON.stringify({ version: 3, clusterId: CLUSTER_ID, topics: [] }));
    await assert.rejects(LocalMetadataStore.open(dir, CLUSTER_ID), /unknown metadata version 3/);
  });
});
