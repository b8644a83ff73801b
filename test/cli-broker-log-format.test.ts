/**
 * `samsa broker`'s log lines as a person and a log shipper see them: on a terminal (a pseudo-terminal
 * from util-linux's `script`, so stdout is a TTY as in a shell) text lines in the layout of Kafka's
 * log4j ones, `[2026-12-07 03:32:19,123] INFO broker started (samsa) nodeId=1 ...`; piped, JSON lines
 * as before; on a terminal with log.format=json or SAMSA_LOG_FORMAT=json, JSON lines again.
 * Each broker is stopped as its user stops it: Ctrl-C on the terminal, SIGINT through a pipe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/test-broker.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';
import { waitFor } from './helpers/wait-for.ts';

const BIN = join(REPO_ROOT, 'bin', 'samsa.js');
const TEXT_LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) \S/;
const ANSI = /\u001b\[[0-9;]*m/g;

interface BrokerRun {
  /** Everything the broker wrote to stdout, in lines (stderr apart when piped; one stream on a terminal). */
  readonly lines: string[];
  readonly status: number | null;
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * Starts `samsa broker` on a free port and a fresh log dir, waits for its "broker started" line,
 * stops it and returns what it printed. On a terminal the command runs under `script`, whose pty is
 * the broker's stdout and stderr; `exec` makes the broker the pty's foreground process, so the
 * Ctrl-C written to it is the broker's SIGINT.
 */
async function runBroker(t: { after(fn: () => unknown): void }, { terminal, env = {}, overrides = [] }: {
  terminal: boolean; env?: Record<string, string>; overrides?: string[];
}): Promise<BrokerRun> {
  const logDir = await makeTempDir('samsa-log-format-');
  t.after(() => removeTempDir(logDir));
  const args = [BIN, 'broker', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${logDir}`, ...overrides.flatMap((o) => ['--override', o])];
  const childEnv: Record<string, string | undefined> = { ...process.env, SAMSA_LOG_LEVEL: 'info', ...env };
  // A person's terminal: Node's colour detection turns colours off where CI or FORCE_COLOR says so.
  for (const name of ['NO_COLOR', 'CI', 'FORCE_COLOR', 'NODE_DISABLE_COLORS']) if (!(name in env)) delete childEnv[name];
  if (!('SAMSA_LOG_FORMAT' in env)) delete childEnv['SAMSA_LOG_FORMAT'];
  delete childEnv['FORCE_COLOR'];
  const child = terminal
    ? spawn('script', ['-qfec', `exec ${[process.execPath, ...args].map(shellQuote).join(' ')}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv })
    : spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${stdout}${stderr}`);
    return stdout.includes('broker started');
  }, 30_000, { what: `the "broker started" line\n${stdout}${stderr}` });
  if (terminal) child.stdin.write('\u0003');
  else child.kill('SIGINT');
  const [status] = await exited;
  const lines = stdout.split(/\r?\n/).filter((line) => line !== '');
  return { lines, status };
}

/** The broker's own log lines: on a terminal the pty also shows the ^C echo and the command's notice on stderr. */
function logLines(run: BrokerRun): string[] {
  return run.lines.map((line) => line.replace(/^\^C/, '')).filter((line) => line !== '' && !line.startsWith('samsa broker: '));
}

function assertJsonLines(run: BrokerRun): Record<string, unknown>[] {
  assert.equal(run.status, 0, run.lines.join('\n'));
  const records = logLines(run).map((line) => {
    assert.ok(line.startsWith('{'), `not a JSON line: ${line}`);
    return JSON.parse(line) as Record<string, unknown>;
  });
  const started = records.find((r) => r['msg'] === 'broker started');
  assert.ok(started !== undefined);
  assert.equal(started['level'], 30);
  assert.equal(started['nodeId'], 1);
  assert.ok(records.some((r) => r['msg'] === 'broker stopped'));
  return records;
}

test('on a terminal samsa broker prints text lines as Kafka\'s log4j does: [time] LEVEL message (component) key=value, the level coloured', { timeout: 120_000 }, async (t) => {
  assert.ok(spawnSync('sh', ['-c', 'command -v script']).status === 0, 'util-linux script is installed');
  const run = await runBroker(t, { terminal: true, env: { TERM: 'xterm-256color' } });
  assert.equal(run.status, 0, run.lines.join('\n'));
  const lines = logLines(run);
  assert.ok(lines.some((line) => /\u001b\[32mINFO\u001b\[39m/.test(line)), `INFO in green:\n${lines.join('\n')}`);
  const plain = lines.map((line) => line.replace(ANSI, ''));
  for (const line of plain) assert.match(line, TEXT_LINE);
  const started = plain.find((line) => line.includes(' INFO broker started '));
  assert.ok(started !== undefined, plain.join('\n'));
  assert.match(started, /^\[[^\]]+\] INFO broker started \(samsa\) nodeId=1 clusterId=\S+ listeners=\["PLAINTEXT:\/\/127\.0\.0\.1:\d+"\]/);
  assert.ok(plain.some((line) => / INFO broker stopped \(samsa\) nodeId=1$/.test(line)), plain.join('\n'));
  assert.ok(run.lines.some((line) => line.includes('samsa broker: SIGINT received, shutting down')), 'Ctrl-C reached the broker');
});

test('on a terminal with NO_COLOR the text lines carry no colour codes', { timeout: 120_000 }, async (t) => {
  const run = await runBroker(t, { terminal: true, env: { TERM: 'xterm-256color', NO_COLOR: '1' } });
  assert.equal(run.status, 0, run.lines.join('\n'));
  const lines = logLines(run);
  assert.ok(lines.length >= 2, lines.join('\n'));
  for (const line of lines) {
    assert.doesNotMatch(line, ANSI);
    assert.match(line, TEXT_LINE);
  }
});

test('piped, samsa broker prints JSON lines, as log shippers read them', { timeout: 120_000 }, async (t) => {
  const run = await runBroker(t, { terminal: false, env: { TERM: 'xterm-256color' } });
  const records = assertJsonLines(run);
  const started = records.find((r) => r['msg'] === 'broker started')!;
  const [listener] = started['listeners'] as string[];
  assert.match(listener!, /^PLAINTEXT:\/\/127\.0\.0\.1:\d+$/);
});

test('on a terminal, log.format=json and SAMSA_LOG_FORMAT=json both give JSON lines', { timeout: 120_000 }, async (t) => {
  assertJsonLines(await runBroker(t, { terminal: true, env: { TERM: 'xterm-256color' }, overrides: ['log.format=json'] }));
  assertJsonLines(await runBroker(t, { terminal: true, env: { TERM: 'xterm-256color', SAMSA_LOG_FORMAT: 'json' } }));
});

test('piped, log.format=text gives text lines without colour codes (a file a person reads later)', { timeout: 120_000 }, async (t) => {
  const run = await runBroker(t, { terminal: false, env: { TERM: 'xterm-256color' }, overrides: ['log.format=text'] });
  assert.equal(run.status, 0, run.lines.join('\n'));
  const lines = logLines(run);
  assert.ok(lines.some((line) => / INFO broker started \(samsa\) nodeId=1 /.test(line)), lines.join('\n'));
  for (const line of lines) {
    assert.doesNotMatch(line, ANSI);
    assert.match(line, TEXT_LINE);
  }
});
