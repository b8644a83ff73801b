import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTable, javaDateFormatter, metricsBlock, Progress } from './cli-format.ts';
import { UsageError } from './cli-io.ts';
import { clientProperties, parseOptions, parsePartitionList } from './cli-options.ts';
import { adminOptions, consumerOptions, producerOptions } from './client-properties.ts';
import { parseAddConfig } from './configs.ts';
import { formatRecord, formatterSettings } from './console-consumer.ts';
import { lineReaderSettings, parseLine, readLines } from './console-producer.ts';
import { parseDatetime, parseDurationMs, parseResetPlan } from './consumer-groups-reset.ts';
import { formatterName } from './console-consumer-options.ts';
import { parseOffsetJson } from './delete-records.ts';
import { parseTime } from './get-offsets.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

test('parseOptions glues negative numbers to their option and reports errors as one-line UsageErrors', () => {
  const { values } = parseOptions(['--time', '-1', '--shift-by', '-20'], { time: { type: 'string' }, 'shift-by': { type: 'string' } });
  assert.equal(values.time, '-1');
  assert.equal(values['shift-by'], '-20');
  assert.throws(() => parseOptions(['--nope'], {}), (e: Error) => e instanceof UsageError && !e.message.includes('\n'));
});

test('partition lists take commas and ranges', () => {
  assert.deepEqual(parsePartitionList('0,2-4,7'), [0, 2, 3, 4, 7]);
  assert.throws(() => parsePartitionList('a'), UsageError);
});

test('console-producer lines: headers, key, value, null marker, and the errors Kafka reports', () => {
  const s = lineReaderSettings(new Map([['parse.key', 'true'], ['parse.headers', 'true'], ['null.marker', '~']]));
  assert.deepEqual(parseLine('a:1,b,c:~\tk\tv\tw', 1, s), { key: 'k', value: 'v\tw', headers: [{ key: 'a', value: '1' }, { key: 'b', value: null }, { key: 'c', value: null }] });
  assert.deepEqual(parseLine('~\t~\t~', 1, s), { key: null, value: null, headers: [] });
  assert.throws(() => parseLine('x', 3, s), /No headers delimiter found on line number 3: 'x'/);
  const plain = lineReaderSettings(new Map());
  assert.deepEqual(parseLine('k\tv', 1, plain), { key: null, value: 'k\tv', headers: [] });
});

test('readLines splits on \\n and \\r\\n across chunk borders, multi-byte characters included', async () => {
  async function* chunks() { yield Buffer.from('ab\r'); yield Buffer.from('\ncd\n\xc3', 'latin1'); yield Buffer.from([0xa9]); yield Buffer.from('\nlast'); }
  const lines: string[] = [];
  for await (const line of readLines(chunks())) lines.push(line);
  assert.deepEqual(lines, ['ab', 'cd', 'é', 'last']);
});

test('console-consumer formats records as DefaultMessageFormatter', () => {
  const record = { topic: 't', partition: 2, offset: 7, timestamp: 5, timestampType: 'LogAppendTime' as const, key: null, value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('x') }], leaderEpoch: 0 };
  assert.equal(formatRecord(record, formatterSettings(new Map())), 'v\n');
  const all = formatterSettings(new Map(['timestamp', 'partition', 'offset', 'headers', 'key'].map((k) => [`print.${k}`, 'true'] as [string, string]).concat([['key.separator', '\\t|']])));
  assert.equal(formatRecord(record, all), 'LogAppendTime:5\t|Partition:2\t|Offset:7\t|h:x\t|null\t|v\n');
});

test('configs --add-config keeps bracketed lists whole', () => {
  assert.deepEqual(parseAddConfig('a=1,b=[x,y],c=z'), [['a', '1'], ['b', 'x,y'], ['c', 'z']]);
  assert.throws(() => parseAddConfig('novalue'), UsageError);
});

test('reset specs: ISO durations and datetimes', () => {
  assert.equal(parseDurationMs('P1DT2H3M4.5S'), ((24 + 2) * 60 + 3) * 60_000 + 4_500);
  assert.equal(parseDurationMs('PT15M'), 900_000);
  assert.throws(() => parseDurationMs('P'), UsageError);
  assert.equal(parseDatetime('2024-01-01T00:00:00.000Z'), Date.UTC(2024, 0, 1));
  assert.equal(parseDatetime('2024-01-01T01:00:00.000+01:00'), Date.UTC(2024, 0, 1));
  assert.throws(() => parseDatetime('yesterday'), UsageError);
});

test('get-offsets --time and delete-records JSON', () => {
  assert.deepEqual(['-1', '-2', '-3', '-4', '-5', 'earliest', 'earliest-local', 'latest-tiered', '1700000000000'].map((t) => parseTime(t)),
    [-1, -2, -3, -4, -5, -2, -4, -5, 1700000000000]);
  assert.throws(() => parseTime('-6'), UsageError);
  assert.deepEqual(parseOffsetJson('{"partitions":[{"topic":"t","partition":1,"offset":-1}],"version":1}'), [{ topic: 't', partition: 1, offset: -1 }]);
  assert.throws(() => parseOffsetJson('{"partitions":[{"topic":"t","partition":1,"offset":1},{"topic":"t","partition":1,"offset":2}]}'), /duplicate/);
});

