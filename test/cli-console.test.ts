/**
 * samsa console-producer and console-consumer as child processes: what the producer sends, kcat
 * reads intact (keys, headers, codec); what KafkaJS produces, the consumer prints as Kafka's
 * DefaultMessageFormatter would.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { Admin } from '../src/client/index.ts';
import { kcatConsumeAll } from './helpers/kcat.ts';
import { readSegmentBatches, firstSegmentPath } from './helpers/log-segment.ts';
import { runCli, runCliOk } from './helpers/run-cli.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const { Kafka, logLevel, CompressionTypes } = kafkajs;

let broker: TestBroker;
let b: string[];
let admin: Admin;

before(async () => {
  broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0' }, undefined, { silent: true });
  b = ['--bootstrap-server', broker.bootstrap];
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
});

after(async () => {
  await admin?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

test('console-producer: keys and headers parsed as Kafka does, records read back intact by kcat', async () => {
  await admin.createTopics([{ topic: 'lines', numPartitions: 1 }]);
  const input = 'h1:a,h2:b|k1|first value\nh1:c|k2|second\tvalue with tab\n|k3|no headers\nh3:NULL|NULL|null key\n';
  await runCliOk(['console-producer', ...b, '--topic', 'lines', '--property', 'parse.key=true', '--property', 'key.separator=|',
    '--property', 'parse.headers=true', '--property', 'headers.delimiter=|', '--property', 'null.marker=NULL'], { input });
  const read = await kcatConsumeAll(broker.bootstrap, 'lines');
  assert.deepEqual(read.map((m) => [m.offset, m.key, m.payload, m.headers ?? []]), [
    [0, 'k1', 'first value', ['h1', 'a', 'h2', 'b']],
    [1, 'k2', 'second\tvalue with tab', ['h1', 'c']],
    [2, 'k3', 'no headers', []],
    [3, null, 'null key', ['h3', null]],
  ]);
});

test('console-producer: plain lines (CRLF too), --compression-codec and acks; the segment holds compressed batches', async () => {
  await admin.createTopics([{ topic: 'zipped', numPartitions: 1 }]);
  const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`);
  await runCliOk(['console-producer', ...b, '--topic', 'zipped', '--compression-codec', 'gzip', '--request-required-acks', '1',
    '--producer-property', 'linger.ms=50'], { input: lines.join('\r\n') });
  const read = await kcatConsumeAll(broker.bootstrap, 'zipped');
  assert.deepEqual(read.map((m) => m.payload), lines);
  assert.ok(read.every((m) => m.key === null));
  const batches = await readSegmentBatches(firstSegmentPath(broker.dataDir, 'zipped', 0));
  assert.ok(batches.length > 0 && batches.every((batch) => batch.compression === 1), 'every batch is gzip');
});

test('console-producer: a bad line or an illegal topic is one line on stderr and a failure; a new topic is created', async () => {
  await admin.createTopics([{ topic: 'strict', numPartitions: 1 }]);
  const bad = await runCli(['console-producer', ...b, '--topic', 'strict', '--property', 'parse.key=true'], { input: 'no separator here\n' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^samsa console-producer: No key separator found on line number 1: 'no separator here'/);
  const illegal = await runCli(['console-producer', ...b, '--topic', 'no such topic'], { input: 'x\n' });
  assert.equal(illegal.status, 1);
  assert.match(illegal.stderr, /^samsa console-producer: .*INVALID_TOPIC_EXCEPTION.*\n$/);
  // As with Kafka's tools, a topic the broker does not know is created on first use (auto.create.topics.enable).
  const created = await runCli(['console-producer', ...b, '--topic', 'created-on-first-use'], { input: 'x\n' });
  assert.equal(created.status, 0, created.stderr);
  assert.ok((await admin.listTopics()).includes('created-on-first-use'));
});

async function produceWithKafkaJs(topic: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'cli-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic, acks: -1, compression: CompressionTypes.GZIP,
      messages: [
        { partition: 0, key: 'a', value: 'alpha', timestamp: '1700000000000', headers: { trace: 't1' } },
        { partition: 0, key: null, value: 'beta', timestamp: '1700000000001' },
        { partition: 1, key: 'c', value: 'gamma', timestamp: '1700000000002', headers: { x: 'y', z: 'w' } },
      ],
    });
  } finally {
    await producer.disconnect();
  }
}

test('console-consumer: prints what KafkaJS produced, values one per line, with every print.* property', async () => {
  await admin.createTopics([{ topic: 'from-kafkajs', numPartitions: 2 }]);
  await produceWithKafkaJs('from-kafkajs');
  const plain = await runCliOk(['console-consumer', ...b, '--topic', 'from-kafkajs', '--from-beginning', '--max-messages', '3']);
  assert.deepEqual(plain.stdout.split('\n').filter(Boolean).sort(), ['alpha', 'beta', 'gamma']);
  assert.equal(plain.stderr, 'Processed a total of 3 messages\n');

  const full = await runCliOk(['console-consumer', ...b, '--topic', 'from-kafkajs', '--partition', '0', '--offset', 'earliest', '--timeout-ms', '1500',
    '--property', 'print.timestamp=true', '--property', 'print.partition=true', '--property', 'print.offset=true',
    '--property', 'print.headers=true', '--property', 'print.key=true', '--property', 'key.separator= | ']);
  assert.equal(full.stdout,
    'CreateTime:1700000000000 | Partition:0 | Offset:0 | trace:t1 | a | alpha\n' +
    'CreateTime:1700000000001 | Partition:0 | Offset:1 | NO_HEADERS | null | beta\n');

  const fromOffset = await runCliOk(['console-consumer', ...b, '--topic', 'from-kafkajs', '--partition', '0', '--offset', '1', '--max-messages', '1', '--property', 'print.key=true']);
  assert.equal(fromOffset.stdout, 'null\tbeta\n');
});

test('console-consumer: without --from-beginning it starts at the end; --timeout-ms ends it', async () => {
  const result = await runCliOk(['console-consumer', ...b, '--topic', 'from-kafkajs', '--timeout-ms', '800']);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr, 'Processed a total of 0 messages\n');
  const usage = await runCli(['console-consumer', ...b, '--topic', 'from-kafkajs', '--offset', '3']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^samsa console-consumer: --offset needs --partition/);
});

test('console-consumer --group: reads as a group and commits exactly what it printed', async () => {
  await admin.createTopics([{ topic: 'grouped', numPartitions: 1 }]);
  await runCliOk(['console-producer', ...b, '--topic', 'grouped'], { input: 'one\ntwo\nthree\nfour\n' });
  const first = await runCliOk(['console-consumer', ...b, '--topic', 'grouped', '--group', 'cli-group', '--from-beginning', '--max-messages', '2']);
  assert.equal(first.stdout, 'one\ntwo\n');
  assert.deepEqual((await admin.listConsumerGroupOffsets('cli-group')).map((o) => [o.topic, o.partition, o.offset]), [['grouped', 0, 2]]);
  const rest = await runCliOk(['console-consumer', ...b, '--topic', 'grouped', '--group', 'cli-group', '--timeout-ms', '2000']);
  assert.equal(rest.stdout, 'three\nfour\n');
});

/** Group ids `samsa consumer-groups --list` prints. */
async function listedGroups(): Promise<string[]> {
  return (await runCliOk(['consumer-groups', ...b, '--list'])).stdout.split('\n').filter(Boolean);
}

