/**
 * samsa console-producer and console-consumer as child processes: what the producer sends, kcat
 * reads intact (keys, headers, codec); what KafkaJS produces, the consumer prints as Kafka's
 * DefaultMessageFormatter would.
 */
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
