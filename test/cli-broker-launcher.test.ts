/**
 * `samsa broker` as a user starts it, through the package's bin: the PID the user gets is the
 * broker (a SIGKILL to it leaves nothing running and frees the port and the log dir's lock), and a
 * second broker on a log dir a live one holds is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { LogDirLockedError, lockLogDirs } from '../src/storage/log-dir-lock.ts';
import { readTopicWithPlatformatic } from './helpers/platformatic-reader.ts';
import { brokerNodeFlags, REPO_ROOT, startTestBroker } from './helpers/test-broker.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';
import { waitFor } from './helpers/wait-for.ts';

const { Kafka, logLevel } = kafkajs;
const BIN = join(REPO_ROOT, 'bin', 'samsa.js');
/** Generous: the broker is gone within a second, but a loaded 2-core machine may be slow to show it. */
const GONE_DEADLINE_MS = 15_000;

interface LaunchedBroker {
  readonly child: ChildProcess;
  readonly exited: Promise<[number | null, string | null]>;
  output(): string;
  /** The "broker started" log line, once it is written. */
  started(): Promise<{ listeners: string[]; nodeFlags: string[]; pid: number; port: number }>;
}

/** Runs `command ...prefix broker <overrides>`: bin/samsa.js itself, or a Node given bin/samsa.js. */
function launchBroker(command: string, prefix: readonly string[], logDirs: string): LaunchedBroker {
  const child = spawn(command, [...prefix, 'broker', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${logDirs}`],
    // Its info lines are what the test reads, whatever level the suite runs at.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SAMSA_LOG_LEVEL: 'info' } });
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const startedLine = () => {
    if (child.exitCode !== null) throw new Error(`broker exited ${child.exitCode}: ${output}`);
    const line = output.split('\n').find((l) => l.includes('"broker started"'));
    return line === undefined ? undefined : JSON.parse(line);
  };
  return {
    child,
    exited,
    output: () => output,
    async started() {
      const info = await waitFor(startedLine, 30_000, { what: 'the "broker started" log line' });
      return { ...info, port: Number(new URL(info.listeners[0].replace('PLAINTEXT', 'kafka')).port) };
    },
  };
}

function killOnExit(t: { after(fn: () => void): void }, launched: LaunchedBroker): void {
  t.after(() => { if (launched.child.exitCode === null && launched.child.signalCode === null) launched.child.kill('SIGKILL'); });
}

async function portRefuses(port: number): Promise<boolean> {
  const socket = connect({ host: '127.0.0.1', port });
  try {
    await once(socket, 'connect');
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  } finally {
    socket.destroy();
  }
}

async function lockIsFree(logDir: string): Promise<boolean> {
  const locks = await lockLogDirs([logDir]);
  await locks.release();
  return true;
}

function pidIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

test('samsa broker execs Node with the flags in bin/broker-node-flags, and SIGTERM stops it cleanly', async (t) => {
  const flags = brokerNodeFlags();
  assert.ok(flags.length > 0 && flags.every((f) => f.startsWith('--')), `flags: ${flags.join(' ')}`);
  const dataDir = await makeTempDir('samsa-launcher-');
  t.after(() => removeTempDir(dataDir));
  // `node bin/samsa.js`: Node 24 replaces itself (execve) with a Node started with the flags.
  const launched = launchBroker(process.execPath, [BIN], dataDir);
  killOnExit(t, launched);
  const info = await launched.started();
  assert.deepEqual(info.nodeFlags, flags);
  assert.equal(info.pid, launched.child.pid, 'the PID the launcher got is the broker');

  const socket = connect({ host: '127.0.0.1', port: info.port });
  await once(socket, 'connect');
  socket.destroy();
  launched.child.kill('SIGTERM');
  const [code] = await launched.exited;
  assert.equal(code, 0, launched.output());
  assert.match(launched.output(), /"broker stopped"/);
});

test('SIGKILL of the PID bin/samsa.js started stops the broker: port closed, lock free, and a restart reads back every acknowledged record', { timeout: 120_000 }, async (t) => {
  const dataDir = await makeTempDir('samsa-launcher-');
  t.after(() => removeTempDir(dataDir));
  // As a user runs it from a shell: the file itself, whose sh line execs Node.
  const first = launchBroker(BIN, [], dataDir);
  killOnExit(t, first);
  const info = await first.started();
  assert.equal(info.pid, first.child.pid, 'the PID the shell got is the broker');

  const topic = 'acked-before-kill';
  const kafka = new Kafka({ clientId: 'samsa-launcher-test', brokers: [`127.0.0.1:${info.port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const sent = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: `acknowledged-${i}` }));
  for (let i = 0; i < sent.length; i += 5) await producer.send({ topic, acks: -1, messages: sent.slice(i, i + 5) });
  await producer.disconnect();

  first.child.kill('SIGKILL');
  const [, signal] = await first.exited;
  assert.equal(signal, 'SIGKILL');
  await waitFor(() => pidIsGone(info.pid), GONE_DEADLINE_MS, { what: `pid ${info.pid} to be gone` });
  await waitFor(() => portRefuses(info.port), GONE_DEADLINE_MS, { what: `port ${info.port} to refuse connections` });
  await waitFor(() => lockIsFree(dataDir), GONE_DEADLINE_MS, { what: `the lock on ${dataDir} to be free` });

  const second = launchBroker(BIN, [], dataDir);
  killOnExit(t, second);
  const restarted = await second.started();
  const read = await readTopicWithPlatformatic(`127.0.0.1:${restarted.port}`, topic);
  assert.deepEqual(read.map((r) => r.value?.toString()).sort(), sent.map((r) => r.value).sort());
  second.child.kill('SIGTERM');
  assert.equal((await second.exited)[0], 0, second.output());
});

