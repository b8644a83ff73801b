import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { InconsistentClusterIdError, StorageError } from './errors.ts';
import { ensureMetaProperties, META_PROPERTIES, storedClusterId, writeMetaProperties } from './meta-properties.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

const identity = { nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qg' };

function logDir(text?: string): string {
  const dir = tempDirSync('samsa-meta-');
  if (text !== undefined) fs.writeFileSync(path.join(dir, META_PROPERTIES), text);
  return dir;
}

test('writes the file Kafka writes, and accepts it on the next start', () => {
  const dir = logDir();
  ensureMetaProperties(dir, identity);
  assert.equal(fs.readFileSync(path.join(dir, META_PROPERTIES), 'utf8'),
    '#\n#Written by Samsa\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\nnode.id=1\nversion=1\n');
  ensureMetaProperties(dir, identity);
  assert.equal(storedClusterId([logDir(), dir]), identity.clusterId);
});

test('reads what Kafka writes: version 1 with directory.id, version 0 with broker.id and no cluster id', () => {
  const kraft = logDir('#\n#Thu Jan 01 00:00:00 UTC 2026\nnode.id=1\ndirectory.id=abc\\:def\nversion=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\n');
  ensureMetaProperties(kraft, identity);
  const zk = logDir('#\n#Thu Jan 01 00:00:00 UTC 2026\r\nbroker.id=1\r\nversion=0\r\n');
  ensureMetaProperties(zk, identity);
  assert.equal(storedClusterId([zk]), undefined);
  ensureMetaProperties(logDir('cluster.id = MkU3OEVBNTcwNTJENDM2Qg \nnode.id: 1\t\nversion 1\n'), identity);
});

test('another cluster, another node, or a file that is no meta.properties refuses the start', () => {
  assert.throws(() => ensureMetaProperties(logDir('cluster.id=other\nnode.id=1\nversion=1\n'), identity), InconsistentClusterIdError);
  assert.throws(() => ensureMetaProperties(logDir('cluster.id=MkU3OEVBNTcwNTJENDM2Qg\nnode.id=2\nversion=1\n'), identity), /node id/);
  assert.throws(() => ensureMetaProperties(logDir('node.id=1\nversion=2\n'), identity), /not a valid meta\.properties/);
  const malformed = logDir('cluster.id=\\u12\nnode.id=1\nversion=1\n');
  for (const read of [() => ensureMetaProperties(malformed, identity), () => storedClusterId([malformed])]) {
    assert.throws(read, (error: unknown) => error instanceof StorageError && /not a valid meta\.properties: malformed \\u escape/.test(error.message));
  }
});

test('a cluster id that needs escaping is written escaped and read back', () => {
  const dir = logDir();
  const clusterId = 'id with = : # ! \\ é';
  writeMetaProperties(dir, { nodeId: 7, clusterId });
  assert.match(fs.readFileSync(path.join(dir, META_PROPERTIES), 'utf8'), /^cluster\.id=id with \\= \\: \\# \\! \\\\ \\u00E9$/m);
  assert.equal(storedClusterId([dir]), clusterId);
  ensureMetaProperties(dir, { nodeId: 7, clusterId });
});