test('console-consumer without --group joins a generated console-consumer-<n> group, listed while it runs, and commits nothing', async () => {
  await admin.createTopics([{ topic: 'ungrouped', numPartitions: 2 }]);
  await runCliOk(['console-producer', ...b, '--topic', 'ungrouped'], { input: 'a\nb\nc\n' });
  const before = new Set(await listedGroups());
  const running = runCliOk(['console-consumer', ...b, '--topic', 'ungrouped', '--from-beginning', '--timeout-ms', '6000']);
  let generated: string | undefined;
  const deadline = Date.now() + 20_000;
  while (generated === undefined && Date.now() < deadline) generated = (await listedGroups()).find((g) => !before.has(g));
  const result = await running;
  assert.match(generated ?? '', /^console-consumer-\d{1,5}$/);
  assert.deepEqual(result.stdout.split('\n').filter(Boolean).sort(), ['a', 'b', 'c']);
  assert.deepEqual(await admin.listConsumerGroupOffsets(generated!), [], 'a generated group commits nothing');

  // enable.auto.commit=true given by the user wins: the generated group keeps its offsets.
  const committing = runCliOk(['console-consumer', ...b, '--topic', 'ungrouped', '--from-beginning', '--max-messages', '3',
    '--consumer-property', 'enable.auto.commit=true']);
  const known = new Set([...before, generated!]);
  let second: string | undefined;
  while (second === undefined && Date.now() < deadline + 20_000) second = (await listedGroups()).find((g) => !known.has(g));
  await committing;
  const offsets = await admin.listConsumerGroupOffsets(second!);
  assert.equal(offsets.reduce((sum, o) => sum + o.offset, 0), 3, JSON.stringify(offsets));
});

