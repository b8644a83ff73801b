import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { specFacts } from './facts.ts';
import { formatSpec } from './format.ts';
import { stripJsonComments } from './json-comments.ts';
import { importSpecs, importSpecText, parseSources, PROTOCOL_SPECS_DIR } from './main.ts';

// A spec written as Kafka writes them: a license header, comments, `about` prose, and every kind of fact.
const KAFKA_SPEC = `// Licensed to the Apache Software Foundation (ASF) under one or more
// contributor license agreements.
/* A block comment, as Jackson also allows. */
{
  "apiKey": 99,
  "type": "request",
  "listeners": ["broker", "controller"],
  "name": "SampleRequest",
  // Version 1 adds Tagged; see http://example.invalid/kip for why.
  "validVersions": "0-2",
  "deprecatedVersions": "0",
  "flexibleVersions": "1+",
  "latestVersionUnstable": true,
  "fields": [
    { "name": "Topics", "type": "[]SampleTopic", "versions": "0+", "about": "The topics, see http://x.invalid // not a comment",
      "fields": [
        { "name": "Name", "type": "string", "versions": "0+", "mapKey": true, "entityType": "topicName", "about": "The topic name." },
        { "name": "Data", "type": "bytes", "versions": "0+", "zeroCopy": true, "nullableVersions": "2+", "about": "Payload." }
      ]},
    { "name": "Tagged", "type": "Shared", "versions": "1+", "taggedVersions": "1+", "tag": "0", "default": null, "nullableVersions": "1+",
      "about": "A tagged common struct." },
    { "name": "ClientId", "type": "string", "versions": "0+", "flexibleVersions": "none", "default": "-1", "ignorable": true }
  ],
  "commonStructs": [
    { "name": "Shared", "versions": "0+", "fields": [
      { "name": "Value", "type": "int64", "versions": "0+", "default": -1, "about": "Some value." }
    ]}
  ]
}
`;

const EXPECTED_FACTS = {
  name: 'SampleRequest',
  type: 'request',
  apiKey: 99,
  listeners: ['broker', 'controller'],
  validVersions: '0-2',
  flexibleVersions: '1+',
  deprecatedVersions: '0',
  latestVersionUnstable: true,
  fields: [
    { name: 'Topics', type: '[]SampleTopic', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+', entityType: 'topicName', mapKey: true },
      { name: 'Data', type: 'bytes', versions: '0+', nullableVersions: '2+', zeroCopy: true },
    ] },
    { name: 'Tagged', type: 'Shared', versions: '1+', nullableVersions: '1+', taggedVersions: '1+', tag: '0', default: null },
    { name: 'ClientId', type: 'string', versions: '0+', flexibleVersions: 'none', default: '-1', ignorable: true },
  ],
  commonStructs: [{ name: 'Shared', versions: '0+', fields: [{ name: 'Value', type: 'int64', versions: '0+', default: -1 }] }],
};

test('importing a Kafka spec keeps every fact, in a fixed key order, and the same bytes each time', () => {
  const first = importSpecText(KAFKA_SPEC, 'SampleRequest.json');
  assert.equal(importSpecText(KAFKA_SPEC, 'SampleRequest.json'), first);
  assert.ok(first.endsWith('}\n'));
  // deepEqual ignores key order; the JSON text does not.
  assert.deepEqual(JSON.parse(first), EXPECTED_FACTS);
  assert.equal(JSON.stringify(JSON.parse(first)), JSON.stringify(EXPECTED_FACTS));
});

test('importing drops the prose: no about text, no comments, no license', () => {
  const text = importSpecText(KAFKA_SPEC, 'SampleRequest.json');
  for (const prose of ['about', 'Licensed', 'block comment', 'Version 1 adds', 'The topic name', 'example.invalid']) {
    assert.ok(!text.includes(prose), prose);
  }
});

test('one line per field, nested fields indented under their parent', () => {
  const lines = importSpecText(KAFKA_SPEC, 'SampleRequest.json').split('\n');
  assert.ok(lines.includes('      { "name": "Name", "type": "string", "versions": "0+", "entityType": "topicName", "mapKey": true },'));
  assert.ok(lines.includes('  "listeners": ["broker", "controller"],'));
});

