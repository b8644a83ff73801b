/** samsa topics as a child process against an in-process broker; effects checked with kcat. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kcatMetadata } from './helpers/kcat.ts';
import { runCli, runCliOk } from './helpers/run-cli.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Admin } from '../src/client/index.ts';

let broker: TestBroker;
let b: string[];

before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  b = ['--bootstrap-server', broker.bootstrap];
});

after(async () => {
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

test('--create makes the topic with its partitions and configs; --list and --describe show it', async () => {
  const created = await runCliOk(['topics', ...b, '--create', '--topic', 'orders', '--partitions', '3', '--replication-factor', '1', '--config', 'retention.ms=3600000', '--config', 'cleanup.policy=compact']);
  assert.equal(created.stdout, 'Created topic orders.\n');
  const meta = await kcatMetadata(broker.bootstrap, 'orders');
  assert.deepEqual(meta.topics.find((t) => t.topic === 'orders')!.partitions.map((p) => p.partition).sort(), [0, 1, 2]);

  const list = await runCliOk(['topics', ...b, '--list']);
  assert.ok(list.stdout.split('\n').includes('orders'), list.stdout);

  const described = await runCliOk(['topics', ...b, '--describe', '--topic', 'orders']);
  const lines = described.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^Topic: orders\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: (.*)$/);
  const configs = lines[0]!.split('Configs: ')[1]!.split(',').sort();
  assert.deepEqual(configs, ['cleanup.policy=compact', 'retention.ms=3600000']);
  // Kafka 3.7+'s ELR fields: N/A, as the Java tool prints them from a Metadata answer.
  assert.deepEqual(lines.slice(1), [0, 1, 2].map((p) => `\tTopic: orders\tPartition: ${p}\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: N/A\tLastKnownElr: N/A`));

  const json = JSON.parse((await runCliOk(['topics', ...b, '--describe', '--topic', 'orders', '--json'])).stdout) as Array<{ topic: string; partitionCount: number; configs: Record<string, string> }>;
  assert.equal(json[0]!.partitionCount, 3);
  assert.equal(json[0]!.configs['retention.ms'], '3600000');
});

test('Kafka script names and --topic regexes work', async () => {
  await runCliOk(['kafka-topics.sh', ...b, '--create', '--topic', 'regex-a', '--partitions', '1']);
  await runCliOk(['kafka-topics', ...b, '--create', '--topic', 'regex-b', '--partitions', '2']);
  const list = await runCliOk(['topics', ...b, '--list', '--topic', 'regex-.*']);
  assert.equal(list.stdout, 'regex-a\nregex-b\n');
  const json = JSON.parse((await runCliOk(['topics', ...b, '--list', '--json', '--exclude-internal'])).stdout) as string[];
  assert.ok(json.includes('regex-a') && !json.some((t) => t.startsWith('__')));
});

test('--alter --partitions grows the topic; --delete removes it', async () => {
  await runCliOk(['topics', ...b, '--create', '--topic', 'grow', '--partitions', '1']);
  const altered = await runCliOk(['topics', ...b, '--alter', '--topic', 'grow', '--partitions', '4']);
  assert.equal(altered.stdout, '');
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  try {
    assert.equal((await admin.describeTopics(['grow']))[0]!.partitions.length, 4);
    await runCliOk(['topics', ...b, '--delete', '--topic', 'grow']);
    assert.ok(!(await admin.listTopics()).includes('grow'));
  } finally {
    await admin.close();
  }
});

test('errors are one line on stderr with a non-zero exit', async () => {
  await runCliOk(['topics', ...b, '--create', '--topic', 'twice']);
  const again = await runCli(['topics', ...b, '--create', '--topic', 'twice']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /^samsa topics: .*TOPIC_ALREADY_EXISTS.*\n$/);
  assert.equal((await runCli(['topics', ...b, '--create', '--topic', 'twice', '--if-not-exists'])).status, 0);

  const missing = await runCli(['topics', ...b, '--describe', '--topic', 'no-such-topic']);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.split('\n').length, 2, missing.stderr);
  assert.equal((await runCli(['topics', ...b, '--delete', '--topic', 'no-such-topic', '--if-exists'])).status, 0);

  const usage = await runCli(['topics', ...b, '--list', '--create']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^samsa topics: give exactly one of .*\(see 'samsa topics --help'\)\n$/);
  const noServer = await runCli(['topics', '--list']);
  assert.equal(noServer.status, 2);
  assert.match(noServer.stderr, /--bootstrap-server/);
  const unreachable = await runCli(['topics', '--bootstrap-server', '127.0.0.1:1', '--list']);
  assert.equal(unreachable.status, 1);
  assert.match(unreachable.stderr, /^samsa topics: .*\n$/);
});

test('--if-exists and --if-not-exists make missing or existing topics a no-op for every action', async () => {
  await runCliOk(['topics', ...b, '--create', '--topic', 'exists-once', '--partitions', '2']);
  const again = await runCliOk(['topics', ...b, '--create', '--topic', 'exists-once', '--partitions', '5', '--if-not-exists']);
  assert.equal(again.stdout, '');
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  try {
    assert.equal((await admin.describeTopics(['exists-once']))[0]!.partitions.length, 2, 'the existing topic is left as it was');
    for (const action of [['--describe'], ['--alter', '--partitions', '3'], ['--delete']]) {
      const missing = await runCli(['topics', ...b, ...action, '--topic', 'never-made']);
      assert.equal(missing.status, 1, action.join(' '));
      const quiet = await runCliOk(['topics', ...b, ...action, '--topic', 'never-made', '--if-exists']);
      assert.equal(quiet.stdout, '', action.join(' '));
    }
    assert.ok(!(await admin.listTopics()).includes('never-made'));
  } finally {
    await admin.close();
  }
});

test('--replica-assignment places partitions on the given brokers; --under-replicated-partitions and --unavailable-partitions list none of a healthy topic', async () => {
  const created = await runCliOk(['topics', ...b, '--create', '--topic', 'placed', '--replica-assignment', '1,1,1']);
  assert.equal(created.stdout, 'Created topic placed.\n');
  const described = await runCliOk(['topics', ...b, '--describe', '--topic', 'placed']);
  const lines = described.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /\tPartitionCount: 3\tReplicationFactor: 1\t/);
  assert.deepEqual(lines.slice(1).map((l) => /Replicas: (\S*)/.exec(l)![1]), ['1', '1', '1']);
  const missingBroker = await runCli(['topics', ...b, '--create', '--topic', 'misplaced', '--replica-assignment', '1:7']);
  assert.equal(missingBroker.status, 1);
  assert.match(missingBroker.stderr, /^samsa topics: .*\n$/);
  const mixed = await runCli(['topics', ...b, '--create', '--topic', 'misplaced', '--replica-assignment', '1', '--partitions', '2']);
  assert.equal(mixed.status, 2);

  for (const filter of ['--under-replicated-partitions', '--unavailable-partitions']) {
    const result = await runCliOk(['topics', ...b, '--describe', '--topic', 'placed', filter]);
    assert.equal(result.stdout, '', filter);
  }
});

test('--under-min-isr-partitions, --at-min-isr-partitions, --topics-with-overrides and --topic-id describe as kafka-topics does', async () => {
  await runCliOk(['topics', ...b, '--create', '--topic', 'isr-strict', '--partitions', '2', '--config', 'min.insync.replicas=2']);
  await runCliOk(['topics', ...b, '--create', '--topic', 'isr-plain', '--partitions', '1']);
  const describe = async (...extra: string[]) => (await runCliOk(['topics', ...b, '--describe', '--topic', 'isr-.*', ...extra])).stdout.trimEnd().split('\n');
  const partitionsOf = (lines: string[]) => lines.map((l) => /^\tTopic: (\S+)\tPartition: (\d+)/.exec(l)).map((m) => m === null ? 'topic line' : `${m[1]}-${m[2]}`);
  // One replica in sync: under min.insync.replicas=2, at the default 1.
  assert.deepEqual(partitionsOf(await describe('--under-min-isr-partitions')), ['isr-strict-0', 'isr-strict-1']);
  assert.deepEqual(partitionsOf(await describe('--at-min-isr-partitions')), ['isr-plain-0']);
  const overrides = await describe('--topics-with-overrides');
  assert.equal(overrides.length, 1, 'topic lines only, of topics with overrides');
  assert.match(overrides[0]!, /^Topic: isr-strict\t.*\tConfigs: min\.insync\.replicas=2$/);

  const plain = (await runCliOk(['topics', ...b, '--describe', '--topic', 'isr-plain'])).stdout;
  const topicId = /TopicId: (\S+)/.exec(plain)![1]!;
  assert.equal((await runCliOk(['topics', ...b, '--describe', '--topic-id', topicId])).stdout, plain);
  const missing = await runCli(['topics', ...b, '--describe', '--topic-id', 'AAAAAAAAAAAAAAAAAAAAAA']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /UNKNOWN_TOPIC_ID/);
  for (const bad of [['--describe', '--under-min-isr-partitions', '--at-min-isr-partitions'], ['--list', '--at-min-isr-partitions'],
    ['--describe', '--topics-with-overrides', '--unavailable-partitions'], ['--describe', '--topic', 'x', '--topic-id', topicId]]) {
    assert.equal((await runCli(['topics', ...b, ...bad])).status, 2, bad.join(' '));
  }
});

test('--command-config: admin client properties from a file; unknown keys warn, an unknown security.protocol and incomplete SASL settings are refused', async () => {
  const file = join(broker.dataDir, 'admin.properties');
  await writeFile(file, '# the Java tools\' admin client config\nclient.id=topics-from-file\nrequest.timeout.ms=20000\nno.such.config=1\n');
  const listed = await runCliOk(['topics', ...b, '--list', '--command-config', file]);
  assert.ok(listed.stdout.split('\n').includes('orders'));
  assert.equal(listed.stderr, "samsa topics: warning: the configuration 'no.such.config' was supplied but isn't a known config\n");
  await writeFile(file, 'security.protocol=SASL_TLS\n');
  const unknown = await runCli(['topics', ...b, '--list', '--command-config', file]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /security\.protocol: SASL_TLS is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/);
  await writeFile(file, 'security.protocol=SASL_SSL\n');
  const incomplete = await runCli(['topics', ...b, '--list', '--command-config', file]);
  assert.equal(incomplete.status, 2);
  assert.match(incomplete.stderr, /sasl\.jaas\.config: must be set for SASL_SSL/);
  const unreadable = await runCli(['topics', ...b, '--list', '--command-config', join(broker.dataDir, 'nope.properties')]);
  assert.equal(unreadable.status, 2);
});
