/**
 * samsa configs, get-offsets, delete-records and dump-log as child processes against a real
 * broker and its real segment files; effects read back with kcat and the Admin client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Admin } from '../src/client/index.ts';
import { kcat, kcatConsumeAll } from './helpers/kcat.ts';
import { firstSegmentPath } from './helpers/log-segment.ts';
import { runCli, runCliOk } from './helpers/run-cli.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

let broker: TestBroker;
let b: string[];
let admin: Admin;

before(async () => {
  // As Kafka's stock server.properties does: a value equal to the default, but set.
  broker = await startTestBroker({ 'log.retention.hours': '168' }, undefined, { silent: true });
  b = ['--bootstrap-server', broker.bootstrap];
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'offsets', numPartitions: 2 }, { topic: 'conf', numPartitions: 1 }, { topic: 'dump', numPartitions: 1 }]);
  // kcat -K: "key:value" lines; 5 records to partition 0, 3 to partition 1, timestamps 1000 apart.
  for (const [partition, count] of [[0, 5], [1, 3]] as const) {
    const input = Array.from({ length: count }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
    await kcat(['-P', '-b', broker.bootstrap, '-t', 'offsets', '-p', String(partition), '-K', ':'], { input });
  }
});

after(async () => {
  await admin?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

test('configs --describe/--alter: dynamic topic configs with synonyms, added and deleted', async () => {
  const before = await runCliOk(['configs', ...b, '--describe', '--entity-type', 'topics', '--entity-name', 'conf']);
  assert.equal(before.stdout, 'Dynamic configs for topic conf are:\n');
  const altered = await runCliOk(['configs', ...b, '--alter', '--entity-type', 'topics', '--entity-name', 'conf',
    '--add-config', 'retention.ms=60000,cleanup.policy=[compact,delete]']);
  assert.equal(altered.stdout, 'Completed updating config for topic conf.\n');
  const [described] = await admin.describeConfigs([{ type: 'topic', name: 'conf', keys: ['retention.ms', 'cleanup.policy'] }]);
  assert.deepEqual(Object.fromEntries(described!.configs.map((c) => [c.name, c.value])), { 'retention.ms': '60000', 'cleanup.policy': 'compact,delete' });

  const after = await runCliOk(['configs', ...b, '--describe', '--topic', 'conf']);
  assert.match(after.stdout, /^Dynamic configs for topic conf are:\n/);
  assert.match(after.stdout, /\n  retention\.ms=60000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=60000, STATIC_BROKER_CONFIG:log\.retention\.hours=168, DEFAULT_CONFIG:log\.retention\.hours=168\}\n/);
  assert.match(after.stdout, /\n  cleanup\.policy=compact,delete sensitive=false /);

  await runCliOk(['configs', ...b, '--alter', '--entity-type', 'topics', '--entity-name', 'conf', '--delete-config', 'retention.ms']);
  const json = JSON.parse((await runCliOk(['configs', ...b, '--describe', '--entity-type', 'topics', '--entity-name', 'conf', '--json'])).stdout) as Array<{ configs: Array<{ name: string }> }>;
  assert.deepEqual(json[0]!.configs.map((c) => c.name), ['cleanup.policy']);

  // --all, as kafka-configs prints it: every config by name, with where its value comes from.
  const topicAll = (await runCliOk(['configs', ...b, '--describe', '--topic', 'conf', '--all'])).stdout.split('\n');
  assert.equal(topicAll[0], 'All configs for topic conf are:');
  const names = topicAll.slice(1, -1).map((line) => /^  ([a-z.]+)=/.exec(line)?.[1]);
  assert.deepEqual(names, [...names].sort());
  for (const line of [
    '  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}',
    '  retention.ms=604800000 sensitive=false synonyms={STATIC_BROKER_CONFIG:log.retention.hours=168, DEFAULT_CONFIG:log.retention.hours=168}',
    '  segment.bytes=1073741824 sensitive=false synonyms={DEFAULT_CONFIG:log.segment.bytes=1073741824}',
    '  segment.ms=604800000 sensitive=false synonyms={DEFAULT_CONFIG:log.roll.hours=168}',
    '  leader.replication.throttled.replicas= sensitive=false synonyms={}',
  ]) assert.ok(topicAll.includes(line), `${line}\n in:\n${topicAll.join('\n')}`);

  const all = await runCliOk(['configs', ...b, '--describe', '--entity-type', 'brokers', '--all']);
  assert.match(all.stdout, /^All configs for broker 1 are:\n/);
  assert.match(all.stdout, /\n  log\.retention\.hours=168 sensitive=false synonyms=\{STATIC_BROKER_CONFIG:log\.retention\.hours=168, DEFAULT_CONFIG:log\.retention\.hours=168\}\n/);
  assert.match(all.stdout, /\n  log\.retention\.ms=null sensitive=false synonyms=\{\}\n/);
  assert.match(all.stdout, /\nDefault configs for brokers in the cluster are:\n$/, 'then the cluster-wide default, which has no dynamic configs');

  const bad = await runCli(['configs', ...b, '--alter', '--entity-type', 'topics', '--entity-name', 'no-such-topic', '--add-config', 'retention.ms=1']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^samsa configs: .*UNKNOWN_TOPIC_OR_PARTITION.*\n$/);
  const usage = await runCli(['configs', ...b, '--describe', '--entity-type', 'nonsense']);
  assert.equal(usage.status, 2);
});

test('get-offsets prints topic:partition:offset for -1, -2, a timestamp and regexes', async () => {
  const latest = await runCliOk(['get-offsets', ...b, '--topic', 'offsets']);
  assert.equal(latest.stdout, 'offsets:0:5\noffsets:1:3\n');
  const earliest = await runCliOk(['get-offsets', ...b, '--topic', 'offsets', '--time', '-2', '--partitions', '1']);
  assert.equal(earliest.stdout, 'offsets:1:0\n');
  // Nothing at or after the time: as Kafka's GetOffsetShell, such partitions are left out.
  const future = await runCliOk(['get-offsets', ...b, '--topic', 'offs.*', '--time', String(Date.now() + 3_600_000)]);
  assert.equal(future.stdout, '');
  const future0 = JSON.parse((await runCliOk(['get-offsets', ...b, '--topic', 'offsets', '--partitions', '0', '--time', String(Date.now() + 3_600_000), '--json'])).stdout) as unknown;
  assert.deepEqual(future0, [{ topic: 'offsets', partition: 0, offset: null }]);
  const json = JSON.parse((await runCliOk(['get-offsets', ...b, '--topic-partitions', 'offsets:0', '--json'])).stdout) as unknown;
  assert.deepEqual(json, [{ topic: 'offsets', partition: 0, offset: 5 }]);
});

test('delete-records moves the log start offset, as the low watermark it prints', async () => {
  const file = join(broker.dataDir, 'delete.json');
  await writeFile(file, JSON.stringify({ partitions: [{ topic: 'offsets', partition: 0, offset: 2 }, { topic: 'offsets', partition: 1, offset: -1 }], version: 1 }));
  const result = await runCliOk(['delete-records', ...b, '--offset-json-file', file]);
  assert.equal(result.stdout, 'Executing records delete operation\nRecords delete operation completed:\n' +
    'partition: offsets-0\tlow_watermark: 2\npartition: offsets-1\tlow_watermark: 3\n');
  const earliest = await runCliOk(['get-offsets', ...b, '--topic', 'offsets', '--time', 'earliest']);
  assert.equal(earliest.stdout, 'offsets:0:2\noffsets:1:3\n');
  assert.deepEqual((await kcatConsumeAll(broker.bootstrap, 'offsets', { partition: 0 })).map((m) => m.payload), ['v2', 'v3', 'v4']);

  await writeFile(file, JSON.stringify({ partitions: [{ topic: 'offsets', partition: 7, offset: 1 }] }));
  const bad = await runCli(['delete-records', ...b, '--offset-json-file', file]);
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /partition: offsets-7\terror: .*UNKNOWN_TOPIC_OR_PARTITION/);
});

/** Compressible, so librdkafka does not fall back to an uncompressed batch. */
const PAD = '-'.repeat(300);