test('comments are removed outside strings only', () => {
  assert.equal(stripJsonComments('{"a": "x // y /* z */"} // gone\n/* gone */'), '{"a": "x // y /* z */"} \n');
  assert.equal(stripJsonComments('{"a": "say \\"//\\" here"}'), '{"a": "say \\"//\\" here"}');
  assert.throws(() => stripJsonComments('{ /* open'), /unterminated/);
});

test('a key that is neither a known fact nor prose stops the import', () => {
  const spec = { name: 'X', type: 'data', validVersions: '0', flexibleVersions: 'none', fields: [{ name: 'F', type: 'int8', versions: '0+', newFact: 1 }] };
  assert.throws(() => specFacts(spec, 'X.json'), /X\.json\.fields\[0\]: unknown key "newFact"/);
});

test('folders import into groups: a group is replaced whole, others are left alone, and a rerun writes the same bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-import-specs-'));
  try {
    const kafka = (folder: string, files: Record<string, string>) => {
      mkdirSync(join(dir, folder), { recursive: true });
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, folder, name), text);
      return join(dir, folder);
    };
    const a = kafka('group-coordinator', { 'SampleRequest.json': KAFKA_SPEC, 'README.md': 'not a spec' });
    const b = kafka('share-coordinator', { 'OtherRequest.json': KAFKA_SPEC.replace('SampleRequest', 'OtherRequest') });
    const out = join(dir, 'protocol-specs');
    kafka('protocol-specs/records', { 'Removed.json': '{}' });
    kafka('protocol-specs/messages', { 'Kept.json': '{}' });

    const written = importSpecs(parseSources([`records=${a}`, `records=${b}`]), out);
    assert.deepEqual([...written], [['records', ['OtherRequest.json', 'SampleRequest.json']]]);
    assert.deepEqual(readdirSync(join(out, 'records')).sort(), ['OtherRequest.json', 'SampleRequest.json']);
    assert.deepEqual(readdirSync(join(out, 'messages')), ['Kept.json']);
    const bytes = readFileSync(join(out, 'records/SampleRequest.json'));
    importSpecs(parseSources([`records=${a}`, `records=${b}`]), out);
    assert.ok(readFileSync(join(out, 'records/SampleRequest.json')).equals(bytes));

    assert.throws(() => importSpecs(parseSources([`records=${a}`, `records=${a}`]), out), /comes from two folders/);
    assert.throws(() => parseSources([a]), /expected <group>=<folder>/);
    assert.throws(() => importSpecs(parseSources([`../up=${a}`]), out), /not a group name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the committed protocol-specs are in the form the import writes, with no prose', () => {
  const groups = readdirSync(PROTOCOL_SPECS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  assert.deepEqual(groups, ['messages', 'metadata', 'records']);
  for (const group of groups) {
    for (const name of readdirSync(join(PROTOCOL_SPECS_DIR, group)).filter((f) => f.endsWith('.json'))) {
      const text = readFileSync(join(PROTOCOL_SPECS_DIR, group, name), 'utf8');
      assert.equal(formatSpec(specFacts(JSON.parse(text), name)), text, `${group}/${name} was edited by hand`);
      assert.ok(!text.includes('"about"'), `${group}/${name} carries prose`);
    }
  }
});

test('protocol-specs holds the messages, the coordinator records (group, transaction, share) and the metadata records', () => {
  const has = (group: string, name: string) => readdirSync(join(PROTOCOL_SPECS_DIR, group)).includes(name);
  for (const name of ['ProduceRequest.json', 'RequestHeader.json', 'ConsumerProtocolAssignment.json']) assert.ok(has('messages', name), name);
  for (const name of ['OffsetCommitValue.json', 'TransactionLogValue.json', 'ShareSnapshotValue.json']) assert.ok(has('records', name), name);
  for (const name of ['TopicRecord.json', 'PartitionRecord.json']) assert.ok(has('metadata', name), name);
});
