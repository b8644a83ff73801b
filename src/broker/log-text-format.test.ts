import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DestinationStream } from 'pino';
import { formatLogRecord } from './log-text-format.ts';
import { chooseLogFormat, createLogger, createProcessLogger, type LogSurroundings } from './logger.ts';

/** 2026-12-07 03:32:19.123 in the local time zone, as log4j prints it. */
const TIME = new Date(2026, 11, 7, 3, 32, 19, 123).getTime();

function collect(): { destination: DestinationStream; text(): string } {
  const chunks: string[] = [];
  return { destination: { write: (chunk: string) => { chunks.push(chunk); } }, text: () => chunks.join('') };
}

const terminal = (env: Record<string, string> = {}, hasColors = true): LogSurroundings => ({ env, stdout: { isTTY: true, hasColors: () => hasColors } });
const pipe = (env: Record<string, string> = {}): LogSurroundings => ({ env, stdout: { isTTY: false } });

test('a record reads as Kafka\'s log4j line: [time] LEVEL message (component), then its fields as key=value', () => {
  const line = formatLogRecord({
    level: 30, time: TIME, pid: 4242, name: 'samsa', nodeId: 1, component: 'replica-fetcher',
    msg: 'fetch session lost', topic: 'orders', partition: 3, sessionId: 77, listeners: ['PLAINTEXT://127.0.0.1:9092'], reason: 'a broker went away', ok: true,
  }, { colors: false });
  assert.equal(line,
    '[2026-12-07 03:32:19,123] INFO fetch session lost (replica-fetcher) nodeId=1 topic=orders partition=3 sessionId=77 '
    + 'listeners=["PLAINTEXT://127.0.0.1:9092"] reason="a broker went away" ok=true\n');
});

test('without a component the line names the process, as log4j names its logger', () => {
  assert.equal(formatLogRecord({ level: 40, time: TIME, pid: 1, name: 'samsa', msg: 'careful' }, { colors: false }),
    '[2026-12-07 03:32:19,123] WARN careful (samsa)\n');
});

test('a record without a message still reads as one line', () => {
  assert.equal(formatLogRecord({ level: 20, time: TIME, component: 'cleaner', topic: 't' }, { colors: false }),
    '[2026-12-07 03:32:19,123] DEBUG (cleaner) topic=t\n');
});

test('an error shows its extra properties on the line and its stack on the lines after, as log4j prints a throwable', () => {
  const { destination, text } = collect();
  const logger = createLogger({ name: 'samsa', format: 'text', destination, level: 'debug' }).child({ nodeId: 2, component: 'log-manager' });
  const error = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
  logger.error({ logDir: '/var/lib/samsa', err: error }, 'log dir failed');
  const [first, ...rest] = text().trimEnd().split('\n');
  assert.match(first!, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] ERROR log dir failed \(log-manager\) nodeId=2 logDir=\/var\/lib\/samsa err\.code=ENOSPC$/);
  assert.equal(rest[0], 'Error: no space left on device');
  assert.match(rest[1]!, /^ {4}at .*log-text-format\.test\.ts/);
  assert.ok(!text().includes('\u001b['), 'no colours unless asked');
});

test('levels read as log4j names them, and colours are ANSI escapes on the level only when asked', () => {
  const labels = [10, 20, 30, 40, 50, 60].map((level) => formatLogRecord({ level, time: TIME, msg: 'm' }, { colors: false }).split(' ')[2]);
  assert.deepEqual(labels, ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);
  const coloured = formatLogRecord({ level: 50, time: TIME, msg: 'broken', topic: 't' }, { colors: true });
  assert.match(coloured, /\u001b\[31mERROR\u001b\[39m broken/);
  assert.equal(coloured.replace(/\u001b\[\d+m/g, ''), '[2026-12-07 03:32:19,123] ERROR broken topic=t\n');
});

test('json stays pino\'s JSON lines, as log shippers read them', () => {
  const { destination, text } = collect();
  createLogger({ name: 'samsa', format: 'json', destination }).child({ nodeId: 1 }).info({ topic: 'orders' }, 'topic created');
  const record = JSON.parse(text()) as Record<string, unknown>;
  assert.equal(record['msg'], 'topic created');
  assert.equal(record['level'], 30);
  assert.equal(record['nodeId'], 1);
  assert.equal(record['topic'], 'orders');
  assert.equal(record['name'], 'samsa');
});

test('the format: text on a terminal, JSON when piped; log.format, then SAMSA_LOG_FORMAT, win over the terminal', () => {
  assert.deepEqual(chooseLogFormat(null, terminal()), { format: 'text', colors: true });
  assert.deepEqual(chooseLogFormat(null, pipe()), { format: 'json', colors: false });
  assert.deepEqual(chooseLogFormat('json', terminal()), { format: 'json', colors: false });
  assert.deepEqual(chooseLogFormat('text', pipe()), { format: 'text', colors: false }, 'text into a pipe or file has no colours');
  assert.deepEqual(chooseLogFormat(null, terminal({ SAMSA_LOG_FORMAT: 'json' })), { format: 'json', colors: false });
  assert.deepEqual(chooseLogFormat(null, pipe({ SAMSA_LOG_FORMAT: 'TEXT' })), { format: 'text', colors: false });
  assert.deepEqual(chooseLogFormat('text', terminal({ SAMSA_LOG_FORMAT: 'json' })), { format: 'text', colors: true }, 'the broker\'s own config wins');
  assert.deepEqual(chooseLogFormat(null, terminal({}, false)), { format: 'text', colors: false }, 'a terminal without colours (NO_COLOR, TERM=dumb)');
});

test('a SAMSA_LOG_FORMAT that is neither text nor json is said once, and the terminal decides', () => {
  const { destination, text } = collect();
  createProcessLogger({ name: 'samsa', destination }, { env: { SAMSA_LOG_FORMAT: 'xml' }, stdout: { isTTY: false } });
  const lines = text().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!['msg'], 'SAMSA_LOG_FORMAT is not one of text, json; ignored');
  assert.equal(lines[0]!['SAMSA_LOG_FORMAT'], 'xml');
});

test('SAMSA_LOG_LEVEL sets the level of a process\'s logger', () => {
  const { destination, text } = collect();
  const logger = createProcessLogger({ name: 'samsa', configuredFormat: 'text', destination }, { env: { SAMSA_LOG_LEVEL: 'warn' }, stdout: { isTTY: false } });
  logger.info('not shown');
  logger.warn('shown');
  assert.match(text(), /^\[[^\]]+\] WARN shown \(samsa\)\n$/);
});