test('console-consumer --include reads every matching topic without --group; --group with enable.auto.commit=false commits nothing', async () => {
  await admin.createTopics([{ topic: 'inc-one', numPartitions: 1 }, { topic: 'inc-two', numPartitions: 1 }, { topic: 'other-inc', numPartitions: 1 }]);
  for (const topic of ['inc-one', 'inc-two', 'other-inc']) await runCliOk(['console-producer', ...b, '--topic', topic], { input: `${topic}\n` });
  const matched = await runCliOk(['console-consumer', ...b, '--include', 'inc-.*', '--from-beginning', '--timeout-ms', '3000']);
  assert.deepEqual(matched.stdout.split('\n').filter(Boolean).sort(), ['inc-one', 'inc-two']);
  const uncommitted = await runCliOk(['console-consumer', ...b, '--topic', 'inc-one', '--group', 'no-commits', '--from-beginning',
    '--max-messages', '1', '--consumer-property', 'enable.auto.commit=false']);
  assert.equal(uncommitted.stdout, 'inc-one\n');
  assert.deepEqual(await admin.listConsumerGroupOffsets('no-commits'), []);
});

test('console-consumer refuses what Kafka refuses: --group with --partition, --from-beginning against auto.offset.reset, two group ids', async () => {
  const usage = async (args: string[], message: RegExp) => {
    const result = await runCli(['console-consumer', ...b, '--topic', 'from-kafkajs', ...args]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, message);
  };
  await usage(['--group', 'g', '--partition', '0'], /--group and --partition cannot be used together/);
  await usage(['--partition', '0', '--consumer-property', 'group.id=g'], /--group and --partition cannot be used together/);
  await usage(['--from-beginning', '--consumer-property', 'auto.offset.reset=latest'], /--from-beginning and auto.offset.reset=latest/);
  await usage(['--group', 'a', '--consumer-property', 'group.id=b'], /group ids .* do not match/);
  await usage(['--consumer-property', 'x=1', '--command-property', 'y=2'], /--consumer-property and --command-property cannot be used together/);
  await usage(['--partition', '0', '--offset', '-3'], /--offset must be earliest, latest or a non-negative integer/);
});

test('console-producer: Kafka 4\'s option names; a flag sets its property only when the properties do not', async () => {
  await admin.createTopics([{ topic: 'renamed', numPartitions: 1 }]);
  const reader = join(broker.dataDir, 'reader.properties');
  await writeFile(reader, 'parse.key=true\nkey.separator=:\n');
  const config = join(broker.dataDir, 'producer.properties');
  await writeFile(config, 'acks=1\nlinger.ms=1000\n');
  const lines = Array.from({ length: 20 }, (_, i) => `k${i}:value-${i}`);
  // batch.size 100 (--max-partition-memory-bytes) splits the lingering records into small batches.
  const small = await runCliOk(['console-producer', ...b, '--topic', 'renamed', '--reader-config', reader, '--command-config', config,
    '--max-partition-memory-bytes', '100', '--max-memory-bytes', '1048576', '--max-block-ms', '5000', '--metadata-expiry-ms', '60000',
    '--socket-buffer-size', '102400'], { input: lines.join('\n') + '\n' });
  assert.equal(small.stderr, '', 'every flag maps to a known producer property');
  const read = await kcatConsumeAll(broker.bootstrap, 'renamed');
  assert.deepEqual(read.map((m) => [m.key, m.payload]), lines.map((l) => l.split(':')));
  const smallBatches = (await readSegmentBatches(firstSegmentPath(broker.dataDir, 'renamed', 0))).length;
  assert.ok(smallBatches >= 5, `${smallBatches} batches of at most 100 bytes`);

  // --command-property batch.size wins over --max-partition-memory-bytes, as in Kafka's ConsoleProducer.
  await runCliOk(['console-producer', ...b, '--topic', 'renamed', '--reader-property', 'parse.key=true', '--reader-property', 'key.separator=:',
    '--command-property', 'batch.size=1000000', '--command-property', 'linger.ms=1000', '--max-partition-memory-bytes', '100'], { input: lines.join('\n') + '\n' });
  const batches = await readSegmentBatches(firstSegmentPath(broker.dataDir, 'renamed', 0));
  assert.equal(batches.length, smallBatches + 1, 'the second run sent one batch');

  for (const [old, current] of [['--producer-property', '--command-property'], ['--property', '--reader-property']]) {
    const both = await runCli(['console-producer', ...b, '--topic', 'renamed', old!, 'a=1', current!, 'b=2'], { input: 'x\n' });
    assert.equal(both.status, 2);
    assert.match(both.stderr, new RegExp(`${old} and ${current} cannot be used together`));
  }
  const both = await runCli(['console-producer', ...b, '--topic', 'renamed', '--producer.config', config, '--command-config', config], { input: 'x\n' });
  assert.equal(both.status, 2);
});