test('dump-log prints a real segment batch by batch and, with --print-data-log, record by record', async () => {
  await kcat(['-P', '-b', broker.bootstrap, '-t', 'dump', '-p', '0', '-K', ':', '-z', 'snappy', '-H', 'trace=abc'], { input: `a:first${PAD}\nb:second${PAD}\n` });
  await kcat(['-P', '-b', broker.bootstrap, '-t', 'dump', '-p', '0'], { input: 'third\n' });
  const segment = firstSegmentPath(broker.dataDir, 'dump', 0);
  const batches = await runCliOk(['dump-log', '--files', segment]);
  const lines = batches.stdout.trimEnd().split('\n');
  assert.equal(lines[0], `Dumping ${segment}`);
  assert.equal(lines[1], 'Log starting offset: 0');
  const batchPattern = (base: number, last: number, count: number, codec: string) => new RegExp(
    `^baseOffset: ${base} lastOffset: ${last} count: ${count} baseSequence: -?\\d+ lastSequence: -?\\d+ producerId: -?\\d+ producerEpoch: -?\\d+ ` +
    `partitionLeaderEpoch: 0 isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty position: \\d+ ` +
    `CreateTime: \\d+ size: \\d+ magic: 2 compresscodec: ${codec} crc: \\d+ isvalid: true$`);
  assert.equal(lines.length, 4, batches.stdout);
  assert.match(lines[2]!, batchPattern(0, 1, 2, 'snappy'));
  assert.match(lines[3]!, batchPattern(2, 2, 1, 'none'));
  assert.match(lines[3]!, new RegExp(`position: ${Number(/size: (\d+)/.exec(lines[2]!)![1])} `));

  const data = await runCliOk(['dump-log', '--files', segment, '--print-data-log']);
  const records = data.stdout.split('\n').filter((l) => l.startsWith('| '));
  assert.equal(records.length, 3);
  assert.match(records[0]!, /^\| offset: 0 CreateTime: \d+ keySize: 1 valueSize: 305 sequence: -?\d+ headerKeys: \[trace\] key: a payload: first-{300}$/);
  assert.match(records[1]!, /^\| offset: 1 CreateTime: \d+ keySize: 1 valueSize: 306 sequence: -?\d+ headerKeys: \[trace\] key: b payload: second-{300}$/);
  assert.match(records[2]!, /^\| offset: 2 CreateTime: \d+ keySize: -1 valueSize: 5 sequence: -?\d+ headerKeys: \[\] payload: third$/);

  const missing = await runCli(['dump-log', '--files', join(broker.dataDir, 'nope.log')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^samsa dump-log: .*ENOENT.*\n$/);
});

test('configs --alter on a broker and on the cluster-wide default (--entity-default) reach the broker, which keeps broker configs static', async () => {
  // Samsa's brokers refuse dynamic broker configs (server.properties only); the tool sends the
  // request for the right resource and reports the broker's answer as one line.
  for (const entity of [['--entity-name', '1'], ['--entity-default']]) {
    const altered = await runCli(['configs', ...b, '--alter', '--entity-type', 'brokers', ...entity, '--add-config', 'log.cleaner.threads=2']);
    assert.equal(altered.status, 1, entity.join(' '));
    assert.match(altered.stderr, /^samsa configs: IncrementalAlterConfigs broker \S*: INVALID_REQUEST \(Broker configs are static in Samsa; change server\.properties and restart\)\n$/);
  }
  const described = await runCliOk(['configs', ...b, '--describe', '--entity-type', 'brokers', '--entity-default']);
  assert.equal(described.stdout, 'Default configs for brokers in the cluster are:\n');
  assert.equal((await runCliOk(['configs', ...b, '--describe', '--broker', '1'])).stdout, 'Dynamic configs for broker 1 are:\n');
  const all = await runCliOk(['configs', ...b, '--describe', '--broker-defaults', '--all']);
  assert.match(all.stdout, /^Default configs for brokers in the cluster are:\n/);
  assert.equal((await runCli(['configs', ...b, '--alter', '--entity-type', 'topics', '--entity-default', '--add-config', 'retention.ms=1'])).status, 2);
});

test('get-offsets --time -4 / earliest-local and -5 / latest-tiered, as a broker without tiered storage answers them', async () => {
  const local = await runCliOk(['get-offsets', ...b, '--topic', 'offsets', '--time', '-4']);
  const earliest = await runCliOk(['get-offsets', ...b, '--topic', 'offsets', '--time', '-2']);
  assert.equal(local.stdout, earliest.stdout);
  assert.equal((await runCliOk(['get-offsets', ...b, '--topic', 'offsets', '--time', 'earliest-local'])).stdout, earliest.stdout);
  // Nothing is tiered: the broker answers offset -1, and the tool leaves such partitions out.
  assert.equal((await runCliOk(['get-offsets', ...b, '--topic', 'offsets', '--time', '-5'])).stdout, '');
  const json = JSON.parse((await runCliOk(['get-offsets', ...b, '--topic', 'offsets', '--partitions', '0', '--time', 'latest-tiered', '--json'])).stdout) as unknown;
  assert.deepEqual(json, [{ topic: 'offsets', partition: 0, offset: null }]);
  const bad = await runCli(['get-offsets', ...b, '--topic', 'offsets', '--time', '-6']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /-4 or earliest-local, -5 or latest-tiered/);
});

test('delete-records --json and --command-config; get-offsets and configs take --command-config too', async () => {
  await admin.createTopics([{ topic: 'trimmed', numPartitions: 1 }]);
  await kcat(['-P', '-b', broker.bootstrap, '-t', 'trimmed', '-p', '0'], { input: 'a\nb\nc\n' });
  const config = join(broker.dataDir, 'admin.properties');
  await writeFile(config, 'client.id=admin-from-file\nrequest.timeout.ms=15000\n');
  const file = join(broker.dataDir, 'trim.json');
  await writeFile(file, JSON.stringify({ partitions: [{ topic: 'trimmed', partition: 0, offset: 2 }, { topic: 'trimmed', partition: 3, offset: 1 }] }));
  const result = await runCli(['delete-records', ...b, '--offset-json-file', file, '--json', '--command-config', config]);
  assert.equal(result.status, 1);
  const answers = JSON.parse(result.stdout) as Array<{ topic: string; partition: number; lowWatermark?: number; error?: string }>;
  assert.deepEqual(answers[0], { topic: 'trimmed', partition: 0, lowWatermark: 2 });
  assert.equal(answers[1]!.partition, 3);
  assert.match(answers[1]!.error!, /UNKNOWN_TOPIC_OR_PARTITION/);
  assert.equal((await runCliOk(['get-offsets', ...b, '--topic', 'trimmed', '--time', 'earliest', '--command-config', config])).stdout, 'trimmed:0:2\n');
  assert.match((await runCliOk(['configs', ...b, '--describe', '--topic', 'trimmed', '--command-config', config])).stdout, /^Dynamic configs for topic trimmed are:\n$/);
  assert.equal((await runCliOk(['consumer-groups', ...b, '--list', '--command-config', config])).stderr, '');
});

test('dump-log --json: batches with their records, and index entries', async () => {
  await admin.createTopics([{ topic: 'dump-json', numPartitions: 1 }]);
  await kcat(['-P', '-b', broker.bootstrap, '-t', 'dump-json', '-p', '0', '-K', ':'], { input: 'k:one\n' });
  await kcat(['-P', '-b', broker.bootstrap, '-t', 'dump-json', '-p', '0'], { input: 'two\n' });
  const segment = firstSegmentPath(broker.dataDir, 'dump-json', 0);
  const plain = JSON.parse((await runCliOk(['dump-log', '--files', segment, '--json'])).stdout) as Array<{ file: string; logStartOffset: number; batches: Array<Record<string, unknown>> }>;
  assert.equal(plain.length, 1);
  assert.equal(plain[0]!.file, segment);
  assert.equal(plain[0]!.logStartOffset, 0);
  assert.deepEqual(plain[0]!.batches.map((batch) => [batch.baseOffset, batch.lastOffset, batch.count, batch.compressCodec, batch.isValid, batch.records]),
    [[0, 0, 1, 'none', true, undefined], [1, 1, 1, 'none', true, undefined]]);
  const data = JSON.parse((await runCliOk(['dump-log', '--files', segment, '--print-data-log', '--json'])).stdout) as Array<{ batches: Array<{ records: Array<Record<string, unknown>> }> }>;
  assert.deepEqual(data[0]!.batches.flatMap((batch) => batch.records.map((r) => [r.offset, r.key, r.payload, r.keySize])), [[0, 'k', 'one', 1], [1, undefined, 'two', -1]]);

  const index = segment.replace(/\.log$/, '.index');
  const indexDump = JSON.parse((await runCliOk(['dump-log', '--files', index, '--json'])).stdout) as Array<{ file: string; entries: unknown[] }>;
  assert.equal(indexDump[0]!.file, index);
  assert.ok(Array.isArray(indexDump[0]!.entries));
  const unknown = await runCli(['dump-log', '--files', join(broker.dataDir, 'notes.txt'), '--json']);
  assert.equal(unknown.status, 1);
  assert.match((JSON.parse(unknown.stdout) as Array<{ error: string }>)[0]!.error, /unknown file type/);
});
