import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_OUT_DIR, DEFAULT_RECORDS_SPEC_DIR, DEFAULT_SPEC_DIR, RECORDS_SUBDIR, generate, generateRecords, writeGenerated } from './main.ts';
import { HEADER_LINE } from './emit-message.ts';
import { kebabCase } from './names.ts';
import { readSpecs } from './spec.ts';
import { absentCondition, parseVersions, versionCondition } from './versions.ts';

test('the committed generated code is what the generator writes now (run `npm run codegen` if not)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-codegen-'));
  try {
    writeGenerated(DEFAULT_SPEC_DIR, dir);
    const listing = (d: string) => readdirSync(d).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
    for (const sub of ['', RECORDS_SUBDIR]) {
      const committed = join(DEFAULT_OUT_DIR, sub);
      const fresh = join(dir, sub);
      assert.deepEqual(listing(committed), listing(fresh));
      for (const name of listing(fresh)) {
        assert.ok(readFileSync(join(committed, name)).equals(readFileSync(join(fresh, name))), `${join(sub, name)} is stale`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('generation is deterministic and every file is marked generated', () => {
  const first = generate(readSpecs(DEFAULT_SPEC_DIR));
  const second = generate(readSpecs(DEFAULT_SPEC_DIR));
  assert.deepEqual([...first.entries()], [...second.entries()]);
  for (const [name, text] of first) assert.ok(text.startsWith(`${HEADER_LINE}\n`), name);
  for (const name of ['produce.ts', 'fetch.ts', 'api-versions.ts', 'metadata.ts', 'describe-configs.ts',
    'request-header.ts', 'response-header.ts', 'api-keys.ts', 'consumer-protocol-subscription.ts',
    'consumer-protocol-assignment.ts']) {
    assert.ok(first.has(name), name);
  }
});

test('coordinator records are generated one folder deeper, with codecs named as the data specs are', () => {
  const records = generateRecords(readSpecs(DEFAULT_RECORDS_SPEC_DIR));
  for (const name of ['offset-commit-key.ts', 'offset-commit-value.ts', 'group-metadata-key.ts', 'group-metadata-value.ts',
    'consumer-group-metadata-key.ts', 'transaction-log-value.ts']) {
    assert.ok(records.has(name), name);
  }
  const key = records.get('offset-commit-key.ts')!;
  assert.ok(key.includes("from '../../primitives/message-codec.ts'"));
  assert.ok(key.includes('export const offsetCommitKey: MessageCodec<OffsetCommitKey>'));
});

test('version ranges and conditions', () => {
  assert.deepEqual(parseVersions('3', 'x'), { min: 3, max: 3 });
  assert.deepEqual(parseVersions('1-4', 'x'), { min: 1, max: 4 });
  assert.deepEqual(parseVersions('2+', 'x'), { min: 2, max: Infinity });
  assert.ok(parseVersions('none', 'x').min > parseVersions('none', 'x').max);
  assert.throws(() => parseVersions('1-', 'x'));
  const context = { min: 0, max: 11 };
  assert.equal(versionCondition({ min: 0, max: Infinity }, context), 'true');
  assert.equal(versionCondition({ min: 3, max: Infinity }, context), 'version >= 3');
  assert.equal(versionCondition({ min: 2, max: 5 }, context), 'version >= 2 && version <= 5');
  assert.equal(versionCondition({ min: 12, max: Infinity }, context), 'false');
  assert.equal(absentCondition({ min: 3, max: Infinity }, context), 'version < 3');
  assert.equal(absentCondition({ min: 2, max: 5 }, context), '(version < 2 || version > 5)');
  assert.equal(absentCondition({ min: 0, max: Infinity }, context), 'false');
});

test('names', () => {
  assert.equal(kebabCase('ApiVersions'), 'api-versions');
  assert.equal(kebabCase('DescribeConfigs'), 'describe-configs');
  assert.equal(kebabCase('OffsetForLeaderEpoch'), 'offset-for-leader-epoch');
});

test('nested structs are named after their message and know where they can appear', () => {
  const specs = readSpecs(DEFAULT_SPEC_DIR);
  const fetch = specs.find((s) => s.name === 'FetchResponse')!;
  const names = fetch.structs.map((s) => s.typeName);
  assert.ok(names.includes('FetchResponsePartitionData'));
  const aborted = fetch.structs.find((s) => s.name === 'AbortedTransaction')!;
  assert.equal(aborted.context.min, 4);
  const metadata = specs.find((s) => s.name === 'MetadataResponse')!;
  assert.ok(metadata.structs.some((s) => s.typeName === 'MetadataResponseMetadataResponseTopic'));
});
