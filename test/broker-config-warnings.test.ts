/**
 * A config the broker accepts but does not act on is never silently unheeded: at start, the broker
 * logs one warning for each such key that was set, naming it and saying why, and none for keys
 * left unset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../src/broker/logger.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker } from './helpers/test-broker.ts';

interface LogLine { level: number; msg: string; config?: string }
const WARN = 40;

/** Starts and stops a broker with `overrides`, and returns the warnings it logged. */
async function warningsAtStart(overrides: Record<string, string>): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const logger = createLogger({ level: 'warn', destination: { write: (line: string) => { lines.push(JSON.parse(line) as LogLine); } } });
  const broker = await startTestBroker(overrides, undefined, { logger });
  await broker.close();
  await removeTempDir(broker.dataDir);
  return lines.filter((line) => line.level === WARN);
}

test('each ignored config that is set gets one warning naming it and why', { timeout: 20_000 }, async () => {
  const warnings = await warningsAtStart({
    'num.io.threads': '8', 'num.recovery.threads.per.data.dir': '1', 'socket.send.buffer.bytes': '102400', 'log.retention.hours': '24',
  });
  const byKey = new Map(warnings.filter((line) => line.config !== undefined).map((line) => [line.config!, line.msg]));
  assert.deepEqual([...byKey.keys()].sort(), ['num.io.threads', 'num.recovery.threads.per.data.dir', 'socket.send.buffer.bytes']);
  assert.equal(warnings.filter((line) => line.config === 'num.io.threads').length, 1);
  assert.match(byKey.get('num.io.threads')!, /^num\.io\.threads is set but has no effect: the broker runs on one event loop thread, .*UV_THREADPOOL_SIZE/);
  assert.match(byKey.get('num.recovery.threads.per.data.dir')!, /^num\.recovery\.threads\.per\.data\.dir is set but has no effect: .*one event loop thread/);
  assert.match(byKey.get('socket.send.buffer.bytes')!, /^socket\.send\.buffer\.bytes is set but has no effect: connections keep the operating system's socket buffer sizes/);
});

test('a broker given no ignored config warns about none', { timeout: 20_000 }, async () => {
  const warnings = await warningsAtStart({ 'log.retention.hours': '24', 'num.partitions': '2' });
  assert.deepEqual(warnings.map((line) => line.msg).filter((msg) => /has no effect/.test(msg)), []);
});