test('tables pad every column but the last; progress shows only on a terminal', () => {
  assert.equal(formatTable(['A', 'BB'], [['xyz', '1']], [0, 0]), 'A   BB\nxyz 1\n');
  const written: string[] = [];
  new Progress({ stdout: () => {}, stderr: (t) => void written.push(t) }).update('x', { force: true });
  assert.equal(written.length, 0);
  const progress = new Progress({ stdout: () => {}, stderr: (t) => void written.push(t), stderrIsTerminal: true });
  progress.update('50%', { force: true });
  progress.done();
  assert.equal(written.length, 2);
});

test('optional option values: left out they are empty, given they are kept', () => {
  const specs = { state: { type: 'string', optionalValue: true }, list: { type: 'boolean' } } as const;
  assert.equal(parseOptions(['--list', '--state'], specs).values.state, '');
  assert.equal(parseOptions(['--state', '--list'], specs).values.state, '');
  assert.equal(parseOptions(['--state', 'Stable,Empty', '--list'], specs).values.state, 'Stable,Empty');
});

test('SimpleDateFormat patterns, Kafka\'s metrics block, reset plans and formatter names', () => {
  const ms = new Date(2024, 1, 3, 14, 5, 6, 7).getTime();
  assert.equal(javaDateFormatter('yyyy-MM-dd HH:mm:ss:SSS')(ms), '2024-02-03 14:05:06:007');
  assert.equal(javaDateFormatter("yy/M/d h:mm a 'o''clock' E")(ms), "24/2/3 2:05 PM o'clock Sat");
  assert.throws(() => javaDateFormatter('yyyy-ww'), /pattern letter 'w'/);
  assert.equal(metricsBlock([{ group: 'g', name: 'b', tags: { 'client-id': 'c' }, value: 2 }, { group: 'g', name: 'a', tags: {}, value: 0.5 }]),
    '\nMetric Name         Value\ng:a:{}            : 0.500\ng:b:{client-id=c} : 2.000\n');
  assert.deepEqual([...parseResetPlan('t,0,5\nt,1,6\nu,0,1\n', 'g')].map(([t, m]) => [t, [...m]]), [['t', [[0, 5], [1, 6]]], ['u', [[0, 1]]]]);
  assert.deepEqual([...parseResetPlan('g,t,0,5\nh,t,0,9\n', 'g')].map(([t, m]) => [t, [...m]]), [['t', [[0, 5]]]]);
  assert.throws(() => parseResetPlan('t,x,5\n', 'g'), UsageError);
  assert.equal(formatterName(undefined), 'DefaultMessageFormatter');
  assert.equal(formatterName('kafka.tools.NoOpMessageFormatter'), 'NoOpMessageFormatter');
  assert.throws(() => formatterName('org.apache.kafka.tools.consumer.JsonFormatter'), UsageError);
});

test('client config files are read as Java properties; client configs trimmed as ConfigDef trims them; flags win', async () => {
  const file = join(tempDirSync('samsa-cli-'), 'client.properties');
  writeFileSync(file, '# producer\nacks = all  \nclient.id: a\\\n    b\nkey.separator=\\t\nlinger.ms=5\nheaders.delimiter=\\u007c\n');
  const props = await clientProperties(file, ['linger.ms=7'], '--producer-property');
  assert.deepEqual(Object.fromEntries(props), { acks: 'all  ', 'client.id': 'ab', 'key.separator': '\t', 'linger.ms': '7', 'headers.delimiter': '|' });
  assert.equal(lineReaderSettings(props).keySeparator, '\t', 'reader settings untrimmed, as LineMessageReader reads them');
  const { options } = producerOptions({ bootstrapServers: ['x:9092'] }, props);
  assert.equal(options.acks, 'all');
  assert.equal(options.clientId, 'ab');
  writeFileSync(file, 'linger.ms=\\u00\n');
  await assert.rejects(clientProperties(file, [], '--producer-property'), (error: unknown) =>
    error instanceof UsageError && error.message === `${file}: malformed \\u escape "\\u00"`);
});

test('consumer properties: client.rack, check.crcs, isolation.level and default.api.timeout.ms land on the options; unknown keys come back', () => {
  const props = new Map([['client.rack', 'rack-7'], ['check.crcs', 'false'], ['isolation.level', 'read_committed'], ['default.api.timeout.ms', '5000'], ['no.such.key', '1']]);
  const { options, unknown } = consumerOptions({ bootstrapServers: ['x:9092'] }, props);
  assert.deepEqual([options.clientRack, options.checkCrcs, options.isolationLevel, options.defaultApiTimeoutMs], ['rack-7', false, 'read_committed', 5000]);
  assert.deepEqual(unknown, ['no.such.key']);
});

test('admin properties (--command-config): default.api.timeout.ms bounds how long a call retries; a bad number is a usage error', () => {
  const { options, unknown } = adminOptions({ bootstrapServers: ['x:9092'] }, new Map([['default.api.timeout.ms', '2500'], ['send.buffer.bytes', '1'], ['no.such.key', '1']]));
  assert.equal(options.defaultApiTimeoutMs, 2500);
  assert.deepEqual(unknown, ['no.such.key']);
  assert.throws(() => adminOptions({ bootstrapServers: ['x:9092'] }, new Map([['default.api.timeout.ms', 'soon']])),
    (error: unknown) => error instanceof UsageError && error.message === "default.api.timeout.ms must be a number, not 'soon'");
});