test('console-consumer --formatter: Kafka\'s Default, NoOp and Logging formatters by class name; others refused', async () => {
  await admin.createTopics([{ topic: 'formatted', numPartitions: 1 }]);
  await runCliOk(['console-producer', ...b, '--topic', 'formatted', '--property', 'parse.key=true'], { input: 'k1\tv1\nk2\tv2\n' });
  const read = (...args: string[]) => runCliOk(['console-consumer', ...b, '--topic', 'formatted', '--from-beginning', '--max-messages', '2', ...args]);
  const explicit = await read('--formatter', 'org.apache.kafka.tools.consumer.DefaultMessageFormatter', '--property', 'print.key=true');
  assert.equal(explicit.stdout, 'k1\tv1\nk2\tv2\n');
  const old = await read('--formatter', 'kafka.tools.DefaultMessageFormatter');
  assert.equal(old.stdout, 'v1\nv2\n');
  const noop = await read('--formatter', 'org.apache.kafka.tools.consumer.NoOpMessageFormatter');
  assert.equal(noop.stdout, '');
  assert.equal(noop.stderr, 'Processed a total of 2 messages\n');
  const logging = await read('--formatter', 'kafka.tools.LoggingMessageFormatter');
  assert.equal(logging.stdout, 'v1\nv2\n');
  const logLines = logging.stderr.trimEnd().split('\n');
  assert.equal(logLines.length, 3, logging.stderr);
  assert.match(logLines[0]!, /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}\] INFO CreateTime:\d+, key:k1, value:v1 \(org\.apache\.kafka\.tools\.consumer\.LoggingMessageFormatter\)$/);
  const other = await runCli(['console-consumer', ...b, '--topic', 'formatted', '--formatter', 'com.example.MyFormatter']);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /--formatter com\.example\.MyFormatter is not available: .*DefaultMessageFormatter, NoOpMessageFormatter, LoggingMessageFormatter/);
});

test('console-consumer --isolation-level: read_committed reads what is committed (everything, without transactions); a bad level is refused', async () => {
  const committed = await runCliOk(['console-consumer', ...b, '--topic', 'formatted', '--from-beginning', '--max-messages', '2', '--isolation-level', 'read_committed']);
  assert.equal(committed.stdout, 'v1\nv2\n');
  const bad = await runCli(['console-consumer', ...b, '--topic', 'formatted', '--isolation-level', 'dirty']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /isolation level must be read_committed or read_uncommitted, not 'dirty'/);
});

test('console-consumer warns once, as Kafka\'s NetworkClient, while the broker cannot be reached', async () => {
  const result = await runCliOk(['console-consumer', '--bootstrap-server', '127.0.0.1:1', '--topic', 'nowhere', '--timeout-ms', '4000']);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, result.stderr);
  assert.match(lines[0]!, /^\[[^\]]+\] WARN \[Consumer clientId=console-consumer, groupId=console-consumer-\d+\] Connection to node -1 \(127\.0\.0\.1:1\) could not be established\. Node may not be available\. \(org\.apache\.kafka\.clients\.NetworkClient\)$/);
  assert.equal(lines[1], 'Processed a total of 0 messages');
});