test('a broker started on a log dir that a live broker holds is refused, and the holder goes on', async (t) => {
  const [shared, own] = [await makeTempDir('samsa-lock-'), await makeTempDir('samsa-lock-')];
  const holder = await startTestBroker({}, shared);
  t.after(async () => {
    await holder.close();
    await Promise.all([removeTempDir(shared), removeTempDir(own)]);
  });

  // Any one of log.dirs held is enough to refuse the start.
  const second = launchBroker(BIN, [], `${own},${shared}`);
  killOnExit(t, second);
  const [code] = await second.exited;
  assert.equal(code, 1, second.output());
  assert.match(second.output(), new RegExp(`samsa broker: failed to start: Failed to acquire lock on file \\.lock in ${shared}\\. `
    + `A Samsa broker in another process or thread \\(pid ${process.pid}\\) is using this directory\\.`));
  assert.ok(await lockIsFree(own), 'the refused broker let go of the dirs it had locked');

  const kafka = new Kafka({ clientId: 'samsa-lock-test', brokers: [holder.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'still-served' }], waitForLeaders: true });
  assert.ok((await admin.listTopics()).includes('still-served'));
  await admin.disconnect();
});

test('in one process too, a second startBroker on a held log dir is refused before it touches the dir', async (t) => {
  const dataDir = await makeTempDir('samsa-lock-');
  const holder = await startTestBroker({}, dataDir);
  t.after(async () => {
    await holder.close();
    await removeTempDir(dataDir);
  });
  const before = readdirSync(dataDir).sort();
  await assert.rejects(startTestBroker({}, dataDir), (error: Error) => {
    assert.ok(error instanceof LogDirLockedError, String(error));
    assert.match(error.message, /Failed to acquire lock on file \.lock in .* is using this directory\./);
    return true;
  });
  assert.deepEqual(readdirSync(dataDir).sort(), before);
  await holder.close();
  const next = await startTestBroker({}, dataDir);
  await next.close();
});

test('under a Node older than 24 that has no execve, the command runs in a child that stops when the launcher is killed', async (t) => {
  const olderNode = '/usr/bin/node';
  const probe = spawnSync(olderNode, ['-p', 'typeof process.execve'], { encoding: 'utf8' });
  if (probe.status !== 0 || probe.stdout.trim() !== 'undefined') {
    t.skip(`no Node without execve at ${olderNode}`);
    return;
  }
  const dataDir = await makeTempDir('samsa-launcher-');
  t.after(() => removeTempDir(dataDir));
  const launched = launchBroker(olderNode, [BIN], dataDir);
  killOnExit(t, launched);
  const info = await launched.started();
  t.after(() => { if (!pidIsGone(info.pid)) process.kill(info.pid, 'SIGKILL'); });
  assert.notEqual(info.pid, launched.child.pid);

  launched.child.kill('SIGKILL');
  await launched.exited;
  await waitFor(() => pidIsGone(info.pid), GONE_DEADLINE_MS, { what: `the broker child (pid ${info.pid}) to stop` });
  await waitFor(() => portRefuses(info.port), GONE_DEADLINE_MS, { what: `port ${info.port} to refuse connections` });
  assert.ok(await lockIsFree(dataDir));
});
